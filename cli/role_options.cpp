#include "role_options.hpp"

#include <filesystem>
#include <limits>
#include <stdexcept>

#include "logging.hpp"
#include "proto/address.hpp"
#include "signals.hpp"

namespace herd::cli {

namespace {
constexpr long kMaxPort = std::numeric_limits<uint16_t>::max();
constexpr long kMaxHwm = 1'000'000;
constexpr long kMaxHeartbeatMs = 3'600'000;
constexpr long kMaxMisses = 1'000;
constexpr long kMaxMessageMb = 1L << 20;
constexpr long kMaxResults = 1'000'000'000;
}  // namespace

void add_controller_options(CommandLine& cl) {
  const herd::controller::ControllerOptions defaults;
  cl.options().add_options()(
      "ip", po::value<std::string>()->default_value(defaults.ip)->value_name("ADDR"),
      "address to bind (0.0.0.0: every interface)")(
      "location", po::value<std::string>()->value_name("HOST"),
      "host name or address the connection files advertise (default: the bound address, or "
      "this host's name with --ip 0.0.0.0)")(
      "insecure", po::bool_switch(),
      "no encryption, no keys: anyone who reaches the ports can run commands (trusted "
      "networks and benchmarks only)")(
      "client-port", po::value<long>()->default_value(defaults.client_port)->value_name("N"),
      "port for clients (0: the profile's previous port, else any free one)")(
      "engine-port", po::value<long>()->default_value(defaults.engine_port)->value_name("N"),
      "port for engines (0: the profile's previous port, else any free one)")(
      "hwm", po::value<long>()->default_value(defaults.engine_hwm)->value_name("N"),
      "hard cap on the tasks an engine holds; below it each engine gets about 5 ms of "
      "expected work ahead, learnt per task name (1: no prefetching, as ipyparallel)")(
      "heartbeat-interval",
      po::value<long>()->default_value(defaults.heartbeat_interval.count())->value_name("MS"),
      "milliseconds between heartbeats")(
      "heartbeat-misses",
      po::value<long>()->default_value(defaults.heartbeat_misses)->value_name("N"),
      "heartbeats an engine may miss before it counts as lost")(
      "client-timeout",
      po::value<double>()
          ->default_value(std::chrono::duration<double>(defaults.client_timeout).count())
          ->value_name("S"),
      "seconds a client may stay silent before the controller forgets it, dropping its queued "
      "tasks")("max-message-mb",
               po::value<long>()
                   ->default_value(static_cast<long>(defaults.max_message_bytes >> 20))
                   ->value_name("MB"),
               "largest message accepted from a client or engine; a larger one drops its sender")(
      "max-results",
      po::value<long>()->default_value(static_cast<long>(defaults.max_results))->value_name("N"),
      "delivered results kept for fetching by id (herd result, Client::get_result); the oldest "
      "go first, results not yet delivered never")(
      "max-result-mb",
      po::value<long>()
          ->default_value(static_cast<long>(defaults.max_result_bytes >> 20))
          ->value_name("MB"),
      "megabytes of delivered results kept for fetching by id");
}

herd::controller::ControllerOptions controller_options(const CommandLine& cl) {
  herd::controller::ControllerOptions o;
  o.profile = cl.profile_name();
  o.ip = cl.text("ip");
  if (cl.has("location")) o.location = cl.text("location");
  o.insecure = cl.flag("insecure");
  // A supervised controller's parent is its cluster's supervisor.
  if (cl.has("parent"))
    o.supervisor_pid = cl.integer("parent", 1, std::numeric_limits<pid_t>::max());
  o.client_port = static_cast<uint16_t>(cl.integer("client-port", 0, kMaxPort));
  o.engine_port = static_cast<uint16_t>(cl.integer("engine-port", 0, kMaxPort));
  o.engine_hwm = static_cast<unsigned>(cl.integer("hwm", 1, kMaxHwm));
  o.heartbeat_interval =
      std::chrono::milliseconds(cl.integer("heartbeat-interval", 10, kMaxHeartbeatMs));
  o.heartbeat_misses = static_cast<unsigned>(cl.integer("heartbeat-misses", 1, kMaxMisses));
  o.client_timeout = cl.seconds("client-timeout");
  o.max_message_bytes = static_cast<size_t>(cl.integer("max-message-mb", 1, kMaxMessageMb)) << 20;
  o.max_results = static_cast<size_t>(cl.integer("max-results", 0, kMaxResults));
  o.max_result_bytes = static_cast<size_t>(cl.integer("max-result-mb", 0, kMaxMessageMb)) << 20;
  // Checked here, before anything starts: ZeroMQ's own words for these
  // ("No such device" for a host name) named neither the option nor the
  // address. Ports given explicitly must be free; 0 lets the controller choose.
  auto check = [&](uint16_t port) {
    const std::string problem = herd::wire::bind_address_problem(o.ip, port);
    if (!problem.empty()) throw std::runtime_error(problem);
  };
  check(0);
  if (o.client_port != 0) check(o.client_port);
  if (o.engine_port != 0) check(o.engine_port);
  return o;
}

std::vector<std::string> controller_arguments(const herd::controller::ControllerOptions& o) {
  std::vector<std::string> args = {
      "--ip",
      o.ip,
      "--client-port",
      std::to_string(o.client_port),
      "--engine-port",
      std::to_string(o.engine_port),
      "--hwm",
      std::to_string(o.engine_hwm),
      "--heartbeat-interval",
      std::to_string(o.heartbeat_interval.count()),
      "--heartbeat-misses",
      std::to_string(o.heartbeat_misses),
      "--client-timeout",
      std::to_string(std::chrono::duration<double>(o.client_timeout).count()),
      "--max-message-mb",
      std::to_string(o.max_message_bytes >> 20),
      "--max-results",
      std::to_string(o.max_results),
      "--max-result-mb",
      std::to_string(o.max_result_bytes >> 20)};
  if (!o.location.empty()) args.insert(args.end(), {"--location", o.location});
  if (o.insecure) args.push_back("--insecure");
  return args;
}

void add_load_option(CommandLine& cl) {
  cl.options().add_options()("load", po::value<std::vector<std::string>>()->value_name("LIB.so"),
                             "task library for the engines to load (repeatable)");
}

std::vector<std::string> load_paths(const CommandLine& cl) {
  std::vector<std::string> paths;
  for (const auto& lib : cl.strings("load")) {
    std::error_code ec;
    const bool here = lib.find('/') != std::string::npos || std::filesystem::exists(lib, ec);
    paths.push_back(here ? std::filesystem::absolute(lib).lexically_normal().string() : lib);
  }
  return paths;
}

std::vector<std::string> load_arguments(const CommandLine& cl) {
  std::vector<std::string> args;
  for (const auto& lib : load_paths(cl)) {
    args.push_back("--load");
    args.push_back(lib);
  }
  return args;
}

void add_supervised_options(CommandLine& cl) {
  cl.hidden().add_options()("no-log-file", po::bool_switch())("parent", po::value<long>());
}

const std::atomic<bool>& begin_service(const CommandLine& cl, const std::string& log_name,
                                       FILE* console) {
  const auto profile = cl.profile();
  profile.create_dirs();
  setup_logging(cl.log_level(),
                cl.flag("no-log-file") ? std::filesystem::path() : profile.log_dir() / log_name,
                console);
  const auto& stop = stop_on_signals();
  if (cl.has("parent"))
    exit_with_parent(
        static_cast<pid_t>(cl.integer("parent", 1, std::numeric_limits<pid_t>::max())));
  return stop;
}

}  // namespace herd::cli
