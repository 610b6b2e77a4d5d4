#include "controller/controller.hpp"

#include <netdb.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <optional>
#include <random>
#include <stdexcept>
#include <unordered_set>

#include "controller/authenticator.hpp"
#include "controller/client_table.hpp"
#include "controller/deadlines.hpp"
#include "controller/dependency_table.hpp"
#include "controller/engine_registry.hpp"
#include "controller/key_store.hpp"
#include "controller/prefetch.hpp"
#include "controller/record_messages.hpp"
#include "controller/task_records.hpp"
#include "controller/task_table.hpp"
#include "herd/profile.hpp"
#include "proto/wire.hpp"

namespace herd::controller {

namespace {

constexpr auto kTick = std::chrono::milliseconds(100);
constexpr size_t kMaxReceivesPerTurn = 1024;
// How long a stopping controller waits for its last answers to leave.
constexpr auto kStopLinger = std::chrono::milliseconds(1000);
// Tasks one turn places or fails at most, so that a long queue does not
// hold up the messages; tasks that must wait do not count (their lanes are
// passed over), so however many wait, those that can run are reached.
constexpr size_t kDispatchPerTurn = 1024;

std::string routing_id(const zmq::message_t& frame) { return std::string(frame.to_string_view()); }
zmq::message_t routing_frame(const std::string& id) { return zmq::message_t(id.data(), id.size()); }

uint16_t port_of(const std::string& url) {
  const auto colon = url.rfind(':');
  if (colon == std::string::npos) return 0;
  try {
    return static_cast<uint16_t>(std::stoi(url.substr(colon + 1)));
  } catch (const std::exception&) {
    return 0;
  }
}

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

bool binds_every_interface(const std::string& ip) { return ip == "0.0.0.0" || ip == "*"; }

// Whether `host` resolves to a loopback address, which other machines
// cannot reach.
bool resolves_to_loopback(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) return false;
  const auto* in = reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  const bool loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  ::freeaddrinfo(found);
  return loopback;
}

// What the connection files advertise: --location, else the bound address,
// or this host's name when binding every interface.
std::string advertised_host(const ControllerOptions& options) {
  if (!options.location.empty()) return options.location;
  if (!binds_every_interface(options.ip)) return options.ip;
  const std::string host = host_name();
  if (resolves_to_loopback(host))
    spdlog::warn(
        "this host's name {} resolves to a loopback address, so engines and clients on "
        "other machines cannot use the connection files: pass --location HOST",
        host);
  return host;
}

// The role the handshake proved for a message's connection: the ZAP
// handler's User-Id, empty on an insecure controller.
std::string_view peer_role(const zmq::message_t& frame) {
  const char* role = zmq_msg_gets(frame.handle(), "User-Id");
  return role ? role : "";
}

bool process_alive(int64_t pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0; }

// A message as received or sent, without its routing frame; the copies
// share the frames' buffers.
wire::Frames without_routing(wire::Frames& frames) {
  wire::Frames kept;
  kept.reserve(frames.size() - 1);
  for (size_t i = 1; i < frames.size(); ++i) kept.emplace_back().copy(frames[i]);
  return kept;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

class Controller::Impl {
 public:
  explicit Impl(ControllerOptions options);
  void run(const std::atomic<bool>& stop);
  void run_once(std::chrono::milliseconds wait);

  std::string client_url_, engine_url_;

 private:
  void bind_sockets(uint16_t client_port, uint16_t engine_port);
  void write_connection_files() const;

  template <class Handler>
  void drain(zmq::socket_t& socket, Handler handler, const char* side);

  void on_client_message(wire::Frames& frames);
  void on_submit(wire::Frames& frames, const wire::Header& header, uint32_t client);
  void on_abort(const wire::Header& header, uint32_t client);
  void on_client_heartbeat(const std::string& rid, wire::Header& header,
                           std::optional<uint32_t> client);
  // Ends a client's session: its queued tasks are dropped, its running ones
  // finish without a result.
  void forget_client(uint32_t client, const std::string& why);
  // Sends a RESULT message (`header`, packed in frames[1]; frames[0] is
  // overwritten with the client's routing id), keeps it until the client
  // confirms it, and settles the tasks that wait for this one.
  void deliver(uint32_t client, const wire::Header& header, wire::Frames& frames);
  void deliver(uint32_t client, const wire::Header& header);
  // A task with prerequisites arrived: it waits, is queued, or fails.
  void hold(const TaskKey& key, TaskRecord record, const wire::Header& header);
  // A task ended without a result for its client (the client left).
  void ended_unseen(const TaskKey& key, const std::string& why);
  // Carries out what the dependency table decided, and what that decides in turn.
  void settle(std::vector<Decision> decisions);
  void settle_one(Decision& decision);
  // Binds a task to the engines that ran the tasks it follows (and it may
  // run on), or turns the decision into a failure if none is live.
  void follow(TaskRecord& record, Decision& decision);
  // Answers every task still open with STOPPED, before the controller exits.
  void stop_tasks();
  void on_status(const std::string& client, const wire::Header& header);
  // Questions about task records (see task_records.hpp).
  void on_fetch(const wire::Header& header, uint32_t client);
  void on_records(const std::string& rid, const wire::Header& header);
  void on_purge(const std::string& rid, const wire::Header& header, uint32_t client);
  // Records how `key` ended, and sends that to the clients that fetched it.
  void record_end(const TaskKey& key, const wire::Header& header, PackedFrames result,
                  bool delivered);
  // Sends a recorded result to a client that fetched it.
  void send_fetched(uint32_t client, const TaskKey& key, Record& record, uint64_t request);
  void on_engine_died(const wire::Header& header);
  // A supervisor's requests about the engine set.
  void on_retire_request(const std::string& rid, const wire::Header& header);
  void on_engines_coming(const std::string& rid, const wire::Header& header);
  // Whether a message from `role` may change the engine set; refuses it if not.
  bool from_supervisor(const std::string& rid, std::string_view role, const char* what);

  void on_engine_message(wire::Frames& frames);
  void on_engine_hello(const std::string& rid, const wire::Header& header);
  void adopt_held_tasks(EngineRecord& engine, const wire::Header& header);
  void on_result(EngineRecord& engine, wire::Frames& frames, const wire::Header& header);
  void on_started(EngineRecord& engine, const wire::Header& header);
  // Takes no new tasks from now on; told to leave once its running task is done.
  void retire(EngineRecord& engine, const std::string& why);
  void on_retired(EngineRecord& engine, const wire::Header& header);
  void on_recalled(EngineRecord& engine, const wire::Header& header);
  // Queues again, at the front and in order, the tasks `refs` the engine
  // says it never began; returns how many.
  size_t take_back(EngineRecord& engine,
                   const google::protobuf::RepeatedPtrField<wire::TaskRef>& refs);
  void warn_of_mixed_builds(const EngineRecord& engine);
  // Whether a task no live engine offers should wait for engines being started.
  bool holding_unknown_tasks(const std::string& name);

  void dispatch();
  void place_queued();
  // An idle engine while another holds tasks it has not begun: ask that one
  // to give them back, so they run now instead of behind its long task.
  void steal_for_idle();
  bool send_task(EngineRecord& engine, const TaskKey& key, TaskRecord& record);
  // The task has left the engine (answered, given back): its expected work goes.
  static void release(EngineRecord& engine, TaskRecord* record);
  void engine_lost(EngineRecord& engine, const std::string& reason);
  // Fails the task: none of the engines it may run on is live.
  void fail_targets_gone(TaskRecord& record, const TaskKey& key);
  // Fails the queued tasks that none of their engines is left to run.
  void fail_stranded();
  // Tells the engine to exit (its supervisor starts a fresh one) and gives it up.
  void recycle(EngineRecord& engine, const std::string& reason);
  // Runs a started task again if it has retries left; true if it was requeued.
  bool retry(TaskRecord& record, const TaskKey& key);
  // Whether an engine the task may run on is live (a task bound to engines
  // is never run elsewhere).
  bool may_run_again(const TaskRecord& record) {
    return record.engines.empty() || registry_.any_live(record.engines);
  }
  static bool threw_throughout(const TaskRecord& record, const wire::Header& header);
  void fail_orphaned_retries(Clock::time_point now);
  void check_timers(Clock::time_point now);

  // Tells the client its task ended without a result.
  // `error_type` goes to ErrorInfo.type (DEPENDENCY_FAILED: the prerequisite's id).
  void fail_task(TaskRecord& record, const TaskKey& key, wire::Status status,
                 const std::string& message, const EngineRecord* engine = nullptr,
                 const std::string& error_type = {});
  bool refuse_hello(zmq::socket_t& socket, const std::string& rid, const wire::Header& header);
  void on_client_hello(const std::string& rid, const wire::Header& header, std::string_view role);
  // `client` (the session of this connection) if it may submit `message`,
  // which names a client id; refuses the message otherwise.
  std::optional<uint32_t> submitting_client(const std::string& rid, std::optional<uint32_t> client,
                                            const wire::Header& message);
  static wire::Header refusal(const std::string& type, const std::string& message);
  void refuse(zmq::socket_t& socket, const std::string& rid, const std::string& type,
              const std::string& message);
  void send_header(zmq::socket_t& socket, const std::string& rid, const wire::Header& header);
  void send_frames(zmq::socket_t& socket, wire::Frames& frames);
  bool secure() const { return keys_.has_value(); }

  const ControllerOptions options_;
  const Profile profile_;
  const uint64_t instance_ = std::random_device{}() * 0x100000001ULL ^ std::random_device{}();
  std::optional<KeyStore> keys_;  // none when insecure
  zmq::context_t context_{1};
  std::unique_ptr<Authenticator> authenticator_;  // before the sockets it vets
  zmq::socket_t clients_, engines_;
  std::vector<zmq::pollitem_t> poll_items_;
  EngineRegistry registry_;
  const Admission admission_;
  TaskDurations durations_;
  std::vector<const EngineRecord*> idle_engines_;  // steal_for_idle's, reused
  ClientTable client_table_;
  TaskTable tasks_;
  DependencyTable deps_;
  TaskRecords records_;
  Interner signatures_;
  std::deque<Decision> unsettled_;
  bool settling_ = false;
  uint64_t tasks_done_ = 0, tasks_failed_ = 0;
  Clock::time_point now_;  // of the loop turn
  Clock::time_point last_timer_check_;
  // Until then, engines are being started (herd cluster engines or reload):
  // a task no live engine offers waits for them instead of failing.
  Clock::time_point hold_unknown_until_{};
  std::unordered_set<std::string> held_names_;  // logged during the current hold
};

Controller::Impl::Impl(ControllerOptions options)
    : options_(std::move(options)),
      profile_(options_.profile),
      registry_(options_.lost_engines_listed),
      admission_(options_.engine_hwm, static_cast<uint64_t>(options_.prefetch.count())),
      records_({options_.max_results, options_.max_result_bytes}) {
  profile_.create_dirs();
  if (options_.insecure) {
    spdlog::warn(
        "INSECURE: no encryption and no keys; anyone who reaches the ports can run "
        "commands as this user");
  } else {
    keys_ = KeyStore::load_or_create(profile_.security_dir() / "keys.json");
    authenticator_ = std::make_unique<Authenticator>(context_, *keys_);
  }
  uint16_t client_port = options_.client_port, engine_port = options_.engine_port;
  int64_t previous_pid = 0;
  const bool explicit_ports = client_port || engine_port;
  if (!explicit_ports && std::filesystem::exists(profile_.client_file())) {
    // A restarted controller reuses its ports, so engines and clients that
    // hold the old connection files find it again.
    try {
      const auto info = read_connection_file(profile_.client_file());
      client_port = port_of(info.client_url);
      engine_port = port_of(info.engine_url);
      previous_pid = info.controller_pid;
    } catch (const std::exception& e) {
      spdlog::warn("ignoring unreadable connection file: {}", e.what());
    }
  }
  try {
    bind_sockets(client_port, engine_port);
  } catch (const zmq::error_t& e) {
    if (previous_pid != ::getpid() && process_alive(previous_pid))
      throw std::runtime_error("a controller (pid " + std::to_string(previous_pid) +
                               ") already serves profile '" + profile_.name() +
                               "'; stop it with: herd cluster stop --profile " + profile_.name());
    if (explicit_ports)
      throw std::runtime_error("cannot bind " + options_.ip + " ports " +
                               std::to_string(client_port) + "/" + std::to_string(engine_port) +
                               ": " + e.what());
    spdlog::warn("ports {}/{} of the previous controller are taken ({}); using new ones",
                 client_port, engine_port, e.what());
    bind_sockets(0, 0);
  }
  write_connection_files();
  spdlog::info("controller pid {} ({}) serving clients at {} and engines at {}", ::getpid(),
               secure() ? "CurveZMQ" : "insecure", client_url_, engine_url_);
  poll_items_ = {{clients_.handle(), 0, ZMQ_POLLIN, 0}, {engines_.handle(), 0, ZMQ_POLLIN, 0}};
  if (authenticator_) poll_items_.push_back({authenticator_->socket().handle(), 0, ZMQ_POLLIN, 0});
}

void Controller::Impl::bind_sockets(uint16_t client_port, uint16_t engine_port) {
  const std::string ip = binds_every_interface(options_.ip) ? "*" : options_.ip;
  const std::string host = advertised_host(options_);
  auto make = [&](uint16_t port, std::string& url, const char* domain) {
    zmq::socket_t s(context_, zmq::socket_type::router);
    if (keys_) wire::set_curve_server(s, keys_->server().secret_key, domain);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::sndhwm, 0);
    s.set(zmq::sockopt::rcvhwm, 0);
    s.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(options_.max_message_bytes));
    s.bind("tcp://" + ip + ":" + (port ? std::to_string(port) : "*"));
    url = "tcp://" + host + ":" + std::to_string(port_of(s.get(zmq::sockopt::last_endpoint)));
    return s;
  };
  std::string client_url, engine_url;
  zmq::socket_t clients = make(client_port, client_url, kClientDomain);
  zmq::socket_t engines = make(engine_port, engine_url, kEngineDomain);
  // An engine that reconnects (same routing id) after a link went down
  // replaces its old, half-open connection instead of being ignored.
  engines.set(zmq::sockopt::router_handover, 1);
  // A send to an engine that has gone fails loudly instead of vanishing.
  engines.set(zmq::sockopt::router_mandatory, 1);
  clients_ = std::move(clients);
  engines_ = std::move(engines);
  client_url_ = client_url;
  engine_url_ = engine_url;
}

