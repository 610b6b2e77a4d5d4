// AsyncResult and AsyncMapResult over result states completed by hand, as the
// client's I/O thread would complete them. No cluster involved.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/src/result_state.hpp"
#include "herd/herd.hpp"

namespace {

using herd::detail::ResultState;
using namespace std::chrono_literals;

std::shared_ptr<ResultState> make_state(uint64_t seq = 1, size_t items = 1) {
  return std::make_shared<ResultState>("test-" + std::to_string(seq), items,
                                       std::weak_ptr<herd::detail::ClientCore>());
}

// The encoded results of items first..first+values.size() as one chunk.
void finish(ResultState& state, size_t first, std::vector<int> values,
            std::vector<ResultState::ItemFailure> failures = {}) {
  std::vector<herd::Bytes> encoded;
  for (int v : values) encoded.push_back(herd::encode_frame(v));
  state.finish_chunk(first, std::move(encoded), std::move(failures), {});
}

std::exception_ptr remote_error(const std::string& message) {
  return std::make_exception_ptr(
      herd::RemoteError("std::runtime_error", message, {"test-task", 4, "host-a"}));
}

TEST(AsyncResultTest, CompletedResultDecodes) {
  auto state = make_state();
  herd::AsyncResult<int> r(state);
  EXPECT_FALSE(r.ready());
  state->complete(herd::encode_frame(42), {});
  EXPECT_TRUE(r.ready());
  EXPECT_TRUE(r.successful());
  EXPECT_TRUE(r.wait(0ms));
  EXPECT_EQ(r.get(), 42);
  EXPECT_EQ(r.get(1s), 42);
  EXPECT_EQ(r.id(), "test-1");
}

TEST(AsyncResultTest, SuccessfulOnUnfinishedThrowsNotReady) {
  herd::AsyncResult<int> r(make_state());
  EXPECT_THROW((void)r.successful(), herd::NotReady);
  EXPECT_THROW(r.metadata(), herd::NotReady);
}

TEST(AsyncResultTest, GetWithTimeoutOnUnfinishedThrowsTimeoutError) {
  herd::AsyncResult<int> r(make_state());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)r.get(50ms), herd::TimeoutError);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_FALSE(r.wait(10ms));
}

TEST(AsyncResultTest, FailedResultRethrowsTheError) {
  auto state = make_state();
  herd::AsyncResult<int> r(state);
  state->fail(remote_error("boom"), {});
  EXPECT_TRUE(r.ready());
  EXPECT_FALSE(r.successful());
  try {
    (void)r.get();
    FAIL() << "no exception";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.remote_type(), "std::runtime_error");
    EXPECT_EQ(e.message(), "boom");
    EXPECT_EQ(e.engine_id(), 4u);
    EXPECT_EQ(e.host(), "host-a");
    EXPECT_EQ(e.index(), -1);
  }
}

TEST(AsyncResultTest, FirstCompletionWins) {
  auto state = make_state();
  herd::AsyncResult<int> r(state);
  state->complete(herd::encode_frame(1), {});
  state->fail(remote_error("late"), {});
  state->complete(herd::encode_frame(2), {});
  EXPECT_EQ(r.get(), 1);
}

TEST(AsyncResultTest, VoidResult) {
  auto state = make_state();
  herd::AsyncResult<void> r(state);
  state->complete(herd::Bytes(), {});
  EXPECT_NO_THROW(r.get());
}

TEST(AsyncResultTest, WaitWakesWhenAnotherThreadCompletes) {
  auto state = make_state();
  herd::AsyncResult<std::string> r(state);
  std::thread completer([state] { state->complete(herd::encode_frame(std::string("done")), {}); });
  EXPECT_EQ(r.get(5s), "done");
  completer.join();
}

TEST(AsyncResultTest, MetadataKeepsTheSubmissionTime) {
  auto state = make_state();
  herd::AsyncResult<int> r(state);
  herd::TaskMetadata md;
  md.engine_id = 9;
  md.host = "h";
  md.attempt = 1;
  state->complete(herd::encode_frame(0), md);
  const auto got = r.metadata();
  EXPECT_EQ(got.engine_id, 9u);
  EXPECT_EQ(got.host, "h");
  EXPECT_NE(got.submitted.time_since_epoch().count(), 0);
}

TEST(AsyncResultTest, AbortOfACompletedResultIsHarmless) {
  auto state = make_state();
  herd::AsyncResult<int> r(state);
  state->complete(herd::encode_frame(5), {});
  r.abort();
  EXPECT_EQ(r.get(), 5);
}

