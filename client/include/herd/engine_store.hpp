// herd::engine_store(): state an engine keeps between tasks, like
// ipyparallel's engine namespace. A task reads and writes it by key; a
// client reaches it through a DirectView (push, pull, scatter, gather).
// Values are kept encoded with herd's codecs, together with their type's
// name, so a value read as another type fails instead of giving garbage.
//
// The store lives as long as the engine process: a restarted engine starts
// empty, and so does a new engine that joins. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "herd/bytes.hpp"
#include "herd/codec.hpp"
#include "herd/error.hpp"

namespace herd {

// Used by EngineStore::set and DirectView::push, both templates.
namespace detail {
// What a value of type T is stored as: text (a literal, a const char*) as
// std::string, everything else as itself.
template <class T>
using stored_t = std::conditional_t<
    std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, Bytes>, std::string, T>;
}  // namespace detail

class EngineStore {
 public:
  EngineStore(const EngineStore&) = delete;
  EngineStore& operator=(const EngineStore&) = delete;

  // Stores `value` under `key`, replacing what was there (of any type).
  template <class T>
  void set(const std::string& key, const T& value) {
    using V = detail::stored_t<T>;
    set_encoded(key, type_name<V>(), encode_frame<V>(V(value)));
  }
  // The value stored under `key`. Throws std::out_of_range naming the key if
  // there is none, herd::DecodeError if it was stored as another type or
  // does not decode as T.
  template <class T>
  [[nodiscard]] T get(const std::string& key) const {
    const Bytes value = get_encoded(key, type_name<T>());
    try {
      return decode_frame<T>(value);
    } catch (const DecodeError& e) {
      throw DecodeError("engine_store: '" + key + "' does not decode as " + type_name<T>() + ": " +
                        e.what());
    }
  }
  [[nodiscard]] bool contains(const std::string& key) const;
  // Removes `key`; false if it was not there.
  bool erase(const std::string& key);
  // Every key, sorted.
  [[nodiscard]] std::vector<std::string> keys() const;
  void clear();

  // The encoded forms (what DirectView::push and pull move): `type` is the
  // codec's name of the value's type (herd::type_name<T>()). get_encoded
  // throws as get() does when the key is missing or `type` differs.
  void set_encoded(const std::string& key, std::string type, Bytes value);
  [[nodiscard]] Bytes get_encoded(const std::string& key, const std::string& type) const;

 private:
  friend EngineStore& engine_store();
  EngineStore() = default;
};

// This process's store (on an engine: shared by every task it runs).
EngineStore& engine_store();

}  // namespace herd
