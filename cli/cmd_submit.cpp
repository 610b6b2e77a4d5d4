// herd submit: runs a shell command as a task on some engine, relays its
// output and exits with its exit code; or, with --each FILE, one command per
// line of FILE (submit_each.hpp).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "herd/builtin.hpp"
#include "herd/client.hpp"
#include "herd/error.hpp"
#include "logging.hpp"
#include "options.hpp"
#include "proto/address.hpp"
#include "submit_each.hpp"

namespace herd::cli {

namespace {

using std::chrono::milliseconds;

// How long to wait for an engine when --timeout does not say.
constexpr milliseconds kDefaultEngineWait{30'000};
// The controller enforces a task's timeout; this much later we stop waiting.
constexpr milliseconds kResultGrace{5'000};
constexpr long kMaxRetries = 1000;

// `arg` as /bin/sh reads it back: quoted unless it only holds safe characters.
std::string shell_quote(const std::string& arg) {
  const bool safe = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
  });
  if (safe) return arg;
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// One word is a shell command line as it stands ("echo a; hostname"); several
// are an argv, quoted so the shell passes each through unchanged.
std::string shell_command(const std::vector<std::string>& words) {
  if (words.size() == 1) return words.front();
  std::string command;
  for (const auto& w : words) command += (command.empty() ? "" : " ") + shell_quote(w);
  return command;
}

int exit_code(int code) { return code >= 0 && code <= 255 ? code : 1; }

// As timeout(1) and env(1) do: the command's own codes stay apart from ours.
constexpr int kTimedOutExitCode = 124;
constexpr int kOwnFailureExitCode = 125;

int run_submit(const Invocation& inv);

}  // namespace

int cmd_submit(const Invocation& inv) {
  try {
    return run_submit(inv);
  } catch (const herd::TimeoutError& e) {
    std::cerr << "herd submit: " << e.what() << std::endl;
    return kTimedOutExitCode;
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    std::cerr << "herd submit: " << e.what() << std::endl;
    return kOwnFailureExitCode;
  }
}

namespace {

int run_submit(const Invocation& inv) {
  CommandLine cl(inv.command, "[options] -- CMD ARGS… | [options] --each FILE", inv.summary);
  cl.options().add_options()("retries", po::value<long>()->default_value(0)->value_name("K"),
                             "run again elsewhere up to K times if its engine is lost")(
      "timeout", po::value<double>()->value_name("S"),
      "fail if no engine is connected within S seconds, or if the command runs longer")(
      "file", po::value<std::string>()->value_name("PATH"),
      "the controller's client connection file (default: the JSON in $HERD_CONNECTION_INFO, "
      "else the profile's client.json)")(
      "url", po::value<std::string>()->value_name("URL"),
      "the controller's client address, for an --insecure controller")(
      "connect-timeout", po::value<double>()->default_value(2)->value_name("S"),
      "seconds to reach the controller before giving up")(
      "each", po::value<std::string>()->value_name("FILE"),
      "run each non-empty line of FILE as a command of its own (through sh -c), in parallel; "
      "show progress on a terminal, relay each command's output in line order, print a "
      "summary of exit codes, and exit 0 only if every command exited 0, else 1");
  // Everything after "--" is the command, options included.
  const auto dashes = std::find(inv.args.begin(), inv.args.end(), "--");
  const std::vector<std::string> options(inv.args.begin(), dashes);
  const std::vector<std::string> words(dashes == inv.args.end() ? dashes : dashes + 1,
                                       inv.args.end());
  cl.hidden().add_options()("words", po::value<std::vector<std::string>>());
  cl.positional().add("words", -1);
  if (!cl.parse(options)) return 0;
  if (cl.has("words")) cl.fail("put the command after --: herd submit [options] -- CMD ARGS…");
  if (cl.has("each") && !words.empty())
    cl.fail("give either --each FILE or -- CMD ARGS…, not both");
  if (words.empty() && !cl.has("each"))
    cl.fail("no command given: herd submit [options] -- CMD ARGS…");
  const auto commands =
      cl.has("each") ? read_command_lines(cl.text("each")) : std::vector<std::string>{};
  if (cl.has("each") && commands.empty()) throw herd::Error("no commands in " + cl.text("each"));
  setup_logging(cl.log_level());

  herd::TaskOptions task;
  task.retries = static_cast<unsigned>(cl.integer("retries", 0, kMaxRetries));
  if (cl.has("timeout")) task.timeout = cl.seconds("timeout");
  const milliseconds engine_wait = cl.has("timeout") ? task.timeout : kDefaultEngineWait;

  const herd::ClientOptions client_options{.connect_timeout = cl.seconds("connect-timeout")};
  const auto info = cl.has("url") ? std::optional<herd::ConnectionInfo>()
                                  : herd::find_connection_info(
                                        cl.has("file") ? cl.text("file") : "", cl.profile(),
                                        herd::ConnectionRole::kClient);
  const std::string url = info ? info->url : cl.text("url");
  // One clear line now, rather than a connect timeout that guesses.
  herd::wire::check_connect_address(url);
  if (const auto problem = herd::wire::resolve_problem(url); !problem.empty())
    throw herd::ConnectionError("cannot connect to " + url + ": " + problem);
  herd::Client client = info ? herd::Client(*info, client_options)
                             : herd::Client::connect(url, client_options);
  try {
    client.wait_for_engines(1, engine_wait);
  } catch (const herd::TimeoutError&) {
    throw herd::Error("no engine connected to " + client.url() + " within " +
                      seconds_text(engine_wait));
  }
  if (cl.has("each")) return run_each(client.load_balanced_view(task), commands);
  const auto result =
      client.load_balanced_view(task).apply(herd::builtin::shell, shell_command(words));
  const herd::ShellResult r =
      task.timeout.count() > 0 ? result.get(task.timeout + kResultGrace) : result.get();
  std::cout << r.out << std::flush;
  std::cerr << r.err << std::flush;
  return exit_code(r.exit_code);
}

}  // namespace

}  // namespace herd::cli
