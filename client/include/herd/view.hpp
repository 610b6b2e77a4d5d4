// Views submit tasks. A LoadBalancedView lets the controller pick the engine
// (least loaded first), among every engine or those it was made for. Views
// are cheap to copy and safe to use from any thread; with() returns a new
// view with other options.
#pragma once

#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "herd/async_result.hpp"
#include "herd/dependency.hpp"
#include "herd/task.hpp"

namespace herd {

struct TaskOptions {
  // Extra attempts when the engine running the task is lost (0: fail at once).
  unsigned retries = 0;
  // Fail with TimeoutError once the task has run this long (0: no limit).
  // A chunk of a map may run for timeout × its number of items.
  std::chrono::milliseconds timeout{0};
  // map(): how many items travel and run as one task. 0 (the default) sizes
  // chunks automatically, growing them until a chunk takes a few
  // milliseconds; 1 sends every item as a task of its own.
  size_t chunksize = 0;
  // A task that threw is tried again while `retries` are left (the attempt
  // counts, as for a lost engine); the last attempt's RemoteError otherwise.
  // In a map, a chunk goes again only if every item in it threw, so no item
  // that succeeded runs twice (chunksize = 1 makes each item its own task).
  bool retry_exceptions = false;
  // Tasks that must finish before this one starts. If one fails, this one
  // fails with DependencyError naming it, without running. The controller
  // holds the waiting task, so it is sent at once.
  std::vector<Dependency> after{};
  // Run even if an `after` prerequisite failed (an aborted one included).
  bool after_failure_ok = false;
  // Run on an engine that ran these tasks (waiting for them as `after`
  // does); DependencyError if none of those engines is left.
  std::vector<Dependency> follow{};
  // Bytes of stdout and of stderr kept per task (per item of a map), sent
  // back in metadata().stdout_text / stderr_text; more is cut, ending with a
  // line "[herd: output cut at N bytes of M]". 0: nothing is kept.
  size_t max_output = size_t{1} << 20;
};

// What apply() and map() do at the call site, where the types are known:
// encode the arguments. Handing them over (submit, submit_map) is out of line.
namespace detail {

// The arguments of one call: one frame per parameter, empty where an
// AsyncResult stands, whose value the controller puts there.
struct CallArgs {
  std::vector<Bytes> frames;
  std::vector<std::pair<size_t, ResultRef>> data;  // parameter position, producer
};

// Hands one call to the client's I/O thread. `engines`: where it may run
// (empty: any engine).
std::shared_ptr<ResultState> submit(const std::shared_ptr<ClientCore>& core,
                                    const std::string& name, const std::string& signature,
                                    const TaskOptions& options, CallArgs args,
                                    const std::vector<uint32_t>& engines = {});

// The arguments of a map, one column per task parameter: each item's value,
// length-prefixed, back to back in one buffer, so that a chunk of items
// travels as one slice of each column, without a copy.
struct PackedColumns {
  size_t items = 0;
  std::vector<Bytes> columns;
  std::vector<std::vector<size_t>> offsets;  // per column: where each item starts, then the end
};

template <class P, class Seq>
void add_column(PackedColumns& packed, const Seq& seq) {
  using Param = std::decay_t<P>;
  Writer w;
  std::vector<size_t> offsets;
  offsets.reserve(packed.items + 1);
  offsets.push_back(0);
  for (const auto& value : seq) {
    static_assert(std::is_convertible_v<decltype(value), Param>,
                  "sequence element type does not convert to the task's parameter type");
    const size_t mark = w.begin_item();
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, Param>) {
      encode_frame_into<Param>(w, value);
    } else {
      encode_frame_into<Param>(w, Param(value));
    }
    w.end_item(mark);
    offsets.push_back(w.size());
  }
  packed.columns.push_back(std::move(w).finish());
  packed.offsets.push_back(std::move(offsets));
}

// Hands a map to the client's I/O thread, which sends it in chunks.
std::shared_ptr<ResultState> submit_map(const std::shared_ptr<ClientCore>& core,
                                        const std::string& name, const std::string& signature,
                                        const TaskOptions& options, PackedColumns args,
                                        const std::vector<uint32_t>& engines = {});

// The registered name of a function; throws UnknownTask if HERD_TASK never saw it.
std::string registered_name(AnyFunction fn);

// The task a HERD_TASK function was registered as; throws UnknownTask.
template <class R, class... P>
Task<R(P...)> task_for(R (*fn)(P...)) {
  return Task<R(P...)>(registered_name(reinterpret_cast<AnyFunction>(fn)));
}

template <class P, class Arg>
Bytes encode_argument(Arg&& arg) {
  using Param = std::decay_t<P>;
  static_assert(std::is_convertible_v<Arg&&, Param>,
                "argument type does not convert to the task's parameter type");
  if constexpr (std::is_same_v<std::decay_t<Arg>, Param>) {
    return encode_frame<Param>(arg);
  } else {
    return encode_frame<Param>(Param(std::forward<Arg>(arg)));
  }
}

template <class T>
struct ResultHandle : std::false_type {};
template <class R>
struct ResultHandle<AsyncResult<R>> : std::true_type {
  using type = R;
};

// An AsyncResult<T> where the task takes a T is a data dependency.
template <class P, class Arg>
void add_argument(CallArgs& call, Arg&& arg) {
  using Handle = std::decay_t<Arg>;
  if constexpr (ResultHandle<Handle>::value) {
    static_assert(std::is_same_v<typename ResultHandle<Handle>::type, std::decay_t<P>>,
                  "an AsyncResult passed as an argument must hold the parameter's exact type");
    call.data.emplace_back(call.frames.size(), HandleAccess::ref(arg));
    call.frames.emplace_back();
  } else {
    call.frames.push_back(encode_argument<P>(std::forward<Arg>(arg)));
  }
}

template <class First, class... Rest>
size_t common_size(const First& first, const Rest&... rest) {
  const size_t n = std::size(first);
  if (((std::size(rest) != n) || ...))
    throw Error("map: all input sequences must have the same length");
  return n;
}

}  // namespace detail

