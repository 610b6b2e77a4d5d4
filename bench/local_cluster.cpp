#include "local_cluster.hpp"

#include <stdlib.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace herd::bench {

namespace {

constexpr const char* kStartTimeout = " --timeout 60";

std::string run(const std::string& command) {
  std::string out;
  std::fflush(nullptr);
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) out += buffer.data();
  if (::pclose(pipe) != 0) throw std::runtime_error("command failed: " + command + "\n" + out);
  return out;
}

// Each cluster names its own HERD_DIR, so two clusters never mix; no
// command may hang the bench.
std::string herd_command(const std::filesystem::path& dir, const std::string& args) {
  return "HERD_DIR='" + dir.string() + "' timeout 120 " + HERD_BIN + " " + args +
         " --log-level warn";
}

std::string security_flag(Security security) {
  return security == Security::kInsecure ? " --insecure" : "";
}

// What `cluster start` printed must name the mode asked for: its ready line
// ends with " insecure" exactly when the cluster does not encrypt.
void check_ready_line(const std::string& output, Security security) {
  const size_t at = output.rfind("ready ");
  if (at == std::string::npos) throw std::runtime_error("no ready line in:\n" + output);
  std::string line = output.substr(at, output.find('\n', at) - at);
  const bool insecure = line.size() >= 9 && line.compare(line.size() - 9, 9, " insecure") == 0;
  if (insecure != (security == Security::kInsecure))
    throw std::runtime_error(std::string("asked for a cluster with security ") +
                             security_name(security) + ", got: " + line);
}

}  // namespace

std::string cluster_command(const std::string& engines, unsigned hwm, Security security) {
  return "herd cluster start --n " + engines + " --hwm " + std::to_string(hwm) +
         security_flag(security) + " --load libherd_bench_tasks.so";
}

LocalCluster::LocalCluster(int engines, unsigned hwm, Security security)
    : engines_(engines), hwm_(hwm), security_(security) {
  char templ[] = "/tmp/herd-bench-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("cannot create a temporary HERD_DIR");
  dir_ = templ;
  try {
    check_ready_line(
        run(herd_command(dir_, "cluster start --daemonize --n " + std::to_string(engines) +
                                   " --hwm " + std::to_string(hwm) + security_flag(security) +
                                   " --load " HERD_BENCH_TASKS + kStartTimeout)),
        security);
  } catch (...) {
    stop();  // a cluster of the wrong kind may have started
    throw;
  }
  client_file_ = dir_ / "profile_default" / "security" / "client.json";
}

LocalCluster::~LocalCluster() { stop(); }

void LocalCluster::stop() noexcept {
  try {
    run(herd_command(dir_, "cluster stop"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herd-bench: %s\n", e.what());
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void LocalCluster::add_engines(int n) {
  run(herd_command(dir_, "cluster engines --n " + std::to_string(n) + " --load " HERD_BENCH_TASKS +
                             kStartTimeout));
}

std::string LocalCluster::describe() const {
  return cluster_command(std::to_string(engines_), hwm_, security_);
}

}  // namespace herd::bench
