#include "cpu_table.hpp"

#include <unistd.h>

#include "report.hpp"

namespace herd::bench {

CpuSplit cluster_processes(Client& client) {
  const ClusterStatus status = client.status();
  std::vector<pid_t> engines;
  for (const auto& e : status.engines)
    if (e.state != "lost") engines.push_back(static_cast<pid_t>(e.pid));
  CpuSplit cpu;
  cpu.add("client", {::getpid()});
  cpu.add("controller", {static_cast<pid_t>(status.controller_pid)});
  cpu.add("engines", engines);
  return cpu;
}

std::vector<std::string> cpu_columns() {
  return {"client us", "controller|broker us", "engines|workers us", "total us", "thread runs"};
}

std::vector<std::string> cpu_cells(const CpuSplit& cpu, size_t tasks) {
  const double per = 1.0 / static_cast<double>(tasks);
  std::vector<std::string> cells;
  for (const auto& g : cpu.groups()) cells.push_back(fixed(g.use.seconds * 1e6 * per, 1));
  cells.push_back(fixed(cpu.total().seconds * 1e6 * per, 1));
  cells.push_back(fixed(cpu.total().runs * per, 1));
  return cells;
}

nlohmann::ordered_json cpu_json(const CpuSplit& cpu, size_t tasks) {
  const double per = 1.0 / static_cast<double>(tasks);
  nlohmann::ordered_json j;
  for (const auto& g : cpu.groups()) j[g.name + "_us"] = rounded(g.use.seconds * 1e6 * per, 2);
  j["total_us"] = rounded(cpu.total().seconds * 1e6 * per, 2);
  j["runs"] = rounded(cpu.total().runs * per, 2);
  return j;
}

}  // namespace herd::bench
