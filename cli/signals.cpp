#include "signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

namespace herd::cli {

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the stop flag is set from a signal handler");

void on_stop_signal(int) { g_stop.store(true); }

// The self-pipe SIGCHLD writes to: [0] is read by wait_for_child.
int g_child_pipe[2] = {-1, -1};

void on_child_signal(int) {
  const int saved = errno;
  const char byte = 0;
  // A full pipe already holds a wake-up.
  [[maybe_unused]] const ssize_t n = ::write(g_child_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // SIGHUP too: a foreground cluster whose terminal closes still stops in order.
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
  return g_stop;
}

void watch_children() {
  if (g_child_pipe[0] >= 0) return;
  if (::pipe2(g_child_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  struct sigaction action {};
  action.sa_handler = on_child_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  ::sigaction(SIGCHLD, &action, nullptr);
}

void wait_for_child(std::chrono::milliseconds timeout) {
  pollfd p{g_child_pipe[0], POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return;
  char buf[64];
  while (::read(g_child_pipe[0], buf, sizeof buf) > 0) {
  }
}

void exit_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The parent may have died before prctl: then we were already re-parented.
  if (::getppid() != parent)
    throw std::runtime_error("the supervisor (pid " + std::to_string(parent) + ") is gone");
}

}  // namespace herd::cli
