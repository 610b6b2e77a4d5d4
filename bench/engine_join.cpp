// herd-engine-join: the time from `herd engine` starting on a fresh host to
// its first task (issue 7). engine_join.sh makes the hosts (network
// namespaces) and the controller, and runs this in the controller's
// namespace as a client. Each trial queues noop(i) while no engine is
// connected, starts `herd engine` in the engine's namespace with nothing but
// HERD_CONNECTION_INFO (engine.json's content) and an empty HERD_DIR of its
// own, waits for the result and stops that engine by its pid.
//
//   herd-engine-join CLIENT_JSON ENGINE_JSON ENGINE_NETNS HERD LIB.so TRIALS
//
// The clock starts just before fork(): the time counts the exec, loading
// the task library, the CurveZMQ handshake, registration and dispatch.
// SIGINT or SIGTERM kills the engine of the trial under way, then this.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <herd/herd.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_tasks.hpp"
#include "report.hpp"
#include "stats.hpp"

extern char** environ;

namespace herd::bench {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
constexpr auto kResultBound = 30s;  // an engine that has not answered by then has failed
constexpr auto kStateBound = 10s;   // for the controller to see an engine leave, a task queue
constexpr auto kStopBound = 10s;    // for an engine to exit on SIGTERM
constexpr auto kPoll = 2ms;

struct Args {
  std::filesystem::path client_file;
  std::string engine_info;  // engine.json's content
  std::string netns;
  std::string herd;
  std::string library;
  size_t trials = 10;
};

// The engine of the trial under way, for the signal handler.
std::atomic<pid_t> g_engine{0};
static_assert(std::atomic<pid_t>::is_always_lock_free, "used from a signal handler");

extern "C" void on_signal(int signal_number) {
  if (const pid_t pid = g_engine.load(); pid > 0) ::kill(pid, SIGKILL);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Pointers into `strings`, null-terminated, for execve.
std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// A fresh host's engine: our environment without HERD_*, plus an empty
// HERD_DIR of its own (removed with the object) and the connection info.
class EngineProcess {
 public:
  explicit EngineProcess(const Args& args) {
    // Under $TMPDIR: engine_join.sh points it into a folder it removes
    // whatever becomes of this process.
    std::string templ = (std::filesystem::temp_directory_path() / "engine-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("cannot create the engine's HERD_DIR");
    herd_dir_ = templ;
    argv_ = {args.herd, "engine", "--load", args.library, "--log-level", "warn"};
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, "HERD_", 5) != 0) env_.push_back(*e);
    env_.push_back("HERD_DIR=" + herd_dir_.string());
    env_.push_back("HERD_CONNECTION_INFO=" + args.engine_info);
    netns_ = ::open(("/run/netns/" + args.netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_ < 0) {
      std::filesystem::remove_all(herd_dir_);
      throw std::runtime_error("no network namespace " + args.netns);
    }
  }
  ~EngineProcess() {
    stop();
    ::close(netns_);
    std::error_code ignored;
    std::filesystem::remove_all(herd_dir_, ignored);
  }
  EngineProcess(const EngineProcess&) = delete;
  EngineProcess& operator=(const EngineProcess&) = delete;

  // Forks and execs; after fork only system calls (this process has threads).
  void start() {
    auto argv = c_strings(argv_), envp = c_strings(env_);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      if (::setns(netns_, CLONE_NEWNET) != 0) ::_exit(126);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    g_engine = pid;
  }

  pid_t pid() const { return g_engine; }

  // Throws if the engine has exited (it must run until stopped).
  void check_running() {
    int status = 0;
    if (g_engine > 0 && ::waitpid(g_engine, &status, WNOHANG) == g_engine) {
      g_engine = 0;
      throw std::runtime_error("the engine exited early with status " + std::to_string(status) +
                               " (see its log under its HERD_DIR)");
    }
  }

  // SIGTERM, then SIGKILL if it has not exited within kStopBound; reaps it.
  void stop() noexcept {
    const pid_t pid = g_engine;
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    const auto deadline = Clock::now() + kStopBound;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(kPoll);
    }
    g_engine = 0;
  }

 private:
  std::filesystem::path herd_dir_;
  std::vector<std::string> argv_, env_;
  int netns_ = -1;
};

// Polls the controller until `done(status)` holds.
template <class Done>
void wait_for(Client& client, const char* what, Done done) {
  const auto deadline = Clock::now() + kStateBound;
  while (!done(client.status())) {
    if (Clock::now() > deadline) throw std::runtime_error(std::string("timed out waiting ") + what);
    std::this_thread::sleep_for(10ms);
  }
}

struct Trial {
  uint32_t engine_id = 0;
  double to_started_ms = 0;  // fork -> the engine starts the task (its clock; same host)
  double to_result_ms = 0;   // fork -> the result is in the client
};

Trial run_trial(Client& client, const Args& args, int i) {
  wait_for(client, "for the last engine to leave",
           [](const ClusterStatus& s) { return s.live_engines() == 0; });
  const auto result = client.load_balanced_view().apply(noop, i);
  wait_for(client, "for the task to queue",
           [](const ClusterStatus& s) { return s.queue_depth > 0; });

  Trial trial;
  {
    EngineProcess engine(args);
    const auto t0 = Clock::now();
    const auto t0_wall = std::chrono::system_clock::now();
    engine.start();
    while (!result.wait(kPoll)) {
      engine.check_running();
      if (Clock::now() - t0 > kResultBound)
        throw std::runtime_error("no result " + std::to_string(kResultBound.count()) +
                                 " s after the engine started");
    }
    trial.to_result_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const int got = result.get();
    if (got != i)
      throw std::runtime_error("noop(" + std::to_string(i) + ") returned " + std::to_string(got));
    const TaskMetadata md = result.metadata();
    trial.engine_id = md.engine_id;
    trial.to_started_ms = std::chrono::duration<double, std::milli>(md.started - t0_wall).count();
  }  // stops the engine
  return trial;
}

struct Spread {
  double median, min, max;
};

Spread spread(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return {median(values), values.front(), values.back()};
}

void add_spread(Report& report, Table& table, const std::string& what, const std::string& key,
                const std::vector<double>& values) {
  const Spread s = spread(values);
  table.add_row({what, fixed(s.median, 1), fixed(s.min, 1), fixed(s.max, 1)});
  report.json()[key] = {
      {"median", rounded(s.median, 1)}, {"min", rounded(s.min, 1)}, {"max", rounded(s.max, 1)}};
}

int run(const Args& args) {
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  Client client(args.client_file);
  Report report("engine-join", "`herd engine` started in network namespace " + args.netns +
                                   " from HERD_CONNECTION_INFO alone, to its first task; " +
                                   std::to_string(args.trials) + " trials");
  Table& trials = report.add_table({"trial", "engine id", "to task start ms", "to result ms"});
  std::vector<double> started, done;
  for (size_t i = 0; i < args.trials; ++i) {
    const Trial t = run_trial(client, args, static_cast<int>(i));
    trials.add_row({std::to_string(i + 1), std::to_string(t.engine_id), fixed(t.to_started_ms, 1),
                    fixed(t.to_result_ms, 1)});
    started.push_back(t.to_started_ms);
    done.push_back(t.to_result_ms);
  }
  const std::string security = client.status().security;
  report.json()["trials"] = args.trials;
  report.json()["security"] = security;
  Table& summary = report.add_table({"", "median ms", "min ms", "max ms"});
  add_spread(report, summary, "engine start -> task started", "to_started_ms", started);
  add_spread(report, summary, "engine start -> result at the client", "to_result_ms", done);
  report.note("each trial: noop(i) queued while no engine was connected, then the engine forked;");
  report.note("the engine's environment: HERD_CONNECTION_INFO and an empty HERD_DIR; security: " +
              security);
  report.print();
  return 0;
}

}  // namespace
}  // namespace herd::bench

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr,
                 "usage: herd-engine-join CLIENT_JSON ENGINE_JSON ENGINE_NETNS HERD LIB.so "
                 "TRIALS\n  (run by bench/engine_join.sh)\n");
    return 2;
  }
  try {
    herd::bench::Args args{
        argv[1], herd::bench::read_all(argv[2]), argv[3], argv[4], argv[5], std::stoul(argv[6])};
    return herd::bench::run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herd-engine-join: %s\n", e.what());
    return 1;
  }
}
