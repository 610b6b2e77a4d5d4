#include "program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "process.hpp"

namespace herd::cli {

namespace {

constexpr auto kPollStep = std::chrono::milliseconds(20);

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// Writes all of `text` to `fd`; a reader that left early only loses it.
void write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

Program::Program(const std::vector<std::string>& argv, const std::string& input,
                 const std::filesystem::path& log)
    : name_(argv.empty() ? std::string() : argv[0]) {
  int in[2], out[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0) throw system_error("cannot create a pipe");
  if (log.empty()) {
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      throw system_error("cannot create a pipe");
    }
  } else {
    out[1] = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out[1] < 0) {
      ::close(in[0]);
      ::close(in[1]);
      throw system_error("cannot open " + log.string());
    }
  }
  try {
    pid_ = spawn_program(argv, in[0], out[1]);
  } catch (...) {
    for (int fd : {in[0], in[1], out[0], out[1]})
      if (fd >= 0) ::close(fd);
    throw;
  }
  ::close(in[0]);
  ::close(out[1]);
  output_fd_ = out[0];
  if (output_fd_ >= 0) ::fcntl(output_fd_, F_SETFL, O_NONBLOCK);
  // Connection info is a few hundred bytes: the pipe takes it at once, and
  // a program that exits without reading it must not kill us with SIGPIPE.
  const auto old = ::signal(SIGPIPE, SIG_IGN);
  write_all(in[1], input);
  ::signal(SIGPIPE, old);
  ::close(in[1]);
}

Program::~Program() {
  if (!status_) stop(std::chrono::milliseconds(0));
  close_output();
}

void Program::drain() {
  if (output_fd_ < 0) return;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(output_fd_, buf, sizeof buf);
    if (n > 0) {
      output_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) close_output();  // every writer is gone
    return;
  }
}

void Program::close_output() {
  if (output_fd_ >= 0) ::close(output_fd_);
  output_fd_ = -1;
}

std::optional<int> Program::poll() {
  drain();
  if (!status_) {
    status_ = try_reap(pid_);
    // What it wrote just before it exited is in the pipe now.
    if (status_) drain();
  }
  return status_;
}

std::optional<int> Program::finish(Clock::time_point deadline) {
  while (!poll()) {
    if (Clock::now() >= deadline) {
      stop(std::chrono::milliseconds(0));
      return std::nullopt;
    }
    if (output_fd_ >= 0) {
      pollfd p{output_fd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(kPollStep.count()));
    } else {
      std::this_thread::sleep_for(kPollStep);
    }
  }
  return status_;
}

void Program::stop(std::chrono::milliseconds grace) {
  if (poll()) return;
  stop_children({pid_}, grace);
  status_ = try_reap(pid_);
  drain();
  if (!status_) status_ = 0;  // reaped by stop_children
}

const std::string& Program::output() {
  drain();
  return output_;
}

std::string Program::last_line() { return last_line_of(output()); }

std::string last_line_of(const std::string& text) {
  std::istringstream lines(text);
  std::string last;
  for (std::string line; std::getline(lines, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

bool ProgramResult::ok() const { return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0; }

ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds bound,
                          const std::string& input) {
  Program program(argv, input);
  const auto status = program.finish(Program::Clock::now() + bound);
  return {status, program.output()};
}

std::vector<std::string> split_words(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string shell_line(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& arg : args) {
    if (!line.empty()) line += ' ';
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_./=:,@+%") == std::string::npos;
    if (plain) {
      line += arg;
      continue;
    }
    line += '\'';
    for (char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

}  // namespace herd::cli
