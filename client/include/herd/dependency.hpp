// herd::Dependency: a task that another must wait for, named in
// TaskOptions::after and TaskOptions::follow. Made implicitly from any
// result handle, so `lb.with({.after = {ar1, ar2}})` reads as it means.
#pragma once

#include <memory>

#include "herd/async_result.hpp"

namespace herd {

class Dependency {
 public:
  // The task behind one result (an apply(), or one item of a map).
  template <class R>
  Dependency(const AsyncResult<R>& result)  // NOLINT: implicit by design
      : ref_(detail::HandleAccess::ref(result)) {}
  // Every item of a map. A default-constructed map has none: nothing to wait for.
  template <class R>
  Dependency(const AsyncMapResult<R>& map)  // NOLINT: implicit by design
      : ref_{detail::HandleAccess::state(map), detail::kAllItems} {}

 private:
  friend struct detail::HandleAccess;
  detail::ResultRef ref_;  // item detail::kAllItems: all of them
};

}  // namespace herd
