// Every failure reaches the client as a typed herd::Error: a throwing task,
// a failing map item, an unknown task, a signature mismatch, a task timeout,
// an aborted task.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kResultWait;
using Clock = std::chrono::steady_clock;

// A function the client knows but HERD_TASK never registered.
int not_a_task(int x) { return x; }

class ErrorsTest : public herd::test::ClusterSuite<ErrorsTest, 2> {};

TEST_F(ErrorsTest, ThrowingTaskBecomesRemoteError) {
  auto r = lb().apply(test_tasks::fail_with, std::string("something broke"));
  ASSERT_TRUE(r.wait(kResultWait));
  EXPECT_FALSE(r.successful());
  try {
    (void)r.get();
    FAIL() << "no exception";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.remote_type(), "std::runtime_error");
    EXPECT_EQ(e.message(), "something broke");
    EXPECT_GT(e.engine_id(), 0u);
    EXPECT_FALSE(e.host().empty());
    EXPECT_EQ(e.task_id(), r.id());
    EXPECT_EQ(e.index(), -1);
    EXPECT_NE(std::string(e.what()).find("something broke"), std::string::npos) << e.what();
  }
}

// retry_exceptions: a task that threw uses its retries, the attempt counted.
TEST_F(ErrorsTest, ATaskThatThrewIsTriedAgainWithRetryExceptions) {
  auto retrying = lb().with({.retries = 2, .retry_exceptions = true});
  auto ar = retrying.apply(test_tasks::fail_first_attempt, 7);
  EXPECT_EQ(ar.get(kResultWait), 7);
  EXPECT_EQ(ar.metadata().attempt, 2u);
  // Every item of a map too, chunked or one by one.
  for (size_t chunksize : {size_t{0}, size_t{1}}) {
    auto m = lb().with({.retries = 1, .chunksize = chunksize, .retry_exceptions = true})
                 .map(test_tasks::fail_first_attempt, std::vector<int>{1, 2, 3});
    EXPECT_EQ(m.get(kResultWait), (std::vector<int>{1, 2, 3})) << "chunksize " << chunksize;
  }
}

TEST_F(ErrorsTest, WithoutRetryExceptionsOrRetriesAThrowIsFinal) {
  for (const herd::TaskOptions& options :
       {herd::TaskOptions{.retries = 2}, herd::TaskOptions{.retry_exceptions = true}}) {
    auto ar = lb().with(options).apply(test_tasks::fail_first_attempt, 7);
    EXPECT_THROW((void)ar.get(kResultWait), herd::RemoteError);
    EXPECT_EQ(ar.metadata().attempt, 1u);
  }
}

TEST_F(ErrorsTest, RemoteErrorIsAHerdError) {
  auto r = lb().apply(test_tasks::fail_with, std::string("x"));
  EXPECT_THROW((void)r.get(kResultWait), herd::Error);
}

TEST_F(ErrorsTest, ExceptionMessageThatIsNotUtf8ComesBackIntact) {
  // Found with herd_fuzz_messages: such a message made the RESULT header
  // unparseable (proto3 string), the controller dropped it and get() hung.
  const std::string bytes("not text: \xff\xfe\xc3", 13);
  auto r = lb().apply(test_tasks::fail_with, bytes);
  try {
    (void)r.get(kResultWait);
    FAIL() << "no exception";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.message(), bytes);
  }
}

TEST_F(ErrorsTest, NonStdExceptionBecomesRemoteError) {
  auto r = lb().apply(test_tasks::throw_int);
  try {
    (void)r.get(kResultWait);
    FAIL() << "no exception";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.remote_type(), "int");
    EXPECT_GT(e.engine_id(), 0u);
    EXPECT_FALSE(e.host().empty());
  }
}

TEST_F(ErrorsTest, EngineSurvivesThrowingTasks) {
  for (int i = 0; i < 4; ++i) {
    EXPECT_THROW((void)lb().apply(test_tasks::throw_int).get(kResultWait), herd::RemoteError);
    EXPECT_THROW((void)lb().apply(test_tasks::fail_with, std::string("again")).get(kResultWait),
                 herd::RemoteError);
  }
  EXPECT_EQ(lb().apply(test_tasks::add, 1, 2).get(kResultWait), 3);
  EXPECT_EQ(client().status().live_engines(), 2u);
}

TEST_F(ErrorsTest, MapWithOneFailureReportsItsIndex) {
  std::vector<int> items(20);
  for (int i = 0; i < 20; ++i) items[static_cast<size_t>(i)] = i;
  auto m = lb().map(test_tasks::fail_at, items, std::vector<int>(20, 13));
  ASSERT_TRUE(m.wait(kResultWait));
  EXPECT_FALSE(m.successful());
  try {
    (void)m.get();
    FAIL() << "no exception";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.index(), 13);
    EXPECT_EQ(e.remote_type(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "odd one out");
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (i == 13) {
      EXPECT_THROW((void)m[i].get(), herd::RemoteError);
    } else {
      EXPECT_EQ(m[i].get(), static_cast<int>(i)) << "index " << i;
    }
  }
}

