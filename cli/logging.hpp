// herd's own log: spdlog's default logger, which the client, controller and
// engine libraries also write to.
#pragma once

#include <filesystem>
#include <string>

namespace herd::cli {

// Logs at `level` (one CommandLine accepts) to stderr and, unless `file` is
// empty, appends to `file` too. Throws spdlog::spdlog_ex if `file` cannot be
// opened.
void setup_logging(const std::string& level, const std::filesystem::path& file = {});

}  // namespace herd::cli
