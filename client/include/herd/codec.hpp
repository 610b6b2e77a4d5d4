// Codecs turn argument and result values into bytes and back. Each argument
// travels in a frame of its own, so a large buffer is never copied into a
// protobuf field. Codec<T> has three static members:
//   std::string name();                    // used in task signatures
//   void encode(Writer&, const T&);
//   T decode(Reader&);                     // throws herd::DecodeError
// Provided: arithmetic types, bool, std::string, std::vector, std::map,
// std::optional, std::pair, std::tuple, herd::Bytes, protobuf messages. User
// structs: HERD_CODEC(Type, field…) at global scope, or a specialisation.
#pragma once

#include <bit>
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "herd/bytes.hpp"
#include "herd/error.hpp"

namespace herd {

static_assert(std::endian::native == std::endian::little,
              "herd's wire format writes scalars in little-endian order");

// Appends bytes to a growing buffer.
class Writer {
 public:
  void put(const void* data, size_t size) {
    const auto* p = static_cast<const std::byte*>(data);
    buffer_.insert(buffer_.end(), p, p + size);
  }
  template <class T>
  void put_scalar(T value) {
    put(&value, sizeof value);
  }
  void put_size(size_t n) { put_scalar<uint64_t>(n); }
  void reserve(size_t n) { buffer_.reserve(buffer_.size() + n); }
  size_t size() const { return buffer_.size(); }
  // A length-prefixed item: begin_item() leaves room for the length,
  // end_item() fills it in with what was written since.
  size_t begin_item() {
    const size_t mark = buffer_.size();
    put_size(0);
    return mark;
  }
  void end_item(size_t mark) {
    const uint64_t length = buffer_.size() - mark - sizeof(uint64_t);
    std::memcpy(buffer_.data() + mark, &length, sizeof length);
  }
  Bytes finish() && { return Bytes(std::move(buffer_)); }

 private:
  std::vector<std::byte> buffer_;
};

// Reads from a frame; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(const Bytes& frame) : frame_(frame) {}
  void get(void* out, size_t size) {
    need(size);
    if (size == 0) return;  // an empty vector's data() may be null: memcpy(nullptr, …, 0) is undefined
    std::memcpy(out, frame_.data() + offset_, size);
    offset_ += size;
  }
  template <class T>
  T get_scalar() {
    T value;
    get(&value, sizeof value);
    return value;
  }
  // A count of elements of at least `min_element_size` bytes each; refuses a
  // count that could not fit in what is left, so a corrupt length cannot make
  // the decoder allocate gigabytes.
  size_t get_size(size_t min_element_size = 1) {
    const auto n = get_scalar<uint64_t>();
    if (min_element_size > 0 && n > remaining() / min_element_size)
      throw DecodeError("corrupt length " + std::to_string(n) + " with " +
                        std::to_string(remaining()) + " bytes left");
    return static_cast<size_t>(n);
  }
  // The next `size` bytes as a view of the frame, without a copy.
  Bytes get_view(size_t size) {
    need(size);
    Bytes view = frame_.slice(offset_, size);
    offset_ += size;
    return view;
  }
  size_t remaining() const { return frame_.size() - offset_; }
  void expect_end() const {
    if (remaining() != 0) throw DecodeError(std::to_string(remaining()) + " unexpected trailing bytes");
  }

 private:
  void need(size_t size) const {
    if (size > remaining())
      throw DecodeError("truncated value: need " + std::to_string(size) + " bytes, have " +
                        std::to_string(remaining()));
  }
  const Bytes& frame_;
  size_t offset_ = 0;
};

template <class T>
struct Codec;  // no general definition: a type without a codec does not compile

template <class T>
std::string type_name() {
  return Codec<std::remove_cvref_t<T>>::name();
}
template <class T>
void encode_into(Writer& w, const T& value) {
  Codec<T>::encode(w, value);
}
template <class T>
T decode_from(Reader& r) {
  return Codec<T>::decode(r);
}

// Helpers of the codec templates below.
namespace detail {
template <class T>
std::string arithmetic_name() {
  if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (std::is_same_v<T, char>) return "char";
  else if constexpr (std::is_floating_point_v<T>) return sizeof(T) == 4 ? "float" : "double";
  else if constexpr (std::is_same_v<T, int>) return "int";
  else return (std::is_signed_v<T> ? "int" : "uint") + std::to_string(8 * sizeof(T));
}
template <class... T>
std::string join_names() {
  std::string out;
  ((out += (out.empty() ? "" : ", ") + type_name<T>()), ...);
  return out;
}
template <class T>
inline constexpr bool is_trivially_streamable_v =
    std::is_arithmetic_v<T> && !std::is_same_v<T, bool>;
}  // namespace detail

template <class T>
  requires(std::is_arithmetic_v<T> && !std::is_same_v<T, long double>)
