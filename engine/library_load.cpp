#include "engine/library_load.hpp"

#include <filesystem>

#include "client/src/task_registry.hpp"
#include "engine/sha256.hpp"

namespace herd::engine {

LibraryLoad::LibraryLoad(const std::string& path) {
  library_.path = std::filesystem::absolute(path).lexically_normal().string();
  try {
    library_.hash = sha256_file_hex(path);
  } catch (const std::exception&) {
    // dlopen is about to fail too, and its own words say why (no such
    // file, a missing symbol): they are the ones the user should see.
  }
  for (const auto& entry : detail::TaskRegistry::instance().entries()) before_.insert(entry.name);
}

LoadedLibrary LibraryLoad::finish() {
  for (const auto& entry : detail::TaskRegistry::instance().entries())
    if (!before_.count(entry.name)) library_.tasks.push_back(entry.name);
  return std::move(library_);
}

}  // namespace herd::engine
