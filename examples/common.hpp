// What every example program shares: printing results and waiting for the
// cluster, so each program shows only what it is about.
#pragma once

#include <chrono>
#include <cstddef>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "herd/herd.hpp"

namespace examples {

// Long enough for `herd cluster start` to finish registering engines; short
// enough that a missing cluster fails the program rather than hanging it.
inline constexpr std::chrono::seconds kEngineWait{30};
// The bound on any one result: every example task finishes in seconds.
inline constexpr std::chrono::seconds kResultWait{60};

// "[1, 3, 5]"
template <class T>
std::string format_list(const std::vector<T>& items) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < items.size(); ++i) out << (i ? ", " : "") << items[i];
  out << ']';
  return out.str();
}

// Waits (at most kEngineWait) until `min_engines` engines are connected and
// returns how many are. Throws herd::TimeoutError.
inline size_t wait_for_engines(herd::Client& client, size_t min_engines = 1) {
  client.wait_for_engines(min_engines, kEngineWait);
  const size_t engines = client.ids().size();
  std::cout << "connected to " << client.url() << " (" << engines << " engines)\n";
  return engines;
}

// Reports a result that is not what the example expects; returns main's exit code.
inline int fail(const std::string& what) {
  std::cerr << "FAILED: " << what << '\n';
  return 1;
}

// Reports an error thrown by herd; returns main's exit code.
inline int report(const herd::Error& error) {
  std::cerr << "herd error: " << error.what() << '\n';
  return 1;
}

}  // namespace examples