struct Codec<T> {
  static std::string name() { return detail::arithmetic_name<T>(); }
  static void encode(Writer& w, T v) { w.put_scalar(v); }
  static T decode(Reader& r) {
    if constexpr (std::is_same_v<T, bool>) {
      // A byte other than 0 or 1 copied into a bool is undefined behaviour.
      const auto byte = r.get_scalar<uint8_t>();
      if (byte > 1) throw DecodeError("invalid bool value " + std::to_string(byte));
      return byte == 1;
    } else {
      return r.get_scalar<T>();
    }
  }
};

template <class T>
  requires std::is_enum_v<T>
struct Codec<T> {
  static std::string name() { return "enum:" + type_name<std::underlying_type_t<T>>(); }
  static void encode(Writer& w, T v) { w.put_scalar(static_cast<std::underlying_type_t<T>>(v)); }
  static T decode(Reader& r) { return static_cast<T>(r.get_scalar<std::underlying_type_t<T>>()); }
};

template <>
struct Codec<std::string> {
  static std::string name() { return "string"; }
  static void encode(Writer& w, const std::string& s) {
    w.put_size(s.size());
    w.put(s.data(), s.size());
  }
  static std::string decode(Reader& r) {
    std::string s(r.get_size(), '\0');
    r.get(s.data(), s.size());
    return s;
  }
};

template <>
struct Codec<Bytes> {
  static std::string name() { return "bytes"; }
  static void encode(Writer& w, const Bytes& b) {
    w.put_size(b.size());
    w.put(b.data(), b.size());
  }
  static Bytes decode(Reader& r) { return r.get_view(r.get_size()); }
};

template <class T, class A>
struct Codec<std::vector<T, A>> {
  static std::string name() { return "vector<" + type_name<T>() + ">"; }
  static void encode(Writer& w, const std::vector<T, A>& v) {
    w.put_size(v.size());
    if constexpr (detail::is_trivially_streamable_v<T>) {
      w.put(v.data(), v.size() * sizeof(T));
    } else {
      for (const auto& item : v) encode_into<T>(w, item);
    }
  }
  static std::vector<T, A> decode(Reader& r) {
    if constexpr (detail::is_trivially_streamable_v<T>) {
      std::vector<T, A> v(r.get_size(sizeof(T)));
      r.get(v.data(), v.size() * sizeof(T));
      return v;
    } else {
      const size_t n = r.get_size(0);
      std::vector<T, A> v;
      for (size_t i = 0; i < n; ++i) v.push_back(decode_from<T>(r));
      return v;
    }
  }
};

template <class K, class V, class C, class A>
struct Codec<std::map<K, V, C, A>> {
  static std::string name() { return "map<" + detail::join_names<K, V>() + ">"; }
  static void encode(Writer& w, const std::map<K, V, C, A>& m) {
    w.put_size(m.size());
    for (const auto& [k, v] : m) {
      encode_into<K>(w, k);
      encode_into<V>(w, v);
    }
  }
  static std::map<K, V, C, A> decode(Reader& r) {
    const size_t n = r.get_size(0);
    std::map<K, V, C, A> m;
    for (size_t i = 0; i < n; ++i) {
      K k = decode_from<K>(r);
      m.emplace(std::move(k), decode_from<V>(r));
    }
    return m;
  }
};

template <class T>
struct Codec<std::optional<T>> {
  static std::string name() { return "optional<" + type_name<T>() + ">"; }
  static void encode(Writer& w, const std::optional<T>& o) {
    w.put_scalar<uint8_t>(o.has_value());
    if (o) encode_into<T>(w, *o);
  }
  static std::optional<T> decode(Reader& r) {
    if (r.get_scalar<uint8_t>() == 0) return std::nullopt;
    return decode_from<T>(r);
  }
};

template <class A, class B>
struct Codec<std::pair<A, B>> {
  static std::string name() { return "pair<" + detail::join_names<A, B>() + ">"; }
  static void encode(Writer& w, const std::pair<A, B>& p) {
    encode_into<A>(w, p.first);
    encode_into<B>(w, p.second);
  }
  static std::pair<A, B> decode(Reader& r) {
    A a = decode_from<A>(r);
    return {std::move(a), decode_from<B>(r)};
  }
};

template <class... T>
struct Codec<std::tuple<T...>> {
  static std::string name() { return "tuple<" + detail::join_names<T...>() + ">"; }
  static void encode(Writer& w, const std::tuple<T...>& t) {
    std::apply([&w](const auto&... v) { (encode_into<std::remove_cvref_t<decltype(v)>>(w, v), ...); }, t);
  }
  static std::tuple<T...> decode(Reader& r) {
    return std::tuple<T...>{decode_from<T>(r)...};  // braces: left-to-right order
  }
};

// Protobuf messages, recognised by their interface so that this header does
// not need protobuf's.
template <class T>
concept ProtobufMessage = requires(const T& c, T& m, std::string* s, const void* p, int n) {
  { c.SerializeToString(s) } -> std::same_as<bool>;
  { m.ParseFromArray(p, n) } -> std::same_as<bool>;
  { c.GetTypeName() } -> std::convertible_to<std::string>;
};

