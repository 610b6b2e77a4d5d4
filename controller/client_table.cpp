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

ClientTable::Hello ClientTable::hello(uint64_t id, std::string_view token,
                                      std::string_view routing_id, uint32_t& index) {
  if (id == 0 || token.empty()) return Hello::kNoId;
  auto known = by_id_.find(id);
  if (known == by_id_.end()) {
    index = static_cast<uint32_t>(entries_.size());
    entries_.push_back({id, std::string(token), std::string(routing_id)});
    by_id_.emplace(id, index);
  } else {
    index = known->second;
    ClientEntry& entry = entries_[index];
    if (!same_token(entry.token, token)) return Hello::kIdTaken;
    if (entry.routing_id != routing_id) {
      by_routing_id_.erase(entry.routing_id);
      entry.routing_id = std::string(routing_id);
    }
  }
  by_routing_id_[std::string(routing_id)] = index;
  return Hello::kAccepted;
}

std::optional<uint32_t> ClientTable::by_routing_id(std::string_view routing_id) const {
  auto it = by_routing_id_.find(std::string(routing_id));
  if (it == by_routing_id_.end()) return std::nullopt;
  return it->second;
}

}  // namespace herd::controller
