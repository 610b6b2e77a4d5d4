// The transport floor: a minimal raw-ZeroMQ relay shaped like herd
// (client DEALER -> broker ROUTER/ROUTER in its own process -> worker DEALER
// in its own process, and back), measured the same way as herd.
#pragma once

#include <vector>

namespace herd::bench {

// Round-trip latencies in microseconds of `count` sequential requests.
std::vector<double> baseline_round_trips(int count);

}  // namespace herd::bench
