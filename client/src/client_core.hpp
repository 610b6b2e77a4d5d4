// The engine room of herd::Client: one I/O thread owns the DEALER socket to
// the controller. API threads hand it work through a locked inbox and an
// eventfd doorbell. It sends tasks while the byte window allows, cuts maps
// into chunks sized from how long earlier chunks took, matches replies to
// results, and notices a silent controller.
#pragma once

#include <atomic>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "callback_runner.hpp"
#include "herd/client.hpp"
#include "prerequisites.hpp"
#include "proto/curve.hpp"
#include "proto/wire.hpp"

namespace herd::detail {

class ClientCore : public std::enable_shared_from_this<ClientCore> {
 public:
  // Throws ConnectionError if the url is malformed.
  ClientCore(ConnectionInfo info, ClientOptions options);
  ~ClientCore();
  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  void start();  // once, after the core is owned by a shared_ptr
  void stop();   // fails what is pending with ConnectionError

  // `engines`: where the tasks may run (empty: any engine).
  std::shared_ptr<ResultState> submit(const std::string& name, const std::string& signature,
                                      const TaskOptions& options, CallArgs args,
                                      const std::vector<uint32_t>& engines);
  std::shared_ptr<ResultState> submit_map(const std::string& name, const std::string& signature,
                                          const TaskOptions& options, PackedColumns args,
                                          const std::vector<uint32_t>& engines);
  // One call per target, on that target only, the i-th with args[i]; its
  // result is item i of the state.
  std::shared_ptr<ResultState> submit_each(const std::string& name, const std::string& signature,
                                           const TaskOptions& options,
                                           std::vector<std::vector<Bytes>> args,
                                           const std::vector<uint32_t>& targets);
  ClusterStatus status(std::chrono::milliseconds timeout);
  // Sends a request (STATUS, RECORDS, PURGE) and returns the controller's
  // answer to it. Throws ConnectionError or TimeoutError.
  wire::Header ask(wire::Header request, std::chrono::milliseconds timeout);
  // The outcome of task (client, seq), which any client submitted: a state
  // of `items` items (a map's, with `map`) filled as the controller sends it.
  std::shared_ptr<ResultState> fetch(uint64_t client, uint64_t seq, size_t items,
                                     const std::string& return_type, bool map);
  void abort(std::shared_ptr<ResultState> state);
  const std::string& url() const { return info_.url; }

 private:
  using ReplyPromise = std::promise<wire::Header>;

  // A map being sent in chunks.
  struct MapJob {
    std::shared_ptr<ResultState> state;
    wire::Header header;  // the chunks' header, but for seq, items and timeout
    std::chrono::milliseconds item_timeout{0};
    PackedColumns args;
    size_t next = 0;              // first item not sent yet
    size_t chunk = 1;             // items in the next chunk
    size_t fixed_chunk = 0;       // the view's chunksize; 0 = adaptive
    size_t in_flight = 0;         // chunks sent and not answered
    Prerequisites prerequisites;  // of every chunk
  };

  // What an API thread hands the I/O thread: exactly one of these is set.
  struct Work {
    wire::Frames frames;                    // a single task (with `result`) or a control message
    std::shared_ptr<ResultState> result;    // single task: its state
    size_t item = 0;                        // single task: its item in `result`
    std::shared_ptr<MapJob> job;            // a map
    std::shared_ptr<ReplyPromise> reply;    // a request (`frames` holds it), answered by `request`
    std::shared_ptr<ResultState> fetched;   // a FETCH (`frames` holds it) that fills this state
    bool fetched_map = false;
    std::shared_ptr<ResultState> abort;     // an abort of this submission
    uint64_t request = 0;
    Prerequisites prerequisites;  // single task: settled as it is sent
  };

  // A wire task sent and not yet answered.
  struct InFlight {
    std::shared_ptr<ResultState> state;
    std::shared_ptr<MapJob> job;  // null for a single task
    size_t first = 0;             // its first item in `state`
    size_t count = 1;
    size_t bytes = 0;
    // The copy sent last reached a controller before our HELLO and was
    // refused there ("no-session"): it is in no queue, so it may go again
    // even to a controller that lost our session.
    bool refused = false;
  };
  // A FETCH not answered in full: sent again after each welcome.
  struct Fetch {
    std::shared_ptr<ResultState> state;
    bool map = false;
    wire::Frames frames;
  };
  struct LoggedTask {
    uint64_t seq;
    wire::Frames frames;
  };

