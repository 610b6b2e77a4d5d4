// Checks shared by the tests of connecting and failing to connect: a call
// that must fail with herd::ConnectionError naming its cause, within a bound.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "herd/error.hpp"

namespace herd::test {

// ClientOptions::connect_timeout is 2 s by default; the rest is slack for a
// loaded machine. A bound, not a measurement.
inline constexpr auto kConnectBound = std::chrono::seconds(4);

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// `n` random hex digits: markers, tokens.
inline std::string random_hex(size_t n) {
  std::random_device rd;
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "0123456789abcdef"[rd() % 16];
  return s;
}

// Runs `call` and expects herd::ConnectionError whose message holds every
// one of `words` (case aside), within kConnectBound. `what` names the case
// in failure messages.
template <class Call>
void expect_connection_error(const std::string& what, Call call,
                             const std::vector<std::string>& words) {
  const auto start = std::chrono::steady_clock::now();
  try {
    call();
    ADD_FAILURE() << what << ": no ConnectionError";
  } catch (const herd::ConnectionError& e) {
    for (const auto& w : words)
      EXPECT_NE(lower(e.what()).find(w), std::string::npos)
          << what << ": \"" << w << "\" not in: " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": not a ConnectionError: " << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, kConnectBound)
      << what << ": the failure came late";
}

}  // namespace herd::test
