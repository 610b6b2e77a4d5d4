// Taking results as they finish on a real cluster: completion order,
// wait_any/wait_all bounds, done callbacks (also when the client closes
// first) and wait_interactive.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kResultWait;
using Clock = std::chrono::steady_clock;

// Far enough apart that the finishing order cannot depend on dispatch.
const std::vector<double> kDurations{0.6, 0.1, 0.3};
const std::vector<size_t> kFinishingOrder{1, 2, 0};
// What a timed wait may overrun its timeout by on a loaded machine.
constexpr auto kSlack = 3s;

class CompletionTest : public herd::test::ClusterSuite<CompletionTest, 3> {
 protected:
  // One task per item, so that each item runs on an engine of its own.
  static herd::LoadBalancedView one_per_task() { return lb().with({.chunksize = 1}); }
};

std::vector<size_t> collect(herd::CompletionRange range) {
  std::vector<size_t> out;
  for (size_t i : range) out.push_back(i);
  return out;
}

// A value a callback hands over, with a bounded wait for it.
template <class T>
class Mailbox {
 public:
  void put(T value) {
    std::lock_guard lock(mutex_);
    values_.push_back(std::move(value));
    changed_.notify_all();
  }
  std::vector<T> wait_for(size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kResultWait, [&] { return values_.size() >= n; });
    return values_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<T> values_;
};

TEST_F(CompletionTest, MapAsCompletedFollowsFinishingOrder) {
  auto m = one_per_task().map(test_tasks::sleep_for, kDurations);
  EXPECT_EQ(collect(m.as_completed()), kFinishingOrder);
}

TEST_F(CompletionTest, VectorAsCompletedFollowsFinishingOrder) {
  std::vector<herd::AsyncResult<double>> results;
  for (double d : kDurations) results.push_back(lb().apply(test_tasks::sleep_for, d));
  EXPECT_EQ(collect(herd::as_completed(results)), kFinishingOrder);
}

TEST_F(CompletionTest, FailedItemsAreIncluded) {
  auto m = one_per_task().map(test_tasks::fail_with, std::vector<std::string>{"a", "b"});
  auto order = collect(m.as_completed());
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, (std::vector<size_t>{0, 1}));
  EXPECT_FALSE(m.successful());
}

TEST_F(CompletionTest, WaitAnyAndWaitAllRespectTheirTimeouts) {
  std::vector<herd::AsyncResult<void>> naps;
  for (int i = 0; i < 3; ++i) naps.push_back(lb().apply(herd::builtin::sleep, 30.0));
  auto start = Clock::now();
  EXPECT_EQ(herd::wait_any(naps, 300ms), std::nullopt);
  EXPECT_GE(Clock::now() - start, 300ms);
  EXPECT_LT(Clock::now() - start, 300ms + kSlack);
  start = Clock::now();
  EXPECT_FALSE(herd::wait_all(naps, 300ms));
  EXPECT_GE(Clock::now() - start, 300ms);
  EXPECT_LT(Clock::now() - start, 300ms + kSlack);
  naps[1].abort();
  EXPECT_EQ(herd::wait_any(naps, kResultWait), 1u);
  for (auto& nap : naps) nap.abort();
  EXPECT_TRUE(herd::wait_all(naps, kResultWait));
}

TEST_F(CompletionTest, WaitAnyReturnsTheOneThatFinished) {
  std::vector<herd::AsyncResult<double>> results{lb().apply(test_tasks::sleep_for, 20.0),
                                                 lb().apply(test_tasks::sleep_for, 0.1)};
  EXPECT_EQ(herd::wait_any(results, kResultWait), 1u);
  EXPECT_FALSE(herd::wait_all(results, 0ms));
  results[0].abort();
  EXPECT_TRUE(herd::wait_all(results, kResultWait));
}

TEST_F(CompletionTest, CallbacksRunOnceOnAHerdThreadAndMaySubmitMore) {
  Mailbox<std::pair<std::thread::id, int>> box;
  auto view = lb();
  auto r = view.apply(test_tasks::add, 2, 3);
  r.add_done_callback([&box, view](const herd::AsyncResult<int>& done) {
    // get() and a new task from inside a callback.
    box.put({std::this_thread::get_id(), view.apply(test_tasks::add, done.get(), 1).get()});
  });
  const auto got = box.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].first, std::this_thread::get_id());
  EXPECT_EQ(got[0].second, 6);
  // Added after completion: runs too.
  r.add_done_callback([&box](const herd::AsyncResult<int>& done) {
    box.put({std::this_thread::get_id(), done.get()});
  });
  const auto both = box.wait_for(2);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[1].second, 5);
  EXPECT_NE(both[1].first, std::this_thread::get_id());
}

TEST_F(CompletionTest, AThrowingCallbackDoesNotStopTheOthers) {
  auto m = lb().map(test_tasks::add, std::vector{1, 2}, std::vector{1, 1});
  Mailbox<int> box;
  m[0].add_done_callback([](const herd::AsyncResult<int>&) { throw std::runtime_error("cb"); });
  m.add_done_callback([&box](const herd::AsyncMapResult<int>& done) {
    for (int v : done.get()) box.put(v);
  });
  m[1].add_done_callback([&box](const herd::AsyncResult<int>& r) { box.put(r.get() * 10); });
  const auto got = box.wait_for(3);
  std::vector<int> sorted = got;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{2, 3, 30}));
}

TEST_F(CompletionTest, CallbacksOfResultsOutlivingTheirClientRunOnceWithConnectionError) {
  Mailbox<bool> box;
  herd::AsyncResult<void> nap;
  {
    herd::Client own(cluster().client_file());
    nap = own.load_balanced_view().apply(herd::builtin::sleep, 30.0);
    nap.add_done_callback([&box](const herd::AsyncResult<void>& done) {
      try {
        done.get();
        box.put(false);
      } catch (const herd::ConnectionError&) {
        box.put(true);
      }
    });
  }
  // The client's destructor ran the callback before it returned.
  EXPECT_EQ(box.wait_for(0), std::vector<bool>{true});
  // One added now, after the client is gone, runs as well.
  nap.add_done_callback([&box](const herd::AsyncResult<void>&) { box.put(true); });
  EXPECT_EQ(box.wait_for(2).size(), 2u);
}

TEST_F(CompletionTest, WaitInteractiveReturnsWhenDoneAndIsQuietOffATerminal) {
  auto m = one_per_task().map(test_tasks::sleep_for, kDurations);
  testing::internal::CaptureStderr();
  m.wait_interactive();
  std::vector<herd::AsyncResult<double>> results{lb().apply(test_tasks::sleep_for, 0.1)};
  herd::wait_interactive(results);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_TRUE(m.ready());
  EXPECT_TRUE(results[0].ready());
}

}  // namespace
