// Tasks that wait for other tasks (TaskOptions::after, ::follow, and an
// AsyncResult passed as an argument), and the outcomes of finished tasks
// that such waiting needs. The policy only: the event loop tells it what
// arrived and what ended, and carries out what it decides. Owned by the
// event loop.
//
// Which outcomes are kept, and for how long: a task's outcome (and, for a
// single call that succeeded, its result frame, shared with the copy the
// client session keeps, never copied) stays until its client confirms it
// received that result, and after that while a waiting task still needs
// it. A client resolves a prerequisite whose result it already holds by
// itself, and it confirms results on the same connection, after the tasks
// it sent: so a prerequisite a dependent names is either pending, or kept
// here. A name that is neither (never submitted, or its result let go) is
// refused with DEPENDENCY_FAILED at once rather than waited for. Clients
// name only single tasks, so the controller keeps a chunk's outcome only
// while a task waits for it (finished() with result 0).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "controller/task_key.hpp"
#include "proto/wire.hpp"

namespace herd::controller {

struct Prerequisite {
  TaskKey key;
  // Data: the argument position this task's result fills, plus one; 0 when
  // the dependent only waits for it.
  uint32_t arg = 0;
  bool follow = false;  // the dependent runs on the engine that ran it
};

struct Outcome {
  bool ok = false;
  bool single = true;      // a single call, whose result can fill an argument
  std::string error;       // why it failed
  uint32_t engine_id = 0;  // who ran it; 0 if it never ran
  zmq::message_t value;    // a single call that succeeded: its result frame
};

struct Decision {
  enum class Kind { kWait, kReady, kFail };
  Kind kind = Kind::kWait;
  TaskKey task;
  std::string error;     // kFail: which prerequisite, and why
  TaskKey prerequisite;  // kFail: that prerequisite
  // kReady: argument position -> the result frame to put there (shared).
  std::vector<std::pair<uint32_t, zmq::message_t>> args;
  std::vector<uint32_t> engines;  // kReady: from follow; empty: any engine
};

class DependencyTable {
 public:
  // `task` arrived with `prerequisites`. kReady or kFail if they are all
  // known now; kWait otherwise (finished() decides later). `pending(key)`
  // says whether the event loop holds an unfinished task of that key.
  template <class Pending>
  Decision add(const TaskKey& task, std::vector<Prerequisite> prerequisites, bool failure_ok,
               Pending&& pending);

  // `key` ended. Returns what that decides for tasks waiting on it. The
  // outcome is kept for dependents yet to come until `session` confirms its
  // result number `result` (0: the client will never see it; not kept).
  std::vector<Decision> finished(const TaskKey& key, Outcome outcome, uint32_t session,
                                 uint64_t result);
  // `session` has received its first `results` results.
  void confirmed(uint32_t session, uint64_t results);
  // A waiting task went away (aborted, its client left).
  void cancel(const TaskKey& task);

  // The outcome a RESULT message tells of: its header, and `frames` as
  // received (a routing frame, the header, then for a single call that
  // succeeded its result frame, which the outcome shares).
  static Outcome outcome_of(const wire::Header& result, wire::Frames& frames);

  size_t waiting() const { return waiters_.size(); }
  size_t kept() const { return outcomes_.size(); }

 private:
  struct Waiter {
    std::vector<Prerequisite> prerequisites;
    bool failure_ok = false;
    size_t unmet = 0;  // prerequisites without an outcome yet
  };
  struct Kept {
    Outcome outcome;
    size_t pins = 0;         // waiters that need it
    bool confirmed = false;  // its client has it
  };

  // Why `p` stops a dependent, or empty if it does not.
  static std::string blocks(const Prerequisite& p, const Outcome& o, bool failure_ok);
  // kReady or kFail for a waiter whose prerequisites all have outcomes.
  Decision decide(const TaskKey& task, const Waiter& waiter);
  static Decision fail(const TaskKey& task, std::string error, const TaskKey& prerequisite);
  void release(const TaskKey& task);  // unpins and forgets a waiter
  void drop_if_unneeded(const TaskKey& key);

  std::unordered_map<TaskKey, Waiter, TaskKeyHash> waiters_;
  // Pending prerequisite -> its waiters, once per time each names it.
  std::unordered_map<TaskKey, std::vector<TaskKey>, TaskKeyHash> dependents_;
  std::unordered_map<TaskKey, Kept, TaskKeyHash> outcomes_;
  // By session: outcomes not confirmed yet, by result number, oldest first.
  std::unordered_map<uint32_t, std::deque<std::pair<uint64_t, TaskKey>>> unconfirmed_;
};

template <class Pending>
Decision DependencyTable::add(const TaskKey& task, std::vector<Prerequisite> prerequisites,
                              bool failure_ok, Pending&& pending) {
  Waiter waiter{std::move(prerequisites), failure_ok, 0};
  for (const Prerequisite& p : waiter.prerequisites) {
    auto kept = outcomes_.find(p.key);
    if (kept != outcomes_.end()) {
      if (std::string why = blocks(p, kept->second.outcome, failure_ok); !why.empty())
        return fail(task, std::move(why), p.key);
    } else if (!pending(p.key)) {
      return fail(task,
                  "prerequisite task " + wire::task_id(p.key.client, p.key.seq) +
                      " is unknown: never submitted, or its result was already let go",
                  p.key);
    } else {
      ++waiter.unmet;
    }
  }
  if (waiter.unmet == 0) return decide(task, waiter);
  for (const Prerequisite& p : waiter.prerequisites) {
    if (auto kept = outcomes_.find(p.key); kept != outcomes_.end())
      ++kept->second.pins;
    else
      dependents_[p.key].push_back(task);
  }
  waiters_[task] = std::move(waiter);
  return Decision{Decision::Kind::kWait, task, {}, {}, {}, {}};
}

}  // namespace herd::controller
