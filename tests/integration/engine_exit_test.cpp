// Tasks that end their engine: exit(0), exit(3), _exit(0), quick_exit(0) …
// An engine's exit code is believed only when the engine announced it to
// its supervisor (SPEC.md, "Engine exit codes"); any other exit is a crash:
// the running task fails with EngineLost naming the cause, at once (the
// supervisor tells the controller), and the engine is restarted.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

#include "herd/herd.hpp"
#include "support/cluster_probe.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using herd::test::TestCluster;

// Time bounds are multiplied by $HERD_TEST_TIME_SCALE (sanitizer builds).
double time_scale() {
  const char* s = std::getenv("HERD_TEST_TIME_SCALE");
  const double v = s ? std::atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}
std::chrono::milliseconds scaled(std::chrono::milliseconds d) {
  return std::chrono::milliseconds(static_cast<long>(static_cast<double>(d.count()) * time_scale()));
}

// From the exit to the client's EngineLost (issue 9: within 100 ms, not
// after heartbeats, which take 3 s here).
constexpr auto kNoticeBound = 100ms;
constexpr auto kRestartBound = 10s;
constexpr auto kResultWait = 30s;

struct Ending {
  const char* how;  // as end_engine takes it
  int code;
};

void PrintTo(const Ending& e, std::ostream* os) { *os << e.how << "(" << e.code << ")"; }

std::string name_of(const testing::TestParamInfo<Ending>& info) {
  std::string how = info.param.how;
  if (how.starts_with("_")) how = "underscore" + how.substr(1);
  std::erase(how, '_');
  return how + std::to_string(info.param.code);
}

class EngineExitTest : public ::testing::TestWithParam<Ending> {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(2);
    client_ = &cluster_->client();
    client_->wait_for_engines(2, 30s);
  }

  // The time end_engine wrote to `path`, as a time point of our clock.
  static Clock::time_point exit_time(const std::string& path) {
    std::ifstream in(path);
    long long ns = 0;
    in >> ns;
    return Clock::time_point(std::chrono::nanoseconds(ns));
  }

  // Waits until the cluster has `n` live engines again.
  bool engines_back(size_t n) {
    return herd::test::wait_for_status(
               *client_, [&](const herd::ClusterStatus& s) { return s.live_engines() == n; },
               kRestartBound)
        .has_value();
  }

  std::unique_ptr<TestCluster> cluster_;
  herd::Client* client_ = nullptr;
  herd::test::TempDir scratch_{"herd-engine-exit-test"};
};

TEST_P(EngineExitTest, FailsTheTaskAtOnceNamingTheCauseAndRestartsTheEngine) {
  const Ending ending = GetParam();
  const std::string marker = (scratch_.path() / "exited").string();
  auto r = client_->load_balanced_view().apply(test_tasks::end_engine, marker,
                                               std::string(ending.how), ending.code);
  try {
    (void)r.get(kResultWait);
    FAIL() << "end_engine returned";
  } catch (const herd::EngineLost& e) {
    const auto heard = Clock::now();
    const std::string cause = "the task called exit(" + std::to_string(ending.code) + ")";
    EXPECT_NE(std::string(e.what()).find(cause), std::string::npos)
        << "EngineLost does not name the cause '" << cause << "': " << e.what();
    const auto latency = heard - exit_time(marker);
    EXPECT_LT(latency, scaled(kNoticeBound))
        << "EngineLost came "
        << std::chrono::duration_cast<std::chrono::milliseconds>(latency).count()
        << " ms after the exit";
  } catch (const herd::Error& e) {
    FAIL() << "expected EngineLost, got: " << e.what();
  }
  // Whatever its exit code, the engine crashed: it is restarted, and serves.
  ASSERT_TRUE(engines_back(2)) << "the engine was not restarted within "
                               << kRestartBound.count() << " s\n"
                               << cluster_->log_tail();
  const auto status = client_->status();
  EXPECT_TRUE(std::any_of(status.engines.begin(), status.engines.end(),
                          [](const herd::EngineInfo& e) { return e.state != "lost" && e.restarts > 0; }));
  EXPECT_EQ(client_->load_balanced_view().apply(test_tasks::add, 1, 2).get(kResultWait), 3);
}

INSTANTIATE_TEST_SUITE_P(Exits, EngineExitTest,
                         ::testing::Values(Ending{"exit", 0}, Ending{"exit", 2},
                                           Ending{"exit", 3}, Ending{"exit", 4},
                                           Ending{"_exit", 0}, Ending{"quick_exit", 0}),
                         name_of);

// A task's exit() used to run the engine's exit handlers on the task
// thread: the destructors of its statics (spdlog's loggers among them) ran
// while the main thread went on using them (a race deploy/sanitize.sh
// thread reported, and a possible crash instead of the task's exit code).
// The engine now ends at once with the task's code, its statics untouched.
TEST(EngineExitStaticsTest, ATaskThatCallsExitLeavesTheEnginesStaticsAlone) {
  TestCluster cluster(1);
  auto& client = cluster.client();
  client.wait_for_engines(1, 30s);
  herd::test::TempDir scratch("herd-engine-exit-test");
  const auto trace = scratch.path() / "statics-destroyed";
  const std::string marker = (scratch.path() / "exited").string();
  auto r =
      client.load_balanced_view().apply(test_tasks::exit_tracing_statics, trace.string(), marker);
  EXPECT_THROW((void)r.get(kResultWait), herd::EngineLost);
  // EngineLost comes once the supervisor reaped the engine: any destructor
  // has run by now.
  EXPECT_FALSE(std::filesystem::exists(trace)) << "exit() destroyed the engine's statics";
}

// The report: "with retries one such task took down three engines and then
// waited in the queue forever". Each attempt now crashes an engine that is
// restarted, so the retries run out and the task fails; other tasks run.
TEST(EngineExitRetriesTest, ATaskThatEndsEveryEngineFailsAndLeavesTheClusterServing) {
  TestCluster cluster(2);
  auto& client = cluster.client();
  client.wait_for_engines(2, 30s);
  herd::test::TempDir scratch("herd-engine-exit-test");
  const std::string marker = (scratch.path() / "exited").string();
  auto r = client.load_balanced_view()
               .with({.retries = 2})
               .apply(test_tasks::end_engine, marker, std::string("exit"), 0);
  EXPECT_THROW((void)r.get(kResultWait), herd::EngineLost);
  EXPECT_EQ(r.metadata().attempt, 3u);
  const auto back = herd::test::wait_for_status(
      client, [](const herd::ClusterStatus& s) { return s.live_engines() == 2; }, 20s);
  ASSERT_TRUE(back.has_value()) << "the engines were not all restarted\n" << cluster.log_tail();
  EXPECT_EQ(client.load_balanced_view().apply(test_tasks::add, 2, 2).get(kResultWait), 4);
}

}  // namespace
