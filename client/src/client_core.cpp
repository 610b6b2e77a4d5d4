#include "client_core.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <unordered_set>

#include "herd/error.hpp"
#include "proto/address.hpp"

namespace herd::detail {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kHeartbeat = std::chrono::milliseconds(1000);
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr size_t kMaxReceivesPerTurn = 4096;
// Adaptive chunks aim at this much engine time each: long enough that the
// per-message cost vanishes, short enough that engines stay balanced.
constexpr double kChunkSeconds = 0.005;
constexpr size_t kMaxChunkItems = 16384;
constexpr size_t kMaxChunkBytes = size_t{16} << 20;
// The controller keeps each result until we confirm it: confirm at least
// this often (results, bytes), besides every heartbeat.
constexpr uint64_t kConfirmEvery = 512;
constexpr size_t kConfirmBytes = size_t{16} << 20;
// How long a BYE may take to leave.
constexpr int kByeLingerMs = 200;

uint64_t random_key() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

std::string random_token() {
  constexpr size_t kTokenBytes = 16;
  std::random_device rd;
  std::string token(kTokenBytes, '\0');
  for (char& c : token) c = static_cast<char>(rd());
  return token;
}

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

bool process_alive(int64_t pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// The connection info names a controller on this host that has exited, and
// no supervisor is left that would start it again.
bool controller_exited(const ConnectionInfo& info) {
  return info.controller_pid > 0 && info.host == host_name() &&
         !process_alive(info.controller_pid) && !process_alive(info.supervisor_pid);
}

std::chrono::system_clock::time_point from_unix(double seconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

std::exception_ptr error_from(wire::Status status, const wire::ErrorInfo& e,
                              const std::string& task, const RemoteOrigin& origin) {
  switch (status) {
    case wire::REMOTE_ERROR:
      return std::make_exception_ptr(RemoteError(e.type(), e.message(), origin));
    case wire::UNKNOWN_TASK:
      return std::make_exception_ptr(UnknownTask(e.message()));
    case wire::UNKNOWN_RESULT:
      return std::make_exception_ptr(UnknownResult(e.message()));
    case wire::SIGNATURE_MISMATCH:
      return std::make_exception_ptr(SignatureMismatch(task, e.expected(), e.actual()));
    case wire::ENGINE_LOST:
      return std::make_exception_ptr(EngineLost(e.message(), origin));
    case wire::TIMEOUT:
      return std::make_exception_ptr(TimeoutError(e.message()));
    case wire::TOO_LARGE:
      return std::make_exception_ptr(TaskTooLarge(e.message(), e.size(), e.limit()));
    case wire::STOPPED:
      return std::make_exception_ptr(ConnectionError(e.message()));
    case wire::ABORTED:
      return std::make_exception_ptr(TaskAborted(e.message()));
    case wire::DEPENDENCY_FAILED:
      return std::make_exception_ptr(DependencyError(e.message(), e.type()));
    default:
      return std::make_exception_ptr(Error(e.message().empty() ? "task failed" : e.message()));
  }
}

ClusterStatus status_from(const wire::StatusReply& r) {
  ClusterStatus s;
  s.controller_pid = r.pid();
  s.client_url = r.client_url();
  s.engine_url = r.engine_url();
  s.queue_depth = r.queue_depth();
  s.tasks_done = r.tasks_done();
  s.tasks_failed = r.tasks_failed();
  s.lost_engines_hidden = r.lost_engines_hidden();
  s.security = r.security();
  for (const auto& e : r.engines()) {
    EngineInfo info{e.id(),       e.host(),        e.pid(),   e.state(),       e.tasks_done(),
                    e.restarts(), e.outstanding(), e.cores(), e.lost_reason(), {}};
    for (const auto& lib : e.libraries()) info.libraries.push_back({lib.path(), lib.hash()});
    s.engines.push_back(std::move(info));
  }
  return s;
}

size_t frames_bytes(const wire::Frames& frames) {
  size_t n = 0;
  for (const auto& f : frames) n += f.size();
  return n;
}

std::exception_ptr connection_error(const std::string& why) {
  return std::make_exception_ptr(ConnectionError(why));
}
}  // namespace

ClientCore::ClientCore(ConnectionInfo info, ClientOptions options)
    : info_(std::move(info)),
      options_(options),
      client_key_(random_key()),
      token_(random_token()),
      context_(1),
      socket_(context_, zmq::socket_type::dealer),
      cause_("no answer from " + info_.url) {
  wire::check_connect_address(info_.url);
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndhwm, 0);
  socket_.set(zmq::sockopt::rcvhwm, 0);
  // Not ZMQ_IMMEDIATE: with it, a connection's end discards the results
  // that arrived on it and were not read yet. Messages queued while there is
  // no connection reach the next one before its HELLO, and a controller
  // refuses those ("no-session"); the send log sends them again.
  try {
    wire::set_curve_client(socket_, info_.curve);
    monitor_ = std::make_unique<wire::ConnectionMonitor>(context_, socket_, info_.url,
                                                         info_.curve.enabled());
    socket_.connect(info_.url);
  } catch (const zmq::error_t& e) {
    throw ConnectionError("cannot connect to '" + info_.url + "': " + e.what() +
                          " (an address looks like tcp://HOST:PORT)");
  }
  doorbell_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (doorbell_ < 0) throw ConnectionError("cannot create eventfd");
  last_heard_ = waiting_since_ = last_beat_ = Clock::now();
}

ClientCore::~ClientCore() {
  stop();
  if (doorbell_ >= 0) ::close(doorbell_);
}

void ClientCore::start() {
  io_thread_ = std::thread([this] { run(); });
}

void ClientCore::stop() {
  if (stopping_.exchange(true)) return;
  const uint64_t one = 1;
  (void)!::write(doorbell_, &one, sizeof one);
  if (io_thread_.joinable()) io_thread_.join();
  fail_everything("client closed");
  // Every result this client made has finished now, so each callback added
  // so far is queued; they run before the client is gone.
  callbacks_->stop();
  // Tell the controller, so it drops what we left queued at once.
  if (ever_welcomed_) {
    send_control(wire::BYE);
    socket_.set(zmq::sockopt::linger, kByeLingerMs);
  }
  monitor_.reset();
  socket_.close();
}

// ---- API threads -------------------------------------------------------------

wire::Header ClientCore::task_header(const std::string& name, const std::string& signature,
                                     const TaskOptions& options,
                                     const std::vector<uint32_t>& engines) const {
  wire::Header header;
  header.set_type(wire::TASK);
  header.set_client(client_key_);
  header.set_task(name);
  header.set_signature(signature);
  header.set_retries(options.retries);
  header.set_retry_exceptions(options.retry_exceptions);
  header.set_max_output(options.max_output);
  header.set_timeout_ms(static_cast<uint64_t>(options.timeout.count()));
  header.set_attempt(1);
  for (uint32_t engine : engines) header.add_engines(engine);
  return header;
}

ClientCore::Work ClientCore::single_task(wire::Header header, uint64_t seq, std::vector<Bytes> args,
                                         std::shared_ptr<ResultState> state, size_t item) {
  header.set_seq(seq);
  Work work;
  work.frames.reserve(1 + args.size());
  work.frames.push_back(wire::pack(header));
  for (auto& arg : args) work.frames.push_back(wire::to_message(std::move(arg)));
  work.result = std::move(state);
  work.item = item;
  return work;
}

std::shared_ptr<ResultState> ClientCore::submit(const std::string& name,
                                                const std::string& signature,
                                                const TaskOptions& options, CallArgs args,
                                                const std::vector<uint32_t>& engines) {
  Prerequisites prerequisites = gather(options, args.data);  // throws at the call
  const uint64_t seq = next_seq_++;
  const auto state = std::make_shared<ResultState>(wire::task_id(client_key_, seq), 1,
                                                   weak_from_this(), callbacks_);
  Work work = single_task(task_header(name, signature, options, engines), seq,
                          std::move(args.frames), state, 0);
  work.prerequisites = std::move(prerequisites);
  post(std::move(work));
  return state;
}

std::shared_ptr<ResultState> ClientCore::submit_each(const std::string& name,
                                                     const std::string& signature,
                                                     const TaskOptions& options,
                                                     std::vector<std::vector<Bytes>> args,
                                                     const std::vector<uint32_t>& targets) {
  const uint64_t id_seq = next_seq_++;  // names the whole; each part gets its own seq
  const auto state = std::make_shared<ResultState>(wire::task_id(client_key_, id_seq),
                                                   targets.size(), weak_from_this(), callbacks_);
  const Prerequisites prerequisites = gather(options);  // throws at the call
  wire::Header header = task_header(name, signature, options, {});
  for (size_t i = 0; i < targets.size(); ++i) {
    header.clear_engines();
    header.add_engines(targets[i]);
    Work work = single_task(header, next_seq_++, std::move(args.at(i)), state, i);
    work.prerequisites = prerequisites;
    post(std::move(work));
  }
  return state;
}

std::shared_ptr<ResultState> ClientCore::submit_map(const std::string& name,
                                                    const std::string& signature,
                                                    const TaskOptions& options, PackedColumns args,
                                                    const std::vector<uint32_t>& engines) {
  auto job = std::make_shared<MapJob>();
  job->prerequisites = gather(options);  // throws at the call
  const uint64_t id_seq = next_seq_++;   // names the map; each chunk gets its own seq
  job->state = std::make_shared<ResultState>(wire::task_id(client_key_, id_seq), args.items,
                                             weak_from_this(), callbacks_);
  job->header = task_header(name, signature, options, engines);
  // So the controller knows the map as a whole (Client::get_map_result).
  job->header.set_map_seq(id_seq);
  job->header.set_map_items(static_cast<uint32_t>(args.items));
  job->item_timeout = options.timeout;
  job->fixed_chunk = options.chunksize;
  job->chunk = options.chunksize ? options.chunksize : 1;
  job->args = std::move(args);
  auto state = job->state;
  if (job->args.items == 0) return state;  // nothing to run: already complete
  Work work;
  work.job = std::move(job);
  post(std::move(work));
  return state;
}

ClusterStatus ClientCore::status(std::chrono::milliseconds timeout) {
  wire::Header request;
  request.set_type(wire::STATUS);
  return status_from(ask(std::move(request), timeout).status_reply());
}

wire::Header ClientCore::ask(wire::Header request, std::chrono::milliseconds timeout) {
  Work work;
  work.request = next_request_++;
  work.reply = std::make_shared<ReplyPromise>();
  auto future = work.reply->get_future();
  request.set_request(work.request);
  work.frames.push_back(wire::pack(request));
  post(std::move(work));
  if (future.wait_for(timeout) != std::future_status::ready) {
    std::lock_guard lock(inbox_mutex_);
    if (!cause_.empty()) throw ConnectionError(cause_);  // never reached a controller
    throw TimeoutError("no answer from the controller at " + url() + " within " +
                       std::to_string(timeout.count()) + " ms");
  }
  return future.get();
}

std::shared_ptr<ResultState> ClientCore::fetch(uint64_t client, uint64_t seq, size_t items,
                                               const std::string& return_type, bool map) {
  auto state = std::make_shared<ResultState>(wire::task_id(client, seq), items, weak_from_this(),
                                             callbacks_);
  Work work;
  work.request = next_request_++;
  work.fetched = state;
  work.fetched_map = map;
  wire::Header header;
  header.set_type(wire::FETCH);
  header.set_request(work.request);
  header.set_return_type(return_type);
  auto* task = header.add_tasks();
  task->set_client(client);
  task->set_seq(seq);
  work.frames.push_back(wire::pack(header));
  post(std::move(work));
  return state;
}

void ClientCore::abort(std::shared_ptr<ResultState> state) {
  Work work;
  work.abort = std::move(state);
  post(std::move(work));
}

void ClientCore::post(Work work) {
  {
    std::lock_guard lock(inbox_mutex_);
    if (!refused_.empty() || stopping_) {
      fail_work(work, refused_.empty() ? "client closed" : refused_);
      return;
    }
    inbox_.push_back(std::move(work));
    if (inbox_.size() > 1) return;  // the doorbell already rang for this batch
  }
  const uint64_t one = 1;
  (void)!::write(doorbell_, &one, sizeof one);
}

// ---- the I/O thread ------------------------------------------------------------

void ClientCore::run() {
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                                        {nullptr, doorbell_, ZMQ_POLLIN, 0},
                                        {monitor_->events().handle(), 0, ZMQ_POLLIN, 0}};
  wire::Frames frames;
  while (!stopping_) {
    try {
      zmq::poll(items, kPollInterval);
      if (items[1].revents & ZMQ_POLLIN) {
        uint64_t count;
        (void)!::read(doorbell_, &count, sizeof count);
        drain_inbox();
      }
      if (items[2].revents & ZMQ_POLLIN) on_connection_event();
      for (size_t i = 0; i < kMaxReceivesPerTurn && wire::receive(socket_, frames); ++i)
        on_message(frames);
      confirm_results(false);
      pump();
      on_timer();
    } catch (const std::exception& e) {
      // Carrying on could leave results that never complete, or spin on a
      // persistent error: fail everything, loudly, and take no more work.
      const std::string why = std::string("the herd client's I/O thread failed: ") + e.what();
      spdlog::error("{}", why);
      {
        std::lock_guard lock(inbox_mutex_);
        refused_ = why;
      }
      fail_everything(why);
      return;
    }
  }
}

