// Tasks that write to stdout and stderr, for the output capture tests; part
// of the test task library (libherd_test_tasks.so).
#pragma once

#include <cstdint>
#include <string>

namespace output_tasks {

// printf("%s\n", out) and std::cerr << err << "\n"; returns 0.
int print_apart(std::string out, std::string err);
// std::cout << text << std::endl (a flush of its own); returns 0.
int print_endl(std::string text);
// A child process (std::system) prints `out` on its stdout and `err` on its
// stderr, which it inherits; returns the command's status.
int print_from_child(std::string out, std::string err);
// Prints "item I out\n" to stdout and "item I err\n" to stderr, sleeping
// `seconds` before each; returns i.
int print_item(int i, double seconds);
// Writes `bytes` bytes of 'x' to stdout; returns 0.
int print_bytes(int64_t bytes);
// Prints `text` to stdout, then throws std::runtime_error.
int print_then_throw(std::string text);

}  // namespace output_tasks
