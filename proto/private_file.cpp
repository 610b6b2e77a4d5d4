#include "proto/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace herd::wire {

namespace fs = std::filesystem;

void write_private_file(const fs::path& path, std::string_view text) {
  // Unique per process: two processes writing the same file never share one.
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    // Created 0600 by open() itself: a umask() around it would change the
    // mode of files other threads of the process create meanwhile.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
      throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int error = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(error));
      }
      done += static_cast<size_t>(n);
    }
    ::close(fd);
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
