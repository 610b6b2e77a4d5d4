// herd cluster reload: a rolling restart onto rebuilt task libraries. The
// cluster's engines are replaced one at a time by fresh ones that load the
// libraries' current files: each fresh engine registers before an old one
// is retired, and each old one finishes its running task and hands back
// what it held, so no task is lost and the cluster never runs empty.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster_options.hpp"
#include "commands.hpp"
#include "engine_set.hpp"
#include "herd/error.hpp"
#include "options.hpp"

namespace herd::cli {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kMaxAnswerWait{5000};

}  // namespace

int cmd_cluster_reload(const Invocation& inv) {
  CommandLine cl(inv.command, "[options]", inv.summary);
  cl.options().add_options()(
      "timeout", po::value<double>()->default_value(30)->value_name("S"),
      "seconds each step may take: a fresh engine to register, an old one to finish its task");
  if (!cl.parse(inv.args)) return 0;
  ClusterPlan plan = joining_plan(cl, 0);
  // Fresh engines without the cluster's --load list would offer none of its
  // tasks: better no reload than a cluster emptied of them.
  const auto kept = read_cluster_options(plan.profile);
  if (!kept)
    throw herd::Error("the cluster of profile " + plan.profile.name() +
                      " keeps no options (run/cluster.json; it was not started by `herd cluster "
                      "start` of this version): restart it to reload");
  // Fresh engines start here, one at a time: the engines of a launched
  // cluster would all move to the controller's host.
  if (kept->launcher != "local")
    throw herd::Error(
        "herd cluster reload starts its fresh engines on this host, but the engines "
        "of profile " +
        plan.profile.name() + " come from its " + kept->launcher +
        " launcher: add fresh ones with `herd cluster engines --n N`, then retire "
        "the old ones with `herd cluster engines --remove ID…`");
  const auto step = plan.timeout;
  const auto answer_wait = std::min(step, kMaxAnswerWait);
  const std::vector<uint32_t> old = serving_engines(plan.profile, answer_wait);
  if (old.empty())
    throw herd::Error("no live engine to reload in profile " + plan.profile.name() +
                      "; add engines with: herd cluster engines --n N");
  plan.engines = static_cast<int>(old.size());
  plan.timeout = step * static_cast<long>(old.size());
  plan.after_engine = [profile = plan.profile, old, step, answer_wait](int i) {
    const uint32_t id = old.at(static_cast<size_t>(i));
    try {
      request_retirement(profile, {id}, 0, answer_wait);
    } catch (const std::exception& e) {
      spdlog::warn("engine {} was not retired: {}", id, e.what());  // lost meanwhile
      return;
    }
    // An old engine with a long task goes on retiring in its own time: the
    // fresh engine already serves in its place.
    if (wait_until_retired(profile, {id}, Clock::now() + step).empty())
      spdlog::info("engine {} replaced by a fresh engine", id);
    else
      spdlog::warn("engine {} still runs its task after {}; it leaves once that is done", id,
                   seconds_text(step));
  };
  return start_joining(plan);
}

}  // namespace herd::cli
