#include "proto/private_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

namespace herd::wire {

namespace fs = std::filesystem;

void write_private_file(const fs::path& path, std::string_view text) {
  // Unique per process: two processes writing the same file never share one.
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    const mode_t old_mask = ::umask(077);
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    ::umask(old_mask);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush())
      throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                  ec);
  if (!ec) fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error("cannot write " + path.string() + ": " + ec.message());
  }
}

}  // namespace herd::wire
