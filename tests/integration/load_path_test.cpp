// --load paths mean the same wherever the engines start (made absolute
// against the folder the command ran in), and a library the loader refuses
// fails the start with the loader's own words on the terminal.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/launch_checks.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"

namespace {

namespace fs = std::filesystem;
using herd::test::RunResult;
using namespace std::chrono_literals;

constexpr auto kBound = 40s;

class LoadPathTest : public ::testing::Test {
 protected:
  // `herd args…` run from `folder` (a shell's cd: run_command has none).
  RunResult herd_in(const fs::path& folder, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/bin/sh",
                                     "-c",
                                     "cd \"$1\" && shift && exec \"$@\"",
                                     "sh",
                                     folder.string(),
                                     herd::test::herd_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return herd::test::run_command(argv, kBound, {{"HERD_DIR", dir_.path().string()}});
  }
  void TearDown() override { herd_in(dir_.path(), {"cluster", "stop", "--profile", "load"}); }

  herd::test::TempDir dir_{"herd-load-path-test"};
};

TEST_F(LoadPathTest, ARelativePathIsMadeAbsoluteForTheEngines) {
  const fs::path lib_dir = dir_.path() / "work" / "lib";
  fs::create_directories(lib_dir);
  fs::copy_file(herd::test::test_tasks_library(), lib_dir / "libtasks.so");
  const RunResult start =
      herd_in(dir_.path() / "work", {"cluster", "start", "--n", "1", "--daemonize", "--profile",
                                     "load", "--load", "lib/libtasks.so", "--timeout", "20"});
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  // The engine was handed the absolute path: a restart, a supervisor in
  // another folder or a remote host all load the same file.
  const std::string log =
      herd::test::read_text(dir_.path() / "profile_load" / "log" / "engine-0.log");
  EXPECT_NE(log.find("loaded task library " + (lib_dir / "libtasks.so").string()),
            std::string::npos)
      << log;
  const RunResult more =
      herd_in(dir_.path() / "work", {"cluster", "engines", "--n", "1", "--profile", "load",
                                     "--load", "lib/libtasks.so", "--timeout", "20"});
  EXPECT_EQ(more.exit_code, 0) << more.describe();
}

TEST_F(LoadPathTest, AnUnloadableLibraryFailsTheStartWithTheLoadersMessage) {
  const RunResult r =
      herd_in(dir_.path(), {"cluster", "start", "--n", "1", "--daemonize", "--profile", "load",
                            "--load", HERD_TEST_BROKEN_TASKS_LIB, "--timeout", "20"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("undefined symbol: herd_test_missing_symbol"), std::string::npos)
      << r.describe();
  EXPECT_NE(r.err.find(HERD_TEST_BROKEN_TASKS_LIB), std::string::npos) << r.describe();
}

TEST_F(LoadPathTest, AnUnloadableLibraryFailsAddedEnginesWithTheLoadersMessage) {
  const RunResult start = herd_in(dir_.path(), {"cluster", "start", "--n", "1", "--daemonize",
                                                "--profile", "load", "--timeout", "20"});
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  const RunResult r = herd_in(dir_.path(), {"cluster", "engines", "--n", "1", "--profile", "load",
                                            "--load", "missing/libnothing.so", "--timeout", "20"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find((dir_.path() / "missing/libnothing.so").string() +
                       ": cannot open shared object file"),
            std::string::npos)
      << r.describe();
}

}  // namespace
