// herd-bench's command line: which scenario, and how big.
#pragma once

#include <cstddef>
#include <string>

namespace herd::bench {

// The clusters' transport. The scenarios compare herd with a raw-ZeroMQ relay
// that does not encrypt, so by default they start herd with --insecure, like
// for like; `--security curve` measures what a default cluster does. The
// curve scenario runs both, whatever this says.
enum class Security { kInsecure, kCurve };
// "insecure" or "curve", as `herd status` names them.
const char* security_name(Security security);

struct Config {
  std::string scenario;
  bool small = false;    // --small: counts ÷100, 1 MB payloads (the CI smoke test)
  size_t count = 0;      // --count N: a scenario's main task count (0: its own)
  size_t window = 1000;  // --window W: apply() calls outstanding at most
  unsigned hwm = 64;     // --hwm N: tasks outstanding per engine, passed to the cluster
  size_t repeat =
      0;  // --repeat N: rate measurements repeated, the median kept (0: 3, 1 with --small)
  Security security = Security::kInsecure;  // --security curve|insecure

  // A scenario's count: --count if given, else `full` (÷100 with --small).
  size_t scaled(size_t full) const;
  size_t repeats() const { return repeat ? repeat : small ? 1 : 3; }
};

// Throws std::invalid_argument with a message for the user.
Config parse_config(int argc, char** argv);
const char* usage();

}  // namespace herd::bench
