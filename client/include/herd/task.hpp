// Tasks: plain C++ functions registered by name. HERD_TASK(fn) in a task
// library registers fn with its name and signature in a process-wide registry
// that lives in libherd, so an engine that loads the library and a client that
// links it see the same entries.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "herd/bytes.hpp"
#include "herd/codec.hpp"

namespace herd {

namespace detail {
class TaskContextScope;  // sets this_task() on an engine; inside libherd only
}  // namespace detail

// What a running task knows about itself (see this_task()).
class TaskContext {
 public:
  std::string task_id;  // empty outside a task
  uint32_t engine_id = 0;
  uint32_t attempt = 0;  // 1 for the first try
  // True once the engine was told to abort the task; a long task should
  // poll it and return early. One that does not is stopped by recycling its
  // engine after a grace period. A copy answers the same while the task
  // runs, so threads the task starts may poll it too.
  [[nodiscard]] bool cancelled() const;

 private:
  friend class detail::TaskContextScope;
  const std::atomic<bool>* cancel_flag_ = nullptr;  // the engine's, for this task
};

// The context of the task running on this thread; an empty context elsewhere.
[[nodiscard]] const TaskContext& this_task();

// What HERD_TASK and the view templates need at the call site; the
// registry itself lives in libherd (client/src/task_registry.hpp).
namespace detail {

template <class T>
std::string result_name() {
  if constexpr (std::is_void_v<T>) return "void";
  else return type_name<T>();
}

// "R(A, B)": the signature a client and an engine must agree on.
template <class R, class... A>
std::string signature_of() {
  return result_name<R>() + "(" + join_names<std::decay_t<A>...>() + ")";
}

using AnyFunction = void (*)();
using Invoker = Bytes (*)(AnyFunction, const std::vector<Bytes>& args);

// Throws the error by which an engine tells a bad request (arguments that
// do not decode as the task's parameters) from a DecodeError the task
// itself throws.
[[noreturn]] void throw_bad_arguments(const std::string& what);

template <class T>
T decode_argument(const Bytes& frame) {
  try {
    return decode_frame<T>(frame);
  } catch (const DecodeError& e) {
    throw_bad_arguments(e.what());
  }
}

// Decodes the arguments, calls the function, encodes the result.
template <class R, class... A>
Bytes invoke(AnyFunction any, const std::vector<Bytes>& args) {
  if (args.size() != sizeof...(A))
    throw_bad_arguments("expected " + std::to_string(sizeof...(A)) + " arguments, got " +
                        std::to_string(args.size()));
  auto fn = reinterpret_cast<R (*)(A...)>(any);
  return [&]<size_t... I>(std::index_sequence<I...>) {
    if constexpr (std::is_void_v<R>) {
      fn(decode_argument<std::decay_t<A>>(args[I])...);
      return Bytes();
    } else {
      return encode_frame<std::decay_t<R>>(fn(decode_argument<std::decay_t<A>>(args[I])...));
    }
  }(std::index_sequence_for<A...>{});
}

// Adds a task to this process's registry. Thread-safe; registering a name
// twice keeps the first entry.
void register_task(std::string name, std::string signature, AnyFunction function, Invoker invoke);

struct Registrar {
  template <class R, class... A>
  Registrar(std::string name, R (*fn)(A...)) {
    static_assert(((!std::is_lvalue_reference_v<A> ||
                    std::is_const_v<std::remove_reference_t<A>>)&&...),
                  "task parameters must be values or const references");
    register_task(std::move(name), signature_of<R, A...>(), reinterpret_cast<AnyFunction>(fn),
                  &invoke<R, A...>);
  }
};

}  // namespace detail

// A task known by name and signature, for clients that do not link the task
// library: herd::Task<int(int, int)> add{"add"}; lb.apply(add, 1, 2);
template <class Signature>
class Task;

template <class R, class... A>
class Task<R(A...)> {
 public:
  explicit Task(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  static std::string signature() { return detail::signature_of<R, A...>(); }

 private:
  std::string name_;
};

}  // namespace herd

#define HERD_DETAIL_CONCAT2(a, b) a##b
#define HERD_DETAIL_CONCAT(a, b) HERD_DETAIL_CONCAT2(a, b)

// Registers a function under an explicit name.
#define HERD_TASK_NAMED(name, fn)                                         \
  static const ::herd::detail::Registrar HERD_DETAIL_CONCAT(              \
      herd_task_registrar_, __COUNTER__) {                                \
    name, &fn                                                             \
  }

// Registers a function under its own name: HERD_TASK(expensive_calculation);
#define HERD_TASK(fn) HERD_TASK_NAMED(#fn, fn)
