// herd's own log: spdlog's default logger, which the client, controller and
// engine libraries also write to.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace herd::cli {

// Logs at `level` (one CommandLine accepts) to `console` and, unless `file`
// is empty, appends to `file` too. Throws spdlog::spdlog_ex if `file` cannot
// be opened.
void setup_logging(const std::string& level, const std::filesystem::path& file = {},
                   FILE* console = stderr);

// The error a process last wrote to its log from byte `from` on (where its
// own output begins; the log may hold earlier runs): the "herd: …" line of a
// command that failed, else the message of the last error logged, else "".
// For telling the user why a child failed without sending them to its log.
std::string last_error(const std::filesystem::path& log, std::uintmax_t from = 0);

}  // namespace herd::cli
