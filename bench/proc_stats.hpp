// Memory and CPU time of processes, from /proc/<pid>/status and /proc/<pid>/stat.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace herd::bench {

struct ProcessMemory {
  uint64_t rss_bytes = 0;   // VmRSS: resident now
  uint64_t peak_bytes = 0;  // VmHWM: the most ever resident
};

// Throws std::runtime_error if the process is gone.
ProcessMemory process_memory(pid_t pid);

// What a process's live threads have used so far: CPU time, and how many
// times a thread was put on a CPU (a wake-up each, but for preemption).
struct CpuUse {
  double seconds = 0;
  double runs = 0;
  CpuUse& operator+=(const CpuUse& o) {
    seconds += o.seconds;
    runs += o.runs;
    return *this;
  }
  CpuUse& operator-=(const CpuUse& o) {
    seconds -= o.seconds;
    runs -= o.runs;
    return *this;
  }
};

// Zero if the process is gone.
CpuUse cpu_use(pid_t pid);

// What groups of processes use between start() and stop(), summed over every
// such interval (so measurements that alternate with others can add up):
// where the time per task goes, robust to other load on the machine.
class CpuSplit {
 public:
  struct Group {
    std::string name;
    std::vector<pid_t> pids;
    CpuUse use;
  };
  void add(std::string name, std::vector<pid_t> pids);
  void start();
  void stop();
  const std::vector<Group>& groups() const { return groups_; }
  CpuUse total() const;
  double total_seconds() const { return total().seconds; }

 private:
  std::vector<Group> groups_;
};

}  // namespace herd::bench