void Controller::Impl::write_connection_files() const {
  struct File {
    KeyRole role;
    std::filesystem::path path;
    const std::string& url;
  };
  for (const File& f : {File{KeyRole::kClient, profile_.client_file(), client_url_},
                        File{KeyRole::kEngine, profile_.engine_file(), engine_url_},
                        File{KeyRole::kSupervisor, profile_.supervisor_file(), client_url_}}) {
    ConnectionInfo info;
    info.url = f.url;
    info.client_url = client_url_;
    info.engine_url = engine_url_;
    info.controller_pid = ::getpid();
    info.profile = profile_.name();
    info.role = role_name(f.role);
    info.host = host_name();
    info.supervisor_pid = options_.supervisor_pid;
    if (keys_)
      info.curve = {keys_->server().public_key, keys_->of(f.role).public_key,
                    keys_->of(f.role).secret_key};
    write_connection_file(f.path, info);
  }
}

void Controller::Impl::run(const std::atomic<bool>& stop) {
  while (!stop) run_once(kTick);
  stop_tasks();
  spdlog::info("controller stopping with {} tasks queued, {} done, {} failed", tasks_.queue_depth(),
               tasks_done_, tasks_failed_);
}

void Controller::Impl::run_once(std::chrono::milliseconds wait) {
  try {
    zmq::poll(poll_items_, wait);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
  }
  now_ = Clock::now();
  // Handshakes wait for these answers; a peer's first message follows them.
  if (authenticator_) authenticator_->answer_pending();
  // Engines first: their results free the slots that queued tasks wait for.
  drain(
      engines_, [this](wire::Frames& f) { on_engine_message(f); }, "engine");
  drain(
      clients_, [this](wire::Frames& f) { on_client_message(f); }, "client");
  dispatch();
  const auto now = Clock::now();
  if (now - last_timer_check_ >= kTick) {
    last_timer_check_ = now;
    check_timers(now);
  }
}

