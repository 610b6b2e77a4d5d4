// Compiled against an installed herd: each line marked "dropped" throws
// away a value whose loss is a bug, and must warn ([[nodiscard]]); no other
// line may, since apply, map, push and scatter are fire-and-forget by design,
// get() is also how one waits for a task and rethrows its error, and
// SPEC.md shows wait(timeout), ready(), successful() and metadata() as
// statements.
#include <herd/herd.hpp>

int twice(int x);

void use(herd::Client& client, herd::AsyncResult<int>& ar, herd::AsyncMapResult<int>& m,
         const std::vector<herd::AsyncResult<int>>& results) {
  using namespace std::chrono_literals;
  auto lb = client.load_balanced_view();
  auto dv = client.direct_view();

  lb.apply(twice, 1);
  lb.map(twice, std::vector{1, 2});
  dv.apply(twice, 1);
  dv.push("k", 1);
  dv.scatter("k", std::vector{1, 2});
  ar.wait();
  m.wait();
  ar.abort();
  ar.add_done_callback([](const herd::AsyncResult<int>&) {});
  herd::engine_store().set("k", 1);
  herd::engine_store().erase("k");
  m.wait_interactive();
  herd::wait_interactive(results);

  ar.get();
  ar.get(1s);
  ar.wait(1s);
  ar.ready();
  ar.successful();
  ar.id();                             // dropped
  ar.metadata();
  m.get();
  m.get(1s);
  m.wait(1s);
  m.ready();
  m.successful();
  m.size();                            // dropped
  m[0];                                // dropped
  m.metadata();
  m.as_completed();                    // dropped
  herd::as_completed(results);         // dropped
  herd::wait_any(results, 1s);         // dropped
  herd::wait_all(results, 1s);         // dropped
  client.ids();                        // dropped
  client.status();                     // dropped
  client.load_balanced_view();         // dropped
  client.direct_view();                // dropped
  lb.with({});                         // dropped
  dv.with({});                         // dropped
  dv.targets();                        // dropped
  dv.pull<int>("k");                   // dropped
  dv.gather<int>("k");                 // dropped
  herd::engine_store().get<int>("k");  // dropped
  herd::engine_store().contains("k");  // dropped
  herd::engine_store().keys();         // dropped
  herd::this_task();                   // dropped
  herd::this_task().cancelled();       // dropped
}
