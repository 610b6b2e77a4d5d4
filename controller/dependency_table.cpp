#include "controller/dependency_table.hpp"

#include <algorithm>

namespace herd::controller {

std::string DependencyTable::blocks(const Prerequisite& p, const Outcome& o, bool failure_ok) {
  const std::string name = "prerequisite task " + wire::task_id(p.key.client, p.key.seq);
  if (!o.ok && p.arg)
    return name + " failed, so argument " + std::to_string(p.arg - 1) + " has no value: " + o.error;
  if (!o.ok && !failure_ok) return name + " failed: " + o.error;
  if (p.arg && !o.single)
    return name + " is a chunk of a map: only a single task's result can be an argument";
  if (p.follow && o.engine_id == 0)
    return name + " ran on no engine, so there is none to follow" +
           (o.ok ? std::string() : ": " + o.error);
  return {};
}

Outcome DependencyTable::outcome_of(const wire::Header& result, wire::Frames& frames) {
  Outcome o;
  o.ok = result.status() == wire::OK && result.failures_size() == 0;
  o.single = result.items() == 0;
  o.engine_id = result.engine_id();
  auto describe = [](const wire::ErrorInfo& e) {
    return e.type().empty() ? e.message() : e.type() + ": " + e.message();
  };
  if (result.status() != wire::OK)
    o.error = describe(result.error());
  else if (result.failures_size() > 0)
    o.error = "item " + std::to_string(result.failures(0).index()) +
              " of its chunk failed: " + describe(result.failures(0).error());
  // An empty result has no frame; captured output comes last, in one of its own.
  const size_t payload = frames.size() - std::min<size_t>(frames.size(), 2 + result.output());
  if (o.ok && o.single && payload > 0) o.value.copy(frames[2]);
  return o;
}

Decision DependencyTable::fail(const TaskKey& task, std::string error,
                               const TaskKey& prerequisite) {
  return Decision{Decision::Kind::kFail, task, std::move(error), prerequisite, {}, {}};
}

Decision DependencyTable::decide(const TaskKey& task, const Waiter& waiter) {
  Decision d{Decision::Kind::kReady, task, {}, {}, {}, {}};
  for (const Prerequisite& p : waiter.prerequisites) {
    Outcome& o = outcomes_.at(p.key).outcome;
    if (std::string why = blocks(p, o, waiter.failure_ok); !why.empty())
      return fail(task, std::move(why), p.key);
    if (p.arg) {
      // A copy shares the frame's buffer: the bytes are never duplicated.
      zmq::message_t value;
      value.copy(o.value);
      d.args.emplace_back(p.arg - 1, std::move(value));
    }
    if (p.follow && std::find(d.engines.begin(), d.engines.end(), o.engine_id) == d.engines.end())
      d.engines.push_back(o.engine_id);
  }
  return d;
}

std::vector<Decision> DependencyTable::finished(const TaskKey& key, Outcome outcome,
                                                uint32_t session, uint64_t result) {
  std::vector<Decision> decided;
  auto node = dependents_.extract(key);
  if (node.empty() && result == 0) return decided;  // nobody needs it: the common case
  auto [it, added] = outcomes_.try_emplace(key);
  if (!added) return decided;  // a task ends once
  it->second.outcome = std::move(outcome);
  it->second.confirmed = result == 0;
  if (result != 0) unconfirmed_[session].emplace_back(result, key);
  if (node.empty()) return decided;
  // Held while waiters are released, which may unpin it to nothing.
  Kept& kept = it->second;
  ++kept.pins;
  const std::vector<TaskKey>& waiting = node.mapped();
  for (size_t i = 0; i < waiting.size(); ++i) {
    // A waiter that names the key n times appears n times in a row.
    if (i > 0 && waiting[i] == waiting[i - 1]) continue;
    auto w = waiters_.find(waiting[i]);
    if (w == waiters_.end()) continue;  // decided already, or cancelled
    Waiter& waiter = w->second;
    std::string why;
    for (const Prerequisite& p : waiter.prerequisites) {
      if (!(p.key == key)) continue;
      ++kept.pins;
      --waiter.unmet;
      if (why.empty()) why = blocks(p, kept.outcome, waiter.failure_ok);
    }
    if (!why.empty()) {
      decided.push_back(fail(waiting[i], std::move(why), key));
      release(waiting[i]);
    } else if (waiter.unmet == 0) {
      decided.push_back(decide(waiting[i], waiter));
      release(waiting[i]);
    }
  }
  --kept.pins;
  drop_if_unneeded(key);
  return decided;
}

void DependencyTable::confirmed(uint32_t session, uint64_t results) {
  auto it = unconfirmed_.find(session);
  if (it == unconfirmed_.end()) return;
  auto& queue = it->second;
  while (!queue.empty() && queue.front().first <= results) {
    const TaskKey key = queue.front().second;
    queue.pop_front();
    if (auto kept = outcomes_.find(key); kept != outcomes_.end()) kept->second.confirmed = true;
    drop_if_unneeded(key);
  }
  if (queue.empty()) unconfirmed_.erase(it);
}

void DependencyTable::cancel(const TaskKey& task) {
  if (waiters_.count(task)) release(task);
}

void DependencyTable::release(const TaskKey& task) {
  auto w = waiters_.find(task);
  if (w == waiters_.end()) return;
  const Waiter waiter = std::move(w->second);
  waiters_.erase(w);
  // Pending prerequisites keep a stale entry in dependents_, skipped when
  // they finish.
  for (const Prerequisite& p : waiter.prerequisites) {
    auto kept = outcomes_.find(p.key);
    if (kept == outcomes_.end()) continue;
    --kept->second.pins;
    drop_if_unneeded(p.key);
  }
}

void DependencyTable::drop_if_unneeded(const TaskKey& key) {
  auto it = outcomes_.find(key);
  if (it != outcomes_.end() && it->second.pins == 0 && it->second.confirmed) outcomes_.erase(it);
}

}  // namespace herd::controller