void ClientCore::drain_inbox() {
  std::vector<Work> batch;
  {
    std::lock_guard lock(inbox_mutex_);
    batch.swap(inbox_);
  }
  for (auto& work : batch) {
    try {
      accept(std::move(work));
    } catch (const std::exception& e) {
      fail_work(work, std::string("cannot submit: ") + e.what());
    }
  }
}

void ClientCore::accept(Work&& work) {
  if (!waiting()) waiting_since_ = Clock::now();
  if (work.abort) {
    on_abort(work.abort);
  } else if (work.reply) {
    reply_waiters_.emplace(work.request, work.reply);
    send_or_hold(work.frames);
  } else if (work.fetched) {
    // Kept to go again after a new welcome: the answers are not counted
    // like a session's results, so a lost one is asked for again.
    Fetch& fetch = fetches_[work.request];
    fetch = {std::move(work.fetched), work.fetched_map, std::move(work.frames)};
    if (welcomed_) resend(fetch.frames);
  } else if (work.job) {
    jobs_.push_back(std::move(work.job));
  } else if (work.result) {
    unsent_.push_back(std::move(work));
  }
}

void ClientCore::send_or_hold(wire::Frames& frames) {
  if (welcomed_)
    send_now(frames);
  else
    held_controls_.push_back(std::move(frames));
}