template <class Handler>
void Controller::Impl::drain(zmq::socket_t& socket, Handler handler, const char* side) {
  wire::Frames frames;
  for (size_t i = 0; i < kMaxReceivesPerTurn && wire::receive(socket, frames); ++i) {
    // One bad message must never take the loop down.
    try {
      handler(frames);
    } catch (const std::exception& e) {
      spdlog::warn("dropped a message from {} {}: {}", side, frames.empty() ? "?" : frames[0].str(),
                   e.what());
    }
  }
}

// ---- clients ---------------------------------------------------------------

void Controller::Impl::on_client_message(wire::Frames& frames) {
  wire::Header header;
  if (frames.size() < 2 || !wire::unpack(frames[1], header)) {
    spdlog::warn("malformed message from client ({} frames) ignored", frames.size());
    if (frames.size() >= 1)
      refuse(clients_, routing_id(frames[0]), "malformed",
             "malformed message: the first frame is not a herd header");
    return;
  }
  const std::string rid = routing_id(frames[0]);
  const std::string_view role = peer_role(frames[1]);
  const std::optional<uint32_t> client = client_table_.by_routing_id(rid);
  if (client) client_table_.at(*client).last_heard = now_;
  switch (header.type()) {
    case wire::HELLO:
      on_client_hello(rid, header, role);
      break;
    case wire::TASK:
      if (auto submitter = submitting_client(rid, client, header)) {
        ++client_table_.at(*submitter).tasks_received;
        on_submit(frames, header, *submitter);
      }
      break;
    case wire::ABORT:
      if (auto submitter = submitting_client(rid, client, header)) on_abort(header, *submitter);
      break;
    case wire::BYE:
      if (client) forget_client(*client, "it left");
      break;
    case wire::STATUS:
      on_status(rid, header);
      break;
    case wire::RECORDS:
      on_records(rid, header);
      break;
    case wire::FETCH:
    case wire::PURGE:
      // Answered to a session: a fetch waits on it, a purge acts for it.
      if (!client)
        refuse(clients_, rid, "no-session", "say HELLO before fetching or purging results");
      else if (header.type() == wire::FETCH)
        on_fetch(header, *client);
      else
        on_purge(rid, header, *client);
      break;
    case wire::ENGINE_DIED:
      // Only a supervisor watches engine processes; anyone else could
      // otherwise take a healthy engine out of service.
      if (secure() && role != role_name(KeyRole::kSupervisor))
        refuse(clients_, rid, "forbidden",
               "only the cluster's supervisor may report an engine's death");
      else
        on_engine_died(header);
      break;
    case wire::HEARTBEAT:
      on_client_heartbeat(rid, header, client);
      break;
    case wire::RETIRE:
      if (from_supervisor(rid, role, "retire engines")) on_retire_request(rid, header);
      break;
    case wire::ENGINES_COMING:
      if (from_supervisor(rid, role, "announce engines")) on_engines_coming(rid, header);
      break;
    default:
      refuse(clients_, rid, "unexpected",
             "unexpected message type " + std::to_string(header.type()) + " from a client");
  }
}

void Controller::Impl::on_client_hello(const std::string& rid, const wire::Header& header,
                                       std::string_view role) {
  if (refuse_hello(clients_, rid, header)) return;
  wire::Header welcome;
  welcome.set_type(wire::WELCOME);
  welcome.mutable_welcome()->set_heartbeat_ms(
      static_cast<uint32_t>(options_.heartbeat_interval.count()));
  welcome.mutable_welcome()->set_max_message_bytes(options_.max_message_bytes);
  welcome.set_live_engines(static_cast<uint32_t>(registry_.live_count()));
  welcome.set_instance(instance_);
  // A supervisor only reports deaths and asks for status: it gets no
  // client identity, so it cannot submit.
  if (role == role_name(KeyRole::kSupervisor)) {
    send_header(clients_, rid, welcome);
    return;
  }
  uint32_t index = 0;
  switch (client_table_.hello(header.hello().client(), header.hello().token(), rid, index)) {
    case ClientTable::Hello::kAccepted:
      break;
    case ClientTable::Hello::kResumed:
      welcome.mutable_welcome()->set_resumed(true);
      break;
    case ClientTable::Hello::kNoId:
      refuse(clients_, rid, "identity", "HELLO without a client id and token");
      return;
    case ClientTable::Hello::kIdTaken:
      spdlog::warn("refused a client claiming the id {:016x} of another client",
                   header.hello().client());
      refuse(clients_, rid, "identity", "another client already uses this client id");
      return;
  }
  ClientSession& session = client_table_.at(index);
  session.last_heard = now_;
  session.confirm(header.results_received());
  deps_.confirmed(index, header.results_received());
  welcome.set_tasks_received(session.tasks_received);
  send_header(clients_, rid, welcome);
  if (welcome.welcome().resumed())
    spdlog::info("client {:016x} reconnected: {} results sent again, {} of its tasks received",
                 session.id, session.unconfirmed.size(), session.tasks_received);
  // Results the old connection lost go again, in their order.
  for (wire::Frames& result : session.unconfirmed) {
    wire::Frames again;
    again.reserve(result.size() + 1);
    again.push_back(routing_frame(rid));
    for (auto& frame : result) again.emplace_back().copy(frame);
    send_frames(clients_, again);
  }
}

std::optional<uint32_t> Controller::Impl::submitting_client(const std::string& rid,
                                                            std::optional<uint32_t> client,
                                                            const wire::Header& message) {
  if (!client) {
    // A TASK queued while its client had no connection comes before the
    // client's HELLO. Named in the refusal, it may go again: it is in no queue.
    wire::Header refused =
        refusal("no-session", "say HELLO (with a client id and token) before submitting");
    if (message.type() == wire::TASK) {
      refused.set_client(message.client());
      refused.set_seq(message.seq());
    }
    send_header(clients_, rid, refused);
    return std::nullopt;
  }
  if (client_table_.at(*client).id != message.client()) {
    refuse(clients_, rid, "identity", "a task may name only its own client's id");
    return std::nullopt;
  }
  return client;
}

void Controller::Impl::on_client_heartbeat(const std::string& rid, wire::Header& header,
                                           std::optional<uint32_t> client) {
  header.set_live_engines(static_cast<uint32_t>(registry_.live_count()));
  header.set_instance(instance_);
  if (client) {
    ClientSession& session = client_table_.at(*client);
    session.confirm(header.results_received());
    deps_.confirmed(*client, header.results_received());
    header.set_tasks_received(session.tasks_received);
  }
  send_header(clients_, rid, header);
}

void Controller::Impl::forget_client(uint32_t client, const std::string& why) {
  std::vector<TaskKey> queued, abandoned;
  tasks_.for_each([&](const TaskKey& key, TaskRecord& record) {
    if (record.client != client || record.answered) return;
    if (record.engine_id == 0) {
      queued.push_back(key);
    } else {
      record.answered = true;  // it runs on; its result has nobody to go to
      abandoned.push_back(key);
    }
  });
  const size_t running = abandoned.size();
  for (const TaskKey& key : queued) {
    deps_.cancel(key);
    tasks_.erase(key);
    wire::Header dropped;
    dropped.set_type(wire::RESULT);
    dropped.set_client(key.client);
    dropped.set_seq(key.seq);
    dropped.set_status(wire::ABORTED);
    dropped.mutable_error()->set_message("its client left before it ran");
    wire::Frames result;
    result.push_back(wire::pack(dropped));
    record_end(key, dropped, PackedFrames(result, 0), false);
  }
  // Another client's tasks may wait for these.
  abandoned.insert(abandoned.end(), queued.begin(), queued.end());
  for (const TaskKey& key : abandoned) ended_unseen(key, "its client left");
  deps_.confirmed(client, UINT64_MAX);
  records_.forget_watcher(client);
  // A client that leaves with nothing open is routine (every herd submit).
  const auto level = queued.empty() && running == 0 ? spdlog::level::debug : spdlog::level::info;
  spdlog::log(level,
              "client {:016x} forgotten ({}): {} queued tasks dropped, {} running ones finish "
              "without a result",
              client_table_.at(client).id, why, queued.size(), running);
  client_table_.forget(client);
}

