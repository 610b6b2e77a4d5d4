// Small integer ids for strings that repeat on every task (task names,
// client routing ids), so per-task records hold 4 bytes instead of a string.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace herd::controller {

class Interner {
 public:
  // The id of `s`, assigning the next one on first sight. Ids start at 0.
  uint32_t intern(std::string_view s) {
    auto it = ids_.find(s);  // no string made to look one up
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<uint32_t>(strings_.size());
    strings_.emplace_back(s);
    ids_.emplace(strings_.back(), id);
    return id;
  }
  const std::string& str(uint32_t id) const { return strings_.at(id); }
  size_t size() const { return strings_.size(); }

 private:
  std::vector<std::string> strings_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>()(s);
    }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
};

}  // namespace herd::controller
