// What crosses the wire: with CurveZMQ (the default) a marker string sent
// as a task argument never appears in the bytes captured on lo; on an
// --insecure cluster it does, which shows the capture would have seen it.
// An insecure cluster also says so everywhere, and a client with keys is
// told why it cannot connect to it. Capturing needs root (AF_PACKET); the
// capture tests skip, saying why, where it is not permitted.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "herd/herd.hpp"
#include "proto/curve.hpp"
#include "support/cluster_suite.hpp"
#include "support/connection_checks.hpp"
#include "support/packet_capture.hpp"
#include "support/test_cluster.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using herd::test::kResultWait;
using herd::test::random_hex;

// A UDP datagram to 127.0.0.1:9 (discard; nothing need listen): it crosses
// lo after whatever was sent before it.
void send_fence(const std::string& text) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  ::close(fd);
}

// Captures lo while `traffic` runs a task carrying `marker`; whether the
// marker crossed lo in the clear. Skips the test when it cannot capture.
template <class Traffic>
std::optional<bool> marker_on_the_wire(const std::string& marker, Traffic traffic,
                                       std::string& why) {
  auto capture = herd::test::PacketCapture::open("lo", why);
  if (!capture) return std::nullopt;
  traffic();
  // Captured in order: once the fence is in, so is everything before it.
  const std::string fence = "fence-" + random_hex(16);
  send_fence(fence);
  const auto deadline = Clock::now() + 5s;
  while (!capture->contains(fence) && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(capture->contains(fence)) << "the capture on lo missed a datagram: it does not work";
  return capture->contains(marker);
}

class EncryptionTest : public herd::test::ClusterSuite<EncryptionTest, 1> {};

TEST_F(EncryptionTest, TaskArgumentsAreEncryptedOnTheWire) {
  const std::string marker = random_hex(32);
  std::string why;
  const auto seen = marker_on_the_wire(
      marker,
      [&] {
        EXPECT_EQ(lb().apply(herd::builtin::shell, "true #" + marker).get(kResultWait).exit_code,
                  0);
      },
      why);
  if (!seen) GTEST_SKIP() << "cannot capture packets on lo: " << why;
  EXPECT_FALSE(*seen) << "the marker crossed lo in the clear on a CurveZMQ cluster";
}

// An --insecure cluster: says so everywhere, and sends in the clear (which
// shows the capture above would have seen an unencrypted marker).
class InsecureClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      cluster_ = std::make_unique<herd::test::TestCluster>(
          1, "insecure", herd::test::ClusterOptions{.insecure = true});
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }
  static void TearDownTestSuite() { cluster_.reset(); }
  void SetUp() override {
    if (!cluster_) FAIL() << "the insecure cluster did not start: " << error_;
  }
  static inline std::unique_ptr<herd::test::TestCluster> cluster_;
  static inline std::string error_;
};

TEST_F(InsecureClusterTest, SaysSoInTheReadyLineStatusAndFiles) {
  const std::string& ready = cluster_->ready_line();
  EXPECT_EQ(ready.substr(ready.find_last_of(' ') + 1), "insecure") << ready;
  EXPECT_EQ(cluster_->client().status().security, "insecure");
  const auto r = cluster_->herd({"status", "--json", "--profile", cluster_->profile()});
  const auto json = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(json.is_object()) << r.describe();
  EXPECT_EQ(json.value("security", ""), "insecure") << r.describe();
  EXPECT_FALSE(herd::read_connection_file(cluster_->client_file()).curve.enabled());
}

TEST_F(InsecureClusterTest, SecureClientIsToldTheControllerIsInsecure) {
  auto info = herd::read_connection_file(cluster_->client_file());
  const auto server = herd::wire::KeyPair::generate(), mine = herd::wire::KeyPair::generate();
  info.curve = {server.public_key, mine.public_key, mine.secret_key};
  herd::test::expect_connection_error(
      "a client with keys",
      [&] {
        herd::Client client(info, {.connect_timeout = 2s});
        (void)client.load_balanced_view().apply(herd::builtin::whoami).get(kResultWait);
      },
      {"insecure"});
}

TEST_F(InsecureClusterTest, TaskArgumentsTravelInTheClear) {
  const std::string marker = random_hex(32);
  auto lb = cluster_->client().load_balanced_view();
  std::string why;
  const auto seen = marker_on_the_wire(
      marker,
      [&] {
        EXPECT_EQ(lb.apply(herd::builtin::shell, "true #" + marker).get(kResultWait).exit_code, 0);
      },
      why);
  if (!seen) GTEST_SKIP() << "cannot capture packets on lo: " << why;
  EXPECT_TRUE(*seen) << "the marker was not captured on lo although the cluster is insecure";
}

}  // namespace
