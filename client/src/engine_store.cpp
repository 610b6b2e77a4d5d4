// The engine store, and the built-in tasks through which a DirectView
// reaches it: herd::push stores an encoded value, herd::pull returns one.
#include "herd/engine_store.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "herd/task.hpp"

namespace herd {
namespace {

struct Stored {
  std::string type;  // the codec's name of the value's type
  Bytes value;       // encoded
};

struct Store {
  std::mutex mutex;
  std::map<std::string, Stored> values;
};

Store& store() {
  static Store s;
  return s;
}

std::string where() {
  const uint32_t engine = this_task().engine_id;
  return engine ? " on engine " + std::to_string(engine) : std::string();
}

void push_task(std::string key, std::string type, Bytes value) {
  engine_store().set_encoded(key, std::move(type), std::move(value));
}

Bytes pull_task(std::string key, std::string type) { return engine_store().get_encoded(key, type); }

}  // namespace

EngineStore& engine_store() {
  static EngineStore instance;
  return instance;
}

void EngineStore::set_encoded(const std::string& key, std::string type, Bytes value) {
  std::lock_guard lock(store().mutex);
  store().values[key] = {std::move(type), std::move(value)};
}

Bytes EngineStore::get_encoded(const std::string& key, const std::string& type) const {
  std::lock_guard lock(store().mutex);
  const auto it = store().values.find(key);
  if (it == store().values.end())
    throw std::out_of_range("engine_store: no value under key '" + key + "'" + where());
  if (it->second.type != type)
    throw DecodeError("engine_store: '" + key + "'" + where() + " holds a " + it->second.type +
                      ", not a " + type);
  return it->second.value;
}

bool EngineStore::contains(const std::string& key) const {
  std::lock_guard lock(store().mutex);
  return store().values.count(key) > 0;
}

bool EngineStore::erase(const std::string& key) {
  std::lock_guard lock(store().mutex);
  return store().values.erase(key) > 0;
}

std::vector<std::string> EngineStore::keys() const {
  std::lock_guard lock(store().mutex);
  std::vector<std::string> out;
  out.reserve(store().values.size());
  for (const auto& [key, stored] : store().values) out.push_back(key);
  return out;
}

void EngineStore::clear() {
  std::lock_guard lock(store().mutex);
  store().values.clear();
}

}  // namespace herd

HERD_TASK_NAMED("herd::push", herd::push_task);
HERD_TASK_NAMED("herd::pull", herd::pull_task);
