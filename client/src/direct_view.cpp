// What DirectView and the views over chosen engines do out of line: one
// call per target, the engine store's built-in tasks, and engine id checks.
#include "herd/direct_view.hpp"

#include <algorithm>

#include "client_core.hpp"
#include "herd/client.hpp"

namespace herd::detail {
namespace {

// The built-in tasks of engine_store.cpp. A pulled value travels as the
// bytes it was stored as, so its result decodes as the type asked for.
const Task<void(std::string, std::string, Bytes)> kPush{"herd::push"};
const Task<Bytes(std::string, std::string)> kPull{"herd::pull"};

// How long a view waits for the controller to list its engines.
constexpr auto kStatusTimeout = std::chrono::seconds(10);

std::string listed(const std::vector<uint32_t>& ids) {
  std::string out;
  for (uint32_t id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out.empty() ? "none" : out;
}

}  // namespace

std::shared_ptr<ResultState> submit_each(const std::shared_ptr<ClientCore>& core,
                                         const std::string& name, const std::string& signature,
                                         const TaskOptions& options,
                                         std::vector<std::vector<Bytes>> args,
                                         const std::vector<uint32_t>& targets) {
  return core->submit_each(name, signature, options, std::move(args), targets);
}

std::shared_ptr<ResultState> push_each(const std::shared_ptr<ClientCore>& core,
                                       const TaskOptions& options, const std::string& key,
                                       const std::string& type, std::vector<Bytes> values,
                                       const std::vector<uint32_t>& targets) {
  std::vector<std::vector<Bytes>> args;
  args.reserve(values.size());
  for (Bytes& value : values)
    args.push_back({encode_frame(key), encode_frame(type), std::move(value)});
  return core->submit_each(kPush.name(), kPush.signature(), options, std::move(args), targets);
}

std::shared_ptr<ResultState> pull_each(const std::shared_ptr<ClientCore>& core,
                                       const TaskOptions& options, const std::string& key,
                                       const std::string& type,
                                       const std::vector<uint32_t>& targets) {
  const std::vector<Bytes> args{encode_frame(key), encode_frame(type)};
  return core->submit_each(kPull.name(), kPull.signature(), options,
                           std::vector(targets.size(), args), targets);
}

std::shared_ptr<ResultState> combine(std::shared_ptr<ResultState> parts,
                                     std::function<Bytes(std::vector<Bytes>)> combine) {
  return parts->derive(std::move(combine));
}

std::vector<uint32_t> live_targets(const std::shared_ptr<ClientCore>& core) {
  std::vector<uint32_t> ids = core->status(kStatusTimeout).live_ids();
  if (ids.empty()) throw NoSuchEngine("direct view: no engine is connected to " + core->url(), 0);
  return ids;
}

void check_engines(const std::shared_ptr<ClientCore>& core, const std::vector<uint32_t>& ids) {
  if (ids.empty()) return;
  const ClusterStatus status = core->status(kStatusTimeout);
  const std::vector<uint32_t> live = status.live_ids();
  for (uint32_t id : ids) {
    if (std::find(live.begin(), live.end(), id) != live.end()) continue;
    const auto known = std::find_if(status.engines.begin(), status.engines.end(),
                                    [&](const EngineInfo& e) { return e.id == id; });
    const std::string what =
        known == status.engines.end() ? "is unknown" : "was lost (" + known->lost_reason + ")";
    throw NoSuchEngine(
        "engine " + std::to_string(id) + " " + what + "; live engines: " + listed(live), id);
  }
}

}  // namespace herd::detail