void Controller::Impl::deliver(uint32_t client, const wire::Header& header, wire::Frames& frames) {
  ClientSession& session = client_table_.at(client);
  // Numbered as the client counts results; 0: not kept for dependents to
  // come, as nobody will name it: the client will never have it, or it is
  // a chunk of a map (a client names only single tasks, see
  // client/src/prerequisites.hpp).
  const uint64_t number = session.gone || header.items() != 0 ? 0 : session.results_sent + 1;
  const TaskKey key{header.client(), header.seq()};
  std::vector<Decision> decided =
      deps_.finished(key, DependencyTable::outcome_of(header, frames), client, number);
  record_end(key, header, PackedFrames(frames, 1), !session.gone);
  if (!session.gone) {
    session.unconfirmed.push_back(without_routing(frames));
    ++session.results_sent;
    frames[0] = routing_frame(session.routing_id);
    send_frames(clients_, frames);
  }
  // After the send: settling may deliver other results, numbered after this one.
  settle(std::move(decided));
}

void Controller::Impl::deliver(uint32_t client, const wire::Header& header) {
  wire::Frames frames;
  frames.emplace_back();
  frames.push_back(wire::pack(header));
  deliver(client, header, frames);
}

void Controller::Impl::stop_tasks() {
  size_t stopped = 0;
  tasks_.for_each([&](const TaskKey& key, TaskRecord& record) {
    if (record.answered) return;
    fail_task(record, key, wire::STOPPED, "the cluster stopped before the task finished");
    ++stopped;
  });
  // Let those answers leave before the socket closes.
  clients_.set(zmq::sockopt::linger, static_cast<int>(kStopLinger.count()));
  if (stopped)
    spdlog::info("told clients of {} unfinished tasks that the cluster stopped", stopped);
}

void Controller::Impl::on_submit(wire::Frames& frames, const wire::Header& header,
                                 uint32_t client) {
  const TaskKey key{header.client(), header.seq()};
  TaskRecord record;
  record.client = client;
  record.name = registry_.names().intern(header.task());
  records_.submitted(key, {.name = record.name,
                           .signature = signatures_.intern(header.signature()),
                           .items = header.items(),
                           .map_seq = header.map_seq(),
                           .map_items = header.map_items(),
                           .first_item = header.first_item(),
                           .at = unix_now()});
  record.items = std::max<uint32_t>(header.items(), 1);
  record.attempt = std::max<uint32_t>(header.attempt(), 1);
  record.retries = header.retries();
  record.retry_exceptions = header.retry_exceptions();
  record.timeout_ms = static_cast<uint32_t>(std::min<uint64_t>(header.timeout_ms(), UINT32_MAX));
  record.engines.assign(header.engines().begin(), header.engines().end());
  std::sort(record.engines.begin(), record.engines.end());
  record.engines.erase(std::unique(record.engines.begin(), record.engines.end()),
                       record.engines.end());
  if (!may_run_again(record)) {
    fail_targets_gone(record, key);
    return;
  }
  std::string expected;
  switch (registry_.check(header.task(), header.signature(), expected)) {
    case Offer::kUnknown:
      if (holding_unknown_tasks(header.task())) break;
      fail_task(record, key, wire::UNKNOWN_TASK,
                "no connected engine offers task '" + header.task() +
                    "': load its library with herd engine --load LIB.so");
      return;
    case Offer::kMismatch: {
      wire::Header reply = wire::reply_to(header, wire::RESULT);
      reply.set_status(wire::SIGNATURE_MISMATCH);
      reply.set_task(header.task());
      reply.mutable_error()->set_expected(expected);
      reply.mutable_error()->set_actual(header.signature());
      deliver(record.client, reply);
      tasks_failed_ += record.items;
      return;
    }
    case Offer::kNoEngines:  // tasks wait in the queue until engines come
    case Offer::kOk:
      break;
  }
  record.header.assign(frames[1].data<char>(), frames[1].size());
  record.args.reserve(frames.size() - 2);
  for (size_t i = 2; i < frames.size(); ++i) record.args.push_back(std::move(frames[i]));
  if (header.depends_size() > 0) {
    hold(key, std::move(record), header);
    return;
  }
  if (!tasks_.add(key, std::move(record))) {
    spdlog::warn("duplicate submission of task {} ignored", wire::task_id(key.client, key.seq));
    return;
  }
  tasks_.enqueue(key);
}

void Controller::Impl::hold(const TaskKey& key, TaskRecord record, const wire::Header& header) {
  if (tasks_.find(key)) {
    spdlog::warn("duplicate submission of task {} ignored", wire::task_id(key.client, key.seq));
    return;
  }
  std::vector<Prerequisite> prerequisites;
  prerequisites.reserve(static_cast<size_t>(header.depends_size()));
  for (const wire::Dependency& d : header.depends())
    prerequisites.push_back({{d.client(), d.seq()}, d.arg(), d.follow()});
  // Decided before the task is known, so a task naming itself is unknown.
  Decision decision =
      deps_.add(key, std::move(prerequisites), header.after_failure_ok(), [this](const TaskKey& k) {
        const TaskRecord* r = tasks_.find(k);
        return r && !r->answered;
      });
  record.held = true;
  tasks_.add(key, std::move(record));
  std::vector<Decision> decided;
  decided.push_back(std::move(decision));
  settle(std::move(decided));
}

void Controller::Impl::ended_unseen(const TaskKey& key, const std::string& why) {
  Outcome outcome;
  outcome.error = why;
  settle(deps_.finished(key, std::move(outcome), 0, 0));
}

void Controller::Impl::settle(std::vector<Decision> decisions) {
  for (Decision& d : decisions)
    if (d.kind != Decision::Kind::kWait) unsettled_.push_back(std::move(d));
  // A failure settles the tasks that wait for it in turn: one loop here,
  // not a recursion as deep as the chain.
  if (settling_) return;
  settling_ = true;
  while (!unsettled_.empty()) {
    Decision d = std::move(unsettled_.front());
    unsettled_.pop_front();
    try {
      settle_one(d);
    } catch (const std::exception& e) {
      spdlog::warn("could not settle task {}: {}", wire::task_id(d.task.client, d.task.seq),
                   e.what());
    }
  }
  settling_ = false;
}

void Controller::Impl::settle_one(Decision& d) {
  TaskRecord* record = tasks_.find(d.task);
  if (!record || !record->held || record->answered) return;
  if (d.kind == Decision::Kind::kReady) {
    for (auto& [position, value] : d.args) {
      if (position >= record->args.size()) {
        d.kind = Decision::Kind::kFail;
        d.error = "a prerequisite's result names argument " + std::to_string(position) +
                  " of a task that takes " + std::to_string(record->args.size());
        break;
      }
      record->args[position] = std::move(value);
    }
  }
  if (d.kind == Decision::Kind::kReady && !d.engines.empty()) follow(*record, d);
  if (d.kind == Decision::Kind::kFail) {
    const TaskKey& p = d.prerequisite;
    fail_task(*record, d.task, wire::DEPENDENCY_FAILED, d.error, nullptr,
              p == TaskKey{} ? std::string() : wire::task_id(p.client, p.seq));
    tasks_.erase(d.task);
    return;
  }
  record->held = false;
  tasks_.enqueue(d.task);
}

