// map() calls a task once per index of its input sequences and returns the
// results in input order: expensive_calculation(a[i], b[i]).
#include <iostream>
#include <vector>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

int main() try {
  herd::Client client;
  examples::wait_for_engines(client);
  auto lb = client.load_balanced_view();

  auto m = lb.map(examples::expensive_calculation, std::vector{0, 1, 2, 3, 4, 5, 6},
                  std::vector{1, 1, 1, 1, 1, 1, 1});
  const std::vector<int> results = m.get(examples::kResultWait);
  std::cout << examples::format_list(results) << '\n';

  const std::vector<int> expected{1, 3, 5, 7, 9, 11, 13};
  if (results != expected) return examples::fail("expected " + examples::format_list(expected));
  return 0;
} catch (const herd::Error& error) {
  return examples::report(error);
}
