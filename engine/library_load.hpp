// What loading one task library brings: its absolute path, the SHA-256 of
// the file (taken before dlopen, so it names the build that is loaded even
// if the file is replaced later) and the task names it registers (the
// registry's new entries once dlopen has run its static initialisers).
#pragma once

#include <string>
#include <unordered_set>

#include "engine/engine.hpp"

namespace herd::engine {

class LibraryLoad {
 public:
  // Hashes the file (no hash if it cannot be read; dlopen says why) and
  // notes the tasks registered so far.
  explicit LibraryLoad(const std::string& path);
  // After dlopen: the library, with the tasks it added.
  LoadedLibrary finish();

 private:
  LoadedLibrary library_;
  std::unordered_set<std::string> before_;
};

}  // namespace herd::engine
