// herd status: the controller's view of the cluster, as a table or as JSON.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster_client.hpp"
#include "commands.hpp"
#include "herd/client.hpp"
#include "herd/error.hpp"
#include "herd/profile.hpp"
#include "launcher.hpp"
#include "logging.hpp"
#include "options.hpp"

namespace herd::cli {

namespace {

// Key order as in the documented shape, for people who read it.
using Json = nlohmann::ordered_json;

// What the launcher started, in a few words, or "" for local engines only.
std::string describe_launch(const nlohmann::json& record) {
  if (!record.is_object()) return "";
  const std::string name = record.value("launcher", "");
  if (name == "slurm") return "slurm, job " + record.value("job", "?");
  if (name == "mpi") return "mpi, mpiexec pid " + std::to_string(record.value("pid", 0));
  std::string hosts;
  for (const auto& h : record.value("hosts", nlohmann::json::array()))
    hosts += (hosts.empty() ? "" : ", ") + h.value("host", "?") + "=" +
             std::to_string(h.value("engines", 0));
  return name + (hosts.empty() ? "" : ", hosts " + hosts);
}

Json to_json(const std::string& profile, const herd::ClusterStatus& s) {
  Json engines = Json::array();
  for (const auto& e : s.engines) {
    Json libraries = Json::array();
    for (const auto& lib : e.libraries)
      libraries.push_back({{"path", lib.path}, {"hash", lib.hash}});
    engines.push_back({{"id", e.id},
                       {"host", e.host},
                       {"pid", e.pid},
                       {"state", e.state},
                       {"tasks_done", e.tasks_done},
                       {"restarts", e.restarts},
                       {"lost_reason", e.lost_reason},
                       {"libraries", std::move(libraries)}});
  }
  return {{"profile", profile},
          {"controller",
           {{"pid", s.controller_pid}, {"client_url", s.client_url}, {"engine_url", s.engine_url}}},
          {"queue_depth", s.queue_depth},
          {"tasks_done", s.tasks_done},
          {"tasks_failed", s.tasks_failed},
          {"security", s.security},
          {"lost_engines_hidden", s.lost_engines_hidden},
          {"engines", std::move(engines)}};
}

// Each build of a task library the live engines run, with the engines that
// run it: two builds of one path mean a cluster of mixed versions.
void print_libraries(const herd::ClusterStatus& s) {
  std::map<std::pair<std::string, std::string>, std::string> builds;  // (path, hash) -> ids
  for (const auto& e : s.engines) {
    if (e.state == "lost") continue;
    for (const auto& lib : e.libraries) builds[{lib.path, lib.hash}] += " " + std::to_string(e.id);
  }
  if (builds.empty()) return;
  fmt::print("\nlibraries (sha256 of the file each live engine loaded):\n");
  for (const auto& [build, ids] : builds)
    fmt::print("  {}  {}  engines{}\n", build.second.substr(0, 16), build.first, ids);
}

void print_table(const std::string& profile, const herd::ClusterStatus& s) {
  const size_t live = s.live_engines();
  fmt::print("profile:     {}\n", profile);
  fmt::print("controller:  pid {}, clients {}, engines {}\n", s.controller_pid, s.client_url,
             s.engine_url);
  fmt::print("security:    {}\n", s.security == "insecure"
                                      ? "INSECURE (no encryption, no keys: --insecure)"
                                      : "CurveZMQ (encrypted; keys in the connection files)");
  fmt::print("queue depth: {}\n", s.queue_depth);
  fmt::print("tasks:       {} done, {} failed\n", s.tasks_done, s.tasks_failed);
  fmt::print("engines:     {} live, {} lost\n", live,
             s.engines.size() - live + s.lost_engines_hidden);
  if (s.engines.empty()) return;
  size_t host_width = 4;
  for (const auto& e : s.engines) host_width = std::max(host_width, e.host.size());
  // A lost engine's reason ends its line; live engines leave it out.
  fmt::print("\n{:>4}  {:<{}}  {:>8}  {:<8}  {:>10}  {:>8}  {}\n", "ID", "HOST", host_width, "PID",
             "STATE", "TASKS DONE", "RESTARTS", "LOST REASON");
  for (const auto& e : s.engines) {
    std::string line = fmt::format("{:>4}  {:<{}}  {:>8}  {:<8}  {:>10}  {:>8}", e.id, e.host,
                                   host_width, e.pid, e.state, e.tasks_done, e.restarts);
    if (!e.lost_reason.empty()) line += "  " + e.lost_reason;
    fmt::print("{}\n", line);
  }
  if (s.lost_engines_hidden > 0)
    fmt::print("      ({} older lost engines not listed)\n", s.lost_engines_hidden);
  print_libraries(s);
}

}  // namespace

int cmd_status(const Invocation& inv) {
  CommandLine cl(inv.command, "[--json] [--timeout S]", inv.summary);
  cl.options().add_options()("json", po::bool_switch(), "print JSON")(
      "timeout", po::value<double>()->default_value(5)->value_name("S"),
      "seconds to wait for the controller's answer");
  if (!cl.parse(inv.args)) return 0;
  setup_logging(cl.log_level());
  const auto profile = cl.profile();
  const auto timeout = cl.seconds("timeout");
  herd::Client client = cluster_client(cl, timeout);
  herd::ClusterStatus status;
  try {
    status = client.status(timeout);
  } catch (const herd::TimeoutError&) {
    throw herd::Error("the controller at " + client.url() + " does not answer");
  }
  std::sort(status.engines.begin(), status.engines.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  const auto launches = launch_records(profile);
  if (cl.flag("json")) {
    auto json = to_json(profile.name(), status);
    // "launcher": the cluster's own launch; "launches": that one and those
    // of `herd cluster engines`, in order.
    if (!launches.empty()) {
      json["launcher"] = launches.front();
      json["launches"] = launches;
    }
    std::cout << json.dump(2) << std::endl;
  } else {
    for (size_t i = 0; i < launches.size(); ++i)
      if (const auto line = describe_launch(launches[i]); !line.empty())
        fmt::print("{:<13}{}\n", i == 0 ? "launcher:" : "", line + (i == 0 ? "" : " (added)"));
    print_table(profile.name(), status);
  }
  return 0;
}

}  // namespace herd::cli
