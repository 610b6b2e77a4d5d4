// The herd command against a running cluster: status, submit, refusing a
// second start; and the command line itself (--help, --version, usage errors).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kResultWait;
using herd::test::RunResult;

class CliTest : public herd::test::ClusterSuite<CliTest, 2> {
 protected:
  RunResult herd(std::vector<std::string> args) const {
    args.push_back("--profile");
    args.push_back(cluster().profile());
    return cluster().herd(args);
  }
  // `herd submit --profile P -- words…`
  RunResult submit(const std::vector<std::string>& words) const {
    std::vector<std::string> args{"submit", "--profile", cluster().profile(), "--"};
    args.insert(args.end(), words.begin(), words.end());
    return cluster().herd(args);
  }
};

TEST_F(CliTest, StatusJsonHasTheDocumentedShape) {
  const RunResult r = herd({"status", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  EXPECT_EQ(j.at("profile"), cluster().profile());
  const auto& controller = j.at("controller");
  EXPECT_TRUE(controller.at("pid").is_number_integer());
  EXPECT_GT(controller.at("pid").get<int64_t>(), 0);
  EXPECT_EQ(controller.at("client_url").get<std::string>().rfind("tcp://", 0), 0u);
  EXPECT_EQ(controller.at("engine_url").get<std::string>().rfind("tcp://", 0), 0u);
  EXPECT_TRUE(j.at("queue_depth").is_number_unsigned());
  EXPECT_TRUE(j.at("tasks_done").is_number_unsigned());
  EXPECT_TRUE(j.at("tasks_failed").is_number_unsigned());
  const auto& engines = j.at("engines");
  ASSERT_TRUE(engines.is_array());
  ASSERT_EQ(engines.size(), 2u);
  for (const auto& e : engines) {
    EXPECT_GT(e.at("id").get<int64_t>(), 0);
    EXPECT_FALSE(e.at("host").get<std::string>().empty());
    EXPECT_GT(e.at("pid").get<int64_t>(), 0);
    const auto state = e.at("state").get<std::string>();
    EXPECT_TRUE(state == "idle" || state == "busy" || state == "lost") << state;
    EXPECT_TRUE(e.at("tasks_done").is_number_unsigned());
    EXPECT_TRUE(e.at("restarts").is_number_unsigned());
  }
}

TEST_F(CliTest, StatusJsonAgreesWithTheClient) {
  ASSERT_EQ(lb().apply(test_tasks::add, 1, 1).get(kResultWait), 2);
  const auto status = client().status();
  const RunResult r = herd({"status", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("controller").at("pid").get<int64_t>(), status.controller_pid);
  EXPECT_EQ(j.at("controller").at("client_url"), status.client_url);
  EXPECT_GE(j.at("tasks_done").get<uint64_t>(), status.tasks_done);
}

TEST_F(CliTest, StatusTable) {
  const RunResult r = herd({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find(cluster().profile()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("idle"), std::string::npos) << r.out;
}

TEST_F(CliTest, SubmitPrintsOutputAndExitsWithTheCommandsCode) {
  const RunResult r = submit({"sh", "-c", "echo hi; exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  EXPECT_EQ(r.out, "hi\n");
}

TEST_F(CliTest, SubmitSuccess) {
  const RunResult r = submit({"true"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
}

TEST_F(CliTest, SubmitKeepsArgumentsIntact) {
  const RunResult r = submit({"printf", "%s|", "a b", "c'd", "$HOME", ""});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "a b|c'd|$HOME||");
}

TEST_F(CliTest, SubmitRelaysStderr) {
  const RunResult r = submit({"sh", "-c", "echo oops >&2"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.err, "oops\n");
}

TEST_F(CliTest, SubmitRunsOnAnEngine) {
  const RunResult r = submit({"sh", "-c", "echo $HERD_ENGINE_ID"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out, "\n");
}

TEST_F(CliTest, SubmitTimeoutEndsALongCommand) {
  const RunResult r = cluster().herd(
      {"submit", "--profile", cluster().profile(), "--timeout", "1", "--", "sleep", "20"}, 15s);
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_LT(r.elapsed, 10s) << r.describe();
  EXPECT_FALSE(r.err.empty());
}

TEST_F(CliTest, SubmitWithoutCommandIsAUsageError) {
  const RunResult r = cluster().herd({"submit", "--profile", cluster().profile()});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(r.err.empty());
}

TEST_F(CliTest, SecondStartOnTheSameProfileIsRefused) {
  const RunResult r = cluster().herd({"cluster", "start", "--n", "1", "--daemonize", "--profile",
                                      cluster().profile(), "--timeout", "10"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.find("ready"), std::string::npos) << r.out;
  // The running cluster is untouched.
  EXPECT_EQ(lb().apply(test_tasks::add, 2, 3).get(kResultWait), 5);
  EXPECT_EQ(client().status().live_engines(), 2u);
}

TEST_F(CliTest, StatusOfAProfileWithoutClusterFails) {
  const RunResult r = cluster().herd({"status", "--profile", "nothing_here"}, 15s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.exit_code, 0) << r.describe();
}

TEST_F(CliTest, StopOfAProfileWithoutClusterSucceeds) {
  const RunResult r = cluster().herd({"cluster", "stop", "--profile", "nothing_here"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
}

TEST(CliBasicsTest, VersionAndHelp) {
  herd::test::TempDir dir;
  const std::map<std::string, std::string> env{{"HERD_DIR", dir.path().string()}};
  const auto version = herd::test::run_command({herd::test::herd_binary(), "--version"}, 10s, env);
  EXPECT_EQ(version.exit_code, 0) << version.describe();
  EXPECT_NE(version.out.find(herd::kVersion), std::string::npos) << version.out;
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"--help"}, {"cluster", "start", "--help"}, {"cluster", "stop", "--help"},
           {"status", "--help"}, {"submit", "--help"}, {"engine", "--help"}, {"controller", "--help"}}) {
    std::vector<std::string> argv{herd::test::herd_binary()};
    argv.insert(argv.end(), command.begin(), command.end());
    const auto r = herd::test::run_command(argv, 10s, env);
    EXPECT_EQ(r.exit_code, 0) << command.front() << ": " << r.describe();
    EXPECT_FALSE(r.out.empty()) << command.front();
  }
}

TEST(CliBasicsTest, UnknownCommandIsAUsageError) {
  herd::test::TempDir dir;
  const auto r = herd::test::run_command({herd::test::herd_binary(), "frobnicate"}, 10s,
                                         {{"HERD_DIR", dir.path().string()}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
}

}  // namespace
