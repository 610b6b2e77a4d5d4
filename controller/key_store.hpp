// The controller's CurveZMQ keys: its own pair and one pair per role
// (client, engine, supervisor). Kept in the profile's security/keys.json
// (mode 0600), so a controller restarted on the same profile keeps them and
// the connection files it wrote before stay valid.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "proto/curve.hpp"

namespace herd::controller {

// Who a key belongs to; the ZAP handler's user id for that key.
enum class KeyRole { kClient, kEngine, kSupervisor };
const char* role_name(KeyRole role);

class KeyStore {
 public:
  // Loads `file`, or creates it with fresh keys. Throws std::runtime_error
  // naming the file when it cannot be read or written.
  static KeyStore load_or_create(const std::filesystem::path& file);

  const wire::KeyPair& server() const { return server_; }
  const wire::KeyPair& of(KeyRole role) const;
  // The role whose public key is `public_z85`, if it is one of ours.
  std::optional<KeyRole> role_of(const std::string& public_z85) const;

 private:
  wire::KeyPair server_, client_, engine_, supervisor_;
};

}  // namespace herd::controller
