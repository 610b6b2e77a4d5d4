#include "herd/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace herd {

namespace {
constexpr size_t kBarWidth = 30;
// Back to the start of the line; then, after the text, clear what a longer
// earlier line left.
constexpr std::string_view kReturn = "\r";
constexpr std::string_view kClearToEnd = "\x1b[K";

std::string format_seconds(double s) {
  char text[32];
  const auto whole = static_cast<long>(std::lround(s));
  if (s < 10) {
    std::snprintf(text, sizeof text, "%.1f s", s);
  } else if (whole < 60) {
    std::snprintf(text, sizeof text, "%ld s", whole);
  } else if (whole < 3600) {
    std::snprintf(text, sizeof text, "%ldm%02lds", whole / 60, whole % 60);
  } else {
    std::snprintf(text, sizeof text, "%ldh%02ldm", whole / 3600, whole / 60 % 60);
  }
  return text;
}

std::string format_rate(double per_second) {
  char text[32];
  std::snprintf(text, sizeof text, per_second < 10 ? "%.1f/s" : "%.0f/s", per_second);
  return text;
}

void write_stderr(std::string_view text) {
  std::cerr.write(text.data(), static_cast<std::streamsize>(text.size())).flush();
}
}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(size_t total)
    : ProgressBar(total, stderr_is_terminal() ? Writer(write_stderr) : Writer()) {}

ProgressBar::ProgressBar(size_t total, Writer write, Now now)
    : total_(total), write_(std::move(write)), now_(std::move(now)), start_(now_()) {}

void ProgressBar::update(size_t done, size_t failed) {
  done_ = done;
  failed_ = failed;
  if (!write_) return;
  const auto now = now_();
  if (done_ < total_ && last_draw_ && now - *last_draw_ < kRedrawEvery) {
    stale_ = true;
    return;
  }
  draw(now);
}

void ProgressBar::finish() {
  if (finished_ || !write_) return;
  finished_ = true;
  // The line already shows the last counts, unless an update skipped drawing.
  if (stale_ || !last_draw_) draw(now_());
  write_("\n");
}

void ProgressBar::draw(Clock::time_point now) {
  last_draw_ = now;
  stale_ = false;
  std::string text(kReturn);
  text += line(done_, failed_, now);
  text += kClearToEnd;
  write_(text);
}

std::string ProgressBar::line(size_t done, size_t failed, Clock::time_point now) const {
  const size_t filled = total_ == 0 ? kBarWidth : kBarWidth * std::min(done, total_) / total_;
  std::string text = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
  text += std::to_string(done) + "/" + std::to_string(total_) + " done";
  if (failed > 0) text += ", " + std::to_string(failed) + " failed";
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (done == 0 || elapsed <= 0) return text;
  const double rate = static_cast<double>(done) / elapsed;
  text += ", " + format_rate(rate);
  if (done < total_) {
    text += ", " + format_seconds(static_cast<double>(total_ - done) / rate) + " left";
  } else {
    text += ", took " + format_seconds(elapsed);
  }
  return text;
}

}  // namespace herd
