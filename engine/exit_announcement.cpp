#include "engine/exit_announcement.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace herd::engine {

namespace {

std::atomic<int> g_fd{-1};
constexpr std::string_view kPrefix = "exit ";

}  // namespace

void set_exit_announcement_fd(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  if (fd < 0 || flags < 0)
    throw std::runtime_error("--status-fd " + std::to_string(fd) +
                             " is not an open file descriptor");
  ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  g_fd = fd;
}

void announce_exit(int code) {
  const int fd = g_fd.exchange(-1);  // once: the first announcement counts
  if (fd < 0) return;
  char record[32];
  const int n = std::snprintf(record, sizeof record, "exit %d\n", code);
  // A pipe takes a write this small whole; the supervisor reads it after the
  // exit, so nothing here can block for long.
  while (::write(fd, record, static_cast<size_t>(n)) < 0 && errno == EINTR) {
  }
}

std::optional<int> parse_exit_announcement(std::string_view records) {
  std::optional<int> code;
  while (!records.empty()) {
    const auto end = records.find('\n');
    if (end == std::string_view::npos) break;  // cut short: not a record
    std::string_view line = records.substr(0, end);
    records.remove_prefix(end + 1);
    if (!line.starts_with(kPrefix)) continue;
    line.remove_prefix(kPrefix.size());
    int value = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec == std::errc() && ptr == line.data() + line.size()) code = value;
  }
  return code;
}

}  // namespace herd::engine
