// How far ahead the controller feeds each engine. It learns how long tasks
// of each name take and keeps every engine supplied with about a few
// milliseconds of expected work: at least one task, at most the hard cap
// --hwm. Tiny tasks then flow without a round trip each, while a task of
// unknown or long duration holds few others behind it. When an engine falls
// idle and another holds tasks it has not begun, the controller takes those
// back (RECALL) and places them again. Pure policy: no sockets, no clocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace herd::controller {

struct EngineRecord;

// What an engine may be sent now.
struct Admission {
  // A bare high-water mark: up to `hwm` tasks, whatever their expected work.
  explicit Admission(unsigned cap) : hwm(cap) {}
  Admission(unsigned cap, uint64_t target) : hwm(cap), target_us(target) {}

  // Whether `e` takes one more task: an idle engine always does (up to its
  // cap); a busy one while its expected work is below the target, unless it
  // just gave tasks back.
  bool admits(const EngineRecord& e) const;

  unsigned hwm;
  uint64_t target_us = 0;  // 0: no limit but hwm
};

// A moving estimate of each task name's duration per call, by interned name.
class TaskDurations {
 public:
  // A task of `items` calls (1 for a single task) ran `seconds`.
  void learn(uint32_t name, uint32_t items, double seconds);
  // The expected work, in microseconds, of a task of `name` with `items`
  // calls: never below kFloorUs (what a task costs the engine beyond its
  // function); `unknown_us` for a name that has not finished yet.
  uint64_t expected_us(uint32_t name, uint32_t items, uint64_t unknown_us) const;

  // The engine's own cost per task, on top of the function's time.
  static constexpr double kFloorUs = 20;
  // The weight of the newest run: a name's estimate follows a change in a
  // few runs, and one long run among short ones does not dominate for long.
  static constexpr double kWeight = 0.2;

 private:
  std::vector<double> per_item_us_;  // by name; negative: not learnt yet
};

// For an idle engine: the engine to take tasks back from, or null. Only an
// engine holding more than the task it runs has any to give back; of those
// for which `useful(e)` holds (an idle engine could run what it gives
// back), the one holding most is asked, unless a request to it is still
// open or it gave back since its last result.
EngineRecord* recall_victim(const std::vector<EngineRecord*>& live,
                            const std::function<bool(const EngineRecord&)>& useful);

// The engine answered a recall (what it gave back already left it): while
// it still runs a task, it gets nothing ahead and is not asked again until
// its next result; one that answered everything meanwhile is simply idle.
void recall_answered(EngineRecord& e);

}  // namespace herd::controller
