#include "controller/prefetch.hpp"

#include <algorithm>

#include "controller/engine_registry.hpp"

namespace herd::controller {

bool Admission::admits(const EngineRecord& e) const {
  if (e.retiring || e.outstanding() >= hwm) return false;
  if (e.outstanding() == 0 || target_us == 0) return true;
  return !e.gave_back && e.expected_us < target_us;
}

void TaskDurations::learn(uint32_t name, uint32_t items, double seconds) {
  if (seconds < 0) return;  // a clock stepped back
  if (name >= per_item_us_.size()) per_item_us_.resize(name + 1, -1);
  const double us = seconds * 1e6 / std::max<uint32_t>(items, 1);
  double& estimate = per_item_us_[name];
  estimate = estimate < 0 ? us : estimate + kWeight * (us - estimate);
}

uint64_t TaskDurations::expected_us(uint32_t name, uint32_t items, uint64_t unknown_us) const {
  if (name >= per_item_us_.size() || per_item_us_[name] < 0) return unknown_us;
  const double us = per_item_us_[name] * std::max<uint32_t>(items, 1);
  return static_cast<uint64_t>(std::max(us, kFloorUs));
}

EngineRecord* recall_victim(const std::vector<EngineRecord*>& live,
                            const std::function<bool(const EngineRecord&)>& useful) {
  EngineRecord* victim = nullptr;
  for (EngineRecord* e : live) {
    if (e->recall_open || e->gave_back || e->outstanding() <= 1) continue;
    if (victim && e->outstanding() <= victim->outstanding()) continue;
    if (useful(*e)) victim = e;
  }
  return victim;
}

void recall_answered(EngineRecord& e) {
  e.recall_open = false;
  e.gave_back = e.outstanding() > 0;
}

}  // namespace herd::controller
