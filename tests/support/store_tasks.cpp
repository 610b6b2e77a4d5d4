#include "support/store_tasks.hpp"

#include <numeric>
#include <vector>

#include "herd/engine_store.hpp"
#include "herd/task.hpp"

namespace test_tasks {

uint32_t engine_id() { return herd::this_task().engine_id; }

double stored_sum(std::string key) {
  const auto xs = herd::engine_store().get<std::vector<double>>(key);
  return std::accumulate(xs.begin(), xs.end(), 0.0);
}

void store_text(std::string key, std::string value) { herd::engine_store().set(key, value); }

Point stored_point_shifted(std::string key, double dx, double dy) {
  return shift(herd::engine_store().get<Point>(key), dx, dy);
}

HERD_TASK(engine_id);
HERD_TASK(stored_sum);
HERD_TASK(store_text);
HERD_TASK(stored_point_shifted);

}  // namespace test_tasks
