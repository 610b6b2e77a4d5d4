// Engines and loads for the controller's table tests, without sockets.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "controller/engine_registry.hpp"

namespace herd::controller::test {

// An engine's HELLO offering `tasks` (name, signature).
inline herd::wire::Hello hello(std::vector<std::pair<std::string, std::string>> tasks,
                               int64_t pid = 100) {
  herd::wire::Hello h;
  h.set_version(1);
  h.set_role(herd::wire::ENGINE);
  h.set_host("host-" + std::to_string(pid));
  h.set_pid(pid);
  h.set_cores(4);
  for (const auto& [name, signature] : tasks) {
    auto* t = h.add_tasks();
    t->set_name(name);
    t->set_signature(signature);
  }
  return h;
}

// Gives an engine `n` outstanding tasks.
inline void load(EngineRecord& e, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) e.assigned.push_back({e.id, i});
}

}  // namespace herd::controller::test
