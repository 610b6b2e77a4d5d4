// The engine store in this process (as a task on an engine sees it), and
// results derived from others (DirectView::gather). No cluster involved.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/src/result_state.hpp"
#include "herd/herd.hpp"

namespace {

using herd::detail::ResultState;

struct Sample {
  int n = 0;
  std::string name;
  friend bool operator==(const Sample&, const Sample&) = default;
};

}  // namespace

HERD_CODEC(Sample, n, name);

namespace {

class EngineStoreTest : public ::testing::Test {
 protected:
  void TearDown() override { herd::engine_store().clear(); }
  herd::EngineStore& store = herd::engine_store();
};

TEST_F(EngineStoreTest, ValuesRoundTripByType) {
  store.set("xs", std::vector<double>{1.5, 2.5});
  store.set("text", "a literal");  // kept as a std::string
  store.set("sample", Sample{3, "three"});
  EXPECT_EQ(store.get<std::vector<double>>("xs"), (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(store.get<std::string>("text"), "a literal");
  EXPECT_EQ(store.get<Sample>("sample"), (Sample{3, "three"}));
  EXPECT_EQ(store.keys(), (std::vector<std::string>{"sample", "text", "xs"}));
}

TEST_F(EngineStoreTest, SetReplacesAValueOfAnyType) {
  store.set("k", 1);
  store.set("k", std::string("now text"));
  EXPECT_EQ(store.get<std::string>("k"), "now text");
  EXPECT_THROW((void)store.get<int>("k"), herd::DecodeError);
}

TEST_F(EngineStoreTest, AMissingKeyThrowsOutOfRangeNamingIt) {
  try {
    (void)store.get<int>("absent");
    FAIL() << "no exception";
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("'absent'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(store.contains("absent"));
  EXPECT_FALSE(store.erase("absent"));
}

TEST_F(EngineStoreTest, AnotherTypeThrowsDecodeErrorNamingBoth) {
  store.set("n", int64_t{5});
  try {
    (void)store.get<double>("n");
    FAIL() << "no exception";
  } catch (const herd::DecodeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'n'"), std::string::npos) << what;
    EXPECT_NE(what.find("double"), std::string::npos) << what;
  }
}

TEST_F(EngineStoreTest, EncodedValuesThatDoNotDecodeThrowDecodeError) {
  // What herd::push stores: the type's name and bytes, here too short.
  store.set_encoded("broken", herd::type_name<std::vector<double>>(),
                    herd::Bytes(std::string("x")));
  EXPECT_THROW(store.get<std::vector<double>>("broken"), herd::DecodeError);
  EXPECT_TRUE(store.erase("broken"));
  EXPECT_FALSE(store.contains("broken"));
}

// ---- results derived from others (gather) ---------------------------------

std::shared_ptr<ResultState> parts(size_t n) {
  return std::make_shared<ResultState>("parts", n, std::weak_ptr<herd::detail::ClientCore>());
}

std::function<herd::Bytes(std::vector<herd::Bytes>)> sum_of_ints() {
  return [](std::vector<herd::Bytes> values) {
    int sum = 0;
    for (const auto& v : values) sum += herd::decode_frame<int>(v);
    return herd::encode_frame(sum);
  };
}

TEST(DerivedResultTest, HoldsTheCombinationOnceEveryPartFinished) {
  auto p = parts(3);
  herd::AsyncResult<int> total(p->derive(sum_of_ints()));
  p->finish_chunk(2, {herd::encode_frame(30)}, {}, {});
  p->finish_chunk(0, {herd::encode_frame(1)}, {}, {});
  EXPECT_FALSE(total.ready());
  p->finish_chunk(1, {herd::encode_frame(200)}, {}, {});
  ASSERT_TRUE(total.ready());
  EXPECT_EQ(total.get(), 231);
}

TEST(DerivedResultTest, DerivedAfterThePartsFinishedIsReadyAtOnce) {
  auto p = parts(1);
  p->complete(herd::encode_frame(7), {});
  EXPECT_EQ(herd::AsyncResult<int>(p->derive(sum_of_ints())).get(), 7);
}

TEST(DerivedResultTest, FailsWithTheLowestFailingPart) {
  auto p = parts(3);
  herd::AsyncResult<int> total(p->derive(sum_of_ints()));
  p->fail_range(2, 1, std::make_exception_ptr(herd::EngineLost("part 2", {})), {});
  p->fail_range(1, 1, std::make_exception_ptr(herd::TaskAborted("part 1")), {});
  p->finish_chunk(0, {herd::encode_frame(1)}, {}, {});
  EXPECT_THROW((void)total.get(), herd::TaskAborted);
}

TEST(DerivedResultTest, ACombineThatThrowsFailsTheResult) {
  auto p = parts(1);
  herd::AsyncResult<int> total(p->derive(sum_of_ints()));
  p->complete(herd::Bytes(std::string("?")), {});  // not an int
  EXPECT_THROW((void)total.get(), herd::DecodeError);
}

}  // namespace
