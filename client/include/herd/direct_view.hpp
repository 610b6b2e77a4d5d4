// DirectView: runs a call on each of its engines, and reaches the state each
// engine keeps between tasks (herd/engine_store.hpp), as ipyparallel's
// DirectView does. Made by Client::direct_view(). Cheap to copy; safe to use
// from any thread.
//
// A view of given engines ids keeps them; a view made without ids targets
// the engines live at each call, asking the controller at every call (one
// round trip, blocking). Results come one per target, in target order. A
// target lost before or while its part runs fails that part with
// EngineLost; a part is never run on another engine.
#pragma once

#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "herd/async_result.hpp"
#include "herd/engine_store.hpp"
#include "herd/view.hpp"

namespace herd {

// What DirectView's templates call: out of line but for split(), which
// encodes typed values.
namespace detail {

// One call per target, the i-th with args[i]; one result item per target.
std::shared_ptr<ResultState> submit_each(const std::shared_ptr<ClientCore>& core,
                                         const std::string& name, const std::string& signature,
                                         const TaskOptions& options,
                                         std::vector<std::vector<Bytes>> args,
                                         const std::vector<uint32_t>& targets);
// Stores values[i] (encoded, of type `type`) under `key` on targets[i].
std::shared_ptr<ResultState> push_each(const std::shared_ptr<ClientCore>& core,
                                       const TaskOptions& options, const std::string& key,
                                       const std::string& type, std::vector<Bytes> values,
                                       const std::vector<uint32_t>& targets);
// The value of type `type` under `key` on each target, encoded.
std::shared_ptr<ResultState> pull_each(const std::shared_ptr<ClientCore>& core,
                                       const TaskOptions& options, const std::string& key,
                                       const std::string& type,
                                       const std::vector<uint32_t>& targets);
// A one-item result that, once every item of `parts` finished, holds
// combine(their values) or the failure of the lowest failing item.
std::shared_ptr<ResultState> combine(std::shared_ptr<ResultState> parts,
                                     std::function<Bytes(std::vector<Bytes>)> combine);
// The ids of the live engines, in order; throws NoSuchEngine if there are none.
std::vector<uint32_t> live_targets(const std::shared_ptr<ClientCore>& core);

// `values` cut into `parts` contiguous pieces whose sizes differ by one at most.
template <class T>
std::vector<Bytes> split(const std::vector<T>& values, size_t parts) {
  std::vector<Bytes> out;
  out.reserve(parts);
  const size_t base = values.size() / parts, extra = values.size() % parts;
  auto begin = values.begin();
  for (size_t i = 0; i < parts; ++i) {
    const auto end = begin + static_cast<std::ptrdiff_t>(base + (i < extra ? 1 : 0));
    out.push_back(encode_frame<std::vector<T>>(std::vector<T>(begin, end)));
    begin = end;
  }
  return out;
}

}  // namespace detail

class DirectView {
 public:
  // The engines the next call runs on, in order (by value: for a view made
  // without ids, the live engines now). Blocks for a view without ids.
  [[nodiscard]] std::vector<uint32_t> targets() const { return resolve(); }

  // Runs fn(args…) on each target; one result per target, in target order.
  // fn must be registered with HERD_TASK (UnknownTask otherwise).
  template <class R, class... P, class... Args>
  AsyncMapResult<R> apply(R (*fn)(P...), Args&&... args) const {
    return apply(detail::task_for(fn), std::forward<Args>(args)...);
  }
  template <class R, class... P, class... Args>
  AsyncMapResult<R> apply(const Task<R(P...)>& task, Args&&... args) const {
    static_assert(sizeof...(P) == sizeof...(Args), "wrong number of arguments for this task");
    const std::vector<uint32_t> targets = resolve();
    // Encoded once; every target's copy shares the buffers.
    const std::vector<Bytes> frames{detail::encode_argument<P>(std::forward<Args>(args))...};
    return AsyncMapResult<R>(detail::submit_each(core_, task.name(), task.signature(), options_,
                                                 std::vector(targets.size(), frames), targets));
  }

  // Stores `value` under `key` on every target (a string literal as
  // std::string). A task reads it with engine_store().get<T>(key).
  template <class T>
  AsyncMapResult<void> push(const std::string& key, const T& value) const {
    using V = detail::stored_t<T>;
    const std::vector<uint32_t> targets = resolve();
    return AsyncMapResult<void>(
        detail::push_each(core_, options_, key, type_name<V>(),
                          std::vector(targets.size(), encode_frame<V>(V(value))), targets));
  }
  // The value under `key` on each target, in target order. A target without
  // the key fails its part with RemoteError (std::out_of_range, naming the
  // key); one that stored another type, with RemoteError (herd::DecodeError).
  template <class T>
  [[nodiscard]] AsyncMapResult<T> pull(const std::string& key) const {
    return AsyncMapResult<T>(detail::pull_each(core_, options_, key, type_name<T>(), resolve()));
  }
  // Splits `values` into contiguous parts, one per target in target order
  // (sizes differ by one at most), and stores each as a std::vector<T>
  // under `key` on its target.
  template <class T>
  AsyncMapResult<void> scatter(const std::string& key, const std::vector<T>& values) const {
    const std::vector<uint32_t> targets = resolve();
    return AsyncMapResult<void>(detail::push_each(core_, options_, key, type_name<std::vector<T>>(),
                                                  detail::split(values, targets.size()), targets));
  }
  // The std::vector<T> under `key` on each target, concatenated in target
  // order: what scatter() split, whole again. Fails as pull() does.
  template <class T>
  [[nodiscard]] AsyncResult<std::vector<T>> gather(const std::string& key) const {
    auto parts = detail::pull_each(core_, options_, key, type_name<std::vector<T>>(), resolve());
    return AsyncResult<std::vector<T>>(
        detail::combine(std::move(parts), [](std::vector<Bytes> encoded) {
          std::vector<T> all;
          for (const Bytes& part : encoded) {
            std::vector<T> values = decode_frame<std::vector<T>>(part);
            all.insert(all.end(), std::make_move_iterator(values.begin()),
                       std::make_move_iterator(values.end()));
          }
          return encode_frame<std::vector<T>>(all);
        }));
  }

  // A view of the same engines that submits with these options.
  [[nodiscard]] DirectView with(TaskOptions options) const {
    return DirectView(core_, ids_, options);
  }
  [[nodiscard]] const TaskOptions& options() const { return options_; }

 private:
  friend class Client;
  DirectView(std::shared_ptr<detail::ClientCore> core, std::vector<uint32_t> ids,
             TaskOptions options = {})
      : core_(std::move(core)), ids_(std::move(ids)), options_(options) {}

  std::vector<uint32_t> resolve() const {
    return ids_.empty() ? detail::live_targets(core_) : ids_;
  }

  std::shared_ptr<detail::ClientCore> core_;
  std::vector<uint32_t> ids_;  // empty: the engines live at each call
  TaskOptions options_;
};

}  // namespace herd
