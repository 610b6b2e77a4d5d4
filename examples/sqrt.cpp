// The same task called two ways: by the address of a function this program
// links, and by its registered name and signature, as a client that does not
// link the task library would.
#include <iostream>
#include <vector>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

int main() try {
  herd::Client client;
  examples::wait_for_engines(client);
  auto lb = client.load_balanced_view();

  std::vector<double> squares, expected;
  for (int i = 0; i < 10; ++i) {
    squares.push_back(i * i);
    expected.push_back(i);
  }

  const std::vector<double> by_address =
      lb.map(examples::square_root, squares).get(examples::kResultWait);
  std::cout << "by address: " << examples::format_list(by_address) << '\n';

  // Needs only the name and the signature; the engines check the signature.
  const herd::Task<double(double)> square_root_task{"square_root"};
  const std::vector<double> by_name = lb.map(square_root_task, squares).get(examples::kResultWait);
  std::cout << "by name:    " << examples::format_list(by_name) << '\n';

  if (by_address != expected || by_name != expected)
    return examples::fail("expected " + examples::format_list(expected));
  return 0;
} catch (const herd::Error& error) {
  return examples::report(error);
}
