// DirectView and engine state on a real cluster: a call on every engine in
// target order, push/pull/scatter/gather round trips, views over chosen
// engines, unknown ids, missing keys, and a target killed mid-task.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_probe.hpp"
#include "support/cluster_suite.hpp"
#include "support/store_tasks.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kEngineWait;
using herd::test::kResultWait;
using test_tasks::Point;

class DirectViewTest : public herd::test::ClusterSuite<DirectViewTest, 3> {
 protected:
  // Each test uses keys of its own: the suite's engines keep their stores.
  static std::vector<uint32_t> ids() {
    std::vector<uint32_t> ids = client().ids();
    EXPECT_EQ(ids.size(), 3u);
    return ids;
  }
};

TEST_F(DirectViewTest, IdsListTheLiveEnginesInOrder) {
  const std::vector<uint32_t> live = ids();
  EXPECT_TRUE(std::is_sorted(live.begin(), live.end()));
  EXPECT_EQ(client().direct_view().targets(), live) << "no ids: the engines live now";
}

TEST_F(DirectViewTest, ApplyRunsOnEachTargetAndAnswersInTargetOrder) {
  std::vector<uint32_t> order = ids();
  std::reverse(order.begin(), order.end());
  auto dv = client().direct_view(order);
  EXPECT_EQ(dv.targets(), order);
  herd::AsyncMapResult<uint32_t> each = dv.apply(test_tasks::engine_id);
  EXPECT_EQ(each.get(kResultWait), order);
  EXPECT_EQ(each[0].metadata().engine_id, order[0]);
  // Every engine, and a declared task with arguments.
  const herd::Task<int(int, int)> add{"add"};
  EXPECT_EQ(client().direct_view().apply(add, 2, 3).get(kResultWait), (std::vector<int>{5, 5, 5}));
  EXPECT_EQ(client().direct_view({order[1]}).apply(test_tasks::engine_id).get(kResultWait),
            std::vector<uint32_t>{order[1]});
}

TEST_F(DirectViewTest, PushedValuesPullBackFromEveryEngine) {
  auto dv = client().direct_view();
  const std::vector<double> xs{1.5, -2.0, 1e300};
  const Point p{1.0, 2.0, "here"};
  dv.push("rt_xs", xs).wait();
  dv.push("rt_text", "a literal").get(kResultWait);
  dv.push("rt_point", p).get(kResultWait);
  EXPECT_EQ(dv.pull<std::vector<double>>("rt_xs").get(kResultWait),
            std::vector<std::vector<double>>(3, xs));
  EXPECT_EQ(dv.pull<std::string>("rt_text").get(kResultWait),
            std::vector<std::string>(3, "a literal"));
  EXPECT_EQ(dv.pull<Point>("rt_point").get(kResultWait), std::vector<Point>(3, p));
}

TEST_F(DirectViewTest, TasksReadAndWriteTheEngineStore) {
  auto dv = client().direct_view();
  dv.push("rw_xs", std::vector<double>{1, 2, 3.5}).get(kResultWait);
  EXPECT_EQ(dv.apply(test_tasks::stored_sum, "rw_xs").get(kResultWait),
            (std::vector<double>{6.5, 6.5, 6.5}));
  dv.push("rw_point", Point{1, 1, "p"}).get(kResultWait);
  EXPECT_EQ(dv.apply(test_tasks::stored_point_shifted, "rw_point", 1.0, -1.0).get(kResultWait),
            std::vector<Point>(3, (Point{2, 0, "p"})));
  // Written by a task on one engine only: the others do not have it.
  const uint32_t first = ids().front();
  client().direct_view({first}).apply(test_tasks::store_text, "rw_own", "mine").get(kResultWait);
  EXPECT_EQ(client().direct_view({first}).pull<std::string>("rw_own").get(kResultWait),
            std::vector<std::string>{"mine"});
  auto everywhere = dv.pull<std::string>("rw_own");
  (void)everywhere.wait(kResultWait);
  EXPECT_TRUE(everywhere[0].successful());
  EXPECT_FALSE(everywhere[1].successful());
  EXPECT_THROW(everywhere[2].get(), herd::RemoteError);
}

TEST_F(DirectViewTest, ScatterThenGatherRestoresTheInput) {
  std::vector<double> input(1001);
  std::iota(input.begin(), input.end(), 0.5);
  auto dv = client().direct_view();
  dv.scatter("sg_xs", input).get(kResultWait);
  // Contiguous parts in target order, sizes within one of each other.
  const auto parts = dv.pull<std::vector<double>>("sg_xs").get(kResultWait);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 334u);
  EXPECT_EQ(parts[1].size(), 334u);
  EXPECT_EQ(parts[2].size(), 333u);
  EXPECT_EQ(parts[1].front(), input[334]);
  herd::AsyncResult<std::vector<double>> all = dv.gather<double>("sg_xs");
  EXPECT_EQ(all.get(kResultWait), input);
  // Each engine sums its own part.
  const auto sums = dv.apply(test_tasks::stored_sum, "sg_xs").get(kResultWait);
  EXPECT_DOUBLE_EQ(std::accumulate(sums.begin(), sums.end(), 0.0),
                   std::accumulate(input.begin(), input.end(), 0.0));
  // Fewer items than engines: some parts are empty, nothing is lost.
  dv.scatter("sg_few", std::vector<std::string>{"a", "b"}).get(kResultWait);
  EXPECT_EQ(dv.gather<std::string>("sg_few").get(kResultWait),
            (std::vector<std::string>{"a", "b"}));
}

