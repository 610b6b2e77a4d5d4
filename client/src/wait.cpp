// The waits over several results: as_completed, wait_any, wait_all and
// wait_interactive, all built on CompletionFeed.
#include "herd/wait.hpp"

#include "completion_feed.hpp"
#include "herd/progress.hpp"

namespace herd {

CompletionRange::CompletionRange(std::shared_ptr<detail::CompletionFeed> feed)
    : feed_(std::move(feed)) {}

CompletionRange::iterator CompletionRange::begin() { return iterator(feed_.get()); }

size_t CompletionRange::size() const { return feed_->total(); }

CompletionRange::iterator::iterator(detail::CompletionFeed* feed) : feed_(feed), end_(false) {
  ++*this;
}

CompletionRange::iterator& CompletionRange::iterator::operator++() {
  const auto next = feed_->next(std::nullopt);
  end_ = !next;
  if (next) current_ = *next;
  return *this;
}

namespace detail {

namespace {
void check_refs(const std::vector<ResultRef>& refs) {
  for (const auto& ref : refs)
    if (!ref.state) throw Error("an AsyncResult was default-constructed and refers to no task");
}

void wait_with_progress(CompletionFeed& feed) {
  const size_t total = feed.total();
  if (!stderr_is_terminal()) {
    if (total > 0) feed.wait_progress(total - 1, std::nullopt);
    return;
  }
  ProgressBar bar(total);
  CompletionFeed::Progress p;
  bar.update(0, 0);
  while (p.done < total) {
    // Woken by each finished item, and at least every kRedrawEvery so the
    // rate and time left move while nothing finishes.
    p = feed.wait_progress(p.done, std::chrono::steady_clock::now() + ProgressBar::kRedrawEvery);
    bar.update(p.done, p.failed);
  }
  bar.finish();
}
}  // namespace

CompletionRange Results::as_completed() const {
  return CompletionRange(CompletionFeed::of_state(state_));
}

void Results::wait_interactive() const { wait_with_progress(*CompletionFeed::of_state(state_)); }

CompletionRange as_completed(const std::vector<ResultRef>& refs) {
  check_refs(refs);
  return CompletionRange(CompletionFeed::of_refs(refs));
}

std::optional<size_t> wait_any(const std::vector<ResultRef>& refs,
                               std::chrono::steady_clock::time_point deadline) {
  check_refs(refs);
  if (!CompletionFeed::of_refs(refs)->next(deadline)) return std::nullopt;
  for (size_t i = 0; i < refs.size(); ++i)
    if (Results(refs[i].state).ready(refs[i].item)) return i;
  return std::nullopt;  // unreachable: an item that finished stays finished
}

bool wait_all(const std::vector<ResultRef>& refs, std::chrono::steady_clock::time_point deadline) {
  check_refs(refs);
  for (const auto& ref : refs)
    if (!Results(ref.state).wait_until(ref.item, deadline)) return false;
  return true;
}

void wait_interactive(const std::vector<ResultRef>& refs) {
  check_refs(refs);
  wait_with_progress(*CompletionFeed::of_refs(refs));
}

}  // namespace detail
}  // namespace herd
