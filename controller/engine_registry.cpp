#include "controller/engine_registry.hpp"

#include <algorithm>

namespace herd::controller {

EngineRecord& EngineRegistry::add(std::string routing_id, const wire::Hello& hello,
                                  Clock::time_point now) {
  const uint32_t id = next_id_++;
  EngineRecord& e = engines_[id];
  e.id = id;
  e.routing_id = std::move(routing_id);
  e.host = hello.host();
  e.pid = hello.pid();
  e.cores = hello.cores();
  e.restarts = hello.restarts();
  e.last_seen = now;
  e.libraries.assign(hello.libraries().begin(), hello.libraries().end());
  for (const auto& t : hello.tasks()) {
    if (!e.offers.emplace(t.name(), t.signature()).second) continue;
    const uint32_t name = names_.intern(t.name());
    if (e.offered.size() <= name) e.offered.resize(name + 1);
    e.offered[name] = true;
  }
  make_live(e);
  return e;
}

EngineRecord* EngineRegistry::find_same(std::string_view routing_id, const wire::Hello& hello) {
  if (EngineRecord* live = find_live(routing_id))
    return live->pid == hello.pid() && live->host == hello.host() ? live : nullptr;
  for (uint32_t id : lost_order_) {
    EngineRecord& e = engines_.at(id);
    if (e.routing_id == routing_id && e.pid == hello.pid() && e.host == hello.host()) return &e;
  }
  return nullptr;
}

void EngineRegistry::revive(EngineRecord& engine, Clock::time_point now) {
  if (!engine.lost) return;
  std::erase(lost_order_, engine.id);
  engine.lost = false;
  engine.lost_reason.clear();
  engine.last_seen = now;
  make_live(engine);
}

void EngineRegistry::make_live(EngineRecord& e) {
  count_offers(e, 1);
  by_routing_id_[e.routing_id] = e.id;
  live_.push_back(&e);
}

void EngineRegistry::count_offers(const EngineRecord& e, int delta) {
  auto count = [delta](auto& table, const std::string& key, const std::string& value) {
    if (delta > 0) {
      ++table[key][value];
      return;
    }
    auto by_key = table.find(key);
    if (by_key == table.end()) return;
    if (--by_key->second[value] == 0) by_key->second.erase(value);
    if (by_key->second.empty()) table.erase(by_key);
  };
  for (const auto& [name, signature] : e.offers) count(offers_, name, signature);
  for (const auto& lib : e.libraries)
    for (const auto& task : lib.tasks()) count(builds_, task, lib.hash());
}

EngineRecord* EngineRegistry::find_live(std::string_view routing_id) {
  auto it = by_routing_id_.find(std::string(routing_id));
  return it == by_routing_id_.end() ? nullptr : &engines_.at(it->second);
}

EngineRecord* EngineRegistry::find(uint32_t id) {
  auto it = engines_.find(id);
  return it == engines_.end() ? nullptr : &it->second;
}

void EngineRegistry::mark_lost(EngineRecord& engine, std::string reason) {
  if (engine.lost) return;
  engine.lost = true;
  engine.lost_reason = std::move(reason);
  engine.assigned.clear();
  engine.expected_us = 0;
  engine.recall_open = engine.gave_back = false;
  by_routing_id_.erase(engine.routing_id);
  std::erase(live_, &engine);
  count_offers(engine, -1);
  lost_order_.push_back(engine.id);
  // The newest lost engine is never the one forgotten (lost_listed_ >= 1),
  // so `engine` stays valid for the caller.
  while (lost_order_.size() > lost_listed_) {
    engines_.erase(lost_order_.front());
    lost_order_.pop_front();
    ++lost_hidden_;
  }
}

Offer EngineRegistry::check(const std::string& name, const std::string& signature,
                            std::string& expected) const {
  if (by_routing_id_.empty()) return Offer::kNoEngines;
  auto it = offers_.find(name);
  if (it == offers_.end()) return Offer::kUnknown;
  if (it->second.count(signature)) return Offer::kOk;
  expected = it->second.begin()->first;
  return Offer::kMismatch;
}

bool EngineRegistry::better(const EngineRecord& e, const EngineRecord* best, uint32_t name,
                            const Admission& admission) {
  if (name >= e.offered.size() || !e.offered[name] || !admission.admits(e)) return false;
  return !best || e.outstanding() < best->outstanding() ||
         (e.outstanding() == best->outstanding() && e.tasks_done < best->tasks_done);
}

EngineRecord* EngineRegistry::least_loaded(uint32_t name, const Admission& admission) {
  EngineRecord* best = nullptr;
  for (EngineRecord* e : live_)
    if (better(*e, best, name, admission)) best = e;
  return best;
}

Choice EngineRegistry::choose(uint32_t name, const std::vector<uint32_t>& targets,
                              const Admission& admission) {
  if (targets.empty()) {
    if (EngineRecord* e = least_loaded(name, admission)) return {Placement::kPlaced, e};
    std::string expected;
    const bool offered = check(names_.str(name), "", expected) != Offer::kUnknown;
    return {offered ? Placement::kWait : Placement::kNotOffered, nullptr};
  }
  EngineRecord* best = nullptr;
  bool live = false, free = false, offered = false;
  for (uint32_t id : targets) {
    EngineRecord* e = find(id);
    if (!e || e->lost) continue;
    live = true;
    free = free || admission.admits(*e);
    offered = offered || (name < e->offered.size() && e->offered[name]);
    if (better(*e, best, name, admission)) best = e;
  }
  if (best) return {Placement::kPlaced, best};
  if (!live) return {Placement::kTargetsGone, nullptr};
  if (!offered) return {Placement::kNotOffered, nullptr};
  return {free ? Placement::kWait : Placement::kTargetsFull, nullptr};
}

bool EngineRegistry::any_live(const std::vector<uint32_t>& targets) {
  return std::any_of(targets.begin(), targets.end(), [&](uint32_t id) {
    const EngineRecord* e = find(id);
    return e && !e->lost;
  });
}

std::string EngineRegistry::why_gone(const std::vector<uint32_t>& targets) {
  std::string out;
  for (uint32_t id : targets) {
    const EngineRecord* e = find(id);
    if (e && !e->lost) continue;
    if (!out.empty()) out += "; ";
    out += "engine " + std::to_string(id);
    if (!e)
      out += id < next_id_ ? " was lost long ago" : " is unknown";
    else
      out += " was lost (" + e->lost_reason + ")";
  }
  return out;
}

size_t EngineRegistry::admitting(const Admission& admission) const {
  return static_cast<size_t>(std::count_if(
      live_.begin(), live_.end(), [&](const EngineRecord* e) { return admission.admits(*e); }));
}

std::vector<EngineRecord*> EngineRegistry::least_busy(size_t count) const {
  std::vector<EngineRecord*> candidates;
  for (EngineRecord* e : live_)
    if (!e->retiring) candidates.push_back(e);
  std::sort(candidates.begin(), candidates.end(), [](const EngineRecord* a, const EngineRecord* b) {
    return a->outstanding() != b->outstanding() ? a->outstanding() < b->outstanding()
                                                : a->id > b->id;
  });
  if (candidates.size() > count) candidates.resize(count);
  return candidates;
}

std::vector<BuildClash> EngineRegistry::build_clashes(const EngineRecord& engine) const {
  std::vector<BuildClash> clashes;
  for (const auto& lib : engine.libraries) {
    for (const auto& task : lib.tasks()) {
      auto it = builds_.find(task);
      if (it == builds_.end()) continue;
      for (const auto& [hash, engines] : it->second)
        if (hash != lib.hash() && engines > 0) {
          clashes.push_back({task, lib.path(), lib.hash(), hash});
          break;
        }
    }
  }
  return clashes;
}

std::vector<uint32_t> EngineRegistry::silent_since(Clock::time_point cutoff) const {
  std::vector<uint32_t> out;
  for (const EngineRecord* e : live_)
    if (e->last_seen < cutoff) out.push_back(e->id);
  return out;
}

}  // namespace herd::controller
