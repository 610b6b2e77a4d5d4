#include "controller/client_table.hpp"

namespace herd::controller {

namespace {

// Compares without an early exit, so timing does not reveal a token.
bool same_token(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

void ClientSession::confirm(uint64_t results_received) {
  while (!unconfirmed.empty() && results_sent - unconfirmed.size() < results_received)
    unconfirmed.pop_front();
}

ClientTable::Hello ClientTable::hello(uint64_t id, std::string_view token,
                                      std::string_view routing_id, uint32_t& index) {
  if (id == 0 || token.empty()) return Hello::kNoId;
  Hello outcome = Hello::kResumed;
  auto known = by_id_.find(id);
  if (known == by_id_.end()) {
    index = static_cast<uint32_t>(sessions_.size());
    ClientSession& created = sessions_.emplace_back();
    created.id = id;
    created.token = std::string(token);
    by_id_.emplace(id, index);
    outcome = Hello::kAccepted;
  } else {
    index = known->second;
    if (!same_token(sessions_[index].token, token)) return Hello::kIdTaken;
  }
  ClientSession& session = sessions_[index];
  if (session.routing_id != routing_id) {
    by_routing_id_.erase(session.routing_id);
    session.routing_id = std::string(routing_id);
  }
  by_routing_id_[session.routing_id] = index;
  return outcome;
}

std::optional<uint32_t> ClientTable::by_routing_id(std::string_view routing_id) const {
  auto it = by_routing_id_.find(std::string(routing_id));
  if (it == by_routing_id_.end()) return std::nullopt;
  return it->second;
}

void ClientTable::forget(uint32_t index) {
  ClientSession& session = sessions_.at(index);
  if (session.gone) return;
  by_id_.erase(session.id);
  by_routing_id_.erase(session.routing_id);
  session.gone = true;
  session.unconfirmed.clear();
  session.token.clear();
}

std::vector<uint32_t> ClientTable::silent_since(
    std::chrono::steady_clock::time_point cutoff) const {
  std::vector<uint32_t> out;
  for (const auto& [id, index] : by_id_)
    if (sessions_[index].last_heard < cutoff) out.push_back(index);
  return out;
}

}  // namespace herd::controller
