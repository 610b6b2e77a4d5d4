#include "bench_tasks.hpp"

#include <stdexcept>
#include <string>

int noop(int x) { return x; }
HERD_TASK(noop);

int fail_at(int i, int bad) {
  if (i == bad)
    throw std::runtime_error("fail_at: item " + std::to_string(i) + " fails on purpose");
  return i;
}
HERD_TASK(fail_at);

size_t payload_size(herd::Bytes payload) { return payload.size(); }
HERD_TASK(payload_size);

size_t vector_size(std::vector<double> values) { return values.size(); }
HERD_TASK(vector_size);
