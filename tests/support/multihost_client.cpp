// herd_multihost_client: the client side of tests/integration/multihost_test,
// run inside a network namespace (the test process itself stays in the root
// namespace, which cannot reach the controller's address). It connects with
// herd::Client() — so from $HERD_CONNECTION_INFO alone — and runs one batch:
//
//   herd_multihost_client ENGINES COUNT TASK_SECONDS DEADLINE_SECONDS
//
// waits for ENGINES engines, submits COUNT calls tag_with_pid(i, TASK_SECONDS)
// with retries = 3, prints "progress K" lines as results arrive (so the test
// can act mid-batch), and ends with one JSON line:
//   {"count", "correct", "failed", "errors": [first few], "pids": {pid: calls},
//    "retried_pids": {pid: calls that ran more than once}}
// Exit code 0 when it could run the batch (whatever its results), 1 if not.
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "herd/herd.hpp"
#include "support/test_tasks.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kProgressStep = 25;
constexpr size_t kErrorsListed = 5;

std::chrono::milliseconds left(Clock::time_point deadline) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(ms, std::chrono::milliseconds(0));
}

nlohmann::json run_batch(herd::Client& client, int64_t count, double task_seconds,
                         Clock::time_point deadline) {
  auto lb = client.load_balanced_view().with({.retries = 3});
  std::vector<herd::AsyncResult<std::pair<int64_t, int64_t>>> results;
  results.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    results.push_back(lb.apply(test_tasks::tag_with_pid, i, task_seconds));
  std::cout << "submitted " << count << std::endl;

  int64_t correct = 0, failed = 0;
  std::vector<std::string> errors;
  std::map<std::string, int64_t> pids, retried_pids;
  for (int64_t i = 0; i < count; ++i) {
    try {
      const auto [n, pid] = results[static_cast<size_t>(i)].get(left(deadline));
      if (n == i)
        ++correct;
      else
        errors.push_back("call " + std::to_string(i) + " answered " + std::to_string(n));
      ++pids[std::to_string(pid)];
      if (results[static_cast<size_t>(i)].metadata().attempt > 1)
        ++retried_pids[std::to_string(pid)];
    } catch (const std::exception& e) {
      ++failed;
      if (errors.size() < kErrorsListed)
        errors.push_back("call " + std::to_string(i) + ": " + e.what());
    }
    if ((i + 1) % kProgressStep == 0) std::cout << "progress " << i + 1 << std::endl;
  }
  if (errors.size() > kErrorsListed) errors.resize(kErrorsListed);
  return {{"count", count},   {"correct", correct}, {"failed", failed},
          {"errors", errors}, {"pids", pids},       {"retried_pids", retried_pids}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s ENGINES COUNT TASK_SECONDS DEADLINE_SECONDS\n", argv[0]);
    return 1;
  }
  try {
    const size_t engines = std::stoul(argv[1]);
    const int64_t count = std::stoll(argv[2]);
    const double task_seconds = std::stod(argv[3]);
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(std::stod(argv[4])));
    herd::Client client;
    client.wait_for_engines(engines, left(deadline));
    std::cout << run_batch(client, count, task_seconds, deadline).dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herd_multihost_client: %s\n", e.what());
    return 1;
  }
}
