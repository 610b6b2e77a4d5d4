// Waiting on several results at once: in the order they finish, for the
// first, for all, or with a progress bar. Each takes a vector of handles of
// one type, as lb.apply() returns them, and throws Error at the call if one
// of them is default-constructed; none throws for a failed result. All are
// thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "herd/async_result.hpp"
#include "herd/completion_range.hpp"

namespace herd {

// The waits themselves are out of line; the templates only collect handles.
namespace detail {
CompletionRange as_completed(const std::vector<ResultRef>& refs);
std::optional<size_t> wait_any(const std::vector<ResultRef>& refs,
                               std::chrono::steady_clock::time_point deadline);
bool wait_all(const std::vector<ResultRef>& refs, std::chrono::steady_clock::time_point deadline);
void wait_interactive(const std::vector<ResultRef>& refs);

template <class R>
std::vector<ResultRef> refs_of(const std::vector<AsyncResult<R>>& results) {
  std::vector<ResultRef> refs;
  refs.reserve(results.size());
  for (const auto& r : results) refs.push_back(HandleAccess::ref(r));
  return refs;
}

inline std::chrono::steady_clock::time_point deadline_after(std::chrono::nanoseconds timeout) {
  return std::chrono::steady_clock::now() + timeout;
}
}  // namespace detail

// Indices into `results` in the order they finish, failed ones included:
//   for (size_t i : herd::as_completed(results)) use(results[i]);
// Iterating blocks until the next one finishes (see CompletionRange). The
// range holds the results, so `results` may go away meanwhile. Throws Error
// for a default-constructed handle.
template <class R>
[[nodiscard]] CompletionRange as_completed(const std::vector<AsyncResult<R>>& results) {
  return detail::as_completed(detail::refs_of(results));
}

// The lowest index of a finished result (successful or not), once at least
// one has finished; nothing if none did within `timeout` (or `results` is
// empty). Blocks at most `timeout`.
template <class R, class Rep, class Period>
[[nodiscard]] std::optional<size_t> wait_any(const std::vector<AsyncResult<R>>& results,
                                             std::chrono::duration<Rep, Period> timeout) {
  return detail::wait_any(detail::refs_of(results), detail::deadline_after(timeout));
}

// Whether every result finished (successfully or not) within `timeout`.
// Blocks at most `timeout`.
template <class R, class Rep, class Period>
[[nodiscard]] bool wait_all(const std::vector<AsyncResult<R>>& results,
                            std::chrono::duration<Rep, Period> timeout) {
  return detail::wait_all(detail::refs_of(results), detail::deadline_after(timeout));
}

// Blocks until every result finished, showing a progress bar on stderr if
// it is a terminal (see AsyncMapResult::wait_interactive). Never throws for
// a failed result.
template <class R>
void wait_interactive(const std::vector<AsyncResult<R>>& results) {
  detail::wait_interactive(detail::refs_of(results));
}

}  // namespace herd
