// herd tasks: the controller's task records; herd result ID: one result.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster_client.hpp"
#include "commands.hpp"
#include "herd/builtin.hpp"
#include "herd/client.hpp"
#include "herd/error.hpp"
#include "logging.hpp"
#include "options.hpp"

namespace herd::cli {

namespace {

using Json = nlohmann::ordered_json;
using std::chrono::milliseconds;

constexpr auto kAskTimeout = std::chrono::seconds(10);

Json to_json(const herd::TaskRecord& r) {
  return {{"id", r.id},
          {"task", r.task},
          {"signature", r.signature},
          {"state", herd::to_string(r.state)},
          {"map", r.map},
          {"items", r.items},
          {"engine_id", r.engine_id},
          {"attempt", r.attempt},
          {"runs", r.runs},
          {"submitted", r.submitted},
          {"started", r.started},
          {"finished", r.finished},
          {"result_bytes", r.result_bytes},
          {"error", r.error}};
}

std::string seconds_taken(const herd::TaskRecord& r) {
  return r.finished > 0 && r.started > 0 ? fmt::format("{:.3f}", r.finished - r.started) : "-";
}

void print_table(const std::vector<herd::TaskRecord>& records) {
  fmt::print("{:<26}  {:<20}  {:<8}  {:>6}  {:>4}  {:>6}  {:>9}  {}\n", "ID", "TASK", "STATE",
             "ENGINE", "RUNS", "ITEMS", "SECONDS", "ERROR");
  for (const auto& r : records)
    fmt::print("{:<26}  {:<20}  {:<8}  {:>6}  {:>4}  {:>6}  {:>9}  {}\n", r.id, r.task,
               herd::to_string(r.state), r.engine_id, r.runs,
               r.map ? fmt::format("map {}", r.items) : std::to_string(r.items), seconds_taken(r),
               r.error);
}

// Waits for an AsyncResult or AsyncMapResult, saying so once on stderr
// when it takes a while.
template <class Handle>
void wait_for(const Handle& h, const std::string& id, milliseconds timeout) {
  if (h.wait(std::chrono::seconds(1))) return;
  std::cerr << "waiting for task " << id << "…" << std::endl;
  if (timeout.count() == 0) return h.wait();
  if (!h.wait(timeout)) throw herd::TimeoutError("task " + id + " did not finish in time");
}

template <class T>
void print_value(const T& v) {
  if constexpr (std::is_same_v<T, bool>)
    std::cout << (v ? "true" : "false") << '\n';
  else
    std::cout << v << '\n';
}

template <class T>
int print_result(herd::Client& client, const herd::TaskRecord& r, milliseconds timeout) {
  if (r.map) {
    const auto m = client.get_map_result<T>(r.id);
    wait_for(m, r.id, timeout);
    for (size_t i = 0; i < m.size(); ++i) print_value(m[i].get());
  } else {
    const auto ar = client.get_result<T>(r.id);
    wait_for(ar, r.id, timeout);
    print_value(ar.get());
  }
  return 0;
}

// A shell task (herd submit) prints what the command printed, and exits
// with its exit code.
int print_shell_result(herd::Client& client, const herd::TaskRecord& r, milliseconds timeout) {
  if (r.map) return print_result<std::string>(client, r, timeout);  // never: herd submit maps none
  const auto ar = client.get_result<herd::ShellResult>(r.id);
  wait_for(ar, r.id, timeout);
  const herd::ShellResult result = ar.get();
  std::cout << result.out << std::flush;
  std::cerr << result.err << std::flush;
  return result.exit_code;
}

using Printer = int (*)(herd::Client&, const herd::TaskRecord&, milliseconds);

Printer printer_for(const std::string& type) {
  const std::pair<std::string, Printer> printers[] = {
      {herd::type_name<herd::ShellResult>(), &print_shell_result},
      {herd::type_name<std::string>(), &print_result<std::string>},
      {herd::type_name<int64_t>(), &print_result<int64_t>},
      {herd::type_name<int32_t>(), &print_result<int32_t>},
      {herd::type_name<uint64_t>(), &print_result<uint64_t>},
      {herd::type_name<uint32_t>(), &print_result<uint32_t>},
      {herd::type_name<double>(), &print_result<double>},
      {herd::type_name<float>(), &print_result<float>},
      {herd::type_name<bool>(), &print_result<bool>}};
  for (const auto& [name, printer] : printers)
    if (name == type) return printer;
  return nullptr;
}

}  // namespace

int cmd_tasks(const Invocation& inv) {
  CommandLine cl(inv.command, "[--state S] [--json]", inv.summary);
  cl.options().add_options()("state", po::value<std::string>()->value_name("S"),
                             "only tasks in this state: queued, running, done, failed, aborted")(
      "json", po::bool_switch(), "print JSON");
  if (!cl.parse(inv.args)) return 0;
  setup_logging(cl.log_level());
  std::optional<herd::TaskState> only;
  if (cl.has("state")) {
    for (auto s : {herd::TaskState::kQueued, herd::TaskState::kRunning, herd::TaskState::kDone,
                   herd::TaskState::kFailed, herd::TaskState::kAborted})
      if (cl.text("state") == herd::to_string(s)) only = s;
    if (!only) cl.fail("--state takes queued, running, done, failed or aborted");
  }
  herd::Client client = cluster_client(cl, kAskTimeout);
  std::vector<herd::TaskRecord> records;
  for (auto& r : client.task_records())
    if (!only || r.state == *only) records.push_back(std::move(r));
  if (cl.flag("json")) {
    Json all = Json::array();
    for (const auto& r : records) all.push_back(to_json(r));
    std::cout << all.dump(2) << std::endl;
  } else {
    print_table(records);
  }
  return 0;
}

int cmd_result(const Invocation& inv) {
  CommandLine cl(inv.command, "ID [--timeout S]", inv.summary);
  cl.options().add_options()("timeout", po::value<double>()->value_name("S"),
                             "seconds to wait for a task not finished yet (default: as long as "
                             "it takes)");
  cl.hidden().add_options()("id", po::value<std::string>());
  cl.positional().add("id", 1);
  if (!cl.parse(inv.args)) return 0;
  if (!cl.has("id")) cl.fail("give a task id: herd result ID (herd tasks lists them)");
  setup_logging(cl.log_level());
  herd::Client client = cluster_client(cl, kAskTimeout);
  const std::string id = cl.text("id");
  const auto found = client.task_records({id});
  const herd::TaskRecord& r = found.at(0);
  if (r.state == herd::TaskState::kUnknown)
    throw herd::UnknownResult("the controller keeps no record of task " + id +
                              " (never submitted, or purged): herd tasks lists those it keeps");
  const std::string type = r.return_type();
  const milliseconds timeout = cl.has("timeout") ? cl.seconds("timeout") : milliseconds(0);
  if (Printer printer = printer_for(type)) return printer(client, r, timeout);
  // Any other type: say where the task stands; a program decodes the value.
  fmt::print(
      "task {} ({}) is {}; its result is a {} of {} bytes: fetch it with "
      "herd::Client::get_result<{}>(\"{}\")\n",
      id, r.task, herd::to_string(r.state), type, r.result_bytes, type, id);
  return r.state == herd::TaskState::kFailed ? 1 : 0;
}

}  // namespace herd::cli
