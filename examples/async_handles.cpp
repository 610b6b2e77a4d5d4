// The life of an AsyncResult: not ready while the task runs, ready and
// successful once it is done; a task that throws finishes unsuccessfully; and
// asking whether a running task succeeded throws herd::NotReady.
#include <chrono>
#include <iostream>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

namespace {
constexpr double kSleepSeconds = 2.0;
}  // namespace

int main() try {
  using namespace std::chrono_literals;
  herd::Client client;
  examples::wait_for_engines(client);
  auto lb = client.load_balanced_view();
  std::cout << std::boolalpha;

  herd::AsyncResult<void> nap = lb.apply(herd::builtin::sleep, kSleepSeconds);
  std::cout << "task " << nap.id() << ": sleep(" << kSleepSeconds << ")\n";
  const bool ready_at_once = nap.ready();
  std::cout << "ready(): " << ready_at_once << '\n';
  const bool done_in_100ms = nap.wait(100ms);
  std::cout << "wait(100ms): " << done_in_100ms << '\n';
  if (ready_at_once || done_in_100ms) return examples::fail("a 2 s sleep finished at once");

  try {
    const bool ok = nap.successful();
    return examples::fail("successful() on a running task returned " + std::to_string(ok));
  } catch (const herd::NotReady& e) {
    std::cout << "successful() while running threw herd::NotReady: " << e.what() << '\n';
  }

  // Unbounded on purpose, to show it; the cluster still bounds it, since a lost
  // engine or a silent controller fails the result.
  nap.wait();
  std::cout << "wait() returned; ready(): " << nap.ready() << ", successful(): " << nap.successful()
            << '\n';
  if (!nap.ready() || !nap.successful()) return examples::fail("the sleep did not succeed");

  herd::AsyncResult<int> bad = lb.apply(examples::hates_eights, 8);
  if (!bad.wait(examples::kResultWait)) return examples::fail("hates_eights(8) did not finish");
  std::cout << "hates_eights(8): ready(): " << bad.ready() << ", successful(): " << bad.successful()
            << '\n';
  if (bad.successful()) return examples::fail("hates_eights(8) succeeded");
  // Only the task's own exception comes back as a RemoteError; any other
  // herd::Error (say, no engine offers the task) ends the program below.
  try {
    (void)bad.get();
    return examples::fail("get() on a failed task returned");
  } catch (const herd::RemoteError& e) {
    std::cout << "get() threw herd::RemoteError: " << e.remote_type() << ": " << e.message()
              << '\n';
  }
  return 0;
} catch (const herd::Error& error) {
  return examples::report(error);
}
