// Compiled against an installed herd: each line marked "dropped" throws
// away a value whose loss is a bug, and must warn ([[nodiscard]]); no other
// line may, since apply, map, push and scatter are fire-and-forget by design.
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

  ar.get();                            // dropped
  ar.get(1s);                          // dropped
  ar.wait(1s);                         // dropped
  ar.ready();                          // dropped
  ar.successful();                     // dropped
  ar.id();                             // dropped
  ar.metadata();                       // dropped
  m.get();                             // dropped
  m.get(1s);                           // dropped
  m.wait(1s);                          // dropped
  m.ready();                           // dropped
  m.successful();                      // dropped
  m.size();                            // dropped
  m[0];                                // dropped
  m.metadata();                        // dropped
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
