// Completion order, waiting on several results and done callbacks, over
// result states completed by hand as the client's I/O thread would. No
// cluster involved.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "client/src/result_state.hpp"
#include "herd/herd.hpp"

namespace {

using herd::detail::ResultState;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Bounds every wait of a test: a broken wake-up fails, never hangs.
constexpr auto kBound = 10s;
// What a timed wait may overrun its timeout by on a loaded machine.
constexpr auto kSlack = 2s;

std::shared_ptr<ResultState> make_state(size_t items = 1) {
  static int seq = 0;
  return std::make_shared<ResultState>("test-" + std::to_string(++seq), items,
                                       std::weak_ptr<herd::detail::ClientCore>());
}

void finish(ResultState& state, size_t item, int value) {
  std::vector<herd::Bytes> encoded;
  encoded.push_back(herd::encode_frame(value));
  state.finish_chunk(item, std::move(encoded), {}, {});
}

void fail(ResultState& state, size_t item) {
  state.finish_chunk(item, {}, {{0, std::make_exception_ptr(herd::Error("failed"))}}, {});
}

std::vector<size_t> collect(herd::CompletionRange range) {
  std::vector<size_t> out;
  for (size_t i : range) out.push_back(i);
  return out;
}

// Counts calls and the threads they came on; a test waits for a count.
class Calls {
 public:
  void record() {
    std::lock_guard lock(mutex_);
    threads_.push_back(std::this_thread::get_id());
    changed_.notify_all();
  }
  bool wait_for(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kBound, [&] { return threads_.size() >= n; });
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::thread::id> threads_;
};

TEST(AsCompletedTest, MapItemsComeInFinishingOrderFailuresIncluded) {
  auto state = make_state(4);
  herd::AsyncMapResult<int> m(state);
  finish(*state, 2, 20);
  fail(*state, 0);
  auto range = m.as_completed();
  EXPECT_EQ(range.size(), 4u);
  // The rest finish while the loop waits.
  std::thread io([&] {
    finish(*state, 3, 30);
    finish(*state, 1, 10);
  });
  EXPECT_EQ(collect(std::move(range)), (std::vector<size_t>{2, 0, 3, 1}));
  io.join();
}

TEST(AsCompletedTest, VectorOfResultsIncludingItemsOfAMapAndDuplicates) {
  auto single = make_state();
  auto map = make_state(3);
  herd::AsyncMapResult<int> m(map);
  std::vector<herd::AsyncResult<int>> results{herd::AsyncResult<int>(single), m[2], m[0], m[2]};
  finish(*map, 2, 2);
  auto range = herd::as_completed(results);
  finish(*single, 0, 1);
  finish(*map, 1, 1);  // not in the vector
  finish(*map, 0, 0);
  EXPECT_EQ(collect(std::move(range)), (std::vector<size_t>{1, 3, 0, 2}));
}

TEST(AsCompletedTest, RangeKeepsTheResultsAlive) {
  auto state = make_state(2);
  std::weak_ptr<ResultState> weak = state;
  auto range = herd::AsyncMapResult<int>(std::move(state)).as_completed();
  auto held = weak.lock();
  ASSERT_TRUE(held);
  finish(*held, 1, 1);
  finish(*held, 0, 0);
  held.reset();
  EXPECT_FALSE(weak.expired());
  EXPECT_EQ(collect(std::move(range)), (std::vector<size_t>{1, 0}));
}

TEST(AsCompletedTest, EmptyMapAndEmptyVectorEndAtOnce) {
  EXPECT_TRUE(collect(herd::AsyncMapResult<int>().as_completed()).empty());
  EXPECT_TRUE(collect(herd::as_completed(std::vector<herd::AsyncResult<int>>{})).empty());
}

TEST(WaitAnyTest, NothingFinishedReturnsNothingAfterTheTimeout) {
  std::vector<herd::AsyncResult<int>> results{herd::AsyncResult<int>(make_state()),
                                              herd::AsyncResult<int>(make_state())};
  const auto start = Clock::now();
  EXPECT_EQ(herd::wait_any(results, 100ms), std::nullopt);
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 100ms + kSlack);
  EXPECT_FALSE(herd::wait_all(results, 50ms));
  EXPECT_EQ(herd::wait_any(std::vector<herd::AsyncResult<int>>{}, 10ms), std::nullopt);
}

