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

}  // namespace

LocalCluster::LocalCluster(int engines, unsigned hwm) : engines_(engines), hwm_(hwm) {
  char templ[] = "/tmp/herd-bench-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("cannot create a temporary HERD_DIR");
  dir_ = templ;
  try {
    run(herd_command(dir_, "cluster start --daemonize --n " + std::to_string(engines) + " --hwm " +
                               std::to_string(hwm) + " --load " HERD_BENCH_TASKS + kStartTimeout));
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
  client_file_ = dir_ / "profile_default" / "security" / "client.json";
}

LocalCluster::~LocalCluster() {
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
  return "herd cluster start --n " + std::to_string(engines_) + " --hwm " + std::to_string(hwm_) +
         " --load libherd_bench_tasks.so";
}

}  // namespace herd::bench
