// A test suite sharing one cluster: SetUpTestSuite starts it, TearDownTestSuite
// stops it, and a test whose suite has no cluster fails with the reason.
//   class ApplyTest : public herd::test::ClusterSuite<ApplyTest, 2> {};
#pragma once

#include <exception>
#include <gtest/gtest.h>
#include <memory>
#include <string>

#include "herd/herd.hpp"
#include "support/test_cluster.hpp"

namespace herd::test {

// Bounds on waits in tests: generous, so a slow machine passes; finite, so
// a broken cluster fails the test instead of hanging it.
inline constexpr auto kEngineWait = std::chrono::seconds(30);
inline constexpr auto kResultWait = std::chrono::seconds(30);

template <class Suite, int kEngines>
class ClusterSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      cluster_ = std::make_unique<TestCluster>(kEngines);
      cluster_->client().wait_for_engines(kEngines, kEngineWait);
    } catch (const std::exception& e) {
      error_ = e.what();
      cluster_.reset();
    }
  }
  static void TearDownTestSuite() { cluster_.reset(); }
  void SetUp() override {
    if (!cluster_) FAIL() << "the suite's cluster did not start: " << error_;
  }

  static TestCluster& cluster() { return *cluster_; }
  static herd::Client& client() { return cluster_->client(); }
  static herd::LoadBalancedView lb() { return client().load_balanced_view(); }

 private:
  static inline std::unique_ptr<TestCluster> cluster_;
  static inline std::string error_;
};

}  // namespace herd::test
