// Ten one-second tasks through a load-balanced view: they spread over the
// engines, so on 4 engines the batch takes about 3 s, not 10.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <set>
#include <vector>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

namespace {
constexpr size_t kTasks = 10;
}  // namespace

int main() try {
  herd::Client client;
  const size_t engines = examples::wait_for_engines(client);
  auto lb = client.load_balanced_view();

  const auto start = std::chrono::steady_clock::now();
  std::vector<herd::AsyncResult<int64_t>> results;
  for (size_t i = 0; i < kTasks; ++i) results.push_back(lb.apply(examples::who_am_i));

  std::vector<int64_t> pids;
  for (const auto& result : results) pids.push_back(result.get(examples::kResultWait));
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  const std::set<int64_t> distinct(pids.begin(), pids.end());
  // Each engine runs one task at a time, so the batch takes ceil(tasks / engines) seconds.
  const size_t rounds = (kTasks + engines - 1) / std::max<size_t>(engines, 1);
  std::cout << "pids: " << examples::format_list(pids) << '\n'
            << "distinct engines: " << distinct.size() << '\n'
            << "elapsed: " << std::fixed << std::setprecision(1) << elapsed.count() << " s (about "
            << rounds << " s expected on " << engines << " engines)\n";

  const size_t wanted = std::min<size_t>(4, engines);
  if (distinct.size() < wanted)
    return examples::fail("tasks ran on " + std::to_string(distinct.size()) +
                          " engines, expected at least " + std::to_string(wanted));
  return 0;
} catch (const herd::Error& error) {
  return examples::report(error);
}