template <ProtobufMessage T>
struct Codec<T> {
  static std::string name() { return "proto:" + T().GetTypeName(); }
  static void encode(Writer& w, const T& m) {
    std::string s;
    m.SerializeToString(&s);
    encode_into<std::string>(w, s);
  }
  static T decode(Reader& r) {
    const Bytes b = decode_from<Bytes>(r);
    T m;
    if (!m.ParseFromArray(b.data(), static_cast<int>(b.size())))
      throw DecodeError("bytes do not parse as " + name());
    return m;
  }
};

// A whole argument or result as its own frame: the codec's encoding, except
// that Bytes travel as they are.
template <class T>
void encode_frame_into(Writer& w, const T& value) {
  if constexpr (std::is_same_v<T, Bytes>) {
    w.put(value.data(), value.size());
  } else {
    encode_into<T>(w, value);
  }
}
template <class T>
Bytes encode_frame(const T& value) {
  if constexpr (std::is_same_v<T, Bytes>) {
    return value;  // no copy
  } else {
    Writer w;
    encode_into<T>(w, value);
    return std::move(w).finish();
  }
}
template <class T>
T decode_frame(const Bytes& frame) {
  if constexpr (std::is_same_v<T, Bytes>) {
    return frame;
  } else {
    Reader r(frame);
    T value = decode_from<T>(r);
    r.expect_end();
    return value;
  }
}

}  // namespace herd

// HERD_CODEC(Type, field…): a codec for a plain struct, encoding the named
// fields in order. Use at global scope, after the struct's definition. The
// codec's name lists the field types, so two programs whose structs differ
// get a SignatureMismatch instead of garbage.
#define HERD_DETAIL_EXPAND(x) x
#define HERD_DETAIL_FE_1(m, a) m(a)
#define HERD_DETAIL_FE_2(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_1(m, __VA_ARGS__))
#define HERD_DETAIL_FE_3(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_2(m, __VA_ARGS__))
#define HERD_DETAIL_FE_4(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_3(m, __VA_ARGS__))
#define HERD_DETAIL_FE_5(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_4(m, __VA_ARGS__))
#define HERD_DETAIL_FE_6(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_5(m, __VA_ARGS__))
#define HERD_DETAIL_FE_7(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_6(m, __VA_ARGS__))
#define HERD_DETAIL_FE_8(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_7(m, __VA_ARGS__))
#define HERD_DETAIL_FE_9(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_8(m, __VA_ARGS__))
#define HERD_DETAIL_FE_10(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_9(m, __VA_ARGS__))
#define HERD_DETAIL_FE_11(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_10(m, __VA_ARGS__))
#define HERD_DETAIL_FE_12(m, a, ...) m(a) HERD_DETAIL_EXPAND(HERD_DETAIL_FE_11(m, __VA_ARGS__))
#define HERD_DETAIL_FE_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, NAME, ...) NAME
#define HERD_DETAIL_FOR_EACH(m, ...)                                                              \
  HERD_DETAIL_EXPAND(HERD_DETAIL_FE_PICK(__VA_ARGS__, HERD_DETAIL_FE_12, HERD_DETAIL_FE_11,       \
                                         HERD_DETAIL_FE_10, HERD_DETAIL_FE_9, HERD_DETAIL_FE_8,   \
                                         HERD_DETAIL_FE_7, HERD_DETAIL_FE_6, HERD_DETAIL_FE_5,    \
                                         HERD_DETAIL_FE_4, HERD_DETAIL_FE_3, HERD_DETAIL_FE_2,    \
                                         HERD_DETAIL_FE_1)(m, __VA_ARGS__))

#define HERD_DETAIL_FIELD_NAME(f) fields.push_back(::herd::type_name<decltype(Self::f)>());
#define HERD_DETAIL_FIELD_ENCODE(f) ::herd::encode_into<decltype(Self::f)>(w, v.f);
#define HERD_DETAIL_FIELD_DECODE(f) v.f = ::herd::decode_from<decltype(Self::f)>(r);

#define HERD_CODEC(Type, ...)                                          \
  template <>                                                          \
  struct herd::Codec<Type> {                                           \
    using Self = Type;                                                 \
    static std::string name() {                                        \
      std::vector<std::string> fields;                                 \
      HERD_DETAIL_FOR_EACH(HERD_DETAIL_FIELD_NAME, __VA_ARGS__)        \
      std::string out = #Type "{";                                     \
      for (size_t i = 0; i < fields.size(); ++i)                       \
        out += (i ? ", " : "") + fields[i];                            \
      return out + "}";                                                \
    }                                                                  \
    static void encode(::herd::Writer& w, const Self& v) {             \
      HERD_DETAIL_FOR_EACH(HERD_DETAIL_FIELD_ENCODE, __VA_ARGS__)      \
    }                                                                  \
    static Self decode(::herd::Reader& r) {                            \
      Self v{};                                                        \
      HERD_DETAIL_FOR_EACH(HERD_DETAIL_FIELD_DECODE, __VA_ARGS__)      \
      return v;                                                        \
    }                                                                  \
  }
