// The overloads SPEC.md promises for Client::load_balanced_view and
// Client::direct_view: options alone, engines alone (braced or a
// std::vector), both. This file is the test: it must compile (with g++ and,
// through the view_overloads_clang test, clang); what runs only checks that
// a braced list of ids picks the engines overload, not the options one.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "herd/herd.hpp"

namespace {

using namespace std::chrono_literals;

// Never called: each line must compile and pick the overload named.
[[maybe_unused]] void every_overload_compiles(herd::Client& client) {
  const std::vector<uint32_t> ids{1, 2};
  std::vector<uint32_t> mutable_ids{3};
  herd::LoadBalancedView views[] = {
      client.load_balanced_view(),
      client.load_balanced_view({}),
      client.load_balanced_view({.chunksize = 1}),
      client.load_balanced_view({.retries = 2, .timeout = 1s}),
      client.load_balanced_view({1, 2}),
      client.load_balanced_view({1}),
      client.load_balanced_view({1, 2}, {.retries = 1}),
      client.load_balanced_view(ids),
      client.load_balanced_view(mutable_ids),
      client.load_balanced_view(std::vector<uint32_t>{1, 2}),
      client.load_balanced_view(client.ids(), {.chunksize = 4}),
  };
  herd::DirectView direct[] = {
      client.direct_view(),
      client.direct_view({1, 2}),
      client.direct_view({1}),
      client.direct_view(ids),
      client.direct_view(std::vector<uint32_t>{1, 2}),
      client.direct_view().with({.retries = 1}),
  };
  (void)views;
  (void)direct;
}

// Never called: dependencies as SPEC.md writes them, from any result handle,
// and an AsyncResult<T> where a task takes a T.
[[maybe_unused]] void dependencies_compile(const herd::LoadBalancedView& lb,
                                           const herd::AsyncResult<int>& ar1,
                                           const herd::AsyncResult<int>& ar2,
                                           const herd::AsyncMapResult<double>& m) {
  herd::LoadBalancedView views[] = {
      lb.with({.after = {ar1, ar2}}),
      lb.with({.follow = {ar1}}),
      lb.with({.retries = 1, .after = {ar1, m}, .after_failure_ok = true, .follow = {m[0]}}),
  };
  (void)views;
  (void)lb.apply(herd::Task<int(int, int)>{"add"}, ar1, 2);
  (void)lb.apply(herd::Task<int(int, int)>{"add"}, ar1, ar2);
}

// Whether `client.load_balanced_view(arg)` compiles for an argument of type A.
template <class A>
concept BalancesOver = requires(herd::Client& c, A a) {
  c.load_balanced_view(a);
};

TEST(ViewOverloadsTest, EnginesAreTakenOnlyAsAVectorOfIds) {
  EXPECT_TRUE((BalancesOver<std::vector<uint32_t>>));
  EXPECT_TRUE((BalancesOver<herd::TaskOptions>));
  EXPECT_FALSE((BalancesOver<std::vector<int>>)) << "no silent conversion of other vectors";
  EXPECT_FALSE((BalancesOver<uint32_t>));
  EXPECT_NE(&every_overload_compiles, nullptr);
  EXPECT_NE(&dependencies_compile, nullptr);
}

}  // namespace
