#include "engine/output_capture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio_ext.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ext/stdio_sync_filebuf.h>
#include <iostream>
#include <system_error>

namespace herd::engine {

namespace {

// Never a byte of UTF-8 text, so a write of text always overwrites it.
// Binary output that begins with it goes unnoticed until a later take().
constexpr unsigned char kSentinel = 0xFF;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string("output capture: ") + what);
}

// What the SIGBUS handler needs, per stream: set once, before the handler
// is installed, and never changed while it is.
struct Mapped {
  const volatile unsigned char* page = nullptr;
  int file = -1;
};
Mapped g_mapped[2];
size_t g_page_size = 0;
struct sigaction g_previous_bus;
std::atomic<bool> g_installed{false};

// A task may open /dev/stdout anew with O_TRUNC (`: > /dev/stdout` in a
// shell) and leave the file empty: reading the sentinel page then faults.
// The file grows back to a page and the read goes again; it finds no
// sentinel, so take() looks at what happened. Any other fault is handed to
// the handler from before: returning re-runs the faulting instruction.
void on_bus(int, siginfo_t* info, void*) {
  const auto* at = static_cast<const unsigned char*>(info->si_addr);
  for (const auto& m : g_mapped) {
    const auto* page = const_cast<const unsigned char*>(m.page);
    if (page && at >= page && at < page + g_page_size) {
      (void)!::ftruncate(m.file, static_cast<off_t>(g_page_size));
      return;
    }
  }
  ::sigaction(SIGBUS, &g_previous_bus, nullptr);
}

// The stream's buffer if it writes straight through stdio (libstdc++'s
// buffer while synced with stdio, the default), else null: the stream has
// a buffer of its own, which written() must flush every time.
std::streambuf* stdio_buffer(std::ostream& stream) {
  return dynamic_cast<__gnu_cxx::stdio_sync_filebuf<char>*>(stream.rdbuf()) ? stream.rdbuf()
                                                                            : nullptr;
}

}  // namespace

// One of descriptors 1 and 2, pointed at a memfd whose first byte is the
// sentinel while nothing was written. The descriptor shares the memfd's file
// offset, and so do child processes: writes land at 0, 1, 2… after a take().
class OutputCapture::Stream {
 public:
  Stream(int target, const char* name, Mapped& mapped) : target_(target) {
    saved_ = ::fcntl(target, F_DUPFD_CLOEXEC, 3);
    if (saved_ < 0) fail("cannot keep the original descriptor");
    file_ = ::memfd_create(name, MFD_CLOEXEC);
    if (file_ < 0 || ::ftruncate(file_, page_size()) != 0) fail("memfd_create");
    void* page = ::mmap(nullptr, g_page_size, PROT_READ | PROT_WRITE, MAP_SHARED, file_, 0);
    if (page == MAP_FAILED) fail("mmap");
    page_ = static_cast<volatile unsigned char*>(page);
    page_[0] = kSentinel;
    mapped = {page_, file_};
    if (::dup2(file_, target_) < 0) fail("dup2");
  }

  ~Stream() {
    (void)::dup2(saved_, target_);
    ::close(saved_);
    ::munmap(const_cast<unsigned char*>(page_), g_page_size);
    ::close(file_);
  }

  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  int saved() const { return saved_; }
  bool touched() const { return page_[0] != kSentinel; }

  std::string take(uint64_t limit) {
    if (!touched()) return {};
    const off_t offset = ::lseek(file_, 0, SEEK_CUR);
    struct stat st {};
    (void)::fstat(file_, &st);
    // A writer that opened the file anew (/dev/stdout) wrote from 0 on with
    // an offset of its own; the size says how far, unless it is still ours.
    const off_t size = st.st_size == page_size() ? 0 : st.st_size;
    const auto total = static_cast<uint64_t>(std::max<off_t>({offset, size, 0}));
    std::string text(std::min(total, limit), '\0');
    size_t got = 0;
    while (got < text.size()) {
      const ssize_t n =
          ::pread(file_, text.data() + got, text.size() - got, static_cast<off_t>(got));
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    text.resize(got);
    if (limit > 0 && total > limit)
      text += "\n[herd: output cut at " + std::to_string(limit) + " bytes of " +
              std::to_string(total) + "]\n";
    reset();
    return text;
  }

 private:
  static off_t page_size() { return static_cast<off_t>(g_page_size); }

  // Empty again: shrinking to nothing first gives back the memory of a
  // large output, and zeroes the page.
  void reset() {
    (void)!::ftruncate(file_, 0);
    (void)!::ftruncate(file_, page_size());
    (void)::lseek(file_, 0, SEEK_SET);
    page_[0] = kSentinel;
  }

  const int target_;
  int saved_ = -1;
  int file_ = -1;
  volatile unsigned char* page_ = nullptr;
};

OutputCapture::OutputCapture() {
  if (g_installed.exchange(true)) {
    errno = EBUSY;
    fail("already capturing");
  }
  g_page_size = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  // What was written before belongs to the original descriptors.
  std::cout.flush();
  std::clog.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  try {
    out_ = std::make_unique<Stream>(STDOUT_FILENO, "herd-stdout", g_mapped[0]);
    err_ = std::make_unique<Stream>(STDERR_FILENO, "herd-stderr", g_mapped[1]);
  } catch (...) {
    out_.reset();
    g_mapped[0] = g_mapped[1] = {};
    g_installed = false;
    throw;
  }
  const int log_fd = ::fcntl(err_->saved(), F_DUPFD_CLOEXEC, 3);
  log_ = log_fd < 0 ? nullptr : ::fdopen(log_fd, "w");
  if (!log_)
    log_ = stderr;  // herd's lines then mix with the tasks' rather than vanish
  else
    std::setvbuf(log_, nullptr, _IOLBF, BUFSIZ);
  cout_buf_ = stdio_buffer(std::cout);
  clog_buf_ = stdio_buffer(std::clog);
  struct sigaction bus {};
  bus.sa_sigaction = on_bus;
  bus.sa_flags = SA_SIGINFO;
  sigemptyset(&bus.sa_mask);
  ::sigaction(SIGBUS, &bus, &g_previous_bus);
}

OutputCapture::~OutputCapture() {
  std::cout.flush();
  std::clog.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  ::sigaction(SIGBUS, &g_previous_bus, nullptr);
  out_.reset();
  err_.reset();
  g_mapped[0] = g_mapped[1] = {};
  g_installed = false;
}

bool OutputCapture::written() {
  // __fpending reads the buffer pointers: no lock, no system call. std::cerr
  // flushes itself after every output; std::cout and std::clog write
  // through stdio unless the task unsynced them or gave them a buffer.
  if (__fpending(stdout) > 0) std::fflush(stdout);
  if (__fpending(stderr) > 0) std::fflush(stderr);
  if (std::cout.rdbuf() != cout_buf_) std::cout.flush();
  if (std::clog.rdbuf() != clog_buf_) std::clog.flush();
  return out_->touched() || err_->touched();
}

void OutputCapture::take(uint64_t limit, std::string& out, std::string& err) {
  out = out_->take(limit);
  err = err_->take(limit);
}

}  // namespace herd::engine