void Controller::Impl::follow(TaskRecord& record, Decision& d) {
  std::sort(d.engines.begin(), d.engines.end());
  if (!record.engines.empty()) {
    std::vector<uint32_t> both;
    std::set_intersection(record.engines.begin(), record.engines.end(), d.engines.begin(),
                          d.engines.end(), std::back_inserter(both));
    d.engines.swap(both);
  }
  d.kind = Decision::Kind::kFail;
  if (d.engines.empty())
    d.error = "none of the engines the task may run on ran the tasks it follows";
  else if (!registry_.any_live(d.engines))
    d.error = "the engines of the tasks it follows are gone: " + registry_.why_gone(d.engines);
  else
    d.kind = Decision::Kind::kReady;
  record.engines = d.engines;
}

void Controller::Impl::on_abort(const wire::Header& header, uint32_t client) {
  const TaskKey key{header.client(), header.seq()};
  TaskRecord* record = tasks_.find(key);
  if (!record || record->answered || record->client != client) return;
  const bool queued = record->engine_id == 0;
  if (record->held) deps_.cancel(key);
  fail_task(*record, key, wire::ABORTED, "task aborted");
  if (queued) {
    tasks_.erase(key);
    return;
  }
  // A running task keeps its record until its engine answers (the late
  // result is dropped). It is asked to stop; past the grace period its
  // engine is recycled.
  record->deadline = Clock::now() + options_.cancel_grace;
  if (EngineRecord* engine = registry_.find(record->engine_id)) {
    wire::Header cancel;
    cancel.set_type(wire::CANCEL);
    cancel.set_client(key.client);
    cancel.set_seq(key.seq);
    send_header(engines_, engine->routing_id, cancel);
  }
}

void Controller::Impl::on_engine_died(const wire::Header& header) {
  // What the engine sent before it died (results, STARTED notes) may still
  // wait on the engine socket: it counts, so take it in first.
  drain(
      engines_, [this](wire::Frames& f) { on_engine_message(f); }, "engine");
  for (EngineRecord* engine : registry_.live_engines()) {
    if (engine->pid != header.hello().pid() || engine->host != header.hello().host()) continue;
    engine_lost(*engine, "process died (" + header.error().message() + ")");
    return;
  }
}

void Controller::Impl::on_status(const std::string& client, const wire::Header& header) {
  wire::Header reply;
  reply.set_type(wire::STATUS_REPLY);
  reply.set_request(header.request());
  auto* s = reply.mutable_status_reply();
  s->set_pid(::getpid());
  s->set_client_url(client_url_);
  s->set_engine_url(engine_url_);
  s->set_queue_depth(tasks_.queue_depth());
  s->set_tasks_done(tasks_done_);
  s->set_tasks_failed(tasks_failed_);
  s->set_security(secure() ? "curve" : "insecure");
  s->set_lost_engines_hidden(registry_.lost_hidden());
  for (const auto& [id, e] : registry_.all()) {
    auto* es = s->add_engines();
    es->set_id(e.id);
    es->set_host(e.host);
    es->set_pid(e.pid);
    es->set_state(e.state_name());
    es->set_tasks_done(e.tasks_done);
    es->set_restarts(e.restarts);
    es->set_outstanding(e.outstanding());
    es->set_cores(e.cores);
    es->set_lost_reason(e.lost_reason);
    for (const auto& lib : e.libraries) {
      auto* out = es->add_libraries();
      out->set_path(lib.path());
      out->set_hash(lib.hash());
    }
  }
  send_header(clients_, client, reply);
}

// ---- task records ------------------------------------------------------------

void Controller::Impl::on_fetch(const wire::Header& header, uint32_t client) {
  if (header.tasks_size() != 1) return;
  const TaskKey key{header.tasks(0).client(), header.tasks(0).seq()};
  const std::string& rid = client_table_.at(client).routing_id;
  Record* record = records_.find(key);
  if (!record || record->map_seq) {  // a chunk is fetched with its map
    send_header(clients_, rid, unknown_result(key, header.request()));
    return;
  }
  const std::string& signature = signatures_.str(record->signature);
  if (!header.return_type().empty() && return_type(signature) != header.return_type()) {
    send_header(clients_, rid,
                type_mismatch(key, header.request(), registry_.names().str(record->name), signature,
                              header.return_type()));
    return;
  }
  if (!record->map) {
    if (finished(record->state))
      send_fetched(client, key, *record, header.request());
    else
      records_.watch(key, {client, header.request()});
    return;
  }
  const bool complete = record->runs >= record->items;
  const uint32_t items = record->items;
  uint32_t sent = 0;
  for (const TaskKey& chunk_key : records_.chunks_of(key)) {
    Record* chunk = records_.find(chunk_key);
    if (!chunk || !finished(chunk->state)) continue;
    sent += std::max<uint32_t>(chunk->items, 1);
    send_fetched(client, chunk_key, *chunk, header.request());
  }
  if (!complete) {
    records_.watch(key, {client, header.request()});
  } else if (sent < items) {
    // Chunks let go for room since (retention): no answer will fill those items.
    send_header(clients_, rid, unknown_result(key, header.request()));
  }
}

void Controller::Impl::record_end(const TaskKey& key, const wire::Header& header,
                                  PackedFrames result, bool delivered) {
  const std::vector<Watcher> watchers =
      records_.ended(key, header, std::move(result), delivered, unix_now());
  if (Record* record = watchers.empty() ? nullptr : records_.find(key))
    for (const Watcher& w : watchers) send_fetched(w.session, key, *record, w.request);
}

void Controller::Impl::send_fetched(uint32_t client, const TaskKey& key, Record& record,
                                    uint64_t request) {
  const ClientSession& session = client_table_.at(client);
  if (session.gone) return;
  wire::Frames frames = fetched_result(record, request);
  if (frames.empty()) return;
  frames.insert(frames.begin(), routing_frame(session.routing_id));
  send_frames(clients_, frames);
  records_.delivered(key);
}

void Controller::Impl::on_records(const std::string& rid, const wire::Header& header) {
  wire::Header reply;
  reply.set_type(wire::RECORDS);
  reply.set_request(header.request());
  auto add = [&](const TaskKey& key, const Record& record) {
    describe(key, record, registry_.names(), signatures_, *reply.add_records());
  };
  if (header.tasks_size() == 0) records_.for_each(add);
  for (const wire::TaskRef& ref : header.tasks()) {
    const TaskKey key{ref.client(), ref.seq()};
    if (const Record* record = records_.find(key)) {
      add(key, *record);
    } else {
      auto* info = reply.add_records();
      info->set_client(key.client);
      info->set_seq(key.seq);
      info->set_state(state_name(RecordState::kNone));
    }
  }
  send_header(clients_, rid, reply);
}

void Controller::Impl::on_purge(const std::string& rid, const wire::Header& header,
                                uint32_t client) {
  const uint64_t id = client_table_.at(client).id;
  size_t purged = header.purge_done() ? records_.purge_done(id) : 0;
  for (const wire::TaskRef& ref : header.tasks())
    if (ref.client() == id && records_.purge({ref.client(), ref.seq()})) ++purged;
  wire::Header reply;
  reply.set_type(wire::PURGE);
  reply.set_request(header.request());
  reply.set_purged(purged);
  send_header(clients_, rid, reply);
}

// ---- engines ---------------------------------------------------------------

void Controller::Impl::on_engine_message(wire::Frames& frames) {
  wire::Header header;
  if (frames.size() < 2 || !wire::unpack(frames[1], header)) {
    spdlog::warn("malformed message from engine connection ({} frames) ignored", frames.size());
    return;
  }
  const std::string rid = routing_id(frames[0]);
  if (header.type() == wire::HELLO) {
    on_engine_hello(rid, header);
    return;
  }
  EngineRecord* engine = registry_.find_live(rid);
  if (!engine) {
    // Lost, or from before a controller restart: ask it to register again.
    refuse(engines_, rid, "unregistered", "engine not registered with this controller");
    return;
  }
  engine->last_seen = Clock::now();
  switch (header.type()) {
    case wire::RESULT:
      on_result(*engine, frames, header);
      break;
    case wire::STARTED:
      on_started(*engine, header);
      break;
    case wire::HEARTBEAT:
      break;
    case wire::BYE:
      engine_lost(*engine, "engine shut down");
      break;
    case wire::RETIRED:
      on_retired(*engine, header);
      break;
    case wire::RECALLED:
      on_recalled(*engine, header);
      break;
    default:
      spdlog::warn("unexpected message type {} from engine {}", static_cast<int>(header.type()),
                   engine->id);
  }
}

