// Codecs: every supported type survives a round trip, type names make the
// signatures clients and engines compare, and bad bytes raise DecodeError.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "herd.pb.h"
#include "herd/codec.hpp"
#include "herd/task.hpp"

struct Sample {
  int id = 0;
  std::string name;
  std::vector<double> values;
  std::optional<std::string> note;
  friend bool operator==(const Sample&, const Sample&) = default;
};
HERD_CODEC(Sample, id, name, values, note);

enum class Color : uint8_t { kRed = 1, kGreen = 2 };

namespace {

template <class T>
T round_trip(const T& value) {
  return herd::decode_frame<T>(herd::encode_frame<T>(value));
}

herd::Bytes raw(std::initializer_list<uint8_t> bytes) {
  std::vector<std::byte> v;
  for (uint8_t b : bytes) v.push_back(std::byte{b});
  return herd::Bytes(std::move(v));
}

// A frame holding a 64-bit length and nothing after it.
herd::Bytes length_only(uint64_t n) {
  herd::Writer w;
  w.put_size(n);
  return std::move(w).finish();
}

TEST(CodecTest, ArithmeticRoundTrip) {
  EXPECT_EQ(round_trip(42), 42);
  EXPECT_EQ(round_trip(-7), -7);
  EXPECT_EQ(round_trip(std::numeric_limits<int64_t>::min()), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(round_trip(std::numeric_limits<uint64_t>::max()), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(round_trip<uint8_t>(255), 255);
  EXPECT_EQ(round_trip<int16_t>(-300), -300);
  EXPECT_EQ(round_trip('x'), 'x');
  EXPECT_DOUBLE_EQ(round_trip(3.25), 3.25);
  EXPECT_FLOAT_EQ(round_trip(1.5f), 1.5f);
  EXPECT_TRUE(std::isinf(round_trip(std::numeric_limits<double>::infinity())));
}

TEST(CodecTest, ScalarFramesHaveTheirNaturalSize) {
  EXPECT_EQ(herd::encode_frame(int32_t{1}).size(), 4u);
  EXPECT_EQ(herd::encode_frame(1.0).size(), 8u);
  EXPECT_EQ(herd::encode_frame(true).size(), 1u);
}

TEST(CodecTest, BoolRoundTrip) {
  EXPECT_TRUE(round_trip(true));
  EXPECT_FALSE(round_trip(false));
}

TEST(CodecTest, EnumRoundTrip) {
  EXPECT_EQ(round_trip(Color::kGreen), Color::kGreen);
  EXPECT_EQ(herd::type_name<Color>(), "enum:uint8");
}

TEST(CodecTest, StringRoundTrip) {
  EXPECT_EQ(round_trip(std::string()), "");
  EXPECT_EQ(round_trip(std::string("hello")), "hello");
  const std::string binary("a\0b\xff", 4);
  EXPECT_EQ(round_trip(binary), binary);
  const std::string big(1 << 20, 'z');
  EXPECT_EQ(round_trip(big), big);
}

TEST(CodecTest, VectorOfDoubleRoundTrip) {
  const std::vector<double> v{1.5, -2.25, 0.0, 1e300};
  EXPECT_EQ(round_trip(v), v);
  EXPECT_TRUE(round_trip(std::vector<double>{}).empty());
  // Contiguous scalars travel as one block: a length and the raw values.
  EXPECT_EQ(herd::encode_frame(v).size(), 8u + v.size() * sizeof(double));
}

TEST(CodecTest, VectorOfStringRoundTrip) {
  const std::vector<std::string> v{"", "one", std::string(1000, 'x'), "three"};
  EXPECT_EQ(round_trip(v), v);
}

TEST(CodecTest, NestedContainersRoundTrip) {
  const std::vector<std::vector<int>> v{{1, 2}, {}, {3}};
  EXPECT_EQ(round_trip(v), v);
  const std::vector<bool> bits{true, false, true};
  EXPECT_EQ(round_trip(bits), bits);
}

TEST(CodecTest, MapRoundTrip) {
  const std::map<std::string, int> m{{"a", 1}, {"b", -2}, {"", 0}};
  EXPECT_EQ(round_trip(m), m);
  const std::map<int, std::vector<std::string>> nested{{1, {"x", "y"}}, {2, {}}};
  EXPECT_EQ(round_trip(nested), nested);
  EXPECT_TRUE(round_trip(std::map<int, int>{}).empty());
}

TEST(CodecTest, OptionalRoundTrip) {
  EXPECT_EQ(round_trip(std::optional<int>{}), std::nullopt);
  EXPECT_EQ(round_trip(std::optional<int>{5}), 5);
  EXPECT_EQ(round_trip(std::optional<std::string>{"s"}), "s");
}

TEST(CodecTest, PairAndTupleRoundTrip) {
  const std::pair<int, std::string> p{3, "three"};
  EXPECT_EQ(round_trip(p), p);
  const std::tuple<int, double, std::string, bool> t{1, 2.5, "x", true};
  EXPECT_EQ(round_trip(t), t);
  EXPECT_EQ(round_trip(std::tuple<>{}), std::tuple<>{});
}

TEST(CodecTest, StructRoundTrip) {
  const Sample s{7, "seven", {0.5, 1.5}, "noted"};
  EXPECT_EQ(round_trip(s), s);
  const Sample empty{};
  EXPECT_EQ(round_trip(empty), empty);
  EXPECT_EQ(round_trip(std::vector<Sample>{s, empty}), (std::vector<Sample>{s, empty}));
}

TEST(CodecTest, ProtobufMessageRoundTrip) {
  herd::wire::Header h;
  h.set_type(herd::wire::TASK);
  h.set_task("add");
  h.set_signature("int(int, int)");
  h.set_seq(99);
  h.mutable_hello()->add_tasks()->set_name("nested");
  const auto back = round_trip(h);
  EXPECT_EQ(back.type(), herd::wire::TASK);
  EXPECT_EQ(back.task(), "add");
  EXPECT_EQ(back.signature(), "int(int, int)");
  EXPECT_EQ(back.seq(), 99u);
  ASSERT_EQ(back.hello().tasks_size(), 1);
  EXPECT_EQ(back.hello().tasks(0).name(), "nested");
  EXPECT_EQ(herd::type_name<herd::wire::Header>(), "proto:herd.wire.Header");
}

TEST(CodecTest, ProtobufGarbageThrowsDecodeError) {
  // A valid length prefix around bytes that are not a Header (wire type 7).
  herd::Writer w;
  herd::encode_into<std::string>(w, std::string("\xff\xff\xff\xff", 4));
  const herd::Bytes frame = std::move(w).finish();
  EXPECT_THROW(herd::decode_frame<herd::wire::Header>(frame), herd::DecodeError);
}

TEST(CodecTest, BytesFrameIsPassedThroughWithoutCopy) {
  const herd::Bytes b(std::string("payload"));
  const herd::Bytes encoded = herd::encode_frame(b);
  EXPECT_EQ(encoded.data(), b.data());
  const herd::Bytes decoded = herd::decode_frame<herd::Bytes>(encoded);
  EXPECT_EQ(decoded.data(), b.data());
  EXPECT_EQ(decoded.to_string(), "payload");
}

TEST(CodecTest, BytesInsideAContainerViewTheFrame) {
  const std::vector<herd::Bytes> parts{herd::Bytes(std::string(10000, 'a')),
                                       herd::Bytes(std::string("bc"))};
  const herd::Bytes frame = herd::encode_frame(parts);
  const auto back = herd::decode_frame<std::vector<herd::Bytes>>(frame);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0], parts[0]);
  EXPECT_EQ(back[1], parts[1]);
  // Zero copy: each decoded Bytes points into the frame and shares its owner.
  for (const auto& b : back) {
    EXPECT_EQ(b.owner(), frame.owner());
    EXPECT_GE(b.data(), frame.data());
    EXPECT_LE(b.data() + b.size(), frame.data() + frame.size());
  }
}

TEST(CodecTest, BytesSliceSharesTheOwner) {
  const herd::Bytes b(std::string("0123456789"));
  const herd::Bytes s = b.slice(2, 5);
  EXPECT_EQ(s.to_string(), "23456");
  EXPECT_EQ(s.data(), b.data() + 2);
  EXPECT_EQ(s.owner(), b.owner());
  EXPECT_EQ(b.owner().use_count(), 2);
}

TEST(CodecTest, BytesOutliveTheirSource) {
  herd::Bytes s;
  {
    const herd::Bytes b(std::string(100, 'q'));
    s = b.slice(10, 3);
  }
  EXPECT_EQ(s.to_string(), "qqq");
}

TEST(CodecTest, BytesCopyOfCopies) {
  const char text[] = "copy me";
  const herd::Bytes b = herd::Bytes::copy_of(text, 7);
  EXPECT_NE(static_cast<const void*>(b.data()), static_cast<const void*>(text));
  EXPECT_EQ(b.to_string(), "copy me");
}

TEST(CodecTest, TypeNames) {
  EXPECT_EQ(herd::type_name<int>(), "int");
  EXPECT_EQ(herd::type_name<const int&>(), "int");
  EXPECT_EQ(herd::type_name<int64_t>(), "int64");
  EXPECT_EQ(herd::type_name<uint32_t>(), "uint32");
  EXPECT_EQ(herd::type_name<bool>(), "bool");
  EXPECT_EQ(herd::type_name<double>(), "double");
  EXPECT_EQ(herd::type_name<float>(), "float");
  EXPECT_EQ(herd::type_name<std::string>(), "string");
  EXPECT_EQ(herd::type_name<herd::Bytes>(), "bytes");
  EXPECT_EQ(herd::type_name<std::vector<double>>(), "vector<double>");
  EXPECT_EQ((herd::type_name<std::map<std::string, int>>()), "map<string, int>");
  EXPECT_EQ(herd::type_name<std::optional<int>>(), "optional<int>");
  EXPECT_EQ((herd::type_name<std::pair<int, std::string>>()), "pair<int, string>");
  EXPECT_EQ((herd::type_name<std::tuple<int, double, bool>>()), "tuple<int, double, bool>");
  EXPECT_EQ(herd::type_name<Sample>(),
            "Sample{int, string, vector<double>, optional<string>}");
}

TEST(CodecTest, TaskSignatures) {
  EXPECT_EQ(herd::Task<int(int, int)>::signature(), "int(int, int)");
  EXPECT_EQ(herd::Task<void(double)>::signature(), "void(double)");
  EXPECT_EQ(herd::Task<std::string()>::signature(), "string()");
  EXPECT_EQ((herd::Task<std::vector<double>(std::vector<double>, std::map<std::string, int>)>::signature()),
            "vector<double>(vector<double>, map<string, int>)");
  // Parameters are compared by value type, so const& and by-value agree.
  EXPECT_EQ(herd::Task<int(const std::string&)>::signature(), "int(string)");
  const herd::Task<int(int, int)> add{"add"};
  EXPECT_EQ(add.name(), "add");
}

TEST(CodecTest, TruncatedScalarThrows) {
  EXPECT_THROW(herd::decode_frame<int>(raw({1, 2, 3})), herd::DecodeError);
  EXPECT_THROW(herd::decode_frame<double>(herd::Bytes()), herd::DecodeError);
}

TEST(CodecTest, BoolOtherThanZeroOrOneThrows) {
  // Found by herd_fuzz_messages: copying such a byte into a bool was undefined behaviour.
  EXPECT_THROW(herd::decode_frame<bool>(raw({2})), herd::DecodeError);
  EXPECT_THROW(herd::decode_frame<std::vector<bool>>(raw({1, 0, 0, 0, 0, 0, 0, 0, 0xff})),
               herd::DecodeError);
  EXPECT_TRUE(herd::decode_frame<bool>(raw({1})));
  EXPECT_FALSE(herd::decode_frame<bool>(raw({0})));
}

TEST(CodecTest, TrailingBytesThrow) {
  EXPECT_THROW(herd::decode_frame<int>(raw({1, 0, 0, 0, 9})), herd::DecodeError);
}

TEST(CodecTest, TruncatedStringThrows) {
  herd::Bytes frame = herd::encode_frame(std::string("hello world"));
  EXPECT_THROW(herd::decode_frame<std::string>(frame.slice(0, frame.size() - 1)), herd::DecodeError);
  EXPECT_THROW(herd::decode_frame<std::string>(frame.slice(0, 4)), herd::DecodeError);
}

TEST(CodecTest, EveryTruncationOfAStructThrows) {
  const herd::Bytes frame = herd::encode_frame(Sample{7, "seven", {0.5, 1.5}, "noted"});
  for (size_t n = 0; n < frame.size(); ++n)
    EXPECT_THROW(herd::decode_frame<Sample>(frame.slice(0, n)), herd::DecodeError) << "length " << n;
}

TEST(CodecTest, EveryTruncationOfAMapThrows) {
  const herd::Bytes frame = herd::encode_frame(std::map<std::string, std::vector<int>>{{"a", {1, 2}}, {"bb", {}}});
  for (size_t n = 0; n < frame.size(); ++n)
    EXPECT_THROW((herd::decode_frame<std::map<std::string, std::vector<int>>>(frame.slice(0, n))),
                 herd::DecodeError)
        << "length " << n;
}

TEST(CodecTest, HugeBogusLengthIsRefusedWithoutAllocating) {
  // If any of these believed the length they would try to allocate exabytes
  // (std::bad_alloc or std::length_error) instead of throwing DecodeError.
  const uint64_t huge = uint64_t{1} << 60;
  EXPECT_THROW(herd::decode_frame<std::string>(length_only(huge)), herd::DecodeError);
  EXPECT_THROW(herd::decode_frame<std::vector<double>>(length_only(huge)), herd::DecodeError);
  EXPECT_THROW(herd::decode_frame<std::vector<std::string>>(length_only(huge)), herd::DecodeError);
  EXPECT_THROW((herd::decode_frame<std::map<int, int>>(length_only(huge))), herd::DecodeError);
  EXPECT_THROW(herd::decode_frame<std::vector<uint8_t>>(length_only(~uint64_t{0})), herd::DecodeError);
}

TEST(CodecTest, BogusLengthInsideAVectorOfBytesIsRefused) {
  herd::Writer w;
  w.put_size(1);
  w.put_size(uint64_t{1} << 40);
  w.put("abc", 3);
  EXPECT_THROW(herd::decode_frame<std::vector<herd::Bytes>>(std::move(w).finish()), herd::DecodeError);
  // (A top-level Bytes frame has no length prefix: it is the payload itself.)
}

TEST(CodecTest, DecodeErrorIsAHerdError) {
  try {
    herd::decode_frame<int>(herd::Bytes());
    FAIL() << "no exception";
  } catch (const herd::Error& e) {
    EXPECT_NE(std::string(e.what()), "");
  }
}

}  // namespace
