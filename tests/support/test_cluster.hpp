// TestCluster: a real herd cluster for one test or one test suite. It makes a
// fresh HERD_DIR under /tmp, runs `herd cluster start --daemonize` with the
// test task library, and on destruction runs `herd cluster stop`, checks
// (with EXPECT) that every process recorded in run/*.pid is gone within 10 s,
// and removes the folder. Set HERD_TEST_KEEP=1 to keep the folder.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "herd/client.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

namespace herd::test {

inline constexpr auto kStartTimeout = std::chrono::seconds(30);
inline constexpr auto kStopBound = std::chrono::seconds(10);
inline constexpr auto kCommandTimeout = std::chrono::seconds(30);

// The herd binary and the test task libraries, from the build.
const char* herd_binary();
const char* test_tasks_library();
const char* extra_tasks_library();  // offers only_extra(), nothing of test_tasks

// How a TestCluster starts, beyond its engines and profile.
struct ClusterOptions {
  bool insecure = false;                // --insecure: no CurveZMQ
  std::vector<std::string> extra_args = {};  // more `herd cluster start` arguments
};

class TestCluster {
 public:
  // Starts `engines` engines. Throws std::runtime_error (with the command's
  // output and the cluster's logs) if the cluster does not come up in 30 s.
  explicit TestCluster(int engines, std::string profile = "test");
  TestCluster(int engines, std::string profile, ClusterOptions options);
  // As above, in the HERD_DIR of another cluster (which must outlive this
  // one, and which removes the folder).
  TestCluster(int engines, std::string profile, std::filesystem::path herd_dir);
  // Stops the cluster (if stop() was not called) and checks nothing is left.
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  // A client connected through client.json; created on first use.
  herd::Client& client();
  const std::filesystem::path& client_file() const { return client_file_; }
  std::filesystem::path engine_file() const { return client_file_.parent_path() / "engine.json"; }
  std::filesystem::path supervisor_file() const {
    return client_file_.parent_path() / "supervisor.json";
  }
  // The `ready …` line `herd cluster start` printed.
  const std::string& ready_line() const { return ready_line_; }
  const std::filesystem::path& herd_dir() const { return dir_; }
  const std::string& profile() const { return profile_; }
  std::filesystem::path run_dir() const;
  std::filesystem::path log_dir() const;
  int engines() const { return engines_; }

  // Runs `herd args…` with this cluster's HERD_DIR; `--profile` is not added.
  RunResult herd(const std::vector<std::string>& args,
                 std::chrono::milliseconds timeout = kCommandTimeout) const;

  // The pids in run/*.pid now.
  std::vector<pid_t> recorded_pids() const;
  // The pid files in run/ now.
  std::vector<std::filesystem::path> pid_files() const;

  // Runs `herd cluster stop` and returns its result, having checked (with
  // EXPECT) that every pid recorded before it is gone within 10 s.
  RunResult stop();

  // The last lines of every log file, for failure messages.
  std::string log_tail(size_t lines = 30) const;

 private:
  void start();
  // A shell that stops the cluster (and removes an owned HERD_DIR) if this
  // process dies without saying goodbye, e.g. when ctest kills a test that
  // ran past its TIMEOUT: no cluster outlives its test.
  void start_watchdog();
  void dismiss_watchdog();

  std::unique_ptr<TempDir> owned_dir_;  // null when sharing another cluster's
  const std::filesystem::path dir_;
  const std::string profile_;
  const int engines_;
  const ClusterOptions options_;
  std::filesystem::path client_file_;
  std::string ready_line_;
  std::unique_ptr<herd::Client> client_;
  bool stopped_ = false;
  int watchdog_fd_ = -1;  // closing it without "done" sets the watchdog off
};

}  // namespace herd::test
