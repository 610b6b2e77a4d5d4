// SHA-256 of a file's bytes, as `sha256sum` prints it (lowercase hex), so
// that a user can check which build of a task library an engine runs with
// the tool they already have. Small and dependency-free: herd links no
// crypto library of its own (CurveZMQ's is inside libzmq).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace herd::engine {

std::string sha256_hex(std::string_view bytes);
// Throws std::runtime_error naming the file if it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace herd::engine
