// herd engine: runs tasks for a controller in this process until
// SIGINT/SIGTERM or until the controller refuses it.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <limits>

#include "commands.hpp"
#include "engine/engine.hpp"
#include "herd/profile.hpp"
#include "role_options.hpp"

namespace herd::cli {

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
  cl.hidden().add_options()("restarts", po::value<long>()->default_value(0));
  if (!cl.parse(inv.args)) return 0;
  if (cl.has("file") && cl.has("url")) cl.fail("give either --file or --url, not both");

  herd::engine::EngineOptions options;
  options.libraries = cl.strings("load");
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
  // Tasks run in this process: they must not see the cluster's keys.
  ::unsetenv("HERD_CONNECTION_INFO");
  const auto& stop = begin_service(cl, "engine-" + std::to_string(::getpid()) + ".log");
  herd::engine::load_task_libraries(options.libraries);
  spdlog::info("engine (pid {}) connecting to {}", ::getpid(), options.url);
  return herd::engine::run_engine(options, stop);
}

}  // namespace herd::cli
