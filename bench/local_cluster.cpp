#include "local_cluster.hpp"

#include <stdlib.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace herd::bench {

namespace {
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) out += buffer.data();
  if (::pclose(pipe) != 0) throw std::runtime_error("command failed: " + command + "\n" + out);
  return out;
}
}  // namespace

LocalCluster::LocalCluster(int engines, const std::string& task_library) {
  char templ[] = "/tmp/herd-bench-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("cannot create a temporary HERD_DIR");
  dir_ = templ;
  ::setenv("HERD_DIR", dir_.c_str(), 1);
  run(std::string(HERD_BIN) + " cluster start --daemonize --log-level warn --n " +
      std::to_string(engines) + " --load " + task_library);
  client_file_ = dir_ / "profile_default" / "security" / "client.json";
}

LocalCluster::~LocalCluster() {
  try {
    run(std::string(HERD_BIN) + " cluster stop --log-level warn");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace herd::bench
