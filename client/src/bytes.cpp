#include "herd/bytes.hpp"

namespace herd {

namespace {
// Moves `buffer` into a shared owner and views all of it.
template <class Buffer>
Bytes adopt(Buffer buffer) {
  auto owner = std::make_shared<const Buffer>(std::move(buffer));
  const auto* data = reinterpret_cast<const std::byte*>(owner->data());
  const size_t size = owner->size();
  return Bytes::view(std::move(owner), data, size);
}
}  // namespace

Bytes::Bytes(std::vector<std::byte> buffer) : Bytes(adopt(std::move(buffer))) {}
Bytes::Bytes(std::string buffer) : Bytes(adopt(std::move(buffer))) {}

Bytes Bytes::copy_of(const void* data, size_t size) {
  const auto* p = static_cast<const std::byte*>(data);
  return Bytes(std::vector<std::byte>(p, p + size));
}

}  // namespace herd
