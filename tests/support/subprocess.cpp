#include "support/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace herd::test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollStep = std::chrono::milliseconds(20);

// Both ends close on exec; the child dup2()s its end onto 1 or 2.
void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
}

// Reads what is available; false once the pipe reached end of file.
bool read_available(int fd, std::string& into) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return true;  // EAGAIN: nothing more for now
  }
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    if (!env.count(name)) out.push_back(entry);
  }
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

std::string RunResult::describe() const {
  std::string s = timed_out ? "timed out" : "exit " + std::to_string(exit_code);
  s += " after " + std::to_string(elapsed.count()) + " ms";
  s += "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
  return s;
}

RunResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                      const std::map<std::string, std::string>& env) {
  if (argv.empty()) throw std::invalid_argument("run_command: empty argv");
  // Everything the child needs is prepared before fork(): after it, in a
  // multi-threaded parent, the child may only make async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<std::string> environment = merged_environment(env);
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(environment);
  int out_pipe[2], err_pipe[2];
  make_pipe(out_pipe);
  make_pipe(err_pipe);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  const auto started = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(null_fd, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close_range(3, ~0U, 0);
    ::execve(c_args[0], c_args.data(), c_env.data());
    ::_exit(127);
  }
  ::close(null_fd);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  RunResult result;
  bool out_open = true, err_open = true;
  int status = 0;
  for (;;) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    ::poll(fds, 2, static_cast<int>(kPollStep.count()));
    if (out_open) out_open = read_available(out_pipe[0], result.out);
    if (err_open) err_open = read_available(err_pipe[0], result.err);
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      result.exit_code = decode_status(status);
      break;
    }
    if (Clock::now() - started > timeout) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.timed_out = true;
      result.exit_code = -1;
      break;
    }
  }
  // What it wrote just before exiting; a daemon it left behind may still hold
  // the pipes, so read only what is there.
  if (out_open) read_available(out_pipe[0], result.out);
  if (err_open) read_available(err_pipe[0], result.err);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return result;
}

bool process_alive(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  // "pid (comm) S …": the state follows the last ')', as comm may hold one.
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || (line[paren + 2] != 'Z' && line[paren + 2] != 'X');
}

std::vector<pid_t> wait_until_gone(const std::vector<pid_t>& pids,
                                   std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<pid_t> alive = pids;
  for (;;) {
    std::erase_if(alive, [](pid_t p) { return !process_alive(p); });
    if (alive.empty() || Clock::now() >= deadline) return alive;
    std::this_thread::sleep_for(kPollStep);
  }
}

std::string process_exe(pid_t pid) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  return ec ? "" : exe.string();
}

}  // namespace herd::test
