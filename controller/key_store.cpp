#include "controller/key_store.hpp"

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "proto/private_file.hpp"

namespace herd::controller {

namespace fs = std::filesystem;

namespace {

nlohmann::json to_json(const wire::KeyPair& pair) {
  return {{"public", pair.public_key}, {"secret", pair.secret_key}};
}

wire::KeyPair from_json(const nlohmann::json& j) {
  wire::KeyPair pair{j.at("public").get<std::string>(), j.at("secret").get<std::string>()};
  if (pair.public_key.size() != 40 || pair.secret_key.size() != 40)
    throw std::runtime_error("a key is not 40 Z85 characters");
  return pair;
}

}  // namespace

const char* role_name(KeyRole role) {
  switch (role) {
    case KeyRole::kEngine:
      return "engine";
    case KeyRole::kSupervisor:
      return "supervisor";
    case KeyRole::kClient:
      break;
  }
  return "client";
}

KeyStore KeyStore::load_or_create(const fs::path& file) {
  KeyStore keys;
  if (fs::exists(file)) {
    try {
      std::ifstream in(file);
      const auto j = nlohmann::json::parse(in);
      keys.server_ = from_json(j.at("server"));
      keys.client_ = from_json(j.at("client"));
      keys.engine_ = from_json(j.at("engine"));
      keys.supervisor_ = from_json(j.at("supervisor"));
      return keys;
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot read the cluster's keys in " + file.string() + ": " +
                               e.what() + "; remove the file to make new keys (and new " +
                               "connection files)");
    }
  }
  keys.server_ = wire::KeyPair::generate();
  keys.client_ = wire::KeyPair::generate();
  keys.engine_ = wire::KeyPair::generate();
  keys.supervisor_ = wire::KeyPair::generate();
  const nlohmann::json j = {{"server", to_json(keys.server_)},
                            {"client", to_json(keys.client_)},
                            {"engine", to_json(keys.engine_)},
                            {"supervisor", to_json(keys.supervisor_)}};
  try {
    wire::write_private_file(file, j.dump(2) + '\n');
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("cannot write the cluster's keys: ") + e.what());
  }
  return keys;
}

const wire::KeyPair& KeyStore::of(KeyRole role) const {
  switch (role) {
    case KeyRole::kEngine:
      return engine_;
    case KeyRole::kSupervisor:
      return supervisor_;
    case KeyRole::kClient:
      break;
  }
  return client_;
}

std::optional<KeyRole> KeyStore::role_of(const std::string& public_z85) const {
  for (KeyRole role : {KeyRole::kClient, KeyRole::kEngine, KeyRole::kSupervisor})
    if (of(role).public_key == public_z85) return role;
  return std::nullopt;
}

}  // namespace herd::controller
