// Running a cluster supervisor in the background: the command forks, the
// child leaves the terminal's session and supervises, and the parent waits
// for the child's one-line report, prints it and exits.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace herd::cli {

// Where a starting supervisor tells how the start went: "ready …" or an error.
// By default to this process's stdout (ready) or stderr (error); after
// daemonize(), to the waiting parent. Only the first report counts.
class StartupReport {
 public:
  StartupReport() = default;
  ~StartupReport();
  StartupReport(const StartupReport&) = delete;
  StartupReport& operator=(const StartupReport&) = delete;

  void ready(const std::string& line);
  // `message` without the "herd: " prefix.
  void failed(const std::string& message);

 private:
  friend std::optional<int> daemonize(const std::filesystem::path&, std::chrono::milliseconds,
                                      StartupReport&);
  void send(const std::string& line, bool ok);

  int fd_ = -1;
  bool sent_ = false;
};

// Forks. Must run before this process creates any thread or ZeroMQ context.
// In the parent: waits at most `wait` for the child's report, prints it, and
// returns the exit code for the parent (0 once ready); a child that dies or
// stays silent is an error (the silent one is killed). In the child: returns
// nullopt in a new session, with stdin from /dev/null, stdout and stderr
// appended to `log`, and `report` pointed at the parent.
// Throws std::runtime_error if the fork fails.
std::optional<int> daemonize(const std::filesystem::path& log, std::chrono::milliseconds wait,
                             StartupReport& report);

}  // namespace herd::cli
