#include "engine/library_load.hpp"

#include <filesystem>
#include <stdexcept>

#include "engine/sha256.hpp"
#include "herd/task.hpp"

namespace herd::engine {

LibraryLoad::LibraryLoad(const std::string& path) {
  library_.path = std::filesystem::absolute(path).lexically_normal().string();
  try {
    library_.hash = sha256_file_hex(path);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot load task library " + path + ": " + e.what());
  }
  for (const auto& entry : detail::TaskRegistry::instance().entries()) before_.insert(entry.name);
}

LoadedLibrary LibraryLoad::finish() {
  for (const auto& entry : detail::TaskRegistry::instance().entries())
    if (!before_.count(entry.name)) library_.tasks.push_back(entry.name);
  return std::move(library_);
}

}  // namespace herd::engine