class LoadBalancedView {
 public:
  // Runs fn(args…) on some engine. fn must be registered with HERD_TASK.
  // An argument may be an AsyncResult<T> where fn takes a T: the task then
  // runs once that result exists, with its value, which goes from engine
  // to engine through the controller, not through this client.
  template <class R, class... P, class... Args>
  AsyncResult<R> apply(R (*fn)(P...), Args&&... args) const {
    return apply(detail::task_for(fn), std::forward<Args>(args)...);
  }
  // Runs a task known by name and signature.
  template <class R, class... P, class... Args>
  AsyncResult<R> apply(const Task<R(P...)>& task, Args&&... args) const {
    static_assert(sizeof...(P) == sizeof...(Args), "wrong number of arguments for this task");
    detail::CallArgs call;
    call.frames.reserve(sizeof...(Args));
    (detail::add_argument<P>(call, std::forward<Args>(args)), ...);
    return AsyncResult<R>(detail::submit(core_, task.name(), task.signature(), options_,
                                         std::move(call), engines_));
  }

  // fn(seq1[i], seq2[i], …) for every i; results come back in input order.
  template <class R, class... P, class... Seqs>
  AsyncMapResult<R> map(R (*fn)(P...), const Seqs&... seqs) const {
    return map(detail::task_for(fn), seqs...);
  }
  template <class R, class... P, class... Seqs>
  AsyncMapResult<R> map(const Task<R(P...)>& task, const Seqs&... seqs) const {
    static_assert(sizeof...(P) == sizeof...(Seqs), "map needs one sequence per task parameter");
    detail::PackedColumns packed;
    packed.items = detail::common_size(seqs...);
    (detail::add_column<P>(packed, seqs), ...);
    return AsyncMapResult<R>(detail::submit_map(core_, task.name(), task.signature(), options_,
                                                std::move(packed), engines_));
  }

  // A view that submits with these options (to the same engines).
  [[nodiscard]] LoadBalancedView with(TaskOptions options) const {
    return LoadBalancedView(core_, options, engines_);
  }
  [[nodiscard]] const TaskOptions& options() const { return options_; }

 private:
  friend class Client;
  LoadBalancedView(std::shared_ptr<detail::ClientCore> core, TaskOptions options,
                   std::vector<uint32_t> engines = {})
      : core_(std::move(core)), options_(options), engines_(std::move(engines)) {}

  std::shared_ptr<detail::ClientCore> core_;
  TaskOptions options_;
  std::vector<uint32_t> engines_;  // where its tasks may run; empty: any engine
};

}  // namespace herd
