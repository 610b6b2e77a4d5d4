// Options shared by the commands that run a controller or engines, so that
// `herd cluster start` accepts the same ones as `herd controller` and passes
// them on unchanged.
#pragma once

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "controller/controller.hpp"
#include "options.hpp"

namespace herd::cli {

// --ip, --client-port, --engine-port, --hwm, --heartbeat-interval, --heartbeat-misses.
void add_controller_options(CommandLine& cl);
herd::controller::ControllerOptions controller_options(const CommandLine& cl);
// The same options as arguments for a `herd controller` child.
std::vector<std::string> controller_arguments(const herd::controller::ControllerOptions& options);

// --load LIB.so, repeatable.
void add_load_option(CommandLine& cl);
// The libraries given, made absolute against the working directory, so that
// they mean the same to a supervisor's children wherever they run: a path
// with a '/' or naming a file here. A bare name naming no file here is left
// to the loader's own search (LD_LIBRARY_PATH, the system's folders).
std::vector<std::string> load_paths(const CommandLine& cl);
// The libraries given, as arguments for a `herd engine` child.
std::vector<std::string> load_arguments(const CommandLine& cl);

// Hidden options a supervisor passes to its children: --no-log-file (the
// supervisor sends stderr to the log) and --parent PID (exit with it).
void add_supervised_options(CommandLine& cl);

// What a controller or engine process does before it serves: creates the
// profile's folders, logs to `console` (stderr unless given) and to
// log/<log_name> (unless --no-log-file), makes SIGINT/SIGTERM set the
// returned flag, and ties its life to --parent. Throws std::runtime_error.
const std::atomic<bool>& begin_service(const CommandLine& cl, const std::string& log_name,
                                       FILE* console = stderr);

}  // namespace herd::cli
