// `herd submit --each FILE` against a running cluster: one task per line,
// each command's output relayed in line order, a summary of exit codes, and
// the exit code that sums them up.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/cluster_suite.hpp"
#include "support/temp_dir.hpp"

namespace {

using herd::test::RunResult;

class SubmitEachTest : public herd::test::ClusterSuite<SubmitEachTest, 2> {
 protected:
  // Writes `text` to a file and runs `herd submit --each` on it.
  RunResult submit_each(const std::string& text) const {
    const auto file = dir_.path() / "commands.txt";
    std::ofstream(file) << text;
    return cluster().herd({"submit", "--profile", cluster().profile(), "--each", file.string()});
  }

 private:
  herd::test::TempDir dir_;
};

TEST_F(SubmitEachTest, EveryCommandExitingZeroExitsZero) {
  const RunResult r = submit_each("echo one\n\n   \necho two; echo three\n");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "one\ntwo\nthree\n");
  EXPECT_NE(r.err.find("2 commands: 2 exited 0"), std::string::npos) << r.err;
  // stderr is not a terminal here: no progress bar.
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
}

TEST_F(SubmitEachTest, SummaryCountsExitCodesAndExitsOne) {
  const RunResult r = submit_each("true\nexit 3\necho fine\necho bad >&2; exit 3\n");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out, "fine\n");
  EXPECT_NE(r.err.find("4 commands: 2 exited 0, 2 exited 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("command 2 (exit 3): exited 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad\n"), std::string::npos) << r.err;
}

TEST_F(SubmitEachTest, AnEmptyOrMissingFileIsHerdsOwnFailure) {
  EXPECT_EQ(submit_each("\n\n").exit_code, 125);
  const RunResult r = cluster().herd(
      {"submit", "--profile", cluster().profile(), "--each", "/nonexistent/commands.txt"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
}

TEST_F(SubmitEachTest, EachAndACommandTogetherIsAUsageError) {
  const RunResult r =
      cluster().herd({"submit", "--profile", cluster().profile(), "--each", "f", "--", "true"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not both"), std::string::npos) << r.describe();
}

}  // namespace
