// `herd submit --each FILE`: one shell task per line of a file, like
// ecogdata's JobRunner, with a progress bar and a summary of exit codes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "herd/view.hpp"

namespace herd::cli {

// The non-empty (not only blank) lines of `path`, each a command for
// `sh -c`. Throws herd::Error if the file cannot be read.
std::vector<std::string> read_command_lines(const std::filesystem::path& path);

// Runs each command as a task through `view`, waits for all with a progress
// bar on a terminal, relays each command's output in line order, and prints
// a summary ("12 commands: 10 exited 0, 1 exited 3, 1 failed: …") on
// stderr. Returns 0 if every command exited 0, else 1.
int run_each(const LoadBalancedView& view, const std::vector<std::string>& commands);

}  // namespace herd::cli