TEST_F(ErrorsTest, MapWithSeveralFailuresReportsTheLowestIndex) {
  auto m = lb().map(test_tasks::fail_with, std::vector<std::string>{"a", "b", "c"});
  try {
    (void)m.get(kResultWait);
    FAIL() << "no exception";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.index(), 0);
    EXPECT_EQ(e.message(), "a");
  }
}

TEST_F(ErrorsTest, UnknownTaskName) {
  const herd::Task<int(int)> nope{"no_such_task"};
  auto r = lb().apply(nope, 1);
  try {
    (void)r.get(kResultWait);
    FAIL() << "no exception";
  } catch (const herd::UnknownTask& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_task"), std::string::npos) << e.what();
  }
}

TEST_F(ErrorsTest, UnknownTaskInAMap) {
  const herd::Task<int(int)> nope{"no_such_task"};
  auto m = lb().map(nope, std::vector<int>{1, 2, 3});
  EXPECT_THROW(m.get(kResultWait), herd::UnknownTask);
}

TEST_F(ErrorsTest, UnregisteredFunctionThrowsAtTheCall) {
  EXPECT_THROW(lb().apply(not_a_task, 1), herd::UnknownTask);
  EXPECT_THROW(lb().map(not_a_task, std::vector<int>{1, 2}), herd::UnknownTask);
}

TEST_F(ErrorsTest, SignatureMismatch) {
  const herd::Task<int(double)> wrong{"add"};
  auto r = lb().apply(wrong, 1.5);
  try {
    (void)r.get(kResultWait);
    FAIL() << "no exception";
  } catch (const herd::SignatureMismatch& e) {
    EXPECT_EQ(e.expected(), "int(int, int)");
    EXPECT_EQ(e.actual(), "int(double)");
  }
}

TEST_F(ErrorsTest, SignatureMismatchOnTheResultType) {
  const herd::Task<std::string(int, int)> wrong{"add"};
  auto r = lb().apply(wrong, 1, 2);
  try {
    (void)r.get(kResultWait);
    FAIL() << "no exception";
  } catch (const herd::SignatureMismatch& e) {
    EXPECT_EQ(e.expected(), "int(int, int)");
    EXPECT_EQ(e.actual(), "string(int, int)");
  }
}

TEST_F(ErrorsTest, TaskTimeout) {
  const auto start = Clock::now();
  auto r = lb().with({.timeout = 500ms}).apply(test_tasks::sleep_for, 3.0);
  EXPECT_THROW((void)r.get(kResultWait), herd::TimeoutError);
  EXPECT_LT(Clock::now() - start, 2s) << "the task's timeout of 500 ms took effect late";
}

TEST_F(ErrorsTest, TaskWithinItsTimeoutSucceeds) {
  auto r = lb().with({.timeout = 10s}).apply(test_tasks::sleep_for, 0.1);
  EXPECT_DOUBLE_EQ(r.get(kResultWait), 0.1);
}

TEST_F(ErrorsTest, WithReturnsANewView) {
  auto base = lb();
  auto timed = base.with({.retries = 2, .timeout = 5s});
  EXPECT_EQ(base.options().retries, 0u);
  EXPECT_EQ(base.options().timeout.count(), 0);
  EXPECT_EQ(timed.options().retries, 2u);
  EXPECT_EQ(timed.options().timeout, 5s);
}

TEST_F(ErrorsTest, AbortOfAQueuedTask) {
  // Two long tasks fill both engines; the third waits in the queue.
  auto busy1 = lb().apply(test_tasks::sleep_for, 1.5);
  auto busy2 = lb().apply(test_tasks::sleep_for, 1.5);
  auto queued = lb().apply(test_tasks::add, 1, 1);
  queued.abort();
  EXPECT_THROW((void)queued.get(kResultWait), herd::TaskAborted);
  EXPECT_TRUE(busy1.wait(kResultWait));
  EXPECT_TRUE(busy2.wait(kResultWait));
  EXPECT_EQ(lb().apply(test_tasks::add, 2, 2).get(kResultWait), 4);
}

TEST_F(ErrorsTest, AbortOfARunningTask) {
  auto r = lb().apply(test_tasks::sleep_for, 5.0);
  ASSERT_FALSE(r.wait(300ms));
  const auto start = Clock::now();
  r.abort();
  EXPECT_THROW((void)r.get(kResultWait), herd::TaskAborted);
  EXPECT_LT(Clock::now() - start, 2s) << "abort waited for the task to end";
}

TEST_F(ErrorsTest, FailuresAreCounted) {
  const auto before = client().status();
  EXPECT_THROW((void)lb().apply(test_tasks::fail_with, std::string("x")).get(kResultWait),
               herd::RemoteError);
  const auto after = client().status();
  EXPECT_EQ(after.tasks_failed, before.tasks_failed + 1);
}

}  // namespace