bool ClientCore::has_credit(size_t bytes) const {
  return bytes_in_flight_ == 0 || bytes_in_flight_ + bytes <= options_.max_bytes_in_flight;
}

// Sends what the byte window allows: single tasks first, then map chunks.
void ClientCore::pump() {
  if (!welcomed_) return;
  if (recheck_held_) {
    recheck_held_ = false;
    // Tried again first, in their order: they are older than the rest.
    for (; !held_.empty(); held_.pop_back()) unsent_.push_front(std::move(held_.back()));
  }
  while (!unsent_.empty() && has_credit(frames_bytes(unsent_.front().frames))) {
    Work work = std::move(unsent_.front());
    unsent_.pop_front();
    send_single(work);
  }
  // Adaptive chunks need answers to size the next ones, so only a few are
  // out at once; fixed chunks go as fast as the byte window allows.
  const size_t adaptive_window = std::max<size_t>(4, 2 * size_t{live_engines_});
  for (auto& job : jobs_) {
    const size_t window = job->fixed_chunk ? SIZE_MAX : adaptive_window;
    while (job->next < job->args.items && job->in_flight < window) {
      const size_t count = next_chunk_size(*job);
      size_t bytes = 0;
      for (const auto& offsets : job->args.offsets)
        bytes += offsets[job->next + count] - offsets[job->next];
      if (!has_credit(bytes)) break;
      if (!job->prerequisites.list.empty()) {
        const auto kind = prepare(job->prerequisites, job->header, nullptr, *job->state, job->next,
                                  job->args.items - job->next);
        if (kind == Resolution::Kind::kHold) break;
        if (kind == Resolution::Kind::kFail) {
          job->next = job->args.items;
          break;
        }
        // Settled here for good: later chunks need no look.
        if (job->header.depends_size() == 0) job->prerequisites.list.clear();
      }
      send_chunk(*job, job);
    }
  }
  std::erase_if(jobs_, [](const auto& job) { return job->next == job->args.items; });
}

