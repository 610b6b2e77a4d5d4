// Writing a file only its owner may read (connection files, keys, pid files,
// a cluster's options): atomically, so a reader sees the old file or the new
// one whole, and created with mode 0600, so it is never readable by others,
// not even for a moment. Used by the client library, the controller and the
// command line alike.
#pragma once

#include <filesystem>
#include <string_view>

namespace herd::wire {

// Writes `text` to a temporary file beside `path` and renames it over
// `path`. Throws std::runtime_error naming the file on failure.
void write_private_file(const std::filesystem::path& path, std::string_view text);

}  // namespace herd::wire
