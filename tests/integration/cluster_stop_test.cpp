// `herd cluster stop` signals only the processes its profile started: a pid
// file whose pid now belongs to another program (pid reuse), or to a herd
// process of another profile, must not get that process killed. Before, any
// command line with "herd" in it was taken for the cluster's.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;

// A child process that is not herd but has "herd" in its command line.
class Decoy {
 public:
  Decoy() {
    const char* argv[] = {"/bin/bash", "-c", "exec -a herd-decoy sleep 60", nullptr};
    if (::posix_spawn(&pid_, "/bin/bash", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
      pid_ = 0;
  }
  ~Decoy() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Decoy(const Decoy&) = delete;
  Decoy& operator=(const Decoy&) = delete;
  pid_t pid() const { return pid_; }
  // Whether it still runs (it is our child: a zombie counts as gone).
  bool alive() const { return ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = 0;
};

void write_pid_file(const std::filesystem::path& run_dir, const std::string& name, pid_t pid) {
  std::filesystem::create_directories(run_dir);
  std::ofstream(run_dir / name) << pid << "\n";
}

herd::test::RunResult herd_in(const std::filesystem::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), herd::test::herd_binary());
  return herd::test::run_command(args, 30s, {{"HERD_DIR", dir.string()}});
}

TEST(ClusterStopTest, LeavesAProgramThatReusedAPidAlone) {
  herd::test::TempDir dir("herd-cluster-stop-test");
  Decoy decoy;
  ASSERT_GT(decoy.pid(), 0);
  // Let bash exec into "herd-decoy": its command line then holds "herd".
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in("/proc/" + std::to_string(decoy.pid()) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.rfind("herd-decoy", 0) == 0) break;
    std::this_thread::sleep_for(10ms);
  }
  const auto run = dir.path() / "profile_reuse" / "run";
  write_pid_file(run, "engine-" + std::to_string(decoy.pid()) + ".pid", decoy.pid());
  write_pid_file(run, "supervisor-" + std::to_string(decoy.pid()) + ".pid", decoy.pid());
  const auto r = herd_in(dir.path(), {"cluster", "stop", "--profile", "reuse", "--timeout", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("no cluster running"), std::string::npos) << r.describe();
  EXPECT_TRUE(decoy.alive()) << "cluster stop killed an unrelated process";
}

TEST(ClusterStopTest, LeavesTheProcessesOfAnotherProfileAlone) {
  herd::test::TestCluster cluster(1, "mine");
  cluster.client().wait_for_engines(1, 30s);
  const auto engine = cluster.client().status().engines.at(0);
  const auto pid = static_cast<pid_t>(engine.pid);
  // A stale pid file of profile "other" whose pid is now our engine's.
  write_pid_file(cluster.herd_dir() / "profile_other" / "run", "engine-" + std::to_string(pid) + ".pid",
                 pid);
  const auto r = cluster.herd({"cluster", "stop", "--profile", "other", "--timeout", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(herd::test::process_alive(pid)) << "cluster stop of profile other killed an engine of mine";
  EXPECT_EQ(cluster.client().load_balanced_view().apply(herd::builtin::whoami).get(30s).pid, pid);
}

}  // namespace