TEST(WaitAnyTest, ReturnsTheLowestFinishedIndex) {
  auto a = make_state(), b = make_state(), c = make_state();
  std::vector<herd::AsyncResult<int>> results{herd::AsyncResult<int>(a), herd::AsyncResult<int>(b),
                                              herd::AsyncResult<int>(c)};
  std::thread io([&] { finish(*c, 0, 3); });
  EXPECT_EQ(herd::wait_any(results, kBound), 2u);
  io.join();
  fail(*b, 0);
  EXPECT_EQ(herd::wait_any(results, 0ms), 1u);
  EXPECT_FALSE(herd::wait_all(results, 0ms));
  finish(*a, 0, 1);
  EXPECT_TRUE(herd::wait_all(results, 0ms));
}

TEST(WaitAllTest, ReturnsOnceEveryResultFinished) {
  auto a = make_state(), b = make_state();
  std::vector<herd::AsyncResult<int>> results{herd::AsyncResult<int>(a), herd::AsyncResult<int>(b)};
  std::thread io([&] {
    finish(*b, 0, 2);
    fail(*a, 0);
  });
  EXPECT_TRUE(herd::wait_all(results, kBound));
  io.join();
  EXPECT_TRUE(herd::wait_all(std::vector<herd::AsyncResult<int>>{}, 0ms));
}

TEST(DoneCallbackTest, RunsOnceOnAnotherThreadAndMayCallGet) {
  auto state = make_state();
  herd::AsyncResult<int> r(state);
  Calls calls;
  int seen = 0;
  r.add_done_callback([&](const herd::AsyncResult<int>& done) {
    seen = done.get();
    calls.record();
  });
  finish(*state, 0, 42);
  finish(*state, 0, 43);  // a second completion of the same item is ignored
  ASSERT_TRUE(calls.wait_for(1));
  // Added after completion: runs too, soon.
  r.add_done_callback([&](const herd::AsyncResult<int>&) { calls.record(); });
  ASSERT_TRUE(calls.wait_for(2));
  const auto threads = calls.threads();
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_EQ(seen, 42);
  for (const auto& t : threads) EXPECT_NE(t, std::this_thread::get_id());
}

TEST(DoneCallbackTest, AThrowingCallbackDoesNotStopTheOthers) {
  auto state = make_state();
  herd::AsyncResult<int> r(state);
  Calls calls;
  r.add_done_callback([](const herd::AsyncResult<int>&) { throw std::runtime_error("oops"); });
  r.add_done_callback([](const herd::AsyncResult<int>&) { throw 7; });
  r.add_done_callback([&](const herd::AsyncResult<int>&) { calls.record(); });
  fail(*state, 0);
  ASSERT_TRUE(calls.wait_for(1));
  EXPECT_EQ(calls.threads().size(), 1u);
}

TEST(DoneCallbackTest, MapCallbackRunsOnceWhenEveryItemFinished) {
  auto state = make_state(3);
  herd::AsyncMapResult<int> m(state);
  Calls whole, items;
  m.add_done_callback([&](const herd::AsyncMapResult<int>& done) {
    EXPECT_TRUE(done.ready());
    whole.record();
  });
  for (size_t i = 0; i < m.size(); ++i)
    m[i].add_done_callback([&](const herd::AsyncResult<int>&) { items.record(); });
  finish(*state, 0, 0);
  fail(*state, 2);
  ASSERT_TRUE(items.wait_for(2));
  EXPECT_FALSE(m.ready());
  finish(*state, 1, 1);
  ASSERT_TRUE(whole.wait_for(1));
  ASSERT_TRUE(items.wait_for(3));
  EXPECT_EQ(whole.threads().size(), 1u);
  EXPECT_EQ(items.threads().size(), 3u);
}

TEST(DoneCallbackTest, CallbackMayHoldTheLastHandle) {
  Calls calls;
  {
    auto state = make_state();
    herd::AsyncResult<int>(state).add_done_callback(
        [&](const herd::AsyncResult<int>&) { calls.record(); });
    finish(*state, 0, 1);
  }
  // The state and its runner now live only in the queued callback.
  ASSERT_TRUE(calls.wait_for(1));
}

TEST(WaitInteractiveTest, QuietWhenStderrIsNotATerminal) {
  auto state = make_state(2);
  herd::AsyncMapResult<int> m(state);
  testing::internal::CaptureStderr();
  std::thread io([&] {
    finish(*state, 1, 1);
    fail(*state, 0);
  });
  m.wait_interactive();
  io.join();
  EXPECT_TRUE(m.ready());
  herd::wait_interactive(std::vector<herd::AsyncResult<int>>{m[0], m[1]});
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
