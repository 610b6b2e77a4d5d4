// Profiles and connection files: where a cluster keeps its files, and how
// client.json is written and read. No cluster involved.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "herd/herd.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* old = std::getenv("HERD_DIR");
    had_old_ = old != nullptr;
    if (old) old_ = old;
    ::setenv("HERD_DIR", dir_.path().c_str(), 1);
  }
  void TearDown() override {
    if (had_old_)
      ::setenv("HERD_DIR", old_.c_str(), 1);
    else
      ::unsetenv("HERD_DIR");
  }

  herd::test::TempDir dir_{"herd-profile-test"};
  bool had_old_ = false;
  std::string old_;
};

TEST_F(ProfileTest, HerdDirComesFromTheEnvironment) { EXPECT_EQ(herd::herd_dir(), dir_.path()); }

TEST_F(ProfileTest, ProfileLayout) {
  const herd::Profile p("demo");
  EXPECT_EQ(p.name(), "demo");
  EXPECT_EQ(p.dir(), dir_.path() / "profile_demo");
  EXPECT_EQ(p.client_file(), dir_.path() / "profile_demo" / "security" / "client.json");
  EXPECT_EQ(p.engine_file(), dir_.path() / "profile_demo" / "security" / "engine.json");
  EXPECT_EQ(p.run_dir(), dir_.path() / "profile_demo" / "run");
  EXPECT_EQ(p.log_dir(), dir_.path() / "profile_demo" / "log");
  p.create_dirs();
  EXPECT_TRUE(fs::is_directory(p.run_dir()));
  EXPECT_TRUE(fs::is_directory(p.log_dir()));
  for (const fs::path& d : {p.dir(), p.security_dir(), p.log_dir(), p.run_dir()})
    EXPECT_EQ(fs::status(d).permissions() & fs::perms::all, fs::perms::owner_all) << d;
}

TEST_F(ProfileTest, ConnectionFileRoundTripWithMode0600) {
  const herd::Profile p("demo");
  p.create_dirs();
  herd::ConnectionInfo info;
  info.url = info.client_url = "tcp://127.0.0.1:1";
  info.engine_url = "tcp://127.0.0.1:2";
  info.controller_pid = 1234;
  info.profile = "demo";
  info.role = "client";
  info.host = "h";
  info.supervisor_pid = 77;
  info.curve = {std::string(40, 'S'), std::string(40, 'P'), std::string(40, 'X')};
  herd::write_connection_file(p.client_file(), info);
  EXPECT_EQ(fs::status(p.client_file()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const auto back = herd::read_connection_file(p.client_file());
  EXPECT_EQ(back.url, info.url);
  EXPECT_EQ(back.client_url, info.client_url);
  EXPECT_EQ(back.engine_url, info.engine_url);
  EXPECT_EQ(back.controller_pid, 1234);
  EXPECT_EQ(back.profile, "demo");
  EXPECT_EQ(back.role, "client");
  EXPECT_EQ(back.host, "h");
  EXPECT_EQ(back.supervisor_pid, 77);
  EXPECT_EQ(back.curve.server_public, info.curve.server_public);
  EXPECT_EQ(back.curve.public_key, info.curve.public_key);
  EXPECT_EQ(back.curve.secret_key, info.curve.secret_key);
}

TEST_F(ProfileTest, MissingConnectionFileThrowsConnectionError) {
  EXPECT_THROW(herd::read_connection_file(dir_.path() / "nope.json"), herd::ConnectionError);
  EXPECT_THROW(herd::Client(dir_.path() / "nope.json"), herd::ConnectionError);
  EXPECT_THROW(herd::Client(), herd::ConnectionError) << "the default profile has no cluster here";
}

TEST_F(ProfileTest, MalformedConnectionFileThrowsConnectionError) {
  const fs::path file = dir_.path() / "bad.json";
  auto write_private = [&](const std::string& text) {
    std::ofstream(file) << text;
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
  };
  write_private("{ not json");
  EXPECT_THROW(herd::read_connection_file(file), herd::ConnectionError);
  write_private(R"({"client_url": "tcp://x:1"})");  // no "url"
  EXPECT_THROW(herd::read_connection_file(file), herd::ConnectionError);
  write_private(R"({"url": "tcp://x:1", "server_key": "only one of three keys"})");
  EXPECT_THROW(herd::read_connection_file(file), herd::ConnectionError);
}

// Like ssh with a private key: a file others can read holds no secret.
TEST_F(ProfileTest, AConnectionFileOthersCanReadIsRefusedWithTheFix) {
  const fs::path file = dir_.path() / "client.json";
  std::ofstream(file) << R"({"url": "tcp://127.0.0.1:1"})";
  fs::permissions(file,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                      fs::perms::others_read,
                  fs::perm_options::replace);
  try {
    herd::read_connection_file(file);
    FAIL() << "a 0644 connection file was accepted";
  } catch (const herd::ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("chmod 600 " + file.string()), std::string::npos)
        << e.what();
  }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  EXPECT_EQ(herd::read_connection_file(file).url, "tcp://127.0.0.1:1");
}

TEST_F(ProfileTest, AFolderWhereTheConnectionFileShouldBeIsAClearError) {
  const fs::path file = dir_.path() / "client.json";
  fs::create_directory(file);
  fs::permissions(file, fs::perms::owner_all, fs::perm_options::replace);
  EXPECT_THROW(herd::read_connection_file(file), herd::ConnectionError);
}

// --file first, then $HERD_CONNECTION_INFO, then the profile's file.
TEST_F(ProfileTest, ConnectionInfoComesFromFileThenEnvironmentThenProfile) {
  const herd::Profile p("demo");
  p.create_dirs();
  herd::ConnectionInfo info;
  info.url = "tcp://profile:1";
  herd::write_connection_file(p.engine_file(), info);
  const fs::path file = dir_.path() / "given.json";
  info.url = "tcp://file:1";
  herd::write_connection_file(file, info);
  const auto role = herd::ConnectionRole::kEngine;

  ::unsetenv("HERD_CONNECTION_INFO");
  EXPECT_EQ(herd::find_connection_info({}, p, role).url, "tcp://profile:1");
  ::setenv("HERD_CONNECTION_INFO", R"({"url": "tcp://env:1"})", 1);
  EXPECT_EQ(herd::find_connection_info({}, p, role).url, "tcp://env:1");
  EXPECT_EQ(herd::find_connection_info(file, p, role).url, "tcp://file:1");
  ::setenv("HERD_CONNECTION_INFO", "{ not json", 1);
  EXPECT_THROW(herd::find_connection_info({}, p, role), herd::ConnectionError);
  ::unsetenv("HERD_CONNECTION_INFO");
}

}  // namespace
