// The engine's task thread on its own: an Executor destroyed without stop(),
// as on the error path out of the engine's session, must neither use freed
// memory nor end the process (it detached a thread that still used `this`,
// and the thread died on the context's ETERM with std::terminate).
#include "engine/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "client/src/task_registry.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Set by sleep_then_flag once its sleep is over: the test learns that the
// detached thread is past everything it logs and reads, in an order that
// ThreadSanitizer sees (the context's end, which waits for the thread, is
// inside libzmq where it cannot look).
std::atomic<bool> g_task_slept{false};

double sleep_then_flag(double seconds) {
  const double slept = test_tasks::sleep_for(seconds);
  g_task_slept = true;
  return slept;
}
HERD_TASK(sleep_then_flag);

// A TASK message for sleep_then_flag(seconds).
herd::wire::Frames sleep_task(double seconds, uint64_t seq = 1) {
  herd::wire::Header h;
  h.set_type(herd::wire::TASK);
  h.set_client(1);
  h.set_seq(seq);
  h.set_attempt(1);
  h.set_task("sleep_then_flag");
  h.set_signature(herd::detail::signature_of<double, double>());
  herd::wire::Frames frames;
  frames.push_back(herd::wire::pack(h));
  herd::Writer w;
  herd::Codec<double>::encode(w, seconds);
  frames.push_back(herd::wire::to_message(std::move(w).finish()));
  return frames;
}

TEST(ExecutorTest, DestroyedIdleWithoutStopEndsItsThread) {
  const auto start = Clock::now();
  {
    zmq::context_t context(1);
    zmq::socket_t control(context, zmq::socket_type::pair);
    control.set(zmq::sockopt::linger, 0);
    control.bind("inproc://executor-test-idle");
    auto executor = std::make_unique<herd::engine::Executor>(context, "inproc://executor-test-idle",
                                                             "test-host");
    executor.reset();  // no stop(): the thread must still end
  }                    // the context terminates: it waits for the thread's socket
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(ExecutorTest, DestroyedWhileATaskRunsKeepsWhatTheThreadUses) {
  zmq::context_t context(1);
  zmq::socket_t control(context, zmq::socket_type::pair);
  control.set(zmq::sockopt::linger, 0);
  control.bind("inproc://executor-test-busy");
  auto executor =
      std::make_unique<herd::engine::Executor>(context, "inproc://executor-test-busy", "test-host");
  // The executor finds the task by name in the registry.
  herd::detail::TaskEntry entry;
  ASSERT_TRUE(herd::detail::TaskRegistry::instance().find("sleep_then_flag", entry));
  ASSERT_EQ(entry.signature, (herd::detail::signature_of<double, double>()));
  auto task = sleep_task(0.3);
  ASSERT_TRUE(herd::wire::send(control, task));
  const auto deadline = Clock::now() + 5s;
  while (!executor->busy() && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(executor->busy()) << "the task did not start";
  executor.reset();  // detaches the running thread
  // Reuse the freed memory: a thread still using it would read garbage (and
  // AddressSanitizer reports the use after free).
  for (int i = 0; i < 64; ++i) {
    auto scribble = std::make_unique<char[]>(256);
    std::fill_n(scribble.get(), 256, '\xab');
  }
  // The thread ends after its task without sending the result anywhere;
  // the context (destroyed at the end of the test) waits for it.
  const auto slept_by = Clock::now() + 5s;
  while (!g_task_slept && Clock::now() < slept_by) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(g_task_slept) << "the detached thread did not finish its task";
}

// Work stealing: what the engine gives back must never run there, and what
// already began must not be given back.
TEST(ExecutorTest, RecalledTasksThatHaveNotBegunAreSkipped) {
  zmq::context_t context(1);
  zmq::socket_t control(context, zmq::socket_type::pair);
  control.set(zmq::sockopt::linger, 0);
  control.set(zmq::sockopt::rcvtimeo, 100);
  control.bind("inproc://executor-test-recall");
  herd::engine::Executor executor(context, "inproc://executor-test-recall", "test-host");
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    auto task = sleep_task(seq == 1 ? 0.3 : 0.0, seq);
    ASSERT_TRUE(herd::wire::send(control, task));
  }
  const auto deadline = Clock::now() + 5s;
  while (!executor.busy() && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(executor.busy()) << "the first task did not start";
  const std::deque<std::pair<uint64_t, uint64_t>> held = {{1, 1}, {1, 2}, {1, 3}};
  EXPECT_EQ(executor.recall(held), 2u) << "tasks 2 and 3 had not begun";
  std::vector<uint64_t> started, answered;
  herd::wire::Frames frames;
  for (const auto until = Clock::now() + 1500ms; Clock::now() < until;) {
    if (!herd::wire::receive(control, frames, zmq::recv_flags::none)) continue;
    uint64_t client = 0, seq = 0;
    herd::wire::Header header;
    if (herd::engine::parse_started_note(frames, client, seq))
      started.push_back(seq);
    else if (herd::wire::unpack(frames[0], header))
      answered.push_back(header.seq());
  }
  EXPECT_EQ(started, std::vector<uint64_t>{1});
  EXPECT_EQ(answered, std::vector<uint64_t>{1}) << "a recalled task ran or was answered";
  EXPECT_TRUE(executor.stop(control));
}

}  // namespace
