// CompletionRange: indices of results in the order they finish, as
// AsyncMapResult::as_completed() and herd::as_completed() return them.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>

namespace herd {

namespace detail {
class CompletionFeed;  // inside libherd only (client/src/completion_feed.hpp)
}  // namespace detail

// A single-pass range of indices: each index once, failed items included,
// in the order the items finished. Holds what it iterates, so the results
// stay alive while it does. Iterating blocks until the next item finishes;
// a result always finishes (a lost controller or a closed client fails it),
// so the loop ends. A range is not thread-safe; several ranges over the
// same results are independent.
class CompletionRange {
 public:
  class iterator {
   public:
    using value_type = size_t;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;

    iterator() = default;
    size_t operator*() const { return current_; }
    // Blocks until the next item finishes.
    iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.end_; }

   private:
    friend class CompletionRange;
    explicit iterator(detail::CompletionFeed* feed);

    detail::CompletionFeed* feed_ = nullptr;
    size_t current_ = 0;
    bool end_ = true;
  };

  explicit CompletionRange(std::shared_ptr<detail::CompletionFeed> feed);

  // Blocks until the first item finishes (not at all for an empty range).
  iterator begin();
  std::default_sentinel_t end() const { return {}; }
  // How many indices the range yields in all.
  [[nodiscard]] size_t size() const;

 private:
  std::shared_ptr<detail::CompletionFeed> feed_;
};

}  // namespace herd
