#include "daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "options.hpp"
#include "process.hpp"

namespace herd::cli {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nobody to tell
    done += static_cast<size_t>(n);
  }
}

void redirect_stdio(const std::filesystem::path& log) {
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
  if (in < 0 || out < 0)
    throw std::runtime_error("cannot open " + log.string() + ": " + std::strerror(errno));
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  ::close(in);
  ::close(out);
}

// Everything the child writes before it closes its end of the pipe; nullopt
// if it is still silent at `deadline`.
std::optional<std::string> read_report(int fd, Clock::time_point deadline) {
  std::string text;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    const int ready =
        ::poll(&p, 1, static_cast<int>(std::min<milliseconds::rep>(left.count(), 1000)));
    if (ready <= 0) continue;
    char buf[512];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// The child's wait status once it exits, waiting at most `wait`.
std::optional<int> wait_exit(pid_t child, milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  for (;;) {
    if (auto status = try_reap(child)) return status;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

int wait_for_report(pid_t child, int fd, const std::filesystem::path& log, milliseconds wait) {
  const auto text = read_report(fd, Clock::now() + wait);
  ::close(fd);
  if (!text) {
    ::kill(child, SIGKILL);
    wait_exit(child, milliseconds(1000));
    std::cerr << "herd: the cluster supervisor (pid " << child << ") did not report within "
              << seconds_text(wait) << "; see " << log.string() << std::endl;
    return 1;
  }
  // A launcher's engines still queued (a pending Slurm job) are no failure.
  if (text->starts_with("ready") || text->starts_with("pending ")) {
    std::cout << *text << std::endl;
    return 0;
  }
  // It exits right after reporting a failure: wait, so that when we exit
  // nothing of the cluster is left.
  const auto status = wait_exit(child, milliseconds(5000));
  if (!text->empty()) {
    std::cerr << *text << std::endl;
  } else {
    std::cerr << "herd: the cluster supervisor (pid " << child << ") "
              << (status ? describe_exit(*status) : "stopped answering")
              << " before it was ready; see " << log.string() << std::endl;
  }
  return 1;
}

}  // namespace

StartupReport::~StartupReport() {
  if (fd_ >= 0) ::close(fd_);
}

void StartupReport::ready(const std::string& line) { send(line, true); }

void StartupReport::failed(const std::string& message) { send("herd: " + message, false); }

void StartupReport::send(const std::string& line, bool ok) {
  if (sent_) return;
  sent_ = true;
  if (fd_ < 0) {
    (ok ? std::cout : std::cerr) << line << std::endl;
    return;
  }
  // The daemon's log is its stderr; the parent prints the line for the user.
  if (ok)
    spdlog::info("{}", line);
  else
    spdlog::error("{}", line);
  write_all(fd_, line + '\n');
  ::close(fd_);
  fd_ = -1;
}

std::optional<int> daemonize(const std::filesystem::path& log, milliseconds wait,
                             StartupReport& report) {
  int fds[2];
  // Close-on-exec: the children the daemon starts must not hold the pipe
  // open, or the parent would wait for them instead of for the daemon.
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  std::cout.flush();
  std::cerr.flush();
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error(std::string("cannot fork: ") + std::strerror(errno));
  if (child > 0) {
    ::close(fds[1]);
    return wait_for_report(child, fds[0], log, wait);
  }
  ::close(fds[0]);
  report.fd_ = fds[1];
  ::setsid();
  // A parent that gave up waiting must not kill us through the pipe.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    redirect_stdio(log);
  } catch (const std::exception& e) {
    report.failed(e.what());
    ::_exit(1);
  }
  return std::nullopt;
}

}  // namespace herd::cli
