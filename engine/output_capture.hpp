// What tasks write to stdout and stderr: file descriptors 1 and 2, so
// printf, std::cout, std::cerr and child processes that inherit them alike.
// While an OutputCapture lives, both point at in-memory files of its own,
// and herd's log goes to a copy of the original stderr (log_stream()), so an
// engine's log keeps herd's own lines only.
//
// Most tasks print nothing, and a map runs millions of tiny items, so asking
// the kernel after each item (a system call: 0.3-0.8 us here, more than a
// no-op item costs) was not an option. Instead the first byte of each file,
// which the next write lands on, holds a sentinel seen through a shared
// mapping: written() is two memory reads and a look at the stdio buffers;
// only an item that wrote something pays for the system calls of take().
#pragma once

#include <cstdint>
#include <cstdio>
#include <iosfwd>
#include <memory>
#include <string>

namespace herd::engine {

// Not thread-safe: written() and take() belong to the task thread. One per
// process (descriptors 1 and 2 are the process's).
class OutputCapture {
 public:
  // Throws std::system_error if the files cannot be made, or if another
  // OutputCapture lives.
  OutputCapture();
  // Flushes stdio and points descriptors 1 and 2 back at the originals.
  ~OutputCapture();
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;

  // The original stderr, line-buffered, for herd's log. Stays open for the
  // process's life: a logger may outlive the capture.
  FILE* log_stream() const { return log_; }

  // Whether something may have been written since the last take(). Flushes
  // the stdio and iostream buffers that hold output (without a system call
  // when they hold none).
  bool written();
  // What was written to each stream since the last take(), at most `limit`
  // bytes of each; an output cut short ends with the line
  // "[herd: output cut at N bytes of M]". Empties both files. `limit` 0
  // keeps nothing. Output that a background thread or process writes while
  // this runs may be lost.
  void take(uint64_t limit, std::string& out, std::string& err);

 private:
  class Stream;
  std::unique_ptr<Stream> out_, err_;
  FILE* log_ = nullptr;
  std::streambuf* cout_buf_;  // std::cout's own buffer, while synced with stdio
  std::streambuf* clog_buf_;
};

}  // namespace herd::engine
