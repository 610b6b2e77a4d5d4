// herd engine: runs tasks for a controller in this process until
// SIGINT/SIGTERM or until the controller refuses it.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <limits>

#include "commands.hpp"
#include "engine/engine.hpp"
#include "engine/exit_announcement.hpp"
#include "engine/output_capture.hpp"
#include "herd/error.hpp"
#include "herd/profile.hpp"
#include "proto/address.hpp"
#include "role_options.hpp"

namespace herd::cli {

namespace {

int run(CommandLine& cl);

}  // namespace

int cmd_engine(const Invocation& inv) {
  CommandLine cl(inv.command, "[--file engine.json | --url URL] [--load LIB.so]… [options]",
                 inv.summary);
  cl.options().add_options()(
      "file", po::value<std::string>()->value_name("PATH"),
      "the controller's engine connection file (default: the JSON in $HERD_CONNECTION_INFO, "
      "else the profile's engine.json)")(
      "url", po::value<std::string>()->value_name("URL"),
      "the controller's engine address (tcp://HOST:PORT), for an --insecure controller")(
      "connect-timeout", po::value<double>()->value_name("S"),
      "give up if not registered within S seconds (default: keep trying)");
  add_load_option(cl);
  add_supervised_options(cl);
  // --status-fd N: a supervisor's pipe, for announcing an exit we mean.
  // --check-load: load the libraries and exit (a host supervisor's check).
  cl.hidden().add_options()("restarts", po::value<long>()->default_value(0))(
      "status-fd", po::value<long>())("check-load", po::bool_switch());
  if (!cl.parse(inv.args)) return 0;
  if (cl.flag("check-load")) {
    herd::engine::load_task_libraries(load_paths(cl));
    return 0;
  }
  if (cl.has("file") && cl.has("url")) cl.fail("give either --file or --url, not both");
  if (cl.has("status-fd"))
    herd::engine::set_exit_announcement_fd(
        static_cast<int>(cl.integer("status-fd", 0, std::numeric_limits<int>::max())));
  // Every way out of here that is not a crash says so to the supervisor;
  // main() turns an exception into exit code 1.
  try {
    const int code = run(cl);
    herd::engine::announce_exit(code);
    return code;
  } catch (const UsageError&) {
    // main() exits 2: a command line that can never work is not restarted.
    herd::engine::announce_exit(herd::engine::kRefusedExitCode);
    throw;
  } catch (...) {
    herd::engine::announce_exit(1);
    throw;
  }
}

namespace {

int run(CommandLine& cl) {
  herd::engine::EngineOptions options;
  options.libraries = load_paths(cl);
  options.restarts =
      static_cast<uint32_t>(cl.integer("restarts", 0, std::numeric_limits<uint32_t>::max()));
  if (cl.has("connect-timeout")) options.connect_timeout = cl.seconds("connect-timeout");
  if (cl.has("url")) {
    options.url = cl.text("url");
  } else {
    const auto info = herd::find_connection_info(cl.has("file") ? cl.text("file") : std::string(),
                                                 cl.profile(), herd::ConnectionRole::kEngine);
    options.url = info.url;
    options.curve = info.curve;
  }
  herd::wire::check_connect_address(options.url);
  // Tasks run in this process: they must not see the cluster's keys.
  ::unsetenv("HERD_CONNECTION_INFO");
  // From here on descriptors 1 and 2 are the tasks', and herd logs to the
  // original stderr. Leaving run() (an error, too) gives them back, so
  // main() reports an error where the supervisor reads it.
  herd::engine::OutputCapture capture;
  options.capture = &capture;
  const auto& stop =
      begin_service(cl, "engine-" + std::to_string(::getpid()) + ".log", capture.log_stream());
  // A typo in a host name would otherwise mean connecting for ever.
  if (const auto problem = herd::wire::resolve_problem(options.url); !problem.empty())
    throw herd::ConnectionError("cannot connect to " + options.url + ": " + problem);
  herd::engine::load_task_libraries(options.libraries);
  spdlog::info("engine (pid {}) connecting to {}", ::getpid(), options.url);
  return herd::engine::run_engine(options, stop);
}

}  // namespace

}  // namespace herd::cli
