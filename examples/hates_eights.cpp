// One failing input does not sink a map: each index can be inspected on its
// own, and the failure arrives as a herd::RemoteError naming the remote
// exception and the engine it came from. m.get() throws the failure of the
// lowest failing index.
#include <iostream>
#include <numeric>
#include <vector>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

namespace {
constexpr int kFailingInput = 8;
}  // namespace

int main() try {
  herd::Client client;
  examples::wait_for_engines(client);
  auto lb = client.load_balanced_view();

  std::vector<int> inputs(10);
  std::iota(inputs.begin(), inputs.end(), 0);
  auto m = lb.map(examples::hates_eights, inputs);
  if (!m.wait(examples::kResultWait)) return examples::fail("map did not finish in time");

  std::vector<int> results;
  std::vector<size_t> failed;
  for (size_t i = 0; i < m.size(); ++i) {
    try {
      results.push_back(m[i].get());
    } catch (const herd::RemoteError& e) {
      failed.push_back(i);
      std::cout << "input " << i << " failed: " << e.remote_type() << ": " << e.message()
                << " (engine " << e.engine_id() << " on " << e.host() << ", task " << e.task_id()
                << ")\n";
    }
  }
  std::cout << results.size() << " results: " << examples::format_list(results) << '\n';

  try {
    (void)m.get();
    return examples::fail("m.get() did not throw");
  } catch (const herd::RemoteError& e) {
    std::cout << "m.get() threw RemoteError for index " << e.index() << ": " << e.message() << '\n';
    if (e.index() != kFailingInput) return examples::fail("expected index 8");
  }

  const std::vector<int> expected{0, 1, 2, 3, 4, 5, 6, 7, 9};
  if (results != expected) return examples::fail("expected " + examples::format_list(expected));
  if (failed != std::vector<size_t>{kFailingInput})
    return examples::fail("expected only input 8 to fail");
  return 0;
} catch (const herd::Error& error) {
  return examples::report(error);
}