void ClientCore::send_single(Work& work) {
  if (!work.prerequisites.list.empty()) {
    wire::Header header;
    if (!wire::unpack(work.frames[0], header)) return;
    switch (prepare(work.prerequisites, header, &work.frames, *work.result, work.item, 1)) {
      case Resolution::Kind::kHold:
        held_.push_back(std::move(work));
        return;
      case Resolution::Kind::kFail:
        return;
      case Resolution::Kind::kSend:
        work.prerequisites.list.clear();
        work.frames[0] = wire::pack(header);
        break;
    }
  }
  const size_t bytes = frames_bytes(work.frames);
  if (bytes > max_message_) {
    work.result->fail_range(work.item, 1, too_large(bytes), {});
    return;
  }
  wire::Header header;
  const uint64_t seq = wire::unpack(work.frames[0], header) ? header.seq() : 0;
  in_flight_.emplace(seq, InFlight{std::move(work.result), nullptr, work.item, 1, bytes});
  bytes_in_flight_ += bytes;
  send_task(seq, work.frames);
}

Resolution::Kind ClientCore::prepare(const Prerequisites& prerequisites, wire::Header& header,
                                     wire::Frames* frames, ResultState& state, size_t first,
                                     size_t count) {
  Resolution r = resolve(prerequisites, client_key_, [this](const ResultState& s, uint64_t seq) {
    return in_flight_single(s, seq);
  });
  if (r.kind == Resolution::Kind::kSend &&
      !write_dependencies(r, prerequisites.failure_ok, header)) {
    r.kind = Resolution::Kind::kFail;
    r.error = std::make_exception_ptr(
        DependencyError("none of the engines the task may run on ran the tasks it follows"));
  }
  if (r.kind == Resolution::Kind::kFail) state.fail_range(first, count, r.error, {});
  if (r.kind != Resolution::Kind::kSend) return r.kind;
  if (frames)
    for (auto& [position, value] : r.values)
      (*frames)[1 + position] = wire::to_message(std::move(value));
  return r.kind;
}

bool ClientCore::in_flight_single(const ResultState& state, uint64_t seq) const {
  auto it = in_flight_.find(seq);
  return it != in_flight_.end() && !it->second.job && it->second.state.get() == &state;
}

