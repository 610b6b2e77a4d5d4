#include "support/test_tasks.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "herd/task.hpp"

namespace test_tasks {

namespace {
std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}
}  // namespace

int add(int a, int b) { return a + b; }

std::string echo(std::string s) { return s; }

herd::Bytes echo_bytes(herd::Bytes b) { return b; }

int fail_with(std::string msg) { throw std::runtime_error(msg); }

int throw_int() { throw 42; }

double sleep_for(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return seconds;
}

int64_t engine_pid() { return static_cast<int64_t>(::getpid()); }

int64_t pid_after(double seconds) {
  sleep_for(seconds);
  return engine_pid();
}

std::pair<int64_t, int64_t> tag_with_pid(int64_t n, double seconds) {
  if (seconds > 0) sleep_for(seconds);
  return {n, engine_pid()};
}

int64_t announce_then_sleep(std::string path, double seconds) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << engine_pid() << "\n";
  std::rename(tmp.c_str(), path.c_str());
  return pid_after(seconds);
}

int64_t log_run(std::string path, double seconds) {
  std::ofstream(path, std::ios::app) << engine_pid() << "\n";
  return pid_after(seconds);
}

int crash_engine(std::string path) {
  std::ofstream(path, std::ios::app) << engine_pid() << "\n";
  ::kill(::getpid(), SIGKILL);
  return 0;
}

int end_engine(std::string path, std::string how, int code) {
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() << "\n";
  std::rename(tmp.c_str(), path.c_str());
  if (how == "_exit") ::_exit(code);
  if (how == "quick_exit") std::quick_exit(code);
  std::exit(code);
}

namespace {
// Writes its file, if it has one, when statics are destroyed.
struct DestructionTrace {
  std::string path;
  ~DestructionTrace() {
    if (!path.empty()) std::ofstream(path) << "destroyed\n";
  }
};
DestructionTrace g_destruction_trace;
}  // namespace

int exit_tracing_statics(std::string trace, std::string exit_marker) {
  g_destruction_trace.path = std::move(trace);
  return end_engine(std::move(exit_marker), "exit", 0);
}

int fail_at(int n, int bad) {
  if (n == bad) throw std::invalid_argument("odd one out");
  return n;
}

Point shift(Point p, double dx, double dy) {
  p.x += dx;
  p.y += dy;
  return p;
}

std::vector<double> scale(std::vector<double> xs, double factor) {
  for (double& x : xs) x *= factor;
  return xs;
}

std::string context() {
  const herd::TaskContext& c = herd::this_task();
  return c.task_id + "|" + std::to_string(c.engine_id) + "|" + std::to_string(c.attempt) + "|" +
         env_or_empty("HERD_TASK_ID") + "|" + env_or_empty("HERD_ENGINE_ID");
}

std::string filler(int64_t bytes) { return std::string(static_cast<size_t>(bytes), 'f'); }

int fail_first_attempt(int x) {
  if (herd::this_task().attempt == 1) throw std::runtime_error("the first attempt always fails");
  return x;
}

int add_after(int a, int b, double seconds) {
  sleep_for(seconds);
  return a + b;
}

int fail_after(double seconds, std::string msg) {
  sleep_for(seconds);
  throw std::runtime_error(msg);
}

HERD_TASK(add);
HERD_TASK(echo);
HERD_TASK(echo_bytes);
HERD_TASK(fail_with);
HERD_TASK(throw_int);
HERD_TASK(sleep_for);
HERD_TASK(engine_pid);
HERD_TASK(pid_after);
HERD_TASK(tag_with_pid);
HERD_TASK(announce_then_sleep);
HERD_TASK(log_run);
HERD_TASK(crash_engine);
HERD_TASK(end_engine);
HERD_TASK(exit_tracing_statics);
HERD_TASK(fail_at);
HERD_TASK(shift);
HERD_TASK(scale);
HERD_TASK(context);
HERD_TASK(filler);
HERD_TASK(fail_first_attempt);
HERD_TASK(add_after);
HERD_TASK(fail_after);

}  // namespace test_tasks