void Controller::Impl::on_engine_hello(const std::string& rid, const wire::Header& header) {
  if (refuse_hello(engines_, rid, header)) return;
  EngineRecord* same = registry_.find_same(rid, header.hello());
  if (!same)
    if (EngineRecord* old = registry_.find_live(rid)) engine_lost(*old, "registered again");
  // The same process again (a HELLO repeated over an outage, or after it was
  // given up for lost) keeps its id: it is one engine, not a new one.
  if (same) registry_.revive(*same, Clock::now());
  EngineRecord& engine = same ? *same : registry_.add(rid, header.hello(), Clock::now());
  adopt_held_tasks(engine, header);
  wire::Header welcome;
  welcome.set_type(wire::WELCOME);
  welcome.mutable_welcome()->set_engine_id(engine.id);
  welcome.mutable_welcome()->set_heartbeat_ms(
      static_cast<uint32_t>(options_.heartbeat_interval.count()));
  welcome.mutable_welcome()->set_max_message_bytes(options_.max_message_bytes);
  send_header(engines_, rid, welcome);
  spdlog::info("engine {} registered: host {} pid {}, {} tasks offered; {} engines live", engine.id,
               engine.host, engine.pid, engine.offers.size(), registry_.live_count());
  warn_of_mixed_builds(engine);
}

// The tasks an engine says it still holds from before it registered (again)
// keep its slots busy until it answers them, so it is not sent more as if
// idle; one that this controller queued again meanwhile (the engine was
// given up for lost) goes back to it instead of running twice. A restarted
// controller knows none of them: their results are dropped when they come.
void Controller::Impl::adopt_held_tasks(EngineRecord& engine, const wire::Header& header) {
  for (const auto& ref : header.tasks()) {
    const TaskKey key{ref.client(), ref.seq()};
    if (std::find(engine.assigned.begin(), engine.assigned.end(), key) != engine.assigned.end())
      continue;
    engine.assigned.push_back(key);
    // Of unknown length here: it fills the engine until it is answered.
    engine.expected_us += admission_.target_us;
    TaskRecord* record = tasks_.find(key);
    if (record && record->engine_id == 0) {
      record->engine_id = engine.id;
      record->cost_us = static_cast<uint32_t>(admission_.target_us);
      tasks_.mark_dispatched();
    }
  }
  if (header.tasks_size() > 0)
    spdlog::info("engine {} still holds {} tasks from before it registered", engine.id,
                 header.tasks_size());
}

void Controller::Impl::on_started(EngineRecord& engine, const wire::Header& header) {
  const auto now = Clock::now();
  for (const auto& ref : header.tasks()) {
    TaskRecord* record = tasks_.find({ref.client(), ref.seq()});
    if (!record || record->engine_id != engine.id || record->started) continue;
    record->started = true;
    records_.started({ref.client(), ref.seq()}, unix_now());
    // The timeout counts from the start, not from the dispatch to a queue.
    if (record->timeout_ms > 0 && !record->answered)
      record->deadline = now + std::chrono::milliseconds(record->timeout_ms);
  }
}

void Controller::Impl::on_result(EngineRecord& engine, wire::Frames& frames,
                                 const wire::Header& header) {
  const TaskKey key{header.client(), header.seq()};
  auto it = std::find(engine.assigned.begin(), engine.assigned.end(), key);
  if (it == engine.assigned.end()) {
    spdlog::debug("dropped result for task {} not assigned to engine {}",
                  wire::task_id(key.client, key.seq), engine.id);
    return;
  }
  engine.assigned.erase(it);
  engine.gave_back = false;
  TaskRecord* record = tasks_.find(key);
  release(engine, record);
  if (!record) return;
  engine.tasks_done += record->items;
  if (header.finished() > header.started() && header.started() > 0)
    durations_.learn(record->name, record->items, header.finished() - header.started());
  if (!record->answered && threw_throughout(*record, header) && retry(*record, key)) {
    spdlog::debug("task {} threw on attempt {}; trying again", wire::task_id(key.client, key.seq),
                  record->attempt - 1);
    return;
  }
  if (!record->answered) {
    const auto failed =
        header.status() == wire::OK ? static_cast<uint32_t>(header.failures_size()) : record->items;
    tasks_failed_ += failed;
    tasks_done_ += record->items - failed;
    // The engine's header and payload go to the client untouched.
    deliver(record->client, header, frames);
  } else if (client_table_.at(record->client).gone) {
    // Its client left while it ran: kept for whoever fetches it by id.
    record_end(key, header, PackedFrames(frames, 1), false);
  }
  tasks_.erase(key);
}

// Whether the result says the task (every item of a chunk) threw, and the
// task asked for such failures to use its retries.
bool Controller::Impl::threw_throughout(const TaskRecord& record, const wire::Header& header) {
  if (!record.retry_exceptions) return false;
  if (header.status() == wire::REMOTE_ERROR) return true;
  if (header.status() != wire::OK || header.failures_size() != static_cast<int>(record.items))
    return false;
  return std::all_of(header.failures().begin(), header.failures().end(),
                     [](const wire::ItemFailure& f) { return f.status() == wire::REMOTE_ERROR; });
}

// ---- engines that leave, engines that come ---------------------------------

bool Controller::Impl::from_supervisor(const std::string& rid, std::string_view role,
                                       const char* what) {
  // Changing the engine set is the cluster operator's, like reporting
  // deaths: a client key runs tasks, it does not take engines away.
  if (!secure() || role == role_name(KeyRole::kSupervisor)) return true;
  refuse(clients_, rid, "forbidden",
         std::string("only the cluster's supervisor key (supervisor.json) may ") + what);
  return false;
}

void Controller::Impl::on_retire_request(const std::string& rid, const wire::Header& header) {
  std::vector<EngineRecord*> chosen;
  for (uint32_t id : header.engine_ids()) {
    EngineRecord* engine = registry_.find(id);
    if (!engine || engine->lost) {
      refuse(clients_, rid, "no-such-engine",
             "no live engine " + std::to_string(id) +
                 (engine ? " (it was lost: " + engine->lost_reason + ")" : std::string()));
      return;
    }
    if (std::find(chosen.begin(), chosen.end(), engine) == chosen.end()) chosen.push_back(engine);
  }
  if (header.engine_ids().empty()) {
    chosen = registry_.least_busy(header.retire_count());
    if (chosen.size() < header.retire_count()) {
      refuse(clients_, rid, "too-few-engines",
             "cannot retire " + std::to_string(header.retire_count()) + " engines: only " +
                 std::to_string(chosen.size()) + " are live and not already retiring");
      return;
    }
  }
  wire::Header reply;
  reply.set_type(wire::RETIRE);
  reply.set_request(header.request());
  for (EngineRecord* engine : chosen) {
    retire(*engine, "on request");
    reply.add_engine_ids(engine->id);
  }
  send_header(clients_, rid, reply);
}

void Controller::Impl::retire(EngineRecord& engine, const std::string& why) {
  if (engine.retiring) return;
  registry_.retire(engine);
  spdlog::info("engine {} (host {} pid {}) retiring {}: {} tasks assigned to it", engine.id,
               engine.host, engine.pid, why, engine.assigned.size());
  wire::Header header;
  header.set_type(wire::RETIRE);
  send_header(engines_, engine.routing_id, header);
}

void Controller::Impl::on_retired(EngineRecord& engine, const wire::Header& header) {
  const size_t returned = take_back(engine, header.tasks());
  if (!engine.assigned.empty()) {
    // Results it should have sent first: treat what is left as lost.
    engine_lost(engine, "retired with tasks unanswered");
    return;
  }
  spdlog::info("engine {} (host {} pid {}) retired; {} tasks it had not begun queued again",
               engine.id, engine.host, engine.pid, returned);
  registry_.mark_lost(engine, "retired");
}