std::exception_ptr ClientCore::too_large(size_t bytes) const {
  return std::make_exception_ptr(TaskTooLarge(
      "the task's arguments take " + std::to_string(bytes) + " bytes, more than the " +
          std::to_string(max_message_) +
          " a message may have (herd controller --max-message-mb); pass large data another way, "
          "or split it",
      bytes, max_message_));
}

size_t ClientCore::next_chunk_size(const MapJob& job) const {
  const size_t remaining = job.args.items - job.next;
  size_t count = std::min(job.chunk, remaining);
  if (!job.fixed_chunk) {
    // Near the end, split what is left across the engines so none idles.
    count = std::min(count, std::max<size_t>(1, remaining / std::max<uint32_t>(1, live_engines_)));
  }
  auto bytes_of = [&](size_t n) {
    size_t b = 0;
    for (const auto& offsets : job.args.offsets) b += offsets[job.next + n] - offsets[job.next];
    return b;
  };
  while (count > 1 && bytes_of(count) > kMaxChunkBytes) count /= 2;
  return count;
}

void ClientCore::send_chunk(MapJob& job, const std::shared_ptr<MapJob>& owner) {
  const size_t first = job.next, count = next_chunk_size(job);
  size_t bytes = 0;
  for (const auto& offsets : job.args.offsets) bytes += offsets[first + count] - offsets[first];
  if (bytes > max_message_) {  // one item alone (chunks shrink to one before this)
    job.state->fail_range(first, count, too_large(bytes), {});
    job.next += count;
    return;
  }
  const uint64_t seq = next_seq_++;
  job.header.set_seq(seq);
  job.header.set_items(static_cast<uint32_t>(count));
  job.header.set_first_item(static_cast<uint32_t>(first));
  job.header.set_timeout_ms(static_cast<uint64_t>(job.item_timeout.count()) * count);
  wire::Frames frames;
  frames.reserve(1 + job.args.columns.size());
  frames.push_back(wire::pack(job.header));
  for (size_t c = 0; c < job.args.columns.size(); ++c) {
    const auto& offsets = job.args.offsets[c];
    const size_t begin = offsets[first], end = offsets[first + count];
    frames.push_back(wire::to_message(job.args.columns[c].slice(begin, end - begin)));
  }
  in_flight_.emplace(seq, InFlight{job.state, owner, first, count, bytes});
  bytes_in_flight_ += bytes;
  job.next += count;
  ++job.in_flight;
  send_task(seq, frames);
}

void ClientCore::send_task(uint64_t seq, wire::Frames& frames) {
  wire::Frames kept;
  kept.reserve(frames.size());
  for (auto& frame : frames) kept.emplace_back().copy(frame);
  send_log_.push_back({seq, std::move(kept)});
  ++tasks_sent_;
  send_now(frames);
}

void ClientCore::send_now(wire::Frames& frames) {
  // Without a connection the message is dropped (ZMQ_IMMEDIATE): a task
  // goes again from the send log after the next welcome, a control message
  // is repeated by its timer.
  (void)wire::send(socket_, frames);
}

// The controller has `received` of our TASK messages in all: keep the rest,
// and send them again when asked to.
void ClientCore::trim_send_log(uint64_t received) {
  while (!send_log_.empty() && tasks_sent_ - send_log_.size() < received) send_log_.pop_front();
}

void ClientCore::resend_log() {
  for (auto& logged : send_log_) {
    if (auto it = in_flight_.find(logged.seq); it != in_flight_.end()) it->second.refused = false;
    resend(logged.frames);
  }
}

void ClientCore::resend(wire::Frames& kept) {
  wire::Frames again;
  again.reserve(kept.size());
  for (auto& frame : kept) again.emplace_back().copy(frame);
  send_now(again);
}

// A TASK that was queued while we had no connection reached the next one
// before our HELLO. The controller names it in its refusal, so the task can
// go again even if that controller never knew our session.
void ClientCore::on_refused(const wire::Header& header) {
  if (header.client() != client_key_) return;
  if (auto it = in_flight_.find(header.seq()); it != in_flight_.end()) it->second.refused = true;
}

void ClientCore::confirm_results(bool always) {
  const uint64_t unconfirmed = results_received_ - results_confirmed_;
  if (!welcomed_ || (!always && unconfirmed < kConfirmEvery && result_bytes_ < kConfirmBytes))
    return;
  results_confirmed_ = results_received_;
  result_bytes_ = 0;
  send_control(wire::HEARTBEAT);
}

