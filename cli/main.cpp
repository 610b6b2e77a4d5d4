// herd: one binary for the controller, engines, cluster supervision and a
// few client commands. Picks the command from the first words and leaves
// the rest of the command line to it.
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "herd/version.hpp"
#include "options.hpp"

namespace {

using herd::cli::Invocation;
using herd::cli::UsageError;

struct Command {
  std::string_view words;
  std::string_view summary;
  int (*run)(const Invocation&);
};

constexpr Command kCommands[] = {
    {"cluster start", "Start a controller and N engines on this host.",
     herd::cli::cmd_cluster_start},
    {"cluster stop", "Stop what `herd cluster start` and `herd cluster engines` started.",
     herd::cli::cmd_cluster_stop},
    {"cluster engines",
     "Add engines to the running cluster, or retire some (--remove ID…, --n -K).",
     herd::cli::cmd_cluster_engines},
    {"cluster host", "Run engines for a launcher (ssh, mpi, slurm) under a host supervisor.",
     herd::cli::cmd_cluster_host},
    {"cluster reload", "Replace the engines one at a time: fresh ones load the current libraries.",
     herd::cli::cmd_cluster_reload},
    {"controller", "Run a controller in this process.", herd::cli::cmd_controller},
    {"engine", "Run an engine in this process.", herd::cli::cmd_engine},
    {"status", "Show the cluster's engines, queue and task counts.", herd::cli::cmd_status},
    {"tasks", "List the controller's task records (id, state, engine, times).",
     herd::cli::cmd_tasks},
    {"result", "Print a task's result, by id, waiting for it if it is not in yet.",
     herd::cli::cmd_result},
    {"submit", "Run a shell command as a task on some engine; exit with its exit code.",
     herd::cli::cmd_submit},
};

void print_commands(std::ostream& out, std::string_view group) {
  for (const auto& c : kCommands) {
    if (!c.words.starts_with(group)) continue;
    out << "  " << c.words << std::string(18 - std::min<size_t>(c.words.size(), 17), ' ')
        << c.summary << '\n';
  }
}

void print_usage(std::ostream& out) {
  out << "Usage: herd <command> [options]\n\n"
         "Runs C++ tasks in parallel on a controller and its engines.\n\nCommands:\n";
  print_commands(out, "");
  out << "\nOptions:\n  --help, -h        show this help\n  --version         show the version\n"
         "\nEvery command takes --help, --profile P and --log-level LEVEL.\n";
}

// Finds the command the arguments name and runs it.
int dispatch(std::span<const std::string> args) {
  if (args.empty()) throw UsageError("", "no command given");
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (first == "--version") {
    std::cout << "herd " << herd::kVersion << std::endl;
    return 0;
  }
  const bool group = first == "cluster";
  if (group && (args.size() < 2 || args[1] == "--help" || args[1] == "-h")) {
    if (args.size() < 2)
      throw UsageError("cluster", "which cluster command? (start, stop, engines, reload)");
    std::cout << "Usage: herd cluster <command> [options]\n\nCommands:\n";
    print_commands(std::cout, "cluster ");
    return 0;
  }
  const std::string words = group ? first + " " + args[1] : first;
  for (const auto& c : kCommands) {
    if (c.words != words) continue;
    const auto rest = args.subspan(group ? 2 : 1);
    return c.run({words, std::string(c.summary), {rest.begin(), rest.end()}});
  }
  if (group) throw UsageError("cluster", "unknown cluster command '" + args[1] + "'");
  throw UsageError("", "unknown command '" + first + "'");
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args);
  } catch (const UsageError& e) {
    std::cerr << "herd: " << e.what() << "; see herd "
              << (e.command().empty() ? "" : e.command() + " ") << "--help" << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "herd: " << e.what() << std::endl;
    return 1;
  } catch (...) {
    std::cerr << "herd: unexpected error" << std::endl;
    return 1;
  }
}
