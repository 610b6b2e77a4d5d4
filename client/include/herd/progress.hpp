// ProgressBar: the one-line display that wait_interactive() and
// `herd submit --each` draw while they wait.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace herd {

// Whether stderr is a terminal, where a progress bar belongs.
[[nodiscard]] bool stderr_is_terminal();

// Draws "[#####.....]  12/20 done, 1 failed, 3.2/s, 3 s left" over itself
// (carriage return, then clear to the end of the line). Not thread-safe:
// one thread draws.
class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;
  using Writer = std::function<void(std::string_view)>;
  using Now = std::function<Clock::time_point()>;

  // At most this often, but for the last draw.
  static constexpr std::chrono::milliseconds kRedrawEvery{200};

  // To stderr if it is a terminal, else drawing nothing.
  explicit ProgressBar(size_t total);
  // To `write` (none: draw nothing), with the time from `now`.
  ProgressBar(size_t total, Writer write, Now now = Clock::now);

  // Redraws unless it drew less than kRedrawEvery ago (but always once
  // all are done). Does not block; never throws but what `write` throws.
  void update(size_t done, size_t failed);
  // Ends the line, drawing the last update first if it was not; once.
  void finish();
  // The line for these counts at `now`, without the terminal controls.
  [[nodiscard]] std::string line(size_t done, size_t failed, Clock::time_point now) const;

 private:
  void draw(Clock::time_point now);

  const size_t total_;
  const Writer write_;
  const Now now_;
  const Clock::time_point start_;
  std::optional<Clock::time_point> last_draw_;
  size_t done_ = 0, failed_ = 0;
  bool stale_ = false;  // an update since the last draw was not drawn
  bool finished_ = false;
};

}  // namespace herd