void ClientCore::on_message(wire::Frames& frames) {
  wire::Header header;
  if (frames.empty() || !wire::unpack(frames[0], header)) {
    spdlog::warn("herd client: malformed message from controller ignored");
    return;
  }
  last_heard_ = Clock::now();
  switch (header.type()) {
    case wire::WELCOME:
      on_welcome(header);
      break;
    case wire::REFUSED: {
      // A message queued while we had no connection reached the new one
      // before our HELLO: it goes again from the send log once welcomed.
      if (header.error().type() == "no-session") {
        on_refused(header);
        break;
      }
      const std::string why =
          "controller at " + url() + " refused this client: " + header.error().message();
      {
        std::lock_guard lock(inbox_mutex_);
        refused_ = why;
      }
      fail_everything(why);
      break;
    }
    case wire::RESULT:
      if (header.request() != 0) {  // an answer to a FETCH, outside the session's count
        on_fetched(header, frames);
        break;
      }
      ++results_received_;
      result_bytes_ += frames_bytes(frames);
      on_result(header, frames);
      break;
    case wire::STATUS_REPLY:
    case wire::RECORDS:
    case wire::PURGE:
      on_reply(header);
      break;
    case wire::HEARTBEAT:
      check_instance(header);
      live_engines_ = header.live_engines();
      trim_send_log(header.tasks_received());
      break;
    default:
      spdlog::debug("herd client: unexpected message type {}", static_cast<int>(header.type()));
  }
}

void ClientCore::on_result(const wire::Header& h, wire::Frames& frames) {
  if (h.client() != client_key_) return;
  auto it = in_flight_.find(h.seq());
  if (it == in_flight_.end()) return;  // already failed locally
  recheck_held_ = true;
  InFlight task = std::move(it->second);
  in_flight_.erase(it);
  bytes_in_flight_ -= task.bytes;
  if (task.job) {
    --task.job->in_flight;
    adapt_chunk(*task.job, h, task.count);
  }
  complete(task, h, frames);
}

void ClientCore::on_fetched(const wire::Header& h, wire::Frames& frames) {
  auto it = fetches_.find(h.request());
  if (it == fetches_.end()) return;  // answered already
  const Fetch& fetch = it->second;
  const size_t size = fetch.state->size();
  // A failure of the fetch itself (no record, wrong type) fails every item.
  const bool whole =
      !fetch.map || h.status() == wire::UNKNOWN_RESULT || h.status() == wire::SIGNATURE_MISMATCH;
  const size_t first = whole ? 0 : h.first_item();
  const size_t count = whole ? size : std::max<size_t>(h.items(), 1);
  if (first + count <= size) complete({fetch.state, nullptr, first, count, 0}, h, frames);
  if (Results(fetch.state).all_ready()) fetches_.erase(it);
}

void ClientCore::complete(const InFlight& task, const wire::Header& h, wire::Frames& frames) {
  TaskMetadata md;
  md.engine_id = h.engine_id();
  md.host = h.host();
  md.attempt = h.attempt();
  md.started = from_unix(h.started());
  md.completed = from_unix(h.finished());
  auto origin = [&](size_t item) {
    return RemoteOrigin{task.state->id(item), h.engine_id(), h.host()};
  };
  ResultState::ItemDetails details = item_details(h, frames);
  if (h.status() != wire::OK) {
    task.state->fail_range(task.first, task.count,
                           error_from(h.status(), h.error(), h.task(), origin(task.first)),
                           std::move(md), std::move(details));
    return;
  }
  Bytes payload = frames.size() > 1 ? wire::to_bytes(std::move(frames[1])) : Bytes();
  std::vector<Bytes> values;
  if (h.items() == 0) {
    values.push_back(std::move(payload));
  } else {
    try {
      Reader reader(payload);
      values.reserve(task.count);
      for (size_t i = 0; i < task.count; ++i) values.push_back(reader.get_view(reader.get_size()));
    } catch (const DecodeError& e) {
      task.state->fail_range(
          task.first, task.count,
          std::make_exception_ptr(Error(std::string("corrupt chunk result: ") + e.what())), md);
      return;
    }
  }
  std::vector<ResultState::ItemFailure> failures;
  for (const auto& f : h.failures())
    failures.push_back(
        {f.index(), error_from(f.status(), f.error(), h.task(), origin(task.first + f.index()))});
  task.state->finish_chunk(task.first, std::move(values), std::move(failures), std::move(md),
                           std::move(details));
}

// Per-item times from the header, and the Output frame, which comes last:
// taken off `frames`, so that frames[1] is the result, if there is one.
ResultState::ItemDetails ClientCore::item_details(const wire::Header& h, wire::Frames& frames) {
  ResultState::ItemDetails details;
  details.done_us.reserve(static_cast<size_t>(h.item_us_size()));
  uint64_t at = 0;
  for (uint64_t us : h.item_us()) details.done_us.push_back(at += us);
  if (!h.output() || frames.size() < 2) return details;
  wire::Output output;
  if (!wire::unpack(frames.back(), output)) {
    spdlog::warn("herd client: task {}: undecodable output dropped",
                 wire::task_id(h.client(), h.seq()));
  } else {
    for (auto& item : *output.mutable_items())
      details.output[item.index()] = {std::move(*item.mutable_stdout_text()),
                                      std::move(*item.mutable_stderr_text())};
  }
  frames.pop_back();
  return details;
}

