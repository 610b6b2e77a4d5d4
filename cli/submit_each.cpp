#include "submit_each.hpp"

#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "herd/builtin.hpp"
#include "herd/error.hpp"
#include "herd/wait.hpp"

namespace herd::cli {

namespace {

// How one command ended: an exit code, or the error that kept it from one.
struct Outcome {
  std::optional<int> exit_code;
  std::string error;
};

Outcome outcome_of(const AsyncResult<ShellResult>& result) {
  try {
    const ShellResult r = result.get();
    std::cout << r.out << std::flush;
    std::cerr << r.err << std::flush;
    return {r.exit_code, ""};
  } catch (const std::exception& e) {
    return {std::nullopt, e.what()};
  }
}

std::string plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// "12 commands: 10 exited 0, 1 exited 3, 1 failed: <first error>"
std::string summary(const std::vector<Outcome>& outcomes) {
  std::map<int, size_t> by_code;
  size_t failed = 0;
  const Outcome* first_failure = nullptr;
  for (const auto& o : outcomes) {
    if (o.exit_code) {
      ++by_code[*o.exit_code];
    } else if (failed++ == 0) {
      first_failure = &o;
    }
  }
  std::string text = plural(outcomes.size(), "command") + ":";
  const char* separator = " ";
  for (const auto& [code, n] : by_code) {
    text += separator + std::to_string(n) + " exited " + std::to_string(code);
    separator = ", ";
  }
  if (first_failure)
    text += separator + std::to_string(failed) + " failed: " + first_failure->error;
  return text;
}

}  // namespace

std::vector<std::string> read_command_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + path.string());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  return lines;
}

int run_each(const LoadBalancedView& view, const std::vector<std::string>& commands) {
  std::vector<AsyncResult<ShellResult>> results;
  results.reserve(commands.size());
  for (const auto& command : commands) results.push_back(view.apply(builtin::shell, command));
  wait_interactive(results);
  std::vector<Outcome> outcomes;
  outcomes.reserve(results.size());
  bool all_zero = true;
  for (size_t i = 0; i < results.size(); ++i) {
    outcomes.push_back(outcome_of(results[i]));
    const Outcome& o = outcomes.back();
    if (o.exit_code == 0) continue;
    all_zero = false;
    std::cerr << "command " << i + 1 << " (" << commands[i]
              << "): " << (o.exit_code ? "exited " + std::to_string(*o.exit_code) : o.error)
              << '\n';
  }
  std::cerr << summary(outcomes) << std::endl;
  return all_zero ? 0 : 1;
}

}  // namespace herd::cli
