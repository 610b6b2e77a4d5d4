// The herd commands. Each takes its words and arguments, returns the process
// exit code, and throws UsageError for a bad command line and
// std::exception (herd::Error among them) for a failure; main() turns those
// into one line on stderr.
#pragma once

#include <string>
#include <vector>

namespace herd::cli {

struct Invocation {
  std::string command;            // as typed: "cluster start"
  std::string summary;            // one line, for --help
  std::vector<std::string> args;  // what follows the command words
};

int cmd_controller(const Invocation& inv);
int cmd_engine(const Invocation& inv);
int cmd_cluster_start(const Invocation& inv);
int cmd_cluster_stop(const Invocation& inv);
int cmd_cluster_engines(const Invocation& inv);
int cmd_cluster_host(const Invocation& inv);
int cmd_cluster_reload(const Invocation& inv);
int cmd_status(const Invocation& inv);
int cmd_tasks(const Invocation& inv);
int cmd_result(const Invocation& inv);
int cmd_submit(const Invocation& inv);

}  // namespace herd::cli
