// The engine's SHA-256 (library hashes in herd status): FIPS 180-4's test
// vectors, and a file hashed in pieces against the same bytes at once.
#include "engine/sha256.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/temp_dir.hpp"

namespace {

using herd::engine::sha256_file_hex;
using herd::engine::sha256_hex;

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the padding spills into a second block.
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, FileReadInPiecesHashesLikeItsBytes) {
  herd::test::TempDir dir("herd-sha256");
  std::string bytes;
  for (int i = 0; i < 200'000; ++i) bytes += static_cast<char>(i * 7 % 251);
  const auto path = dir.path() / "lib.so";
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(sha256_file_hex(path), sha256_hex(bytes));
  EXPECT_THROW(sha256_file_hex(dir.path() / "missing.so"), std::runtime_error);
}

}  // namespace
