// Reading `herd status --json` in tests that cannot use a client (the
// controller sits in another network namespace).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

namespace herd::test {

// Calls fetch() (which returns std::optional<nlohmann::json>) every `step`
// until pred(status) holds or `bound` has passed; that status, or nullopt.
template <class Fetch, class Pred>
std::optional<nlohmann::json> poll_status(Fetch fetch, Pred pred, std::chrono::milliseconds bound,
                                          std::chrono::milliseconds step) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (auto s = fetch(); s && pred(*s)) return s;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(step);
  }
}

// pid -> how many entries of a status show that engine in a state other than lost.
inline std::map<int64_t, int> live_engine_counts(const nlohmann::json& s) {
  std::map<int64_t, int> out;
  for (const auto& e : s.at("engines"))
    if (e.at("state") != "lost") ++out[e.at("pid").get<int64_t>()];
  return out;
}

}  // namespace herd::test
