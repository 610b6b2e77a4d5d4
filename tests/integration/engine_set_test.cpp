// Engines that join and leave a running cluster, and task libraries that
// are reloaded: `herd cluster engines --n N` with the cluster's own
// options, `--remove ID…` and `--n -K` (retiring engines gracefully),
// library hashes in `herd status`, the controller's warning about mixed
// builds, and `herd cluster reload` under a stream of tasks. Each test
// runs a cluster of its own: they take engines away.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/child_process.hpp"
#include "support/cluster_probe.hpp"
#include "support/cluster_suite.hpp"
#include "support/raw_peer.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kEngineWait;
using herd::test::kResultWait;
using herd::test::RunResult;
using herd::test::TestCluster;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// Two builds of one task library: only_extra() returns "extra" or "extra v2".
const char* const kExtraV1 = HERD_EXTRA_TASKS_V1;
const char* const kExtraV2 = HERD_EXTRA_TASKS_V2;

RunResult herd_cmd(const TestCluster& cluster, std::vector<std::string> args) {
  args.push_back("--profile");
  args.push_back(cluster.profile());
  return cluster.herd(args);
}

nlohmann::json status_json(const TestCluster& cluster) {
  const RunResult r = herd_cmd(cluster, {"status", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  return nlohmann::json::parse(r.out);
}

// What a rebuild does to a library: a new file takes the old one's path
// (the engines that mapped the old file keep it).
void install_library(const fs::path& from, const fs::path& to) {
  const fs::path tmp = to.string() + ".new";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing);
  fs::rename(tmp, to);
}

std::string sha256sum(const fs::path& file) {
  const RunResult r = herd::test::run_command({"/usr/bin/sha256sum", file.string()}, 10s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  return r.out.substr(0, r.out.find(' '));
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Polls `file` up to `timeout` until it contains `needle`.
bool wait_for_text(const fs::path& file, const std::string& needle,
                   std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (read_file(file).find(needle) == std::string::npos) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

const herd::EngineInfo* find_engine(const herd::ClusterStatus& s, uint32_t id) {
  for (const auto& e : s.engines)
    if (e.id == id) return &e;
  return nullptr;
}

// Whether status shows engine `id` as retiring within 10 s.
bool shows_retiring(herd::Client& client, uint32_t id) {
  return herd::test::wait_for_status(
             client,
             [&](const herd::ClusterStatus& s) {
               const auto* e = find_engine(s, id);
               return e && e->state == "retiring";
             },
             10s)
      .has_value();
}

// `herd args… --profile P` run in the background, its output in `scratch`.
std::unique_ptr<herd::test::ChildProcess> herd_in_background(const TestCluster& cluster,
                                                             const herd::test::TempDir& scratch,
                                                             std::vector<std::string> args) {
  args.insert(args.begin(), herd::test::herd_binary());
  args.insert(args.end(), {"--profile", cluster.profile()});
  return std::make_unique<herd::test::ChildProcess>(
      args, std::map<std::string, std::string>{{"HERD_DIR", cluster.herd_dir().string()}},
      scratch.path() / "out", scratch.path() / "err");
}

// A task of `seconds` running, and the engine that runs it.
struct BusyEngine {
  herd::AsyncResult<double> task;
  herd::EngineInfo engine;
};

std::optional<BusyEngine> make_one_engine_busy(herd::Client& client, double seconds) {
  auto task = client.load_balanced_view().apply(test_tasks::sleep_for, seconds);
  const auto busy = herd::test::wait_for_one_busy_engine(client, 10s);
  if (!busy) return std::nullopt;
  return BusyEngine{task, *busy};
}

TEST(EngineSetTest, AddedEnginesLoadTheClustersLibraries) {
  TestCluster cluster(1, "join");
  herd::Client& client = cluster.client();
  const uint32_t first = client.ids().at(0);
  // No --load: the cluster's own list (test_tasks) is used.
  const RunResult added = herd_cmd(cluster, {"cluster", "engines", "--n", "1"});
  ASSERT_EQ(added.exit_code, 0) << added.describe();
  client.wait_for_engines(2, kEngineWait);
  const RunResult removed =
      herd_cmd(cluster, {"cluster", "engines", "--remove", std::to_string(first)});
  ASSERT_EQ(removed.exit_code, 0) << removed.describe();
  EXPECT_NE(removed.out.find("retired engine " + std::to_string(first)), std::string::npos)
      << removed.describe();
  // Only the added engine is left: it must offer the user's tasks.
  EXPECT_EQ(client.load_balanced_view().apply(test_tasks::add, 2, 3).get(kResultWait), 5);
  const auto status = client.status();
  ASSERT_EQ(status.live_engines(), 1u);
  for (const auto& e : status.engines)
    if (e.state != "lost") {
      ASSERT_EQ(e.libraries.size(), 1u);
      EXPECT_EQ(e.libraries[0].path, fs::path(herd::test::test_tasks_library()).lexically_normal());
    }
}

TEST(EngineSetTest, RemovingABusyEngineLetsItsTaskFinishAndDoesNotRestartIt) {
  TestCluster cluster(2, "retire");
  herd::Client& client = cluster.client();
  auto made_busy = make_one_engine_busy(client, 2.0);
  ASSERT_TRUE(made_busy.has_value());
  auto& running = made_busy->task;
  const herd::EngineInfo* busy = &made_busy->engine;
  herd::test::TempDir scratch("herd-retire");
  auto remover = herd_in_background(cluster, scratch,
                                    {"cluster", "engines", "--remove", std::to_string(busy->id)});
  ASSERT_TRUE(shows_retiring(client, busy->id)) << "engine " << busy->id << " never did";
  // The retiring engine gets nothing new: this task goes to the other one.
  auto other = client.load_balanced_view().apply(test_tasks::engine_pid);
  EXPECT_NE(other.get(kResultWait), busy->pid);
  EXPECT_EQ(running.get(kResultWait), 2.0) << "the retired engine's running task was lost";

  const auto code = remover->wait(20s);
  ASSERT_EQ(code, 0) << remover->describe();
  EXPECT_NE(remover->out().find("retired engine " + std::to_string(busy->id)), std::string::npos)
      << remover->describe();
  const auto status = client.status();
  const auto* e = find_engine(status, busy->id);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state, "lost");
  EXPECT_EQ(e->lost_reason, "retired");
  // The supervisor believed exit code 4 (announced) and does not restart it:
  // it would say so in the same breath as the exit.
  const fs::path log = cluster.log_dir() / "cluster.log";
  const std::string exited = "(pid " + std::to_string(busy->pid) + ") retired";
  ASSERT_TRUE(wait_for_text(log, exited, 10s)) << read_file(log);
  EXPECT_EQ(read_file(log).find("restarting engine"), std::string::npos) << read_file(log);
  EXPECT_TRUE(herd::test::wait_until_gone({static_cast<pid_t>(busy->pid)}, 5s).empty());
  EXPECT_EQ(client.status().live_engines(), 1u);
}

TEST(EngineSetTest, ARetiringEngineWhoseTaskOverrunsItsTimeoutIsNotRestarted) {
  TestCluster cluster(2, "overrun");
  herd::Client& client = cluster.client();
  auto task = client.load_balanced_view({.timeout = 3s}).apply(test_tasks::sleep_for, 30.0);
  const auto busy = herd::test::wait_for_one_busy_engine(client, 10s);
  ASSERT_TRUE(busy.has_value());
  herd::test::TempDir scratch("herd-overrun");
  auto remover = herd_in_background(cluster, scratch,
                                    {"cluster", "engines", "--remove", std::to_string(busy->id)});
  ASSERT_TRUE(shows_retiring(client, busy->id));
  EXPECT_THROW((void)task.get(kResultWait), herd::TimeoutError);
  // Recycled while retiring: it leaves for good (exit code 4), not restarted.
  const fs::path log = cluster.log_dir() / "cluster.log";
  ASSERT_TRUE(wait_for_text(log, "(pid " + std::to_string(busy->pid) + ") retired", 10s))
      << read_file(log);
  EXPECT_EQ(read_file(log).find("restarting engine"), std::string::npos) << read_file(log);
  EXPECT_EQ(client.status().live_engines(), 1u);
}

TEST(EngineSetTest, ARetiringEngineHandsBackTasksItHadNotBegun) {
  // --hwm 3: each engine holds up to three tasks, two of them not begun,
  // once the controller has learnt that pid_after is quick (prefetch.hpp).
  TestCluster cluster(2, "handback", {.extra_args = {"--hwm", "3"}});
  herd::Client& client = cluster.client();
  auto lb = client.load_balanced_view({.chunksize = 1});
  lb.map(test_tasks::pid_after, std::vector<double>(10, 0.0)).get(kResultWait);
  auto m = lb.map(test_tasks::pid_after, std::vector<double>(6, 1.0));
  const auto full = herd::test::wait_for_status(
      client,
      [](const herd::ClusterStatus& s) {
        return std::all_of(s.engines.begin(), s.engines.end(),
                           [](const auto& e) { return e.outstanding == 3; });
      },
      10s);
  ASSERT_TRUE(full.has_value()) << "the engines never held three tasks each";
  const herd::EngineInfo retiring = full->engines.at(0);
  const RunResult r =
      herd_cmd(cluster, {"cluster", "engines", "--remove", std::to_string(retiring.id)});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto pids = m.get(kResultWait);
  EXPECT_LT(std::count(pids.begin(), pids.end(), retiring.pid), 3)
      << "the retiring engine ran every task it held";
  for (size_t i = 0; i < pids.size(); ++i)
    EXPECT_EQ(m[i].metadata().attempt, 1u) << "a handed-back task used an attempt";
}

TEST(EngineSetTest, OnlyTheSupervisorKeyMayRetireEngines) {
  TestCluster cluster(1, "forbidden");
  const auto info = herd::read_connection_file(cluster.client_file());
  herd::test::RawPeer peer(info.url, info.curve);
  herd::wire::Header retire;
  retire.set_type(herd::wire::RETIRE);
  retire.set_retire_count(1);
  ASSERT_TRUE(peer.send(retire));
  const auto refused = peer.receive_type(herd::wire::REFUSED);
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->error().message().find("supervisor"), std::string::npos)
      << refused->error().message();
  EXPECT_EQ(cluster.client().status().live_engines(), 1u);
}

TEST(EngineSetTest, NegativeCountRetiresTheLeastBusyEngines) {
  TestCluster cluster(3, "shrink");
  herd::Client& client = cluster.client();
  auto made_busy = make_one_engine_busy(client, 1.0);
  ASSERT_TRUE(made_busy.has_value());
  auto& running = made_busy->task;
  const herd::EngineInfo* busy = &made_busy->engine;
  const RunResult r = herd_cmd(cluster, {"cluster", "engines", "--n", "-2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.find("retired engine " + std::to_string(busy->id)), std::string::npos)
      << "the busy engine was retired: " << r.describe();
  const auto status = client.status();
  EXPECT_EQ(status.live_engines(), 1u);
  const auto* e = find_engine(status, busy->id);
  ASSERT_NE(e, nullptr);
  EXPECT_NE(e->state, "lost");
  EXPECT_EQ(running.get(kResultWait), 1.0);
}

TEST(EngineSetTest, UnknownEngineIdIsAOneLineError) {
  TestCluster cluster(1, "unknown");
  const RunResult r = herd_cmd(cluster, {"cluster", "engines", "--remove", "99"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("no live engine 99"), std::string::npos) << r.describe();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.describe();
  EXPECT_EQ(cluster.client().status().live_engines(), 1u);
}

TEST(EngineSetTest, StatusShowsEachEnginesLibrariesAndTheirHashes) {
  TestCluster cluster(1, "hashes");
  const std::string hash = sha256sum(herd::test::test_tasks_library());
  const auto j = status_json(cluster);
  const auto& libs = j.at("engines").at(0).at("libraries");
  ASSERT_EQ(libs.size(), 1u) << j.dump();
  EXPECT_EQ(libs[0].at("path"),
            fs::path(herd::test::test_tasks_library()).lexically_normal().string());
  EXPECT_EQ(libs[0].at("hash"), hash);
  const RunResult text = herd_cmd(cluster, {"status"});
  EXPECT_NE(text.out.find(hash.substr(0, 16)), std::string::npos) << text.out;
}

TEST(EngineSetTest, ControllerWarnsOfMixedBuilds) {
  herd::test::TempDir libs("herd-mixed-libs");
  const fs::path lib = libs.path() / "libextra.so";
  install_library(kExtraV1, lib);
  TestCluster cluster(1, "builds", {.extra_args = {"--load", lib.string()}});
  install_library(kExtraV2, lib);
  const RunResult added = herd_cmd(cluster, {"cluster", "engines", "--n", "1"});
  ASSERT_EQ(added.exit_code, 0) << added.describe();
  const fs::path log = cluster.log_dir() / "controller.log";
  EXPECT_TRUE(wait_for_text(log, "mixed builds", 10s)) << read_file(log);
  EXPECT_NE(read_file(log).find("'only_extra'"), std::string::npos) << read_file(log);
}

TEST(EngineSetTest, ReloadAnswersEveryTaskAndLeavesOnlyTheNewBuild) {
  herd::test::TempDir libs("herd-reload-libs");
  const fs::path lib = libs.path() / "libextra.so";
  install_library(kExtraV1, lib);
  TestCluster cluster(2, "reload", {.extra_args = {"--load", lib.string()}});
  herd::Client& client = cluster.client();
  const herd::Task<std::string()> only_extra{"only_extra"};
  auto lb = client.load_balanced_view();
  ASSERT_EQ(lb.apply(only_extra).get(kResultWait), "extra");
  install_library(kExtraV2, lib);
  const std::string new_hash = sha256sum(lib);

  // A stream of at least 2,000 tasks that lasts until the engines are
  // replaced, at most 40 in flight, now and then one that keeps an engine
  // busy as it retires.
  const uint64_t done_before = client.status().tasks_done;
  std::atomic<bool> reloaded{false};
  std::vector<herd::AsyncResult<int>> results;
  std::vector<herd::AsyncResult<double>> sleeps;
  std::thread submitter([&] {
    std::deque<herd::AsyncResult<int>> in_flight;
    for (int i = 0; !reloaded || i < 2000; ++i) {
      if (in_flight.size() >= 40) {
        (void)in_flight.front().wait(kResultWait);
        in_flight.pop_front();
      }
      results.push_back(lb.apply(test_tasks::add, i, 1));
      in_flight.push_back(results.back());
      if (i % 50 == 0) sleeps.push_back(lb.apply(test_tasks::sleep_for, 0.05));
    }
  });
  const RunResult r = herd_cmd(cluster, {"cluster", "reload"});
  reloaded = true;
  submitter.join();
  ASSERT_EQ(r.exit_code, 0) << r.describe() << "\n" << cluster.log_tail(20);
  for (size_t i = 0; i < results.size(); ++i)
    ASSERT_EQ(results[i].get(kResultWait), static_cast<int>(i) + 1) << "task " << i;
  for (auto& s : sleeps) ASSERT_EQ(s.get(kResultWait), 0.05);
  // Each ran once: the controller counted as many results as tasks.
  EXPECT_EQ(client.status().tasks_done - done_before, results.size() + sleeps.size());

  const auto status = client.status();
  EXPECT_EQ(status.live_engines(), 2u);
  size_t retired = 0;
  for (const auto& e : status.engines) {
    if (e.state == "lost") {
      retired += e.lost_reason == "retired";
      continue;
    }
    bool has_new = false;
    for (const auto& l : e.libraries) has_new |= l.path == lib.string() && l.hash == new_hash;
    EXPECT_TRUE(has_new) << "engine " << e.id << " does not run the new build";
  }
  EXPECT_EQ(retired, 2u);
  EXPECT_EQ(lb.apply(only_extra).get(kResultWait), "extra v2");
}

TEST(EngineSetTest, UnknownTaskWaitsWhileEnginesAreStarting) {
  TestCluster cluster(1, "coming");
  herd::test::TempDir scratch("herd-coming");
  auto adder = herd_in_background(
      cluster, scratch,
      {"cluster", "engines", "--n", "1", "--load", herd::test::extra_tasks_library()});
  const fs::path log = cluster.log_dir() / "controller.log";
  ASSERT_TRUE(wait_for_text(log, "engines are starting", 10s)) << read_file(log);
  // No live engine offers it yet; the one being started does.
  const herd::Task<std::string()> only_extra{"only_extra"};
  EXPECT_EQ(cluster.client().load_balanced_view().apply(only_extra).get(kResultWait), "extra");
  ASSERT_EQ(adder->wait(30s), 0) << adder->describe();
  // Once the engines are up, a name nobody offers fails at once again.
  const herd::Task<int()> nobody{"offered_by_nobody"};
  EXPECT_THROW((void)cluster.client().load_balanced_view().apply(nobody).get(5s),
               herd::UnknownTask);
}

// Two starts announced at once (two `herd cluster engines`): the later one,
// with a shorter --timeout, must not cut short the earlier one's hold.
TEST(EngineSetTest, AShorterHoldAnnouncedLaterDoesNotEndAnEarlierOne) {
  TestCluster cluster(1, "overlap");
  const auto info = herd::read_connection_file(cluster.supervisor_file());
  herd::test::RawPeer supervisor(info.url, info.curve);
  for (uint64_t hold_ms : {30'000u, 100u}) {
    herd::wire::Header coming;
    coming.set_type(herd::wire::ENGINES_COMING);
    coming.set_hold_unknown_ms(hold_ms);
    ASSERT_TRUE(supervisor.send(coming));
    ASSERT_TRUE(supervisor.receive_type(herd::wire::ENGINES_COMING).has_value());
  }
  std::this_thread::sleep_for(500ms);  // well past the shorter hold
  const herd::Task<std::string()> only_extra{"only_extra"};
  auto pending = cluster.client().load_balanced_view().apply(only_extra);
  const RunResult r = herd_cmd(
      cluster, {"cluster", "engines", "--n", "1", "--load", herd::test::extra_tasks_library()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(pending.get(kResultWait), "extra");
}

// Two `herd cluster engines` at once: the one that finishes first must not
// end the hold while the other's engine is still starting (its task library
// keeps loading while a file exists).
TEST(EngineSetTest, TheFirstOfTwoStartsToFinishLeavesTheOthersHold) {
  TestCluster cluster(1, "overlap2");
  herd::test::TempDir scratch("herd-overlap");
  const fs::path hold = scratch.path() / "hold";
  std::ofstream(hold).put('\n');
  const std::vector<std::string> args = {herd::test::herd_binary(),
                                         "cluster",
                                         "engines",
                                         "--n",
                                         "1",
                                         "--load",
                                         herd::test::extra_tasks_library(),
                                         "--load",
                                         HERD_TEST_HELD_LOAD_LIB,
                                         "--profile",
                                         cluster.profile()};
  herd::test::ChildProcess slow(
      args, {{"HERD_DIR", cluster.herd_dir().string()}, {"HERD_TEST_HOLD_FILE", hold.string()}},
      scratch.path() / "out", scratch.path() / "err");
  const fs::path log = cluster.log_dir() / "controller.log";
  ASSERT_TRUE(wait_for_text(log, "engines are starting", 10s)) << read_file(log);
  const RunResult quick = herd_cmd(cluster, {"cluster", "engines", "--n", "1"});
  ASSERT_EQ(quick.exit_code, 0) << quick.describe();
  // Only the engine still starting offers it: it waits for that engine.
  const herd::Task<std::string()> only_extra{"only_extra"};
  auto pending = cluster.client().load_balanced_view().apply(only_extra);
  std::this_thread::sleep_for(300ms);
  fs::remove(hold);
  EXPECT_EQ(pending.get(kResultWait), "extra");
  ASSERT_EQ(slow.wait(30s), 0) << slow.describe();
}

}  // namespace
