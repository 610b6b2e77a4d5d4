// Results by id from the controller's task records: any client, any time
// while they are kept, and `herd tasks` / `herd result` from the shell.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "herd/herd.hpp"
#include "support/eventually.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::TestCluster;

constexpr auto kWait = 30s;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c != '\n') {
      line += c;
      continue;
    }
    lines.push_back(line);
    line.clear();
  }
  return lines;
}

// The first client writes its ids to a file and leaves; a second client,
// and then the herd command, fetch every result by id.
TEST(RecordsTest, AnotherClientFetchesEveryResultByIdAfterTheFirstLeft) {
  TestCluster cluster(2, "records");
  const auto ids_file = cluster.herd_dir() / "ids.txt";
  {
    herd::Client first(cluster.client_file());
    auto lb = first.load_balanced_view();
    std::vector<herd::AsyncResult<int>> singles;
    for (int i = 0; i < 50; ++i) singles.push_back(lb.apply(test_tasks::add, i, 1000));
    std::vector<int> xs(300), ys(300, 7);
    for (int i = 0; i < 300; ++i) xs[static_cast<size_t>(i)] = i;
    auto m = lb.map(test_tasks::add, xs, ys);
    std::ofstream out(ids_file);
    for (auto& ar : singles) {
      ASSERT_EQ(ar.get(kWait) - 1000, static_cast<int>(&ar - singles.data()));
      out << ar.id() << '\n';
    }
    ASSERT_EQ(m.get(kWait).size(), 300u);
    out << m.id() << '\n';
  }  // the first client leaves

  std::ifstream in(ids_file);
  std::vector<std::string> ids;
  for (std::string id; std::getline(in, id);) ids.push_back(id);
  ASSERT_EQ(ids.size(), 51u);
  herd::Client second(cluster.client_file());
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(second.get_result<int>(ids[static_cast<size_t>(i)]).get(kWait), i + 1000);
  auto again = second.get_map_result<int>(ids[50]);
  const std::vector<int> values = again.get(kWait);
  ASSERT_EQ(values.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(values[static_cast<size_t>(i)], i + 7) << i;
  EXPECT_EQ(again[5].id(), ids[50] + ":5");
  EXPECT_EQ(second.result_status({ids[0], ids[50]}),
            (std::vector<herd::TaskState>{herd::TaskState::kDone, herd::TaskState::kDone}));

  // A process of its own: the herd command.
  const auto one = cluster.herd({"result", "--profile", "records", ids[3]});
  ASSERT_EQ(one.exit_code, 0) << one.describe();
  EXPECT_EQ(one.out, "1003\n");
  const auto map = cluster.herd({"result", "--profile", "records", ids[50]});
  ASSERT_EQ(map.exit_code, 0) << map.describe();
  const auto printed = lines_of(map.out);
  ASSERT_EQ(printed.size(), 300u) << map.describe();
  EXPECT_EQ(printed[299], "306");
}

// Fetched while it runs, a result comes when the task ends, even if its
// submitter has left by then.
TEST(RecordsTest, AResultFetchedBeforeItIsInComesWhenTheTaskEnds) {
  TestCluster cluster(1, "records-wait");
  std::optional<herd::Client> first(std::in_place, cluster.client_file());
  herd::Client second(cluster.client_file());
  const std::string id = first->load_balanced_view().apply(test_tasks::add_after, 2, 3, 1.5).id();
  ASSERT_TRUE(herd::test::eventually(
      [&] { return second.result_status({id}).at(0) == herd::TaskState::kRunning; }, 10s));
  auto fetched = second.get_result<int>(id);
  first.reset();  // the submitter leaves while its task runs
  EXPECT_FALSE(fetched.ready());
  EXPECT_EQ(fetched.get(kWait), 5);
  const auto records = second.task_records({id});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].task, "add_after");
  EXPECT_EQ(records[0].state, herd::TaskState::kDone);
  EXPECT_EQ(records[0].runs, 1u);
  EXPECT_GE(records[0].finished - records[0].started, 1.4);
  EXPECT_GT(records[0].engine_id, 0u);
}

