// The controller's table of engines: who they are, what they offer, how busy
// they are, and when they were last heard from. Owned by the event loop.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "controller/interner.hpp"
#include "controller/prefetch.hpp"
#include "controller/task_key.hpp"
#include "herd.pb.h"

namespace herd::controller {

using Clock = std::chrono::steady_clock;

struct EngineRecord {
  uint32_t id = 0;
  std::string routing_id;  // the ROUTER's identity for its connection
  std::string host;
  int64_t pid = 0;
  uint32_t cores = 0;
  uint32_t restarts = 0;
  bool lost = false;
  bool retiring = false;  // takes no new tasks; leaves once its running one is done
  std::string lost_reason;
  uint64_t tasks_done = 0;
  Clock::time_point last_seen;
  std::vector<TaskKey> assigned;  // sent to it and not yet answered
  uint64_t expected_us = 0;       // the expected work of `assigned` (see prefetch.hpp)
  bool recall_open = false;       // asked to give back tasks it has not begun; no answer yet
  // It gave tasks back (it is stuck on a long one): nothing more ahead, and
  // no further recall, until its next result.
  bool gave_back = false;
  std::unordered_map<std::string, std::string> offers;  // task name -> signature
  std::vector<bool> offered;                            // by interned task name, for quick checks
  std::vector<wire::TaskLibrary> libraries;             // as its HELLO reported them

  uint32_t outstanding() const { return static_cast<uint32_t>(assigned.size()); }
  const char* state_name() const {
    return lost ? "lost" : retiring ? "retiring" : assigned.empty() ? "idle" : "busy";
  }
};

// A task that a live engine offers from one build of a library while
// another live engine offers it from a different build.
struct BuildClash {
  std::string task;
  std::string path, hash;  // this engine's library
  std::string other_hash;  // the other build's
};

// What the live engines say about a task name and signature.
enum class Offer { kNoEngines, kUnknown, kMismatch, kOk };

// Where a queued task can go now (see EngineRegistry::choose).
enum class Placement {
  kPlaced,       // `engine` takes it
  kWait,         // no engine that may take it has a free slot and offers it yet
  kTargetsFull,  // every live engine it may use is at the high-water mark
  kNotOffered,   // no live engine it may use offers its name
  kTargetsGone,  // none of the engines it may use is live: it can never run
};
struct Choice {
  Placement placement = Placement::kWait;
  EngineRecord* engine = nullptr;
};

class EngineRegistry {
 public:
  // Keeps the last `lost_listed` (at least 1) lost engines' records; older
  // ones are only counted, so a long-lived controller's status stays short.
  explicit EngineRegistry(size_t lost_listed = 20)
      : lost_listed_(std::max<size_t>(lost_listed, 1)) {}

  EngineRecord& add(std::string routing_id, const wire::Hello& hello, Clock::time_point now);
  // The engine (live, or lost and still listed) that has this connection,
  // pid and host: the same process saying HELLO again, e.g. after an outage.
  EngineRecord* find_same(std::string_view routing_id, const wire::Hello& hello);
  // Makes a lost engine live again under its old id.
  void revive(EngineRecord& engine, Clock::time_point now);
  EngineRecord* find_live(std::string_view routing_id);
  EngineRecord* find(uint32_t id);
  // Marks it lost; its record stays for status, its routing id is forgotten.
  void mark_lost(EngineRecord& engine, std::string reason);
  // From now on it gets no tasks (least_loaded and free_slots pass it by).
  void retire(EngineRecord& engine) { engine.retiring = true; }
  // The `count` live engines, not retiring, with the fewest tasks
  // outstanding (the newest first among equals); fewer if there are not so many.
  std::vector<EngineRecord*> least_busy(size_t count) const;
  // The tasks a live engine offers from a build no other live engine shares.
  std::vector<BuildClash> build_clashes(const EngineRecord& engine) const;

  // For a task of `name` and `signature`: can any live engine run it? On
  // kMismatch, `expected` receives the signature the engines offer.
  Offer check(const std::string& name, const std::string& signature, std::string& expected) const;
  // The live engine with the fewest outstanding tasks that `admission`
  // admits and offers `name`; ties go to the one that has done least. Null
  // if none.
  EngineRecord* least_loaded(uint32_t name, const Admission& admission);
  EngineRecord* least_loaded(const std::string& name, const Admission& admission) {
    return least_loaded(names_.intern(name), admission);
  }
  // Where a task of `name` that may run on `targets` (sorted; empty: any
  // engine) goes: the least loaded of those engines `admission` admits that
  // offer it, or why none does. Without targets, kNotOffered means live
  // engines exist and none offers the name; kTargetsFull and kTargetsGone
  // do not occur.
  Choice choose(uint32_t name, const std::vector<uint32_t>& targets, const Admission& admission);
  // Whether any of `targets` is a live engine.
  bool any_live(const std::vector<uint32_t>& targets);
  // Why none of `targets` can take tasks, for a user: "engine 3 was lost
  // (process died); engine 9 is unknown".
  std::string why_gone(const std::vector<uint32_t>& targets);
  // Task names as small ids; shared with the controller's task records.
  Interner& names() { return names_; }
  // Live engines that `admission` admits now.
  size_t admitting(const Admission& admission) const;
  // Live engines not heard from since `cutoff`.
  std::vector<uint32_t> silent_since(Clock::time_point cutoff) const;

  size_t live_count() const { return by_routing_id_.size(); }
  uint64_t lost_hidden() const { return lost_hidden_; }
  const std::vector<EngineRecord*>& live_engines() const { return live_; }
  const std::map<uint32_t, EngineRecord>& all() const { return engines_; }

 private:
  Interner names_;
  std::map<uint32_t, EngineRecord> engines_;                 // by id; ids are never reused
  std::unordered_map<std::string, uint32_t> by_routing_id_;  // live engines only
  std::vector<EngineRecord*> live_;                          // the same engines, for quick scans
  // name -> signature -> number of live engines offering it
  std::unordered_map<std::string, std::map<std::string, unsigned>> offers_;
  // task name -> library hash -> number of live engines offering it from that build
  std::unordered_map<std::string, std::map<std::string, unsigned>> builds_;
  uint32_t next_id_ = 1;
  const size_t lost_listed_;
  std::deque<uint32_t> lost_order_;  // listed lost engines, oldest first
  uint64_t lost_hidden_ = 0;

  void make_live(EngineRecord& e);
  // Whether `e` would take a task of `name` now, and is a better pick than `best`.
  static bool better(const EngineRecord& e, const EngineRecord* best, uint32_t name,
                     const Admission& admission);
  // Adds `delta` (1 or -1) to the counts of what the engine offers.
  void count_offers(const EngineRecord& e, int delta);
};

}  // namespace herd::controller