  // A TASK header for these options, without seq.
  wire::Header task_header(const std::string& name, const std::string& signature,
                           const TaskOptions& options, const std::vector<uint32_t>& engines) const;
  // A single task's work: its frames, for item `item` of `state`.
  Work single_task(wire::Header header, uint64_t seq, std::vector<Bytes> args,
                   std::shared_ptr<ResultState> state, size_t item);
  void post(Work work);
  void run();
  void drain_inbox();
  void accept(Work&& work);
  void pump();
  bool has_credit(size_t bytes) const;
  void send_single(Work& work);
  // Resolves prerequisites into a TASK header (and, for data this client
  // holds, `frames`); kHold while one must be sent or finish first. A
  // failed one fails `state` from `first` (count items) and gives kFail.
  Resolution::Kind prepare(const Prerequisites& prerequisites, wire::Header& header,
                           wire::Frames* frames, ResultState& state, size_t first, size_t count);
  bool in_flight_single(const ResultState& state, uint64_t seq) const;
  void send_chunk(MapJob& job, const std::shared_ptr<MapJob>& owner);
  size_t next_chunk_size(const MapJob& job) const;
  // Sends a TASK message and keeps it in the send log until the controller
  // says it has it.
  void send_task(uint64_t seq, wire::Frames& frames);
  void send_now(wire::Frames& frames);
  void trim_send_log(uint64_t received);
  void resend_log();
  void resend(wire::Frames& kept);  // a copy of `kept`, which stays
  void on_refused(const wire::Header& header);
  // Tells the controller how many results arrived (`always`, or once enough
  // did), so it can let go of them.
  void confirm_results(bool always);
  std::exception_ptr too_large(size_t bytes) const;
  void on_welcome(const wire::Header& header);
  // The controller lost our session: fail what was in flight, but for tasks
  // it refused unseen, which go again.
  void lose_session(const std::string& why);
  void on_message(wire::Frames& frames);
  void on_result(const wire::Header& header, wire::Frames& frames);
  void on_fetched(const wire::Header& header, wire::Frames& frames);
  // Fills `task`'s items from a RESULT.
  void complete(const InFlight& task, const wire::Header& header, wire::Frames& frames);
  void adapt_chunk(MapJob& job, const wire::Header& header, size_t count);
  static ResultState::ItemDetails item_details(const wire::Header& header, wire::Frames& frames);
  void on_reply(const wire::Header& header);
  void send_or_hold(wire::Frames& frames);
  void on_abort(const std::shared_ptr<ResultState>& state);
  void on_timer();
  void check_instance(const wire::Header& header);
  void on_connection_event();
  // Why no controller has welcomed us yet, in one sentence.
  std::string unreachable_cause() const;
  void set_cause(std::string cause);
  bool waiting() const;
  void send_hello();
  void send_control(wire::Type type, uint64_t request = 0);
  void fail_everything(const std::string& why);
  // Fails the requests and fetches waiting for an answer.
  void fail_requests(const std::string& why);
  static void fail_work(Work& work, const std::string& why);

  const ConnectionInfo info_;
  const ClientOptions options_;
  const uint64_t client_key_;
  const std::string token_;  // proves client_key_ is ours (SPEC.md, "Identity")
  std::atomic<uint64_t> next_seq_{1};
  std::atomic<uint64_t> next_request_{1};

  zmq::context_t context_;
  zmq::socket_t socket_;
  std::unique_ptr<wire::ConnectionMonitor> monitor_;  // destroyed before socket_ closes
  int doorbell_ = -1;                                 // eventfd
  std::thread io_thread_;
  std::atomic<bool> stopping_{false};
  // Runs the done callbacks of this client's results; shared with them.
  const std::shared_ptr<CallbackRunner> callbacks_ = std::make_shared<CallbackRunner>();

  std::mutex inbox_mutex_;
  std::vector<Work> inbox_;
  std::string refused_;  // set once the controller refused us; guarded by inbox_mutex_
  std::string cause_;    // why no welcome came yet (empty once welcomed); inbox_mutex_

  // I/O thread only.
  std::deque<Work> unsent_;    // single tasks waiting for the window
  std::deque<Work> held_;      // single tasks waiting for a prerequisite to be sent or finish
  bool recheck_held_ = false;  // something happened that may release held_ tasks
  std::vector<std::shared_ptr<MapJob>> jobs_;         // maps with items left to send
  std::unordered_map<uint64_t, InFlight> in_flight_;  // by seq
  std::unordered_map<uint64_t, std::shared_ptr<ReplyPromise>> reply_waiters_;
  std::unordered_map<uint64_t, Fetch> fetches_;  // by request
  std::vector<wire::Frames> held_controls_;      // requests before the welcome
  size_t bytes_in_flight_ = 0;
  uint32_t live_engines_ = 1;
  uint64_t controller_instance_ = 0;
  bool welcomed_ = false;       // on the current connection: submissions may go
  bool ever_welcomed_ = false;  // connect_timeout applies until then, connection_timeout after
  uint64_t handshakes_seen_ = 0;
  uint64_t max_message_ = wire::kDefaultMaxMessageBytes;  // from the welcome
  // The session's counts (see Header.results_received, tasks_received).
  std::deque<LoggedTask> send_log_;  // TASK messages the controller may not have yet
  uint64_t tasks_sent_ = 0;
  uint64_t results_received_ = 0, results_confirmed_ = 0;
  size_t result_bytes_ = 0;  // received since the last confirmation
  std::chrono::steady_clock::time_point last_heard_, waiting_since_, last_beat_;
};

// Throws NoSuchEngine unless every id names a live engine (asks the
// controller: blocks for a round trip). In direct_view.cpp.
void check_engines(const std::shared_ptr<ClientCore>& core, const std::vector<uint32_t>& ids);

}  // namespace herd::detail
