// The controller's table of client sessions. A client is known by the
// public id it gives in its HELLO (the prefix of its task ids) and proves it
// with a secret token; its connection (the ROUTER's routing id) may change
// when it reconnects, so results go to whichever connection said HELLO last
// with that token. Tasks refer to clients by a small index into this table.
//
// A session survives a reconnect without losing or repeating a message: it
// counts the TASK messages it received (the client sends again what the
// count does not cover) and keeps each RESULT it sent until the client's
// count of results received covers it (and sends again what it does not).
//
// Owned by the event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proto/wire.hpp"

namespace herd::controller {

struct ClientSession {
  uint64_t id = 0;
  std::string token;
  std::string routing_id;  // the connection that last said HELLO
  std::chrono::steady_clock::time_point last_heard;
  uint64_t tasks_received = 0;  // TASK messages from it, in all
  uint64_t results_sent = 0;    // RESULT messages to it, in all
  // The last results sent, oldest first, until the client confirms them;
  // each without its routing frame.
  std::deque<wire::Frames> unconfirmed;
  bool gone = false;  // forgotten: left, or silent too long

  // Drops what the client's count says it has received.
  void confirm(uint64_t results_received);
};

class ClientTable {
 public:
  enum class Hello { kAccepted, kResumed, kIdTaken, kNoId };
  // Binds `routing_id` to client `id` if `token` proves it (kResumed: a
  // session that already existed), or opens a session (kAccepted) for an
  // id not seen or forgotten. `index` receives the session's index.
  Hello hello(uint64_t id, std::string_view token, std::string_view routing_id, uint32_t& index);
  // The live session whose connection is `routing_id`, if it said HELLO.
  std::optional<uint32_t> by_routing_id(std::string_view routing_id) const;
  ClientSession& at(uint32_t index) { return sessions_.at(index); }
  const ClientSession& at(uint32_t index) const { return sessions_.at(index); }
  // Ends a session: its id and connection are forgotten, its results dropped.
  void forget(uint32_t index);
  // Live sessions not heard from since `cutoff`.
  std::vector<uint32_t> silent_since(std::chrono::steady_clock::time_point cutoff) const;

 private:
  std::deque<ClientSession> sessions_;  // indices stay valid: forgotten ones stay, gone
  std::unordered_map<uint64_t, uint32_t> by_id_;
  std::unordered_map<std::string, uint32_t> by_routing_id_;
};

}  // namespace herd::controller
