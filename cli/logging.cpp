#include "logging.hpp"

#include <fcntl.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
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

}  // namespace

void setup_logging(const std::string& level, const std::filesystem::path& file) {
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
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
