#include "prerequisites.hpp"

#include <algorithm>

#include "herd/error.hpp"

namespace herd::detail {

namespace {

std::string what(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

Prerequisite named(const std::shared_ptr<ResultState>& state, size_t item, uint32_t arg,
                   bool follow) {
  if (!state && item != ResultState::kAllItems)
    throw Error("a dependency names a default-constructed AsyncResult, which refers to no task");
  return {state, item, arg, follow};
}

// Settles a prerequisite whose result this client holds: adds its value
// and engines to `out`, or returns the DependencyError it causes.
std::exception_ptr settle_here(const Prerequisite& p, bool failure_ok, Resolution& out) {
  const Results s(p.state);
  const bool whole = p.item == ResultState::kAllItems;
  const size_t failed = whole ? s.first_failure() : (s.successful(p.item) ? s.size() : p.item);
  if (failed < s.size() && (p.arg || !failure_ok)) {
    std::string why = "prerequisite task " + s.id(failed) + " failed";
    if (p.arg) why += ", so argument " + std::to_string(p.arg - 1) + " has no value";
    return std::make_exception_ptr(
        DependencyError(why + ": " + what(s.error(failed)), s.id(failed)));
  }
  if (p.follow) {
    const size_t first = whole ? 0 : p.item, end = whole ? s.size() : p.item + 1;
    for (size_t i = first; i < end; ++i) {
      const uint32_t engine = s.metadata(i).engine_id;
      if (engine == 0)
        return std::make_exception_ptr(DependencyError(
            "prerequisite task " + s.id(i) + " ran on no engine, so there is none to follow",
            s.id(i)));
      if (std::find(out.engines.begin(), out.engines.end(), engine) == out.engines.end())
        out.engines.push_back(engine);
    }
  }
  if (p.arg) out.values.emplace_back(p.arg - 1, s.value(p.item));
  return nullptr;
}

}  // namespace

Prerequisites gather(const TaskOptions& options,
                     const std::vector<std::pair<size_t, ResultRef>>& data) {
  Prerequisites out;
  out.failure_ok = options.after_failure_ok;
  for (const Dependency& d : options.after) {
    const ResultRef& ref = HandleAccess::dependency(d);
    out.list.push_back(named(ref.state, ref.item, 0, false));
  }
  for (const Dependency& d : options.follow) {
    const ResultRef& ref = HandleAccess::dependency(d);
    out.list.push_back(named(ref.state, ref.item, 0, true));
  }
  for (const auto& [position, ref] : data)
    out.list.push_back(named(ref.state, ref.item, static_cast<uint32_t>(position + 1), false));
  return out;
}

Resolution resolve(const Prerequisites& prerequisites, uint64_t client_key,
                   const InFlightCheck& in_flight) {
  Resolution out;
  bool hold = false;
  for (const Prerequisite& p : prerequisites.list) {
    if (!p.state) continue;  // a default-constructed map: nothing to wait for
    const Results s(p.state);
    const bool whole = p.item == ResultState::kAllItems;
    if (whole ? s.all_ready() : s.ready(p.item)) {
      if (auto error = settle_here(p, prerequisites.failure_ok, out)) {
        out.kind = Resolution::Kind::kFail;
        out.error = error;
        return out;
      }
      continue;
    }
    uint64_t client = 0, seq = 0;
    if (!whole && s.size() == 1 && wire::parse_task_id(s.id(), client, seq) &&
        client == client_key && in_flight(*p.state, seq)) {
      wire::Dependency& d = out.named.emplace_back();
      d.set_client(client);
      d.set_seq(seq);
      d.set_arg(p.arg);
      d.set_follow(p.follow);
      continue;
    }
    hold = true;  // a failure found later still fails the task at once
  }
  if (hold) out.kind = Resolution::Kind::kHold;
  return out;
}

bool write_dependencies(const Resolution& resolution, bool failure_ok, wire::Header& header) {
  header.clear_depends();
  for (const wire::Dependency& d : resolution.named) *header.add_depends() = d;
  header.set_after_failure_ok(failure_ok);
  if (resolution.engines.empty()) return true;
  std::vector<uint32_t> engines = resolution.engines;
  if (header.engines_size() > 0)
    std::erase_if(engines, [&](uint32_t e) {
      return std::find(header.engines().begin(), header.engines().end(), e) ==
             header.engines().end();
    });
  header.clear_engines();
  for (uint32_t e : engines) header.add_engines(e);
  return !engines.empty();
}

}  // namespace herd::detail
