#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/subprocess.hpp"

namespace herd::test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollStep = std::chrono::milliseconds(20);

int open_output(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
  return fd;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env,
                           std::filesystem::path out_file, std::filesystem::path err_file)
    : out_file_(std::move(out_file)), err_file_(std::move(err_file)) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
  // Prepared before fork(): the child of a multi-threaded parent may only
  // make async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<std::string> environment = merged_environment(env);
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(environment);
  const int out_fd = open_output(out_file_);
  const int err_fd = open_output(err_file_);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::close_range(3, ~0U, 0);
    ::execve(c_args[0], c_args.data(), c_env.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(out_fd);
  ::close(err_fd);
  ::close(null_fd);
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(fork_errno));
}

ChildProcess::~ChildProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

bool ChildProcess::running() {
  if (exit_code_ || pid_ <= 0) return false;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == 0) return true;
  if (done < 0)
    exit_code_ = -1;  // not our child any more: nothing to wait for
  else
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running() && Clock::now() < deadline) std::this_thread::sleep_for(kPollStep);
  running();
  return exit_code_;
}

void ChildProcess::signal(int signal) {
  if (running()) ::kill(pid_, signal);
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (!wait(grace)) {
    signal(SIGKILL);
    wait(std::chrono::seconds(10));
  }
  return exit_code_.value_or(-1);
}

std::string ChildProcess::out() const { return read_file(out_file_); }
std::string ChildProcess::err() const { return read_file(err_file_); }

std::string ChildProcess::describe() const {
  std::string s = "pid " + std::to_string(pid_) + ", ";
  s += exit_code_ ? "exit " + std::to_string(*exit_code_) : std::string("running");
  s += "\n--- stdout ---\n" + out() + "\n--- stderr ---\n" + err();
  return s;
}

}  // namespace herd::test
