// The tasks the benchmarks run (libherd_bench_tasks, loaded by the engines
// and linked by herd-bench). They do next to nothing, so what is measured is
// herd moving them.
#pragma once

#include <herd/herd.hpp>
#include <vector>

int noop(int x);
// Throws std::runtime_error when i == bad, to check that a failing item of a
// map is reported by its index.
int fail_at(int i, int bad);
size_t payload_size(herd::Bytes payload);
size_t vector_size(std::vector<double> values);