// Sizes the job's next chunks from how long this one ran on its engine.
void ClientCore::adapt_chunk(MapJob& job, const wire::Header& h, size_t count) {
  if (job.fixed_chunk) return;
  const double per_item = (h.finished() - h.started()) / static_cast<double>(count);
  const size_t most = std::min(job.chunk * 4, kMaxChunkItems);
  const double ideal = per_item > 0 ? kChunkSeconds / per_item : static_cast<double>(most);
  job.chunk = std::clamp<size_t>(static_cast<size_t>(ideal), 1, most);
}

void ClientCore::on_reply(const wire::Header& h) {
  auto it = reply_waiters_.find(h.request());
  if (it == reply_waiters_.end()) return;
  it->second->set_value(h);
  reply_waiters_.erase(it);
}

void ClientCore::on_abort(const std::shared_ptr<ResultState>& state) {
  const auto aborted = std::make_exception_ptr(TaskAborted("task aborted"));
  auto drop = [&](Work& w) {
    if (w.result != state) return false;
    w.result->fail_range(w.item, 1, aborted, {});
    return true;
  };
  std::erase_if(unsent_, drop);
  std::erase_if(held_, drop);
  recheck_held_ = true;  // what waits for the aborted task fails now
  std::erase_if(jobs_, [&](const std::shared_ptr<MapJob>& job) {
    if (job->state != state) return false;
    state->fail_range(job->next, job->args.items - job->next, aborted, {});
    job->next = job->args.items;
    return true;
  });
  for (const auto& [seq, task] : in_flight_) {
    if (task.state != state) continue;
    wire::Header header;
    header.set_type(wire::ABORT);
    header.set_client(client_key_);
    header.set_seq(seq);
    wire::Frames frames;
    frames.push_back(wire::pack(header));
    send_now(frames);
  }
}

void ClientCore::on_welcome(const wire::Header& header) {
  live_engines_ = header.live_engines();
  if (header.welcome().max_message_bytes() > 0) max_message_ = header.welcome().max_message_bytes();
  if (header.welcome().resumed()) {
    // The same session on a new connection: what it lost goes again.
    trim_send_log(header.tasks_received());
    resend_log();
  } else if (ever_welcomed_) {
    lose_session("the controller at " + url() +
                 " no longer knew this client (it restarted, or forgot the client after a long "
                 "silence) and lost the tasks in flight; submit them again");
    resend_log();
  }
  controller_instance_ = header.instance();
  if (welcomed_) return;
  welcomed_ = ever_welcomed_ = true;
  set_cause("");
  for (auto& f : held_controls_) send_now(f);
  held_controls_.clear();
  for (auto& [request, fetch] : fetches_) resend(fetch.frames);
}

// A different controller answers at the same address: the old one died
// with our tasks, and the new one will never send their results.
void ClientCore::check_instance(const wire::Header& header) {
  if (controller_instance_ != 0 && header.instance() != controller_instance_)
    lose_session("the controller at " + url() +
                 " restarted and lost the tasks in flight; submit them again");
  controller_instance_ = header.instance();
}

void ClientCore::lose_session(const std::string& why) {
  std::deque<LoggedTask> again;
  std::unordered_set<uint64_t> kept;
  for (auto& logged : send_log_) {
    auto it = in_flight_.find(logged.seq);
    if (it == in_flight_.end() || !it->second.refused) continue;
    kept.insert(logged.seq);
    again.push_back(std::move(logged));
  }
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (kept.contains(it->first)) {
      ++it;
      continue;
    }
    InFlight& task = it->second;
    task.state->fail_range(task.first, task.count, connection_error(why), {});
    bytes_in_flight_ -= task.bytes;
    if (task.job) --task.job->in_flight;
    it = in_flight_.erase(it);
  }
  send_log_ = std::move(again);
  tasks_sent_ = send_log_.size();
  results_received_ = results_confirmed_ = 0;
}

void ClientCore::on_connection_event() {
  monitor_->update();
  // A new connection (ZeroMQ reconnected, perhaps to a restarted
  // controller) gets a HELLO of its own, so the controller sends our
  // results to it and not to the old one.
  if (monitor_->handshakes() > handshakes_seen_) {
    handshakes_seen_ = monitor_->handshakes();
    welcomed_ = false;  // hold submissions until this connection is welcomed
    send_hello();
  } else if (monitor_->state() != wire::ConnectionMonitor::State::kUp) {
    welcomed_ = false;  // the connection is gone: hold submissions meanwhile
  }
  if (ever_welcomed_) return;
  set_cause(unreachable_cause());
  const bool gone =
      monitor_->state() == wire::ConnectionMonitor::State::kRefused && controller_exited(info_);
  if (monitor_->final() || gone) fail_everything(unreachable_cause());
}

