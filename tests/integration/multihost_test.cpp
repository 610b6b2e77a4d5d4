// Engines on other hosts, for real: three network namespaces joined by a
// bridge (support/netns.hpp). The controller runs in h1 bound to h1's
// address; two engines each in h2 and h3 get nothing but the content of
// engine.json in $HERD_CONNECTION_INFO (their own HERD_DIR is empty); the
// client program (support/multihost_client.cpp) runs in h1 from client.json's
// content. Then h3's link goes down mid-batch: its engines must be declared
// lost within the heartbeat bound and their tasks finish on h2, with no
// result lost; when the link comes back they register again, once each.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/netns.hpp"
#include "support/status_json.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using herd::test::ChildProcess;
using herd::test::NetworkNamespaces;
using herd::test::RunResult;
using herd::test::TempDir;
using Json = nlohmann::json;

constexpr char kProfile[] = "multihost";
constexpr int kEnginesPerHost = 2;
constexpr int kHeartbeatMs = 200;
constexpr int kHeartbeatMisses = 5;
// Silent for kHeartbeatMisses beats: lost after about a second. The slack
// is for a loaded machine and for `herd status` being a new process each
// time; it bounds, it does not measure.
constexpr auto kLossBound = std::chrono::milliseconds(kHeartbeatMs * kHeartbeatMisses) + 4s;
// TCP retransmits back off while the link is down; the engine's first
// packets after it comes back may take several seconds.
constexpr auto kRejoinBound = 30s;
constexpr auto kStartBound = 30s;

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last line of `text` that parses as a JSON object, or null.
Json last_json_line(const std::string& text) {
  std::istringstream lines(text);
  Json found;
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line.front() == '{') found = Json::parse(line, nullptr, false);
  return found.is_discarded() ? Json() : found;
}

class MultiHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string& reason = NetworkNamespaces::unavailable_reason();
    if (!reason.empty()) GTEST_SKIP() << "network namespaces cannot be created here: " << reason;
    net_ = std::make_unique<NetworkNamespaces>(3);
    start_controller();
    if (HasFatalFailure()) return;
    for (int host : {2, 3})
      for (int i = 0; i < kEnginesPerHost; ++i) start_engine(host);
    const auto up = wait_for_status(
        [&](const Json& s) { return live_pids(s) == all_engine_pids(); }, kStartBound);
    ASSERT_TRUE(up) << "the 4 engines did not all register within 30 s\n" << logs();
    ASSERT_FALSE(std::filesystem::exists(engine_dir_.path() / "profile_default" / "security" /
                                         "engine.json"))
        << "the engines' HERD_DIR was meant to hold no connection file";
  }

  void TearDown() override {
    // Processes first, then the namespaces they live in (members below).
    if (HasFailure()) std::cerr << logs();
    for (auto& e : engines_) e.process->stop(5s);
    if (controller_) controller_->stop(5s);
  }

  void start_controller() {
    const std::vector<std::string> args{herd::test::herd_binary(),
                                        "controller",
                                        "--ip",
                                        net_->address(1),
                                        "--profile",
                                        kProfile,
                                        "--heartbeat-interval",
                                        std::to_string(kHeartbeatMs),
                                        "--heartbeat-misses",
                                        std::to_string(kHeartbeatMisses)};
    controller_ = spawn(1, args, {{"HERD_DIR", controller_dir_.path().string()}}, "controller");
    const auto security =
        controller_dir_.path() / ("profile_" + std::string(kProfile)) / "security";
    const auto deadline = Clock::now() + kStartBound;
    while ((engine_info_.empty() || client_info_.empty()) && Clock::now() < deadline &&
           controller_->running()) {
      std::this_thread::sleep_for(20ms);
      // Written atomically: once there, a file is whole.
      engine_info_ = read_file(security / "engine.json");
      client_info_ = read_file(security / "client.json");
    }
    ASSERT_FALSE(engine_info_.empty() || client_info_.empty())
        << "the controller wrote no connection files within 30 s: " << controller_->describe();
    ASSERT_NE(engine_info_.find(net_->address(1)), std::string::npos)
        << "engine.json does not advertise h1's address " << net_->address(1) << ": "
        << engine_info_;
  }

  void start_engine(int host) {
    const std::vector<std::string> args{herd::test::herd_binary(), "engine", "--load",
                                        herd::test::test_tasks_library()};
    auto process =
        spawn(host, args,
              {{"HERD_DIR", engine_dir_.path().string()}, {"HERD_CONNECTION_INFO", engine_info_}},
              "engine-h" + std::to_string(host) + "-" + std::to_string(engines_.size()));
    engines_.push_back({host, std::move(process)});
  }

  // A command run inside `host`'s namespace, in the background.
  std::unique_ptr<ChildProcess> spawn(int host, const std::vector<std::string>& args,
                                      const std::map<std::string, std::string>& env,
                                      const std::string& name) {
    std::vector<std::string> argv = net_->exec_prefix(host);
    argv.insert(argv.end(), args.begin(), args.end());
    const auto base = scratch_.path() / name;
    return std::make_unique<ChildProcess>(argv, env, base.string() + ".out",
                                          base.string() + ".err");
  }

  // Runs the client program in h1; its JSON summary is the last line of out().
  std::unique_ptr<ChildProcess> start_client(int count, double task_seconds, int deadline_seconds) {
    const std::vector<std::string> args{HERD_MULTIHOST_CLIENT, "4", std::to_string(count),
                                        std::to_string(task_seconds),
                                        std::to_string(deadline_seconds)};
    return spawn(
        1, args,
        {{"HERD_DIR", engine_dir_.path().string()}, {"HERD_CONNECTION_INFO", client_info_}},
        "client-" + std::to_string(++clients_));
  }

  // Waits for the client to finish (bounded) and returns its summary.
  Json client_summary(ChildProcess& client, std::chrono::seconds bound) {
    const auto code = client.wait(bound);
    EXPECT_EQ(code, std::optional<int>(0)) << client.describe();
    const Json summary = last_json_line(client.out());
    EXPECT_TRUE(summary.is_object()) << "no summary from the client: " << client.describe();
    return summary.is_object() ? summary : Json::object();
  }

  // `herd status --json`, run in h1 (the root namespace cannot reach h1).
  std::optional<Json> status() const {
    std::vector<std::string> argv = net_->exec_prefix(1);
    for (const char* a :
         {herd::test::herd_binary(), "status", "--json", "--timeout", "3", "--profile", kProfile})
      argv.push_back(a);
    const RunResult r =
        herd::test::run_command(argv, 10s, {{"HERD_DIR", controller_dir_.path().string()}});
    if (r.exit_code != 0) return std::nullopt;
    Json j = Json::parse(r.out, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  }

  template <class Pred>
  std::optional<Json> wait_for_status(Pred pred, std::chrono::milliseconds bound) const {
    return herd::test::poll_status([this] { return status(); }, pred, bound, 50ms);
  }

  static std::map<int64_t, int> live_count(const Json& s) {
    return herd::test::live_engine_counts(s);
  }
  static std::set<int64_t> live_pids(const Json& s) {
    std::set<int64_t> out;
    for (const auto& [pid, n] : live_count(s)) out.insert(pid);
    return out;
  }
  std::set<int64_t> engine_pids(int host) const {
    std::set<int64_t> out;
    for (const auto& e : engines_)
      if (e.host == host) out.insert(e.process->pid());
    return out;
  }
  std::set<int64_t> all_engine_pids() const {
    auto out = engine_pids(2);
    out.merge(engine_pids(3));
    return out;
  }
  static std::set<int64_t> pid_keys(const Json& counts) {
    std::set<int64_t> out;
    for (const auto& [pid, n] : counts.items()) out.insert(std::stoll(pid));
    return out;
  }

  std::string logs() const {
    std::string out;
    for (const auto& dir : {controller_dir_.path(), engine_dir_.path(), scratch_.path()}) {
      std::error_code ec;
      for (const auto& f : std::filesystem::recursive_directory_iterator(dir, ec))
        if (f.is_regular_file() &&
            f.path().parent_path().filename() != "security")  // keys stay out
          out += "== " + f.path().string() + "\n" + read_file(f.path());
    }
    return out;
  }

  struct Engine {
    int host;
    std::unique_ptr<ChildProcess> process;
  };

  // Destroyed in reverse: processes before the namespaces and folders.
  TempDir controller_dir_{"herd-multihost-controller"};
  TempDir engine_dir_{"herd-multihost-engines"};
  TempDir scratch_{"herd-multihost-scratch"};
  std::unique_ptr<NetworkNamespaces> net_;
  std::string engine_info_, client_info_;
  std::unique_ptr<ChildProcess> controller_;
  std::vector<Engine> engines_;
  int clients_ = 0;
};

