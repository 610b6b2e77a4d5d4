// herd controller: runs the broker in this process until SIGINT/SIGTERM.
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "controller/controller.hpp"
#include "role_options.hpp"

namespace herd::cli {

int cmd_controller(const Invocation& inv) {
  CommandLine cl(inv.command, "[options]", inv.summary);
  add_controller_options(cl);
  add_supervised_options(cl);
  if (!cl.parse(inv.args)) return 0;
  const auto options = controller_options(cl);

  const auto& stop = begin_service(cl, "controller.log");
  herd::controller::Controller controller(options);
  spdlog::info("controller of profile {} serving clients at {} and engines at {}", options.profile,
               controller.client_url(), controller.engine_url());
  controller.run(stop);
  spdlog::info("controller stopped");
  return 0;
}

}  // namespace herd::cli