TEST_F(DirectViewTest, ALoadBalancedViewOverOneEngineRunsOnlyThere) {
  const uint32_t only = ids()[1];
  auto lb = client().load_balanced_view({only});
  std::vector<herd::AsyncResult<uint32_t>> results;
  for (int i = 0; i < 12; ++i) results.push_back(lb.apply(test_tasks::engine_id));
  for (auto& r : results) EXPECT_EQ(r.get(kResultWait), only);
  // A map, through the std::vector overload, with options.
  auto lb2 = client().load_balanced_view(std::vector<uint32_t>{only}, {.chunksize = 1});
  const auto m = lb2.map(test_tasks::add, std::vector{1, 2, 3, 4}, std::vector{0, 0, 0, 0});
  ASSERT_EQ(m.get(kResultWait), (std::vector<int>{1, 2, 3, 4}));
  for (size_t i = 0; i < m.size(); ++i) EXPECT_EQ(m[i].metadata().engine_id, only);
}

// Tasks bound to a busy engine wait without holding up the rest.
TEST_F(DirectViewTest, ABacklogForOneEngineDoesNotHoldUpOtherTasks) {
  auto busy = client().load_balanced_view({ids()[0]});
  std::vector<herd::AsyncResult<double>> backlog;
  for (int i = 0; i < 4; ++i) backlog.push_back(busy.apply(test_tasks::sleep_for, 1.0));
  EXPECT_EQ(lb().apply(test_tasks::add, 1, 2).get(kResultWait), 3);
  EXPECT_FALSE(backlog.back().ready()) << "the free engines ran the later task first";
  for (auto& r : backlog) EXPECT_EQ(r.get(kResultWait), 1.0);
}

TEST_F(DirectViewTest, AnUnknownEngineIdThrowsNoSuchEngineAtTheCall) {
  const uint32_t unknown = 1000;
  try {
    (void)client().direct_view({ids()[0], unknown});
    FAIL() << "direct_view accepted engine " << unknown;
  } catch (const herd::NoSuchEngine& e) {
    EXPECT_EQ(e.engine_id(), unknown);
    EXPECT_NE(std::string(e.what()).find("1000"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)client().load_balanced_view({unknown}), herd::NoSuchEngine);
  EXPECT_THROW((void)client().load_balanced_view(std::vector<uint32_t>{unknown}),
               herd::NoSuchEngine);
}

TEST_F(DirectViewTest, PullingAMissingKeyFailsWithARemoteErrorNamingIt) {
  try {
    (void)client().direct_view().pull<int>("no_such_key").get(kResultWait);
    FAIL() << "pull of a missing key succeeded";
  } catch (const herd::RemoteError& e) {
    EXPECT_NE(e.message().find("no_such_key"), std::string::npos) << e.message();
    EXPECT_NE(e.remote_type().find("out_of_range"), std::string::npos) << e.remote_type();
  }
  EXPECT_THROW(client().direct_view().gather<int>("no_such_key").get(kResultWait),
               herd::RemoteError);
}

TEST_F(DirectViewTest, AValueReadAsAnotherTypeFailsWithDecodeError) {
  auto dv = client().direct_view();
  dv.push("dt_int", 7).get(kResultWait);
  try {
    (void)dv.pull<std::string>("dt_int").get(kResultWait);
    FAIL() << "an int pulled as a string";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.remote_type(), "herd::DecodeError");
    EXPECT_NE(e.message().find("dt_int"), std::string::npos) << e.message();
  }
  // Inside a task, the same: the task fails (not a bad request).
  try {
    (void)dv.apply(test_tasks::stored_sum, "dt_int").get(kResultWait);
    FAIL() << "an int read as a vector<double>";
  } catch (const herd::RemoteError& e) {
    EXPECT_EQ(e.remote_type(), "herd::DecodeError");
  }
}

// A fresh cluster: this test kills an engine.
TEST(DirectViewLossTest, AKilledTargetFailsItsPartWithEngineLostAndIsNotRunElsewhere) {
  herd::test::TestCluster cluster(2);
  herd::Client& client = cluster.client();
  client.wait_for_engines(2, kEngineWait);
  const herd::ClusterStatus before = client.status();
  ASSERT_EQ(before.live_engines(), 2u);
  const herd::EngineInfo victim = before.engines[1];
  auto dv = client.direct_view().with({.retries = 2});
  auto victim_view = client.direct_view({victim.id});
  auto parts = dv.apply(test_tasks::sleep_for, 3.0);
  const auto busy = herd::test::wait_for_status(
      client,
      [](const herd::ClusterStatus& s) {
        return s.engines.size() == 2 && s.engines[1].state == "busy";
      },
      10s);
  ASSERT_TRUE(busy) << "the victim never took its part";
  // Waits behind the running part: fails when its only engine is lost.
  auto queued = victim_view.apply(test_tasks::add, 1, 2);
  const auto recorded = cluster.recorded_pids();
  ASSERT_NE(std::find(recorded.begin(), recorded.end(), victim.pid), recorded.end());
  ASSERT_EQ(::kill(static_cast<pid_t>(victim.pid), SIGKILL), 0);
  EXPECT_EQ(parts[0].get(kResultWait), 3.0);
  try {
    (void)parts[1].get(kResultWait);
    FAIL() << "the killed target's part succeeded on engine " << parts[1].metadata().engine_id;
  } catch (const herd::EngineLost& e) {
    EXPECT_EQ(e.engine_id(), victim.id);
  }
  EXPECT_THROW(queued.get(kResultWait), herd::EngineLost);
  // A view made before the loss fails its calls; a new one cannot be made.
  EXPECT_THROW(victim_view.apply(test_tasks::add, 1, 2).get(kResultWait), herd::EngineLost);
  EXPECT_THROW((void)client.direct_view({victim.id}), herd::NoSuchEngine);
}

}  // namespace