TEST_F(MultiHostTest, ThousandTasksRunCorrectlyOnBothEngineHosts) {
  auto client = start_client(1000, 0.0, 60);
  const Json summary = client_summary(*client, 90s);
  EXPECT_EQ(summary.value("correct", -1), 1000) << summary.dump();
  EXPECT_EQ(summary.value("failed", -1), 0) << summary.dump();
  const auto ran = pid_keys(summary.value("pids", Json::object()));
  for (int host : {2, 3}) {
    const auto pids = engine_pids(host);
    EXPECT_TRUE(std::any_of(ran.begin(), ran.end(), [&](int64_t p) { return pids.count(p); }))
        << "no task ran on h" << host << ": " << summary.dump();
  }
  for (int64_t pid : ran) EXPECT_TRUE(all_engine_pids().count(pid)) << "unknown engine pid " << pid;
}

TEST_F(MultiHostTest, PartitionedHostIsLostItsTasksFinishElsewhereAndItRejoinsOnce) {
  auto client = start_client(600, 0.02, 90);
  // Mid-batch: a hundred results in, hundreds still queued.
  const auto deadline = Clock::now() + 60s;
  while (client->out().find("progress 100\n") == std::string::npos && client->running() &&
         Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_NE(client->out().find("progress 100\n"), std::string::npos)
      << "the batch did not get going within 60 s: " << client->describe();

  net_->set_link(3, false);
  const auto cut = Clock::now();
  const auto h3 = engine_pids(3), h2 = engine_pids(2);
  const auto lost = wait_for_status(
      [&](const Json& s) {
        const auto live = live_pids(s);
        return std::none_of(h3.begin(), h3.end(), [&](int64_t p) { return live.count(p); });
      },
      kLossBound + 5s);
  ASSERT_TRUE(lost) << "h3's engines were not declared lost within " << (kLossBound + 5s).count()
                    << " ms";
  EXPECT_LT(Clock::now() - cut, kLossBound)
      << "h3's engines were declared lost later than " << kLossBound.count() << " ms after the cut";
  EXPECT_EQ(live_pids(*lost), h2) << lost->dump();

  const Json summary = client_summary(*client, 90s);
  EXPECT_EQ(summary.value("correct", -1), 600) << "results lost or wrong: " << summary.dump();
  EXPECT_EQ(summary.value("failed", -1), 0) << summary.dump();
  const auto retried = pid_keys(summary.value("retried_pids", Json::object()));
  EXPECT_FALSE(retried.empty()) << "h3's engines held tasks when cut off; none ran again: "
                                << summary.dump();
  for (int64_t pid : retried)
    EXPECT_TRUE(h2.count(pid)) << "a retried task ran on " << pid << ", not on h2";

  net_->set_link(3, true);
  const auto back = wait_for_status(
      [&](const Json& s) { return live_pids(s) == all_engine_pids(); }, kRejoinBound);
  ASSERT_TRUE(back) << "h3's engines did not register again within " << kRejoinBound.count()
                    << " s";
  // They take tasks again, and meanwhile no engine registered twice.
  auto again = start_client(200, 0.01, 60);
  const Json second = client_summary(*again, 90s);
  EXPECT_EQ(second.value("correct", -1), 200) << second.dump();
  const auto ran = pid_keys(second.value("pids", Json::object()));
  EXPECT_TRUE(std::any_of(h3.begin(), h3.end(), [&](int64_t p) { return ran.count(p); }))
      << "h3's engines took no task after rejoining: " << second.dump();
  const auto final_status = status();
  ASSERT_TRUE(final_status);
  for (const auto& [pid, n] : live_count(*final_status))
    EXPECT_EQ(n, 1) << "engine pid " << pid << " is listed live " << n << " times";
  for (int64_t pid : all_engine_pids()) {
    int rows = 0;
    for (const auto& e : final_status->at("engines")) rows += e.at("pid").get<int64_t>() == pid;
    EXPECT_LE(rows, 2) << "engine pid " << pid
                       << " registered again more than once: " << final_status->dump();
  }
}

}  // namespace
