// herd::Bytes: an immutable, reference-counted byte buffer. A Bytes received
// from the cluster views the network frame it arrived in, without a copy;
// copying a Bytes shares the buffer.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace herd {

class Bytes {
 public:
  Bytes() = default;
  // Takes ownership of the buffer without copying it.
  explicit Bytes(std::vector<std::byte> buffer);
  explicit Bytes(std::string buffer);
  // Copies the bytes.
  static Bytes copy_of(const void* data, size_t size);
  // Views [data, data+size) kept alive by `owner`; no copy.
  static Bytes view(std::shared_ptr<const void> owner, const std::byte* data, size_t size) {
    Bytes b;
    b.owner_ = std::move(owner);
    b.data_ = data;
    b.size_ = size;
    return b;
  }

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const std::byte> span() const { return {data_, size_}; }
  std::string_view as_string_view() const {
    return {reinterpret_cast<const char*>(data_), size_};
  }
  std::string to_string() const { return std::string(as_string_view()); }
  // A sub-range sharing the same buffer.
  Bytes slice(size_t offset, size_t length) const { return view(owner_, data_ + offset, length); }
  const std::shared_ptr<const void>& owner() const { return owner_; }

  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
  }

 private:
  std::shared_ptr<const void> owner_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace herd
