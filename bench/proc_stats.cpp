#include "proc_stats.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

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

namespace {

// Clock-tick resolution (10 ms): user plus system time from /proc/<pid>/stat.
double stat_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // "pid (comm) state ppid …": comm may hold spaces, so count from its ')'.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

CpuUse cpu_use(pid_t pid) {
  // Per thread, schedstat holds nanoseconds on a CPU, nanoseconds waiting
  // for one, and how many times it ran: finer than stat's clock ticks.
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  CpuUse use;
  bool found = false;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream in(task.path() / "schedstat");
    uint64_t on_cpu_ns = 0, waiting_ns = 0, runs = 0;
    if (!(in >> on_cpu_ns >> waiting_ns >> runs)) continue;
    use.seconds += static_cast<double>(on_cpu_ns) / 1e9;
    use.runs += static_cast<double>(runs);
    found = true;
  }
  if (!found) use.seconds = stat_seconds(pid);
  return use;
}

void CpuSplit::add(std::string name, std::vector<pid_t> pids) {
  groups_.push_back({std::move(name), std::move(pids), {}});
}

void CpuSplit::start() {
  for (auto& g : groups_)
    for (pid_t pid : g.pids) g.use -= cpu_use(pid);
}

void CpuSplit::stop() {
  for (auto& g : groups_)
    for (pid_t pid : g.pids) g.use += cpu_use(pid);
}

CpuUse CpuSplit::total() const {
  CpuUse total;
  for (const auto& g : groups_) total += g.use;
  return total;
}

}  // namespace herd::bench
