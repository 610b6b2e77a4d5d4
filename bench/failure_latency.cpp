// herd-failure-latency: how fast a running cluster notices failed engines,
// the figures issue 4 asks for:
//   kill    SIGKILL of an engine running a task -> the client sees EngineLost,
//           and -> the supervisor's replacement engine is registered;
//   freeze  SIGSTOP of an engine running a task -> EngineLost (heartbeats).
// Each figure is printed per trial, then as median, min and max.
//
//   herd cluster start --n 2 --daemonize        (HERD_DIR a temp folder)
//   herd-failure-latency $HERD_DIR/profile_default/security/client.json
//
// The engines must run on this host (they are signalled by pid) under
// `herd cluster start`, whose supervisor restarts them. A victim is always an
// engine that has run at least kSettled, so that the restart measured is a
// first one, not one slowed down by the crash-loop back-off.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::duration<double, std::milli>;
using namespace std::chrono_literals;

// Longer than the supervisor's window for "quick" deaths (10 s).
constexpr auto kSettled = 10500ms;
// Time for a busy engine to have started its task (STARTED sent), so that
// its loss fails the task instead of requeueing it.
constexpr auto kStartSlack = 200ms;
constexpr auto kStatusPoll = 3ms;
constexpr double kKillTaskSeconds = 60;
constexpr double kFreezeTaskSeconds = 5;

class Probe {
 public:
  explicit Probe(herd::Client& client) : client_(client) {}

  // The controller's view; notes when each live engine was first seen.
  herd::ClusterStatus status() {
    auto s = client_.status(5s);
    const auto now = Clock::now();
    for (const auto& e : s.engines)
      if (e.state != "lost") first_seen_.emplace(e.pid, now);
    return s;
  }

  void wait_for_live(size_t n, std::chrono::seconds bound) {
    const auto deadline = Clock::now() + bound;
    while (status().live_engines() != n) {
      if (Clock::now() > deadline) throw std::runtime_error("the cluster did not get back to size");
      std::this_thread::sleep_for(10ms);
    }
  }

  herd::EngineInfo busy_engine() {
    const auto deadline = Clock::now() + 10s;
    for (;;) {
      for (const auto& e : status().engines)
        if (e.state == "busy") return e;
      if (Clock::now() > deadline) throw std::runtime_error("no engine took the task");
      std::this_thread::sleep_for(5ms);
    }
  }

  // Waits until `engine` has run long enough to be a fair victim.
  void let_settle(const herd::EngineInfo& engine) {
    std::this_thread::sleep_until(std::max(first_seen_.at(engine.pid) + kSettled,
                                           Clock::now() + kStartSlack));
  }

  std::set<int64_t> pids() {
    std::set<int64_t> all;
    for (const auto& e : status().engines) all.insert(e.pid);
    return all;
  }

 private:
  herd::Client& client_;
  std::map<int64_t, Clock::time_point> first_seen_;
};

// Milliseconds from `from` until `r` fails with EngineLost; nullopt otherwise.
template <class R>
std::optional<double> until_engine_lost(R& r, Clock::time_point from, std::chrono::seconds bound) {
  try {
    r.get(bound);
    std::printf("  the task succeeded instead of failing\n");
  } catch (const herd::EngineLost&) {
    return Millis(Clock::now() - from).count();
  } catch (const herd::Error& e) {
    std::printf("  the task failed otherwise: %s\n", e.what());
  }
  return std::nullopt;
}

// Polls status from another thread until an engine not in `known` is live.
class ReplacementWatch {
 public:
  ReplacementWatch(Probe& probe, std::set<int64_t> known)
      : thread_([this, &probe, known = std::move(known)] {
          const auto deadline = Clock::now() + 10s;
          while (!stop_ && Clock::now() < deadline) {
            for (const auto& e : probe.status().engines)
              if (e.state != "lost" && !known.count(e.pid)) {
                at_ = Clock::now();
                return;
              }
            std::this_thread::sleep_for(kStatusPoll);
          }
        }) {}
  ~ReplacementWatch() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Milliseconds from `from` to the registration; waits for the watch to end.
  std::optional<double> since(Clock::time_point from) {
    thread_.join();
    if (!at_) return std::nullopt;
    return Millis(*at_ - from).count();
  }

 private:
  std::atomic<bool> stop_{false};
  std::optional<Clock::time_point> at_;
  std::thread thread_;  // last: starts once the rest exists
};

void summary(const char* what, std::vector<double> v) {
  if (v.empty()) {
    std::printf("%-34s no successful trial\n", what);
    return;
  }
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  std::printf("%-34s median %8.1f ms  min %8.1f  max %8.1f  (n=%zu)\n", what, median, v.front(),
              v.back(), n);
}

int run(const char* client_file, int kills, int freezes) {
  herd::Client client(client_file);
  Probe probe(client);
  const size_t size = probe.status().live_engines();
  if (size < 1) throw std::runtime_error("no live engine");
  auto lb = client.load_balanced_view();
  std::vector<double> lost_after_kill, replaced_after_kill, lost_after_freeze;

  for (int i = 0; i < kills; ++i) {
    probe.wait_for_live(size, 20s);
    auto r = lb.apply(herd::builtin::sleep, kKillTaskSeconds);
    const auto victim = probe.busy_engine();
    probe.let_settle(victim);
    ReplacementWatch watch(probe, probe.pids());
    const auto killed = Clock::now();
    ::kill(static_cast<pid_t>(victim.pid), SIGKILL);
    const auto lost = until_engine_lost(r, killed, 20s);
    const auto replaced = watch.since(killed);
    std::printf("kill %2d  engine %u pid %lld: EngineLost after %.1f ms, replacement after %.1f ms\n",
                i + 1, victim.id, static_cast<long long>(victim.pid), lost.value_or(-1),
                replaced.value_or(-1));
    if (lost) lost_after_kill.push_back(*lost);
    if (replaced) replaced_after_kill.push_back(*replaced);
  }

  for (int i = 0; i < freezes; ++i) {
    probe.wait_for_live(size, 20s);
    const auto submitted = Clock::now();
    auto r = lb.apply(herd::builtin::sleep, kFreezeTaskSeconds);
    const auto victim = probe.busy_engine();
    std::this_thread::sleep_for(kStartSlack);
    const auto frozen = Clock::now();
    ::kill(static_cast<pid_t>(victim.pid), SIGSTOP);
    const auto lost = until_engine_lost(r, frozen, 20s);
    ::kill(static_cast<pid_t>(victim.pid), SIGCONT);
    std::printf("freeze %2d engine %u pid %lld: EngineLost after %.1f ms\n", i + 1, victim.id,
                static_cast<long long>(victim.pid), lost.value_or(-1));
    if (lost) lost_after_freeze.push_back(*lost);
    // The thawed engine finishes its (discarded) task before it takes another.
    std::this_thread::sleep_until(submitted + std::chrono::duration<double>(kFreezeTaskSeconds) +
                                  500ms);
  }

  std::printf("\n");
  if (kills > 0) {
    summary("SIGKILL -> EngineLost", lost_after_kill);
    summary("SIGKILL -> replacement registered", replaced_after_kill);
  }
  if (freezes > 0) summary("SIGSTOP -> EngineLost", lost_after_freeze);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: %s CLIENT_JSON [KILLS=10] [FREEZES=10]\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[1], argc > 2 ? std::atoi(argv[2]) : 10, argc > 3 ? std::atoi(argv[3]) : 10);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herd-failure-latency: %s\n", e.what());
    return 1;
  }
}
