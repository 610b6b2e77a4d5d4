// CPU time and thread runs per task, split by process, for scenario tables
// and JSON: herd's client, controller and engines beside the relay's client,
// broker and workers.
#pragma once

#include <herd/herd.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "proc_stats.hpp"

namespace herd::bench {

// Groups "client" (this process), "controller" and "engines" of `client`'s cluster.
CpuSplit cluster_processes(Client& client);

// The columns cpu_cells() fills, after any leading ones.
std::vector<std::string> cpu_columns();
// Per task: µs of CPU per group, the total, and thread runs (wake-ups) in all.
std::vector<std::string> cpu_cells(const CpuSplit& cpu, size_t tasks);
// {"<group>_us": …, "total_us": …, "runs": …} per task.
nlohmann::ordered_json cpu_json(const CpuSplit& cpu, size_t tasks);

}  // namespace herd::bench