TEST(RecordsTest, UnknownIdsAndOtherTypesFailAtTheCallWithTheirOwnErrors) {
  TestCluster cluster(1, "records-errors");
  herd::Client client(cluster.client_file());
  auto lb = client.load_balanced_view();
  auto ar = lb.apply(test_tasks::add, 1, 2);
  auto failed = lb.apply(test_tasks::fail_with, std::string("on purpose"));
  ASSERT_EQ(ar.get(kWait), 3);
  ASSERT_TRUE(failed.wait(kWait));
  EXPECT_THROW((void)client.get_result<int>("0123456789abcdef-1"), herd::UnknownResult);
  EXPECT_THROW((void)client.get_result<int>("not an id"), herd::UnknownResult);
  EXPECT_THROW((void)client.get_result<std::string>(ar.id()), herd::SignatureMismatch);
  EXPECT_THROW((void)client.get_map_result<int>(ar.id()), herd::UnknownResult);
  EXPECT_THROW((void)client.get_result<int>(failed.id()).get(kWait), herd::RemoteError);
  EXPECT_EQ(client.result_status({"0123456789abcdef-1", failed.id()}),
            (std::vector<herd::TaskState>{herd::TaskState::kUnknown, herd::TaskState::kFailed}));

  const auto unknown =
      cluster.herd({"result", "--profile", "records-errors", "0123456789abcdef-9"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no record of task 0123456789abcdef-9"), std::string::npos)
      << unknown.describe();
  EXPECT_EQ(lines_of(unknown.err).size(), 1u) << unknown.describe();
  const auto error = cluster.herd({"result", "--profile", "records-errors", failed.id()});
  EXPECT_NE(error.exit_code, 0);
  EXPECT_NE(error.err.find("on purpose"), std::string::npos) << error.describe();
}

TEST(RecordsTest, PurgeFreesOnlyTheClientsOwnFinishedResults) {
  TestCluster cluster(1, "records-purge");
  herd::Client owner(cluster.client_file());
  herd::Client other(cluster.client_file());
  auto lb = owner.load_balanced_view();
  auto a = lb.apply(test_tasks::add, 1, 1);
  auto b = lb.apply(test_tasks::add, 2, 2);
  auto m = lb.map(test_tasks::add, std::vector<int>{1, 2, 3}, std::vector<int>{1, 1, 1});
  ASSERT_EQ(a.get(kWait), 2);
  ASSERT_EQ(b.get(kWait), 4);
  ASSERT_EQ(m.get(kWait).size(), 3u);
  EXPECT_EQ(other.purge_results({a.id()}), 0u) << "another client's";
  EXPECT_EQ(owner.purge_results({a.id()}), 1u);
  EXPECT_EQ(other.result_status({a.id()}).at(0), herd::TaskState::kUnknown);
  EXPECT_THROW((void)other.get_result<int>(a.id()), herd::UnknownResult);
  EXPECT_EQ(owner.purge_results_done(), 2u);  // b and the map
  EXPECT_EQ(other.result_status({b.id(), m.id()}),
            (std::vector<herd::TaskState>{herd::TaskState::kUnknown, herd::TaskState::kUnknown}));
}

// The oldest delivered results go beyond --max-results; results nobody
// received yet (their client left while they ran) stay.
TEST(RecordsTest, RetentionDropsTheOldestDeliveredResultsOnly) {
  TestCluster cluster(2, "records-retain", {.extra_args = {"--max-results", "1000"}});
  std::vector<std::string> orphans;
  {
    herd::Client leaving(cluster.client_file());
    auto lb = leaving.load_balanced_view();
    for (int i = 0; i < 2; ++i) orphans.push_back(lb.apply(test_tasks::add_after, i, 1, 1.5).id());
    const std::vector<herd::TaskState> running(2, herd::TaskState::kRunning);
    ASSERT_TRUE(
        herd::test::eventually([&] { return leaving.result_status(orphans) == running; }, 10s));
  }  // gone before they finish: nobody receives these results
  herd::Client client(cluster.client_file());
  auto lb = client.load_balanced_view();
  std::vector<herd::AsyncResult<int>> results;
  for (int i = 0; i < 5000; ++i) results.push_back(lb.apply(test_tasks::add, i, 0));
  for (auto& r : results) ASSERT_TRUE(r.wait(kWait));
  const auto records = client.task_records();
  EXPECT_LE(records.size(), 1000u + orphans.size());
  EXPECT_GE(records.size(), 900u);
  EXPECT_THROW((void)client.get_result<int>(results.front().id()), herd::UnknownResult);
  EXPECT_EQ(client.get_result<int>(results.back().id()).get(kWait), 4999);
  for (size_t i = 0; i < orphans.size(); ++i)
    EXPECT_EQ(client.get_result<int>(orphans[i]).get(kWait), static_cast<int>(i) + 1);

  const auto listed =
      cluster.herd({"tasks", "--profile", "records-retain", "--state", "done", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  const auto json = nlohmann::json::parse(listed.out);
  ASSERT_TRUE(json.is_array());
  EXPECT_LE(json.size(), 1000u + orphans.size());
  EXPECT_GE(json.size(), 900u);
  EXPECT_EQ(json.back().value("state", ""), "done");
}

// A map outlives some of its chunks' results under retention: the items
// they held fail with UnknownResult instead of never coming.
TEST(RecordsTest, AMapWhoseEarlyChunksWereLetGoFailsThoseItems) {
  TestCluster cluster(1, "records-map", {.extra_args = {"--max-results", "10"}});
  herd::Client client(cluster.client_file());
  std::vector<int> xs(100, 1);
  auto m = client.load_balanced_view({.chunksize = 1}).map(test_tasks::add, xs, xs);
  ASSERT_EQ(m.get(kWait).size(), 100u);
  auto again = client.get_map_result<int>(m.id());
  ASSERT_TRUE(again.wait(kWait)) << "items whose chunks were let go never came";
  EXPECT_THROW((void)again[0].get(), herd::UnknownResult);
  EXPECT_EQ(again[99].get(), 2);
}

}  // namespace
