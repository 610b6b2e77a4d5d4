// Who the controller believes a peer is: clients by id and secret token,
// engines by connection, pid and host (so one that says HELLO again after an
// outage keeps its id), and the keys that decide each peer's role.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "controller/client_table.hpp"
#include "controller/engine_registry.hpp"
#include "controller/key_store.hpp"
#include "support/temp_dir.hpp"

namespace {

using herd::controller::Admission;
using herd::controller::ClientTable;
using herd::controller::Clock;
using herd::controller::EngineRegistry;
using herd::controller::KeyRole;
using herd::controller::KeyStore;

// ---- clients -----------------------------------------------------------------

TEST(ClientTableTest, ANewIdIsAcceptedAndFoundByItsConnection) {
  ClientTable table;
  uint32_t index = 99;
  ASSERT_EQ(table.hello(7, "secret", "rid-a", index), ClientTable::Hello::kAccepted);
  EXPECT_EQ(table.at(index).id, 7u);
  EXPECT_EQ(table.by_routing_id("rid-a"), index);
  EXPECT_FALSE(table.by_routing_id("rid-b").has_value());
}

TEST(ClientTableTest, TheSameTokenFromANewConnectionIsTheSameClientMoved) {
  ClientTable table;
  uint32_t first = 0, again = 0;
  ASSERT_EQ(table.hello(7, "secret", "rid-a", first), ClientTable::Hello::kAccepted);
  ASSERT_EQ(table.hello(7, "secret", "rid-b", again), ClientTable::Hello::kResumed);
  EXPECT_EQ(first, again);
  EXPECT_EQ(table.at(first).routing_id, "rid-b");  // results now go to the new connection
  EXPECT_FALSE(table.by_routing_id("rid-a").has_value());
}

TEST(ClientTableTest, AnotherTokenCannotTakeAnIdOver) {
  ClientTable table;
  uint32_t owner = 0, thief = 0;
  ASSERT_EQ(table.hello(7, "secret", "rid-a", owner), ClientTable::Hello::kAccepted);
  EXPECT_EQ(table.hello(7, "guess", "rid-x", thief), ClientTable::Hello::kIdTaken);
  EXPECT_EQ(table.hello(7, "secre", "rid-x", thief), ClientTable::Hello::kIdTaken);
  EXPECT_EQ(table.at(owner).routing_id, "rid-a");
  EXPECT_FALSE(table.by_routing_id("rid-x").has_value());
}

TEST(ClientTableTest, AHelloWithoutIdOrTokenIsRefused) {
  ClientTable table;
  uint32_t index = 0;
  EXPECT_EQ(table.hello(0, "secret", "rid-a", index), ClientTable::Hello::kNoId);
  EXPECT_EQ(table.hello(7, "", "rid-a", index), ClientTable::Hello::kNoId);
  EXPECT_FALSE(table.by_routing_id("rid-a").has_value());
}

TEST(ClientTableTest, ResultsAreKeptUntilTheClientsCountCoversThem) {
  herd::controller::ClientSession session;
  for (int i = 0; i < 5; ++i) {
    session.unconfirmed.emplace_back();
    ++session.results_sent;
  }
  session.confirm(2);  // it has the first two
  EXPECT_EQ(session.unconfirmed.size(), 3u);
  session.confirm(2);  // an old count changes nothing
  EXPECT_EQ(session.unconfirmed.size(), 3u);
  session.confirm(5);
  EXPECT_TRUE(session.unconfirmed.empty());
}

TEST(ClientTableTest, AForgottenClientIsGoneAndItsIdFreeForANewSession) {
  ClientTable table;
  uint32_t first = 0, again = 0;
  ASSERT_EQ(table.hello(7, "secret", "rid-a", first), ClientTable::Hello::kAccepted);
  table.at(first).last_heard = Clock::now() - std::chrono::seconds(60);
  const auto silent = table.silent_since(Clock::now() - std::chrono::seconds(30));
  ASSERT_EQ(silent.size(), 1u);
  table.forget(silent.front());
  EXPECT_TRUE(table.at(first).gone);
  EXPECT_FALSE(table.by_routing_id("rid-a").has_value());
  EXPECT_TRUE(table.silent_since(Clock::now()).empty());
  // It comes back: a new session, not the old one resumed.
  EXPECT_EQ(table.hello(7, "secret", "rid-b", again), ClientTable::Hello::kAccepted);
  EXPECT_NE(again, first);
}

// ---- engines saying HELLO again -------------------------------------------------

herd::wire::Hello engine_hello(int64_t pid, const std::string& host = "h") {
  herd::wire::Hello h;
  h.set_role(herd::wire::ENGINE);
  h.set_pid(pid);
  h.set_host(host);
  auto* t = h.add_tasks();
  t->set_name("add");
  t->set_signature("int(int, int)");
  return h;
}

TEST(EngineIdentityTest, TheSameProcessOnTheSameConnectionIsFoundLiveOrLost) {
  EngineRegistry registry;
  const auto now = Clock::now();
  auto& e = registry.add("rid-1", engine_hello(10), now);
  EXPECT_EQ(registry.find_same("rid-1", engine_hello(10)), &e);
  EXPECT_EQ(registry.find_same("rid-1", engine_hello(11)), nullptr);       // another pid
  EXPECT_EQ(registry.find_same("rid-1", engine_hello(10, "g")), nullptr);  // another host
  EXPECT_EQ(registry.find_same("rid-2", engine_hello(10)), nullptr);       // another connection
  registry.mark_lost(e, "no heartbeat");
  EXPECT_EQ(registry.find_same("rid-1", engine_hello(10)), &e);
}

TEST(EngineIdentityTest, ARevivedEngineKeepsItsIdAndOffersAgain) {
  EngineRegistry registry;
  const auto now = Clock::now();
  auto& e = registry.add("rid-1", engine_hello(10), now);
  const uint32_t id = e.id;
  registry.mark_lost(e, "partition");
  std::string expected;
  EXPECT_EQ(registry.check("add", "int(int, int)", expected), herd::controller::Offer::kNoEngines);
  registry.revive(e, now);
  EXPECT_EQ(e.id, id);
  EXPECT_FALSE(e.lost);
  EXPECT_TRUE(e.lost_reason.empty());
  EXPECT_EQ(registry.live_count(), 1u);
  EXPECT_EQ(registry.all().size(), 1u);
  EXPECT_EQ(registry.check("add", "int(int, int)", expected), herd::controller::Offer::kOk);
  EXPECT_EQ(registry.least_loaded("add", Admission(1)), &e);
}

TEST(EngineIdentityTest, OnlyTheNewestLostEnginesAreListedTheRestCounted) {
  EngineRegistry registry(3);
  const auto now = Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto& e = registry.add("rid-" + std::to_string(i), engine_hello(100 + i), now);
    registry.mark_lost(e, "gone");
  }
  auto& live = registry.add("rid-live", engine_hello(200), now);
  EXPECT_EQ(registry.lost_hidden(), 2u);
  ASSERT_EQ(registry.all().size(), 4u);                // three lost, one live
  EXPECT_EQ(registry.all().begin()->second.pid, 102);  // the two oldest are gone
  EXPECT_EQ(registry.find(live.id), &live);
}

// ---- keys ----------------------------------------------------------------------

TEST(KeyStoreTest, KeysAreMadeOnceKeptPrivateAndReloaded) {
  herd::test::TempDir dir("herd-keys");
  const auto file = dir.path() / "keys.json";
  const KeyStore made = KeyStore::load_or_create(file);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  const KeyStore again = KeyStore::load_or_create(file);
  EXPECT_EQ(again.server().public_key, made.server().public_key);
  for (KeyRole role : {KeyRole::kClient, KeyRole::kEngine, KeyRole::kSupervisor}) {
    EXPECT_EQ(again.of(role).secret_key, made.of(role).secret_key);
    EXPECT_EQ(again.role_of(made.of(role).public_key), role);
  }
  EXPECT_FALSE(again.role_of(made.server().public_key).has_value());
  EXPECT_NE(made.of(KeyRole::kClient).public_key, made.of(KeyRole::kEngine).public_key);
}

TEST(KeyStoreTest, ACorruptKeyFileIsAClearError) {
  herd::test::TempDir dir("herd-keys");
  const auto file = dir.path() / "keys.json";
  std::ofstream(file) << "{\"server\": 1}";
  try {
    KeyStore::load_or_create(file);
    FAIL() << "a corrupt key file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

}  // namespace
