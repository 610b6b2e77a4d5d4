#include "process_groups.hpp"

#include <signal.h>
#include <time.h>

#include <array>
#include <atomic>

namespace herd::detail {

namespace {

// An engine runs one task at a time, but a task may run several commands
// from threads of its own; this many at once are noted. A fixed table of
// atomics, because end_process_groups() may not lock or allocate.
constexpr size_t kSlots = 64;
constexpr long kStepNanoseconds = 10'000'000;  // 10 ms between looks
std::array<std::atomic<pid_t>, kSlots> g_groups{};
static_assert(std::atomic<pid_t>::is_always_lock_free, "read from a signal handler");

void signal_all(int sig) {
  for (auto& slot : g_groups)
    if (const pid_t pgid = slot.load(); pgid > 0) ::kill(-pgid, sig);
}

bool none_left() {
  for (auto& slot : g_groups)
    if (slot.load() > 0) return false;
  return true;
}

// Milliseconds on the monotonic clock; clock_gettime is async-signal-safe.
long long now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

bool add_process_group(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pgid)) return true;
  }
  return false;
}

void remove_process_group(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t expected = pgid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void end_process_groups(std::chrono::milliseconds grace) {
  if (none_left()) return;
  signal_all(SIGTERM);
  const long long deadline = now_ms() + grace.count();
  const timespec step{0, kStepNanoseconds};
  while (!none_left() && now_ms() < deadline) ::nanosleep(&step, nullptr);
  signal_all(SIGKILL);
}

}  // namespace herd::detail
