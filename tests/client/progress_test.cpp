// The progress bar's text and how often it draws, with an injected clock
// and writer.
#include "herd/progress.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using herd::ProgressBar;

class ProgressBarTest : public ::testing::Test {
 protected:
  ProgressBar make(size_t total) {
    return ProgressBar(
        total, [this](std::string_view s) { writes_.emplace_back(s); }, [this] { return now_; });
  }
  ProgressBar::Clock::time_point now_{};
  std::vector<std::string> writes_;
};

TEST_F(ProgressBarTest, LineShowsCountsFailuresRateAndTimeLeft) {
  ProgressBar bar = make(20);
  EXPECT_EQ(bar.line(0, 0, now_), "[..............................] 0/20 done");
  EXPECT_EQ(bar.line(10, 1, now_ + 4s),
            "[###############...............] 10/20 done, 1 failed, 2.5/s, 4.0 s left");
  EXPECT_EQ(bar.line(20, 0, now_ + 100s),
            "[##############################] 20/20 done, 0.2/s, took 1m40s");
}

TEST_F(ProgressBarTest, RedrawsAtMostEveryIntervalButAlwaysAtTheEnd) {
  ProgressBar bar = make(3);
  bar.update(0, 0);
  bar.update(1, 0);  // too soon
  EXPECT_EQ(writes_.size(), 1u);
  now_ += ProgressBar::kRedrawEvery;
  bar.update(2, 0);
  EXPECT_EQ(writes_.size(), 2u);
  bar.update(3, 1);  // the end, however soon
  ASSERT_EQ(writes_.size(), 3u);
  EXPECT_EQ(writes_.back().front(), '\r');
  EXPECT_NE(writes_.back().find("3/3 done, 1 failed"), std::string::npos);
  bar.finish();  // the line is up to date: only ends it
  bar.finish();
  ASSERT_EQ(writes_.size(), 4u);
  EXPECT_EQ(writes_.back(), "\n");
}

TEST_F(ProgressBarTest, FinishDrawsAnUpdateThatWasSkipped) {
  ProgressBar bar = make(3);
  bar.update(1, 0);
  bar.update(2, 0);  // too soon: not drawn
  bar.finish();
  ASSERT_EQ(writes_.size(), 3u);
  EXPECT_NE(writes_[1].find("2/3 done"), std::string::npos);
  EXPECT_EQ(writes_[2], "\n");
}

TEST_F(ProgressBarTest, WithoutAWriterDrawsNothing) {
  ProgressBar bar(5, ProgressBar::Writer());
  bar.update(5, 0);
  bar.finish();
  SUCCEED();
}

}  // namespace
