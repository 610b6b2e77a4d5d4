// The controller's table of clients. A client is known by the public id it
// gives in its HELLO (the prefix of its task ids) and proves it with a
// secret token; its connection (the ROUTER's routing id) may change when it
// reconnects, so results go to whichever connection said HELLO last with
// that token. Tasks refer to clients by a small index into this table.
//
// Owned by the event loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace herd::controller {

struct ClientEntry {
  uint64_t id = 0;
  std::string token;
  std::string routing_id;  // the connection that last said HELLO
};

class ClientTable {
 public:
  enum class Hello { kAccepted, kIdTaken, kNoId };
  // Binds `routing_id` to client `id` if `token` proves it (or the id is
  // new). On kAccepted, `index` receives the client's index.
  Hello hello(uint64_t id, std::string_view token, std::string_view routing_id, uint32_t& index);
  // The client whose connection is `routing_id`, if it said HELLO.
  std::optional<uint32_t> by_routing_id(std::string_view routing_id) const;
  const ClientEntry& at(uint32_t index) const { return entries_.at(index); }

 private:
  std::vector<ClientEntry> entries_;
  std::unordered_map<uint64_t, uint32_t> by_id_;
  std::unordered_map<std::string, uint32_t> by_routing_id_;
};

}  // namespace herd::controller