void Controller::Impl::on_recalled(EngineRecord& engine, const wire::Header& header) {
  const size_t returned = take_back(engine, header.tasks());
  recall_answered(engine);
  spdlog::debug("engine {} gave back {} tasks it had not begun", engine.id, returned);
}

size_t Controller::Impl::take_back(EngineRecord& engine,
                                   const google::protobuf::RepeatedPtrField<wire::TaskRef>& refs) {
  // The engine never began these: they wait for another engine without
  // using an attempt, at the queue's front and in their order.
  std::vector<TaskKey> returned;
  for (const auto& ref : refs) {
    const TaskKey key{ref.client(), ref.seq()};
    auto it = std::find(engine.assigned.begin(), engine.assigned.end(), key);
    if (it == engine.assigned.end()) continue;
    engine.assigned.erase(it);
    TaskRecord* record = tasks_.find(key);
    release(engine, record);
    // One it held from before it registered again may be another engine's now.
    if (!record || record->engine_id != engine.id) continue;
    if (record->answered) {
      tasks_.erase(key);
      continue;
    }
    record->engine_id = 0;
    record->started = false;
    returned.push_back(key);
  }
  for (auto it = returned.rbegin(); it != returned.rend(); ++it) tasks_.enqueue_front(*it);
  return returned.size();
}

void Controller::Impl::warn_of_mixed_builds(const EngineRecord& engine) {
  const std::vector<BuildClash> clashes = registry_.build_clashes(engine);
  if (clashes.empty()) return;
  const BuildClash& first = clashes.front();
  spdlog::warn(
      "mixed builds: engine {} offers task '{}' from {} (sha256 {}) but another live engine "
      "offers it from a different build (sha256 {}){}; `herd cluster reload` moves every engine "
      "onto the current files",
      engine.id, first.task, first.path, first.hash.substr(0, 12), first.other_hash.substr(0, 12),
      clashes.size() > 1 ? fmt::format(", and {} more tasks likewise", clashes.size() - 1) : "");
}

void Controller::Impl::on_engines_coming(const std::string& rid, const wire::Header& header) {
  const auto hold = std::chrono::milliseconds(header.hold_unknown_ms());
  // Starts overlap (two `herd cluster engines` at once): a later one with a
  // shorter --timeout must not cut short the hold of one still starting.
  // Hold 0 ends every hold: only the last start to finish sends it.
  hold_unknown_until_ =
      hold.count() > 0 ? std::max(hold_unknown_until_, now_ + hold) : Clock::time_point{};
  held_names_.clear();
  if (hold.count() > 0)
    spdlog::info("engines are starting: a task no live engine offers waits up to {} ms for them",
                 hold.count());
  wire::Header reply;
  reply.set_type(wire::ENGINES_COMING);
  reply.set_request(header.request());
  send_header(clients_, rid, reply);
}

bool Controller::Impl::holding_unknown_tasks(const std::string& name) {
  if (now_ >= hold_unknown_until_) return false;
  if (held_names_.insert(name).second)
    spdlog::info("no live engine offers task '{}' yet: it waits for the engines being started",
                 name);
  return true;
}

// ---- scheduling ------------------------------------------------------------

// Hands queued tasks to engines that admit more (see prefetch.hpp): clients
// in turn, each client's oldest first. A task no free engine offers waits
// without holding up later tasks that others can run.
void Controller::Impl::dispatch() {
  if (tasks_.queue_depth() > 0) place_queued();
  if (tasks_.queue_depth() == 0) steal_for_idle();
}

void Controller::Impl::place_queued() {
  size_t admitting = registry_.admitting(admission_);
  tasks_.scan_queue(kDispatchPerTurn, [&](const TaskKey& key, TaskRecord& record) {
    if (admitting == 0) return ScanStep::kStop;
    const Choice choice = registry_.choose(record.name, record.engines, admission_);
    switch (choice.placement) {
      case Placement::kPlaced:
        if (!send_task(*choice.engine, key, record)) return ScanStep::kStop;
        tasks_.mark_dispatched();
        if (!admission_.admits(*choice.engine)) --admitting;
        break;
      case Placement::kWait:
      case Placement::kTargetsFull:
        // So must the rest of its lane (same name, same engines) this turn.
        return ScanStep::kSkipLane;
      case Placement::kNotOffered: {
        // Engines that came after the task was queued may not offer it.
        const std::string& name = registry_.names().str(record.name);
        if (record.engines.empty() && holding_unknown_tasks(name))
          return ScanStep::kSkipLane;  // engines coming
        fail_task(record, key, wire::UNKNOWN_TASK,
                  "no connected engine " +
                      (record.engines.empty() ? std::string() : "of those the task may run on ") +
                      "offers task '" + name + "'");
        tasks_.erase(key);
        break;
      }
      case Placement::kTargetsGone:
        fail_targets_gone(record, key);
        tasks_.erase(key);
        break;
    }
    return ScanStep::kNext;
  });
}

void Controller::Impl::steal_for_idle() {
  // Kept between calls: this runs on every turn with an empty queue.
  std::vector<const EngineRecord*>& idle = idle_engines_;
  idle.clear();
  for (const EngineRecord* e : registry_.live_engines())
    if (!e->retiring && e->outstanding() == 0) idle.push_back(e);
  if (idle.empty()) return;
  // Worth asking only if an idle engine could run the newest task it holds
  // (the first it would give back).
  const auto useful = [&](const EngineRecord& victim) {
    const TaskRecord* newest = tasks_.find(victim.assigned.back());
    return newest && std::any_of(idle.begin(), idle.end(), [&](const EngineRecord* e) {
             return newest->name < e->offered.size() && e->offered[newest->name] &&
                    (newest->engines.empty() ||
                     std::binary_search(newest->engines.begin(), newest->engines.end(), e->id));
           });
  };
  EngineRecord* victim = recall_victim(registry_.live_engines(), useful);
  if (!victim) return;
  victim->recall_open = true;
  wire::Header recall;
  recall.set_type(wire::RECALL);
  send_header(engines_, victim->routing_id, recall);
}

void Controller::Impl::fail_targets_gone(TaskRecord& record, const TaskKey& key) {
  fail_task(record, key, wire::ENGINE_LOST,
            "no engine the task may run on is left: " + registry_.why_gone(record.engines));
}

void Controller::Impl::fail_stranded() {
  std::vector<TaskKey> stranded;
  tasks_.for_each([&](const TaskKey& key, TaskRecord& record) {
    if (record.engine_id == 0 && !record.answered && !record.engines.empty() &&
        !registry_.any_live(record.engines))
      stranded.push_back(key);
  });
  for (const TaskKey& key : stranded) {
    fail_targets_gone(*tasks_.find(key), key);
    tasks_.erase(key);
  }
}

bool Controller::Impl::send_task(EngineRecord& engine, const TaskKey& key, TaskRecord& record) {
  wire::Frames out;
  out.reserve(2 + record.args.size());
  out.push_back(routing_frame(engine.routing_id));
  // Copies share the payload buffers (reference-counted), so the record
  // keeps the task for a retry without copying its bytes.
  out.emplace_back(record.header.data(), record.header.size());
  for (auto& arg : record.args) out.emplace_back().copy(arg);
  try {
    if (!wire::send(engines_, out)) return false;
  } catch (const zmq::error_t& e) {
    if (e.num() != EHOSTUNREACH) throw;
    engine_lost(engine, "connection gone");
    return false;
  }
  record.engine_id = engine.id;
  records_.dispatched(key, engine.id, record.attempt);
  record.started = false;
  record.deadline = {};  // a timeout runs from the engine's STARTED note
  // A name not seen finishing yet fills the engine: one in flight until it is known.
  record.cost_us = static_cast<uint32_t>(std::min<uint64_t>(
      durations_.expected_us(record.name, record.items, admission_.target_us), UINT32_MAX));
  engine.expected_us += record.cost_us;
  engine.assigned.push_back(key);
  return true;
}

