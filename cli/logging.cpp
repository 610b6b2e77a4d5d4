#include "logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

namespace herd::cli {

void setup_logging(const std::string& level, const std::filesystem::path& file) {
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (!file.empty())
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string()));
  auto logger = std::make_shared<spdlog::logger>("herd", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(level));
  // The pid tells apart the processes of one cluster, which may share a file.
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%P] [%^%l%$] %v");
  // Our logs are read after a crash: never leave a warning in a buffer.
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace herd::cli
