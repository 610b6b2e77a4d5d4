// herd::Client: a connection to a controller. Owns a background I/O thread;
// every call is thread-safe.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "herd/direct_view.hpp"
#include "herd/profile.hpp"
#include "herd/view.hpp"

namespace herd {

struct ClientOptions {
  // Pending results fail with ConnectionError once the controller has been
  // silent this long.
  std::chrono::milliseconds connection_timeout{10'000};
  // Task payload this client keeps outstanding at the controller at most;
  // more waits in the client, so large payloads never pile up in the
  // controller. A single larger task still goes, alone.
  size_t max_bytes_in_flight = size_t{128} << 20;
  // Before the controller's first welcome: a call that waits this long (or a
  // handshake the controller rejects, at once) fails with ConnectionError
  // naming the cause: key rejected, protocol version, nothing listening,
  // no answer, or a controller process that has exited.
  std::chrono::milliseconds connect_timeout{2'000};
};

// A task library an engine loaded: its absolute path and the SHA-256 of the
// file when it was loaded (lowercase hex, as sha256sum prints it).
struct LibraryInfo {
  std::string path;
  std::string hash;
};

struct EngineInfo {
  uint32_t id = 0;
  std::string host;
  int64_t pid = 0;
  std::string state;  // idle | busy | retiring | lost
  uint64_t tasks_done = 0;
  uint32_t restarts = 0;
  uint32_t outstanding = 0;  // tasks sent to it and not yet answered
  uint32_t cores = 0;
  std::string lost_reason;  // for a lost engine: why it was given up
  std::vector<LibraryInfo> libraries;
};

struct ClusterStatus {
  int64_t controller_pid = 0;
  std::string client_url;
  std::string engine_url;
  uint64_t queue_depth = 0;
  uint64_t tasks_done = 0;
  uint64_t tasks_failed = 0;
  std::vector<EngineInfo> engines;   // lost ones included, but for the oldest
  uint64_t lost_engines_hidden = 0;  // lost engines too old to be listed
  std::string security;              // "curve" or "insecure"
  [[nodiscard]] size_t live_engines() const;
  [[nodiscard]] std::vector<uint32_t> live_ids() const;  // in order
};

// Where a task stands in the controller's records (Client::result_status).
enum class TaskState { kUnknown, kQueued, kRunning, kDone, kFailed, kAborted };
// "unknown", "queued", "running", "done", "failed", "aborted".
[[nodiscard]] const char* to_string(TaskState state);

// What the controller records of a task, or of a map as a whole.
struct TaskRecord {
  std::string id;
  std::string task;       // its registered name
  std::string signature;  // "R(A, B)"
  TaskState state = TaskState::kUnknown;
  uint32_t engine_id = 0;  // the engine that ran it last
  uint32_t attempt = 0;
  uint32_t runs = 0;  // a task: times it was sent to an engine; a map: items finished
  double submitted = 0, started = 0, finished = 0;  // unix seconds; 0: not (yet)
  uint64_t result_bytes = 0;
  uint32_t items = 0;  // a map or chunk: its calls; 0: a single call
  bool map = false;
  std::string error;  // why it failed

  // "R" of the signature "R(A, B)": the T of get_result<T>.
  [[nodiscard]] std::string return_type() const { return signature.substr(0, signature.find('(')); }
};

class Client {
 public:
  // Reads the JSON in $HERD_CONNECTION_INFO if set, else
  // $HERD_DIR/profile_<P>/security/client.json, where P is $HERD_PROFILE or
  // "default". Throws ConnectionError if it is missing, unreadable or
  // readable by others.
  Client();
  explicit Client(const std::filesystem::path& connection_file, ClientOptions options = {});
  explicit Client(const ConnectionInfo& info, ClientOptions options = {});
  // Connects to an explicit address such as "tcp://127.0.0.1:5555"; only an
  // insecure controller (--insecure) accepts a client without keys.
  static Client connect(const std::string& url, ClientOptions options = {});

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  // Pending results fail with ConnectionError("client closed").
  ~Client();

  // Blocks until at least n engines are connected. Throws TimeoutError when a
  // controller answers but has too few engines, ConnectionError when none
  // can be reached (see ClientOptions::connect_timeout).
  void wait_for_engines(size_t n, std::chrono::milliseconds timeout);
  // The controller's view of the cluster. Throws ConnectionError when the
  // controller cannot be reached, TimeoutError when it does not answer in time.
  [[nodiscard]] ClusterStatus status(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Ids of the live engines, in order. Blocks for a status round trip;
  // throws as status() does.
  [[nodiscard]] std::vector<uint32_t> ids();

  // A view that balances tasks over every engine.
  [[nodiscard]] LoadBalancedView load_balanced_view(TaskOptions options = {}) const;
  // A view that balances tasks over these engines only (none listed: every
  // engine); its tasks wait while those engines are busy. Throws
  // NoSuchEngine at the call if an id names no live engine (asking the
  // controller: blocks for a round trip). A task whose engines are all lost
  // later fails with EngineLost. Also: load_balanced_view({1, 2}, options).
  [[nodiscard]] LoadBalancedView load_balanced_view(std::initializer_list<uint32_t> engines,
                                                    TaskOptions options = {}) const {
    return balanced_over(std::vector<uint32_t>(engines), options);
  }
  template <class Engines>
  [[nodiscard]] LoadBalancedView load_balanced_view(
      const Engines& engines,
      TaskOptions options = {}) const requires std::same_as<Engines, std::vector<uint32_t>> {
    return balanced_over(engines, options);
  }

  // A view of the engines live at each of its calls (see herd/direct_view.hpp).
  [[nodiscard]] DirectView direct_view() const;
  // A view of these engines, in this order (none listed: as direct_view()).
  // Throws NoSuchEngine at the call if an id names no live engine (blocks
  // for a round trip). Options come from the view's with().
  [[nodiscard]] DirectView direct_view(std::initializer_list<uint32_t> engines) const {
    return direct_over(std::vector<uint32_t>(engines));
  }
  template <class Engines>
  [[nodiscard]] DirectView direct_view(
      const Engines& engines) const requires std::same_as<Engines, std::vector<uint32_t>> {
    return direct_over(engines);
  }
  [[nodiscard]] const std::string& url() const;

  // ---- results by id: the controller's task records ------------------------
  // Ids are those of AsyncResult::id() and AsyncMapResult::id(), from any
  // client, earlier or now, while the controller keeps the result
  // (herd controller --max-results and --max-result-mb; purge_results).
  //
  // The result of single task `id`, now or when it comes. Throws
  // UnknownResult if the controller has no record of it, SignatureMismatch
  // if the task returns another type than T (asks the controller: blocks
  // for a round trip).
  template <class T>
  [[nodiscard]] AsyncResult<T> get_result(const std::string& id) const {
    return AsyncResult<T>(fetch(id, type_name<T>(), false));
  }
  // The results of map `id`, one per item, as they come; throws as get_result.
  template <class T>
  [[nodiscard]] AsyncMapResult<T> get_map_result(const std::string& id) const {
    return AsyncMapResult<T>(fetch(id, type_name<T>(), true));
  }
  // Where each task stands (kUnknown: no record). Blocks for a round trip.
  [[nodiscard]] std::vector<TaskState> result_status(const std::vector<std::string>& ids) const;
  // The records of these tasks, or of every task kept (none listed).
  [[nodiscard]] std::vector<TaskRecord> task_records(
      const std::vector<std::string>& ids = {}) const;
  // Drops the records of finished tasks and maps this client submitted,
  // freeing their results; returns how many went. Others' ids, and tasks
  // not finished, are left alone.
  size_t purge_results(const std::vector<std::string>& ids) const;
  size_t purge_results_done() const;

 private:
  struct UrlTag {};
  Client(UrlTag, const std::string& url, ClientOptions options);
  LoadBalancedView balanced_over(std::vector<uint32_t> engines, TaskOptions options) const;
  DirectView direct_over(std::vector<uint32_t> engines) const;
  detail::Results fetch(const std::string& id, const std::string& return_type, bool map) const;
  std::shared_ptr<detail::ClientCore> core_;
};

}  // namespace herd
