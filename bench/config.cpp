#include "config.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace herd::bench {

namespace {

size_t positive(const std::string& flag, const char* text) {
  size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || text[used] != '\0' || value == 0 || value > std::numeric_limits<unsigned>::max())
    throw std::invalid_argument(flag + " needs a positive integer, not '" + text + "'");
  return static_cast<size_t>(value);
}

Security parse_security(const std::string& text) {
  if (text == security_name(Security::kInsecure)) return Security::kInsecure;
  if (text == security_name(Security::kCurve)) return Security::kCurve;
  throw std::invalid_argument("--security is curve or insecure, not '" + text + "'");
}

}  // namespace

const char* security_name(Security security) {
  return security == Security::kCurve ? "curve" : "insecure";
}

size_t Config::scaled(size_t full) const {
  if (count > 0) return count;
  return small ? std::max<size_t>(full / 100, 1) : full;
}

Config parse_config(int argc, char** argv) {
  Config c;
  if (argc < 2) throw std::invalid_argument("no scenario given");
  c.scenario = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--small") {
      c.small = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("unknown option or missing value: " + flag);
    const char* value = argv[++i];
    if (flag == "--count")
      c.count = positive(flag, value);
    else if (flag == "--window")
      c.window = positive(flag, value);
    else if (flag == "--repeat")
      c.repeat = positive(flag, value);
    else if (flag == "--hwm")
      c.hwm = static_cast<unsigned>(positive(flag, value));
    else if (flag == "--security")
      c.security = parse_security(value);
    else
      throw std::invalid_argument("unknown option " + flag);
  }
  return c;
}

const char* usage() {
  return "usage: herd-bench SCENARIO [--small] [--count N] [--window W] [--hwm N] [--repeat N]\n"
         "                  [--security curve|insecure]\n"
         "  SCENARIO: baseline latency throughput map-chunked payload queue engines curve\n"
         "            mixed two-clients all\n"
         "  --small     counts /100 and 1 MB payloads: the CI smoke test\n"
         "  --count N   the scenario's main task count\n"
         "  --window W  apply() calls outstanding at most (default 1000)\n"
         "  --hwm N     hard cap on tasks per engine, given to the cluster (default 64,\n"
         "              the cluster's own default; prefetching below it adapts)\n"
         "  --repeat N  runs per rate measurement, the median reported (default 3; 1 with "
         "--small)\n"
         "  --security  insecure (default): clusters start with --insecure, like the\n"
         "              unencrypted relay; curve: CurveZMQ, as herd runs by default.\n"
         "              The curve scenario runs both side by side either way\n";
}

}  // namespace herd::bench
