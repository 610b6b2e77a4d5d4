// Tasks the integration tests run. The engines load libherd_test_tasks.so
// (herd cluster start --load …); the test programs link it too, so they can
// call the tasks by function address. Each is registered under its bare name.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "herd/bytes.hpp"
#include "herd/codec.hpp"

namespace test_tasks {

struct Point {
  double x = 0;
  double y = 0;
  std::string label;
  friend bool operator==(const Point&, const Point&) = default;
};

int add(int a, int b);
std::string echo(std::string s);
herd::Bytes echo_bytes(herd::Bytes b);
// Throws std::runtime_error(msg).
int fail_with(std::string msg);
// Throws the int 42: an exception that is not a std::exception.
int throw_int();
// Sleeps `seconds`, then returns them.
double sleep_for(double seconds);
// The process id of the engine that runs it.
int64_t engine_pid();
// Sleeps `seconds`, then returns the engine's process id.
int64_t pid_after(double seconds);
// Sleeps `seconds`, then returns {n, the engine's process id}: which engine
// answered which call, for tests that spread many calls over hosts.
std::pair<int64_t, int64_t> tag_with_pid(int64_t n, double seconds);
// Writes the engine's process id to the file `path` (atomically: the file
// appears whole), then sleeps `seconds` and returns the pid. A test learns
// from the file that the task runs, and where.
int64_t announce_then_sleep(std::string path, double seconds);
// Appends the engine's process id to the file `path` as a line, sleeps
// `seconds` and returns the pid: the file counts how often the task ran.
int64_t log_run(std::string path, double seconds);
// Appends a line to the file `path`, then SIGKILLs its own engine: a task
// that crashes whatever runs it. The file counts how often it ran.
int crash_engine(std::string path);
// Writes the steady clock's time (nanoseconds since its epoch, which all
// processes of a host share) to the file `path`, atomically, then ends its
// engine as `how` says, with `code`: "exit", "_exit" or "quick_exit". A test
// learns from the file when the engine went.
int end_engine(std::string path, std::string how, int code);
// Has a static object of this library write the file `trace` when it is
// destroyed, then ends its engine like end_engine(exit_marker, "exit", 0).
// A test learns from `trace` whether the task's exit() destroyed the
// engine's statics.
int exit_tracing_statics(std::string trace, std::string exit_marker);
// n, except that it throws std::invalid_argument("odd one out") when n == bad.
int fail_at(int n, int bad);
// Throws on the task's first attempt only; returns x on later ones.
int fail_first_attempt(int x);
// The point moved by (dx, dy): a HERD_CODEC struct both ways.
Point shift(Point p, double dx, double dy);
std::vector<double> scale(std::vector<double> xs, double factor);
// "task_id|engine_id|attempt|$HERD_TASK_ID|$HERD_ENGINE_ID", as the task sees them.
std::string context();
// A string of `bytes` bytes: a result as large as a test needs.
std::string filler(int64_t bytes);
// a + b after sleeping `seconds`: a producer still running when its
// dependents are submitted.
int add_after(int a, int b, double seconds);
// Throws std::runtime_error(msg) after sleeping `seconds`.
int fail_after(double seconds, std::string msg);

}  // namespace test_tasks

HERD_CODEC(test_tasks::Point, x, y, label);