void Controller::Impl::release(EngineRecord& engine, TaskRecord* record) {
  const uint64_t cost = record ? record->cost_us : 0;
  engine.expected_us =
      engine.assigned.empty() ? 0 : engine.expected_us - std::min(cost, engine.expected_us);
}

void Controller::Impl::engine_lost(EngineRecord& engine, const std::string& reason) {
  spdlog::warn("engine {} (host {} pid {}) lost: {}; {} tasks were assigned to it", engine.id,
               engine.host, engine.pid, reason, engine.assigned.size());
  const std::vector<TaskKey> assigned = std::move(engine.assigned);
  registry_.mark_lost(engine, reason);
  // An engine runs its tasks in the order it got them. If none is known to
  // have started, the first may have begun with its STARTED note lost in the
  // crash (a task that kills its engine at once): it counts as started, so
  // that such a task uses up its retries instead of killing engine after
  // engine.
  // (A task it held from before it registered again may be another
  // engine's by now: that one's fate is not decided here.)
  const auto ours = [&](const TaskKey& k) {
    TaskRecord* r = tasks_.find(k);
    return r && r->engine_id == engine.id ? r : nullptr;
  };
  const bool none_started = std::none_of(assigned.begin(), assigned.end(), [&](const TaskKey& k) {
    const TaskRecord* r = ours(k);
    return r && r->started;
  });
  if (none_started && !assigned.empty())
    if (TaskRecord* first = ours(assigned.front())) first->started = true;
  // Newest first, so that requeued tasks keep their order at the queue's front.
  for (auto it = assigned.rbegin(); it != assigned.rend(); ++it) {
    TaskRecord* record = ours(*it);
    if (!record) continue;
    if (record->answered) {
      tasks_.erase(*it);
    } else if (!record->started) {
      // It never ran: it waits for another engine without using an attempt.
      record->engine_id = 0;
      tasks_.enqueue_front(*it);
    } else if (!may_run_again(*record) || !retry(*record, *it)) {
      fail_task(*record, *it, wire::ENGINE_LOST,
                "engine " + std::to_string(engine.id) + " on " + engine.host + " (pid " +
                    std::to_string(engine.pid) + ") was lost while running the task: " + reason,
                &engine);
      tasks_.erase(*it);
    }
  }
  fail_stranded();
}

bool Controller::Impl::retry(TaskRecord& record, const TaskKey& key) {
  if (record.attempt > record.retries) return false;
  ++record.attempt;
  record.engine_id = 0;
  record.started = false;
  record.deadline = Clock::now() + options_.retry_engine_wait;
  wire::Header header;
  if (header.ParseFromString(record.header)) {
    header.set_attempt(record.attempt);
    header.SerializeToString(&record.header);
  }
  tasks_.enqueue_front(key);
  return true;
}

// A task that has taken every engine down with it (each attempt a crash,
// until the supervisor gave up restarting them) must not wait for ever.
void Controller::Impl::fail_orphaned_retries(Clock::time_point now) {
  for (const TaskKey& key : orphaned_retries(tasks_, now)) {
    TaskRecord& record = *tasks_.find(key);
    fail_task(record, key, wire::ENGINE_LOST,
              "the task's engine was lost on attempt " + std::to_string(record.attempt - 1) +
                  " and no engine has been left to run it again for " +
                  std::to_string(options_.retry_engine_wait.count()) + " ms");
    tasks_.erase(key);
  }
}

void Controller::Impl::recycle(EngineRecord& engine, const std::string& reason) {
  wire::Header header;
  header.set_type(wire::RECYCLE);
  header.mutable_error()->set_message(reason);
  send_header(engines_, engine.routing_id, header);
  engine_lost(engine, reason);
}

void Controller::Impl::check_timers(Clock::time_point now) {
  if (registry_.live_count() == 0) fail_orphaned_retries(now);
  for (uint32_t client : client_table_.silent_since(now - options_.client_timeout))
    forget_client(client, "silent for " + std::to_string(options_.client_timeout.count()) + " ms");
  const auto silence = options_.heartbeat_interval * options_.heartbeat_misses;
  for (uint32_t id : registry_.silent_since(now - silence))
    engine_lost(*registry_.find(id), "no heartbeat for " + std::to_string(silence.count()) + " ms");
  // A thread cannot be stopped: an engine whose task overran its timeout, or
  // ignored a cancellation, is recycled.
  for (const Overrun& overrun : overruns(registry_, tasks_, now)) {
    EngineRecord* engine = registry_.find(overrun.engine);
    TaskRecord* record = tasks_.find(overrun.task);
    if (!engine || engine->lost || !record) continue;
    if (overrun.kind == Overrun::Kind::kIgnoredCancel) {
      recycle(*engine, "its task ignored a cancellation");
      continue;
    }
    const std::string why = "task ran longer than its timeout of " +
                            std::to_string(record->timeout_ms) + " ms on engine " +
                            std::to_string(engine->id);
    // retry() happens as the engine is given up; here the client hears
    // of the timeout at once if no attempt is left.
    if (record->attempt > record->retries)
      fail_task(*record, overrun.task, wire::TIMEOUT, why, engine);
    recycle(*engine, why);
  }
}

void Controller::Impl::fail_task(TaskRecord& record, const TaskKey& key, wire::Status status,
                                 const std::string& message, const EngineRecord* engine,
                                 const std::string& error_type) {
  wire::Header reply;
  reply.set_type(wire::RESULT);
  reply.set_client(key.client);
  reply.set_seq(key.seq);
  reply.set_attempt(record.attempt);
  reply.set_status(status);
  reply.set_task(registry_.names().str(record.name));
  reply.mutable_error()->set_message(message);
  reply.mutable_error()->set_type(error_type);
  if (engine) {
    reply.set_engine_id(engine->id);
    reply.set_host(engine->host);
  }
  deliver(record.client, reply);
  record.answered = true;
  tasks_failed_ += record.items;
}

bool Controller::Impl::refuse_hello(zmq::socket_t& socket, const std::string& rid,
                                    const wire::Header& header) {
  if (header.hello().version() == wire::kProtocolVersion) return false;
  spdlog::warn("refused a peer with protocol version {}", header.hello().version());
  refuse(socket, rid, "protocol",
         "protocol version " + std::to_string(header.hello().version()) +
             " is not supported; this controller speaks version " +
             std::to_string(wire::kProtocolVersion) + ": use the same herd release everywhere");
  return true;
}

wire::Header Controller::Impl::refusal(const std::string& type, const std::string& message) {
  wire::Header refused;
  refused.set_type(wire::REFUSED);
  refused.mutable_error()->set_type(type);
  refused.mutable_error()->set_message(message);
  return refused;
}

void Controller::Impl::refuse(zmq::socket_t& socket, const std::string& rid,
                              const std::string& type, const std::string& message) {
  send_header(socket, rid, refusal(type, message));
}

void Controller::Impl::send_header(zmq::socket_t& socket, const std::string& rid,
                                   const wire::Header& header) {
  wire::Frames frames;
  frames.push_back(routing_frame(rid));
  frames.push_back(wire::pack(header));
  send_frames(socket, frames);
}

void Controller::Impl::send_frames(zmq::socket_t& socket, wire::Frames& frames) {
  try {
    wire::send(socket, frames);
  } catch (const zmq::error_t& e) {
    spdlog::debug("message to a departed peer dropped: {}", e.what());
  }
}

// ---- public face -----------------------------------------------------------

Controller::Controller(ControllerOptions options) {
  try {
    impl_ = std::make_unique<Impl>(std::move(options));
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("controller cannot start: ") + e.what());
  }
}
Controller::~Controller() = default;
void Controller::run(const std::atomic<bool>& stop) { impl_->run(stop); }
void Controller::run_once(std::chrono::milliseconds wait) { impl_->run_once(wait); }
const std::string& Controller::client_url() const { return impl_->client_url_; }
const std::string& Controller::engine_url() const { return impl_->engine_url_; }

}  // namespace herd::controller
