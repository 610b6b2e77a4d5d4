// Security on by default (CurveZMQ, per-role keys, client tokens): a peer
// that knows only a port gets nothing done; a wrong, foreign or unknown key
// fails at once with a sentence that names the cause; one client cannot
// act on another's tasks; the files a cluster writes are its user's alone.
// (What crosses the wire: encryption_test.cpp.)
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "proto/curve.hpp"
#include "support/cluster_suite.hpp"
#include "support/connection_checks.hpp"
#include "support/raw_peer.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using herd::test::expect_connection_error;
using herd::test::kResultWait;
using herd::test::random_hex;
using herd::test::RawPeer;
namespace fs = std::filesystem;

bool wait_for_file(const fs::path& file, std::chrono::milliseconds bound) {
  const auto deadline = Clock::now() + bound;
  while (!fs::exists(file) && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  return fs::exists(file);
}

// A client built from `info` that tries to run a task (the first call waits
// for the controller's welcome).
void run_a_task(const herd::ConnectionInfo& info) {
  herd::Client client(info, {.connect_timeout = 2s});
  (void)client.load_balanced_view().apply(herd::builtin::whoami).get(kResultWait);
}

class SecurityTest : public herd::test::ClusterSuite<SecurityTest, 1> {
 protected:
  void TearDown() override {
    // Whatever the test tried, the cluster still serves with its engine.
    if (HasFatalFailure()) return;
    EXPECT_EQ(lb().apply(test_tasks::add, 20, 22).get(kResultWait), 42) << "cluster broken";
    EXPECT_EQ(client().status().live_engines(), 1u);
  }
  static herd::ConnectionInfo client_info() {
    return herd::read_connection_file(cluster().client_file());
  }
  static herd::ConnectionInfo engine_info() {
    return herd::read_connection_file(cluster().engine_file());
  }
  static herd::CurveKeys fresh_keys() {
    const auto pair = herd::wire::KeyPair::generate();
    return {client_info().curve.server_public, pair.public_key, pair.secret_key};
  }
  // The live engine (the suite has one).
  static herd::EngineInfo the_engine() {
    for (const auto& e : client().status().engines)
      if (e.state != "lost") return e;
    ADD_FAILURE() << "no live engine";
    return {};
  }

  herd::test::TempDir scratch_{"herd-security-test"};
};

TEST_F(SecurityTest, StatusAndConnectionFilesSayCurve) {
  EXPECT_EQ(client().status().security, "curve");
  EXPECT_EQ(cluster().ready_line().find("insecure"), std::string::npos) << cluster().ready_line();
  for (const auto& file :
       {cluster().client_file(), cluster().engine_file(), cluster().supervisor_file()}) {
    const auto keys = herd::read_connection_file(file).curve;
    EXPECT_EQ(keys.server_public.size(), 40u) << file;
    EXPECT_EQ(keys.public_key.size(), 40u) << file;
    EXPECT_EQ(keys.secret_key.size(), 40u) << file;
  }
  EXPECT_NE(client_info().curve.public_key, engine_info().curve.public_key)
      << "one key for two roles";
}

TEST_F(SecurityTest, PeerWithoutAcceptedKeysCannotRunATask) {
  const std::vector<std::pair<std::string, herd::CurveKeys>> peers = {
      {"no keys", {}}, {"a fresh key pair", fresh_keys()}, {"the engine key", engine_info().curve}};
  for (const auto& [what, keys] : peers) {
    const fs::path marker = scratch_.path() / ("ran-" + random_hex(8));
    RawPeer peer(client_info().url, keys);
    peer.send(herd::test::client_hello(0x5ec0001, "token"));
    herd::wire::Frames task;
    task.push_back(herd::wire::pack(herd::test::task_header(
        0x5ec0001, 1, herd::builtin::shell.name(), herd::builtin::shell.signature())));
    task.push_back(
        herd::wire::to_message(herd::encode_frame(std::string("touch ") + marker.string())));
    peer.send(std::move(task));
    const auto handshake = peer.wait_handshake();
    EXPECT_NE(handshake, RawPeer::Handshake::kSucceeded) << what;
    EXPECT_NE(handshake, RawPeer::Handshake::kNone) << what << ": no handshake outcome within 5 s";
    EXPECT_FALSE(peer.receive(200ms).has_value()) << what << ": the controller answered";
    // The same command from the real client runs: the shell path works.
    const fs::path control = marker.string() + ".control";
    EXPECT_EQ(
        lb().apply(herd::builtin::shell, "touch " + control.string()).get(kResultWait).exit_code,
        0);
    EXPECT_TRUE(fs::exists(control));
    EXPECT_FALSE(fs::exists(marker)) << what << " got a shell command run";
  }
}

TEST_F(SecurityTest, PeerWithoutAnEngineKeyCannotRegisterAsAnEngine) {
  const std::vector<std::pair<std::string, herd::CurveKeys>> peers = {
      {"no keys", {}}, {"a fresh key pair", fresh_keys()}, {"the client key", client_info().curve}};
  for (const auto& [what, keys] : peers) {
    RawPeer peer(engine_info().url, keys);
    peer.send(herd::test::engine_hello());
    EXPECT_NE(peer.wait_handshake(), RawPeer::Handshake::kSucceeded) << what;
    EXPECT_FALSE(peer.receive_type(herd::wire::WELCOME, 200ms).has_value())
        << what << " was welcomed";
    for (const auto& e : client().status().engines)
      EXPECT_NE(e.host, "raw-peer") << what << " registered";
  }
}

// What a supervisor sends when `engine`'s process dies.
herd::wire::Header death_notice(const herd::EngineInfo& engine) {
  herd::wire::Header died;
  died.set_type(herd::wire::ENGINE_DIED);
  died.mutable_hello()->set_version(herd::wire::kProtocolVersion);
  died.mutable_hello()->set_role(herd::wire::ENGINE);
  died.mutable_hello()->set_host(engine.host);
  died.mutable_hello()->set_pid(engine.pid);
  return died;
}

TEST_F(SecurityTest, PeerWithoutKeysCannotDeclareAnEngineDead) {
  const herd::EngineInfo engine = the_engine();
  for (const herd::CurveKeys& keys : {herd::CurveKeys{}, fresh_keys()}) {
    RawPeer peer(client_info().url, keys);
    peer.send(death_notice(engine));
    EXPECT_NE(peer.wait_handshake(), RawPeer::Handshake::kSucceeded);
  }
  EXPECT_EQ(the_engine().id, engine.id);
  EXPECT_EQ(lb().apply(test_tasks::engine_pid).get(kResultWait), engine.pid);
}

TEST_F(SecurityTest, ClientKeyHolderCannotDeclareAnEngineDead) {
  const herd::EngineInfo engine = the_engine();
  RawPeer peer(client_info().url, client_info().curve);
  peer.send(herd::test::client_hello(0x5ec0002, random_hex(32)));
  ASSERT_TRUE(peer.receive_type(herd::wire::WELCOME).has_value())
      << to_string(peer.wait_handshake(0ms));
  peer.send(death_notice(engine));
  EXPECT_TRUE(peer.receive_type(herd::wire::REFUSED).has_value())
      << "ENGINE_DIED from a client key not refused";
  EXPECT_EQ(the_engine().id, engine.id);
  EXPECT_EQ(lb().apply(test_tasks::engine_pid).get(kResultWait), engine.pid);
}

TEST_F(SecurityTest, WrongServerKeyFailsFastNamingTheKey) {
  auto info = client_info();
  info.curve.server_public = herd::wire::KeyPair::generate().public_key;
  expect_connection_error("wrong server key", [&] { run_a_task(info); }, {"key", "does not match"});
}

TEST_F(SecurityTest, EngineKeyOnTheClientPortIsRejected) {
  auto info = client_info();
  info.curve = engine_info().curve;
  expect_connection_error("engine key", [&] { run_a_task(info); }, {"rejected"});
}

TEST_F(SecurityTest, UnknownKeyIsRejected) {
  auto info = client_info();
  info.curve = fresh_keys();
  expect_connection_error("unknown key", [&] { run_a_task(info); }, {"rejected"});
}

TEST_F(SecurityTest, ClientWithoutKeysIsToldTheControllerIsSecure) {
  expect_connection_error(
      "no keys",
      [&] {
        auto c = herd::Client::connect(client_info().url, {.connect_timeout = 2s});
        (void)c.load_balanced_view().apply(herd::builtin::whoami).get(kResultWait);
      },
      {"insecure"});
}

TEST_F(SecurityTest, ConnectionFileReadableByOthersIsRefusedWithTheFix) {
  const fs::path copy = scratch_.path() / "client.json";
  fs::copy_file(cluster().client_file(), copy);
  fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  expect_connection_error(
      "mode 0644",
      [&] {
        herd::Client c(copy, {.connect_timeout = 2s});
        (void)c.load_balanced_view().apply(herd::builtin::whoami).get(kResultWait);
      },
      {"chmod 600"});
}

TEST_F(SecurityTest, FilesOfTheClusterAreItsUsersAlone) {
  const fs::path profile = cluster().client_file().parent_path().parent_path();
  size_t files = 0;
  for (const char* sub : {"security", "log", "run"}) {
    const auto dir = profile / sub;
    EXPECT_EQ(fs::status(dir).permissions() & (fs::perms::group_all | fs::perms::others_all),
              fs::perms::none)
        << dir;
    for (const auto& f : fs::directory_iterator(dir)) {
      ++files;
      struct stat st {};
      ASSERT_EQ(::stat(f.path().c_str(), &st), 0) << f.path();
      EXPECT_EQ(st.st_mode & 077, 0u)
          << f.path() << " has mode " << std::oct << (st.st_mode & 0777);
    }
  }
  EXPECT_GE(files, 6u) << "expected 3 connection files, logs and pid files under " << profile;
}

// ---- client identity: one client key, many clients, each its own tasks ----

uint64_t client_id_of(const std::string& task_id) {
  return std::stoull(task_id.substr(0, 16), nullptr, 16);
}
uint64_t seq_of(const std::string& task_id) {
  return std::stoull(task_id.substr(task_id.find('-') + 1));
}

TEST_F(SecurityTest, AnotherClientCannotTakeAClientsNextTaskId) {
  auto first = lb().apply(test_tasks::add, 1, 2);
  ASSERT_EQ(first.get(kResultWait), 3);
  const uint64_t victim = client_id_of(first.id()), next = seq_of(first.id()) + 1;

  RawPeer intruder(client_info().url, client_info().curve);
  intruder.send(herd::test::client_hello(victim, random_hex(32)));
  // The answer is REFUSED; a WELCOME would come first if there were one.
  const auto answer = intruder.receive();
  herd::wire::Header h;
  ASSERT_TRUE(answer && herd::wire::unpack(answer->front(), h)) << "no answer to the HELLO";
  EXPECT_EQ(h.type(), herd::wire::REFUSED)
      << "a HELLO with another client's id and another token was not refused";
  RawPeer other(client_info().url, client_info().curve);
  other.send(herd::test::client_hello(0x5ec0003, random_hex(32)));
  ASSERT_TRUE(other.receive_type(herd::wire::WELCOME).has_value());
  herd::wire::Frames task;
  task.push_back(herd::wire::pack(herd::test::task_header(victim, next, "add", "int(int, int)")));
  task.push_back(herd::wire::to_message(herd::encode_frame(100)));
  task.push_back(herd::wire::to_message(herd::encode_frame(100)));
  other.send(std::move(task));
  EXPECT_TRUE(other.receive_type(herd::wire::REFUSED).has_value())
      << "a TASK under another client's id";

  auto second = lb().apply(test_tasks::add, 20, 22);
  ASSERT_EQ(seq_of(second.id()), next)
      << "the test meant the intruder to take this id: " << second.id();
  EXPECT_EQ(second.get(kResultWait), 42);
}

TEST_F(SecurityTest, AbortFromAnotherClientDoesNotAbort) {
  // One engine, busy with `blocker`: the tasks after it wait in the queue,
  // where an ABORT takes effect at once.
  const fs::path started = scratch_.path() / "started";
  auto blocker = lb().apply(test_tasks::announce_then_sleep, started.string(), 1.5);
  ASSERT_TRUE(wait_for_file(started, 10s)) << "the task did not start";
  auto queued = lb().apply(test_tasks::add, 2, 3);
  RawPeer other(client_info().url, client_info().curve);
  other.send(herd::test::client_hello(0x5ec0004, random_hex(32)));
  ASSERT_TRUE(other.receive_type(herd::wire::WELCOME).has_value());
  for (const std::string& id : {blocker.id(), queued.id()}) {
    herd::wire::Header abort;
    abort.set_type(herd::wire::ABORT);
    abort.set_client(client_id_of(id));
    abort.set_seq(seq_of(id));
    other.send(abort);
  }
  // The owner's own abort does drop its queued task: ABORT works, so the
  // intruder's were refused, not lost. The queue is FIFO on one engine: had
  // `own` run, it would have run before `last`.
  const fs::path own_ran = scratch_.path() / "own-ran";
  auto own = lb().apply(test_tasks::announce_then_sleep, own_ran.string(), 0.0);
  own.abort();
  auto last = lb().apply(test_tasks::add, 4, 5);
  EXPECT_THROW((void)own.get(kResultWait), herd::TaskAborted);
  EXPECT_NO_THROW((void)blocker.get(kResultWait))
      << "another client's ABORT aborted a running task";
  EXPECT_EQ(queued.get(kResultWait), 5) << "another client's ABORT aborted a queued task";
  EXPECT_EQ(last.get(kResultWait), 9);
  EXPECT_FALSE(fs::exists(own_ran)) << "the owner's ABORT did not reach the controller";
}

}  // namespace