TEST(AsyncMapResultTest, GetReturnsResultsInInputOrder) {
  auto state = make_state(7, 5);
  herd::AsyncMapResult<int> m(state);
  EXPECT_EQ(m.size(), 5u);
  EXPECT_FALSE(m.ready());
  EXPECT_THROW((void)m.successful(), herd::NotReady);
  // Chunks complete out of order.
  finish(*state, 3, {30, 40});
  EXPECT_TRUE(m[4].ready());
  EXPECT_FALSE(m[0].ready());
  finish(*state, 0, {0, 10, 20});
  EXPECT_TRUE(m.ready());
  EXPECT_TRUE(m.successful());
  EXPECT_EQ(m.get(1s), (std::vector<int>{0, 10, 20, 30, 40}));
  EXPECT_EQ(m[3].get(), 30);
  EXPECT_EQ(m.id(), "test-7");
  EXPECT_EQ(m[2].id(), "test-7:2");
}

TEST(AsyncMapResultTest, GetThrowsTheLowestFailingIndex) {
  auto state = make_state(1, 4);
  herd::AsyncMapResult<int> m(state);
  finish(*state, 2, {2, 0}, {{1, remote_error("three")}});
  finish(*state, 0, {0, 0}, {{1, remote_error("one")}});
  EXPECT_FALSE(m.successful());
  try {
    (void)m.get();
    FAIL() << "no exception";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.index(), 1);
    EXPECT_EQ(e.message(), "one");
  }
  EXPECT_EQ(m[0].get(), 0);
  EXPECT_EQ(m[2].get(), 2);
  // An item read on its own names its index too.
  try {
    (void)m[3].get();
    FAIL() << "no exception";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.index(), 3);
  }
}

TEST(AsyncMapResultTest, ChunkFailureFailsItsItemsOnly) {
  auto state = make_state(1, 4);
  herd::AsyncMapResult<int> m(state);
  finish(*state, 0, {5, 6});
  state->fail_range(2, 2, std::make_exception_ptr(herd::EngineLost("gone", {})), {});
  EXPECT_THROW(m.get(), herd::EngineLost);
  EXPECT_EQ(m[1].get(), 6);
  EXPECT_THROW((void)m[2].get(), herd::EngineLost);
}

TEST(AsyncMapResultTest, GetWithTimeoutThrowsWhileAnyIsUnfinished) {
  auto state = make_state(1, 2);
  herd::AsyncMapResult<int> m(state);
  finish(*state, 0, {0});
  EXPECT_THROW(m.get(20ms), herd::TimeoutError);
  EXPECT_FALSE(m.wait(10ms));
}

TEST(AsyncMapResultTest, EmptyMap) {
  herd::AsyncMapResult<int> m(make_state(1, 0));
  EXPECT_TRUE(m.ready());
  EXPECT_TRUE(m.get().empty());
}

TEST(ErrorTest, EveryErrorIsAHerdError) {
  EXPECT_THROW(throw herd::TimeoutError("t"), herd::Error);
  EXPECT_THROW(throw herd::UnknownTask("u"), herd::Error);
  EXPECT_THROW(throw herd::ConnectionError("c"), herd::Error);
  EXPECT_THROW(throw herd::NotReady("n"), herd::Error);
  EXPECT_THROW(throw herd::TaskAborted("a"), herd::Error);
  EXPECT_THROW(throw herd::DecodeError("d"), herd::Error);
  EXPECT_THROW(throw herd::SignatureMismatch("f", "int(int)", "int(double)"), herd::Error);
}

TEST(ErrorTest, SignatureMismatchNamesBothSides) {
  const herd::SignatureMismatch e("add", "int(int, int)", "int(double)");
  EXPECT_EQ(e.expected(), "int(int, int)");
  EXPECT_EQ(e.actual(), "int(double)");
  const std::string what = e.what();
  EXPECT_NE(what.find("add"), std::string::npos);
  EXPECT_NE(what.find("int(int, int)"), std::string::npos);
  EXPECT_NE(what.find("int(double)"), std::string::npos);
}

TEST(ErrorTest, RemoteErrorMessageNamesTypeAndPlace) {
  const herd::RemoteError e("std::runtime_error", "boom", {"t-1", 3, "box"});
  const std::string what = e.what();
  EXPECT_NE(what.find("std::runtime_error"), std::string::npos);
  EXPECT_NE(what.find("boom"), std::string::npos);
  EXPECT_NE(what.find("box"), std::string::npos);
  EXPECT_EQ(e.task_id(), "t-1");
}

}  // namespace

namespace {
TEST(AsyncResultTest, DefaultConstructedHandleThrowsInsteadOfCrashing) {
  herd::AsyncResult<int> r;
  EXPECT_THROW((void)r.ready(), herd::Error);
  EXPECT_THROW((void)r.get(), herd::Error);
  EXPECT_THROW((void)r.wait(std::chrono::milliseconds(1)), herd::Error);
}
}  // namespace
