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
      "the controller's engine connection file (default: the profile's engine.json)")(
      "url", po::value<std::string>()->value_name("URL"),
      "the controller's engine address (tcp://HOST:PORT), instead of a file");
  add_load_option(cl);
  add_supervised_options(cl);
  cl.hidden().add_options()("restarts", po::value<long>()->default_value(0));
  if (!cl.parse(inv.args)) return 0;
  if (cl.has("file") && cl.has("url")) cl.fail("give either --file or --url, not both");

  herd::engine::EngineOptions options;
  options.libraries = cl.strings("load");
  options.restarts =
      static_cast<uint32_t>(cl.integer("restarts", 0, std::numeric_limits<uint32_t>::max()));
  if (cl.has("url")) {
    options.url = cl.text("url");
  } else {
    const std::filesystem::path file =
        cl.has("file") ? std::filesystem::path(cl.text("file")) : cl.profile().engine_file();
    options.url = herd::read_connection_file(file).url;
  }
  const auto& stop = begin_service(cl, "engine-" + std::to_string(::getpid()) + ".log");
  herd::engine::load_task_libraries(options.libraries);
  spdlog::info("engine (pid {}) connecting to {}", ::getpid(), options.url);
  return herd::engine::run_engine(options, stop);
}

}  // namespace herd::cli
