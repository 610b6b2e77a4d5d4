#include "logging.hpp"

#include <fcntl.h>
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string_view>
#include <vector>

namespace herd::cli {

namespace {

// Logs name addresses and hosts: for the cluster's user only, like the keys.
void create_private(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;  // the sink reports the problem when it opens the file
  (void)!::fchmod(fd, 0600);
  ::close(fd);
}

// How much of a log's end last_error reads: errors come last.
constexpr std::streamoff kTailBytes = 64 * 1024;

}  // namespace

std::string last_error(const std::filesystem::path& log, std::uintmax_t from) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max(static_cast<std::streamoff>(from), size - kTailBytes);
  if (start >= size) return "";
  in.seekg(start);
  std::string command_error, logged_error;
  constexpr std::string_view kCommand = "herd: ", kLogged = "[error] ";
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(kCommand)) {
      command_error = line.substr(kCommand.size());
    } else if (const auto at = line.find(kLogged); at != std::string::npos) {
      logged_error = line.substr(at + kLogged.size());
    }
  }
  return command_error.empty() ? logged_error : command_error;
}

void setup_logging(const std::string& level, const std::filesystem::path& file, FILE* console) {
  // What stderr_color_sink_mt is, on any FILE.
  using ConsoleSink = spdlog::sinks::ansicolor_sink<spdlog::details::console_mutex>;
  std::vector<spdlog::sink_ptr> sinks{
      std::make_shared<ConsoleSink>(console, spdlog::color_mode::automatic)};
  if (!file.empty()) {
    create_private(file);
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string()));
  }
  auto logger = std::make_shared<spdlog::logger>("herd", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(level));
  // The pid tells apart the processes of one cluster, which may share a file.
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%P] [%^%l%$] %v");
  // Our logs are read after a crash: never leave a warning in a buffer.
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace herd::cli
