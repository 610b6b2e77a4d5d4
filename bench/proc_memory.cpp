#include "proc_memory.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace herd::bench {

ProcessMemory process_memory(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  ProcessMemory m;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    uint64_t kib = 0;
    fields >> key >> kib;  // "VmRSS:   1234 kB"
    if (key == "VmRSS:") m.rss_bytes = kib * 1024;
    if (key == "VmHWM:") m.peak_bytes = kib * 1024;
  }
  return m;
}

}  // namespace herd::bench
