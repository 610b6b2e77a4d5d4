#include "cluster_options.hpp"

#include <climits>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "herd/error.hpp"
#include "launcher.hpp"
#include "proto/private_file.hpp"

namespace herd::cli {

namespace {

std::filesystem::path options_file(const herd::Profile& profile) {
  return profile.run_dir() / "cluster.json";
}

}  // namespace

void write_cluster_options(const herd::Profile& profile, const ClusterOptions& o) {
  const nlohmann::json j = {{"load", o.load},
                            {"log_level", o.log_level},
                            {"heartbeat_interval_ms", o.heartbeat_interval_ms},
                            {"heartbeat_misses", o.heartbeat_misses},
                            {"launcher", o.launcher},
                            {"launcher_args", o.launcher_args},
                            {"engines", o.engines}};
  wire::write_private_file(options_file(profile), j.dump(2) + '\n');
}

std::optional<ClusterOptions> read_cluster_options(const herd::Profile& profile) {
  const auto path = options_file(profile);
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    const auto j = nlohmann::json::parse(text.str());
    ClusterOptions o;
    o.load = j.value("load", o.load);
    o.log_level = j.value("log_level", o.log_level);
    o.heartbeat_interval_ms = j.value("heartbeat_interval_ms", o.heartbeat_interval_ms);
    o.heartbeat_misses = j.value("heartbeat_misses", o.heartbeat_misses);
    o.launcher = j.value("launcher", o.launcher);
    o.launcher_args = j.value("launcher_args", o.launcher_args);
    o.engines = j.value("engines", o.engines);
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw herd::Error("the cluster's options in " + path.string() + " are unreadable: " + e.what());
  }
}

void keep_cluster_options(const CommandLine& cl, const ClusterPlan& plan) {
  ClusterOptions o;
  o.load = absolute_paths(cl.strings("load"));
  o.log_level = plan.log_level;
  o.heartbeat_interval_ms = cl.integer("heartbeat-interval", 0, LONG_MAX);
  o.heartbeat_misses = cl.integer("heartbeat-misses", 0, LONG_MAX);
  o.engines = plan.engines;
  o.launcher = cl.text("launcher");
  o.launcher_args = launcher_arguments(cl);
  write_cluster_options(plan.profile, o);
}

std::vector<std::string> absolute_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths)
    out.push_back(std::filesystem::absolute(p).lexically_normal().string());
  return out;
}

}  // namespace herd::cli
