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

// CPU seconds of all the process's live threads so far; 0 if the process is
// gone.
double cpu_seconds(pid_t pid);

// CPU seconds that groups of processes spend between start() and stop():
// where the time per task goes, robust to other load on the machine.
class CpuSplit {
 public:
  struct Group {
    std::string name;
    std::vector<pid_t> pids;
    double seconds = 0;
  };
  void add(std::string name, std::vector<pid_t> pids);
  void start();
  void stop();
  const std::vector<Group>& groups() const { return groups_; }
  double total_seconds() const;

 private:
  std::vector<Group> groups_;
};

}  // namespace herd::bench
