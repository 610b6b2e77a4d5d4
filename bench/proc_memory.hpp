// Memory of another process, from /proc/<pid>/status.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace herd::bench {

struct ProcessMemory {
  uint64_t rss_bytes = 0;   // VmRSS: resident now
  uint64_t peak_bytes = 0;  // VmHWM: the most ever resident
};

// Throws std::runtime_error if the process is gone.
ProcessMemory process_memory(pid_t pid);

}  // namespace herd::bench