std::string ClientCore::unreachable_cause() const {
  if (controller_exited(info_))
    return "the controller (pid " + std::to_string(info_.controller_pid) + ") at " + url() +
           " has exited and no supervisor restarts it: start the cluster with `herd cluster "
           "start`";
  using State = wire::ConnectionMonitor::State;
  const State state = monitor_->state();
  std::string why = monitor_->describe();
  if (state == State::kConnecting || state == State::kConnected || state == State::kUp)
    why += " within " + std::to_string(options_.connect_timeout.count()) + " ms";
  return why;
}

void ClientCore::set_cause(std::string cause) {
  std::lock_guard lock(inbox_mutex_);
  cause_ = std::move(cause);
}

bool ClientCore::waiting() const {
  return !in_flight_.empty() || !reply_waiters_.empty() || !fetches_.empty() || !unsent_.empty() ||
         !jobs_.empty() || !held_.empty();
}

void ClientCore::on_timer() {
  const auto now = Clock::now();
  if (now - last_beat_ >= kHeartbeat) {
    last_beat_ = now;
    // A held task may wait for another client's result, which this one
    // hears nothing of.
    if (!held_.empty()) recheck_held_ = true;
    if (welcomed_) confirm_results(true);
  }
  if (!ever_welcomed_) {
    // Before the first welcome nothing is known to work: fail fast and say why.
    if (waiting() && now - waiting_since_ > options_.connect_timeout)
      fail_everything(unreachable_cause());
    return;
  }
  // After it, silence fails what the controller holds; what waits to be
  // sent goes on waiting for a controller to come back.
  const bool pending = !in_flight_.empty() || !reply_waiters_.empty() || !fetches_.empty();
  if (pending && now - std::max(last_heard_, waiting_since_) > options_.connection_timeout) {
    const std::string why = "no answer from the controller at " + url() + " for " +
                            std::to_string(options_.connection_timeout.count()) +
                            " ms: is the cluster running? (herd status)";
    lose_session(why);
    fail_requests(why);
  }
}

// Once per connection, as it comes up: a second HELLO would have the
// controller send the same unconfirmed results again.
void ClientCore::send_hello() {
  wire::Header header;
  header.set_type(wire::HELLO);
  header.set_results_received(results_received_);
  header.mutable_hello()->set_version(wire::kProtocolVersion);
  header.mutable_hello()->set_role(wire::CLIENT);
  header.mutable_hello()->set_pid(::getpid());
  header.mutable_hello()->set_client(client_key_);
  header.mutable_hello()->set_token(token_);
  wire::Frames frames;
  frames.push_back(wire::pack(header));
  send_now(frames);
}

void ClientCore::send_control(wire::Type type, uint64_t request) {
  wire::Header header;
  header.set_type(type);
  header.set_request(request);
  header.set_results_received(results_received_);
  wire::Frames frames;
  frames.push_back(wire::pack(header));
  send_now(frames);
}

void ClientCore::fail_work(Work& work, const std::string& why) {
  if (work.result) work.result->fail_unfinished(connection_error(why));
  if (work.job) work.job->state->fail_unfinished(connection_error(why));
  if (work.reply) work.reply->set_exception(connection_error(why));
  if (work.fetched) work.fetched->fail_unfinished(connection_error(why));
}

void ClientCore::fail_requests(const std::string& why) {
  for (auto& [id, promise] : reply_waiters_) promise->set_exception(connection_error(why));
  reply_waiters_.clear();
  for (auto& [id, fetch] : fetches_) fetch.state->fail_unfinished(connection_error(why));
  fetches_.clear();
}

void ClientCore::fail_everything(const std::string& why) {
  // On the I/O thread, or after it stopped: nobody else touches these.
  for (auto& [seq, task] : in_flight_) task.state->fail_unfinished(connection_error(why));
  in_flight_.clear();
  for (auto& job : jobs_) job->state->fail_unfinished(connection_error(why));
  jobs_.clear();
  for (auto& work : unsent_) fail_work(work, why);
  unsent_.clear();
  for (auto& work : held_) fail_work(work, why);
  held_.clear();
  fail_requests(why);
  held_controls_.clear();
  bytes_in_flight_ = 0;
  std::vector<Work> inbox;
  {
    std::lock_guard lock(inbox_mutex_);
    inbox.swap(inbox_);
  }
  for (auto& work : inbox) fail_work(work, why);
}

}  // namespace herd::detail
