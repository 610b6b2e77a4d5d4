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
    if (had_old_) ::setenv("HERD_DIR", old_.c_str(), 1);
    else ::unsetenv("HERD_DIR");
  }

  herd::test::TempDir dir_{"herd-profile-test"};
  bool had_old_ = false;
  std::string old_;
};

TEST_F(ProfileTest, HerdDirComesFromTheEnvironment) {
  EXPECT_EQ(herd::herd_dir(), dir_.path());
}

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
  EXPECT_EQ(fs::status(p.security_dir()).permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST_F(ProfileTest, ConnectionFileRoundTripWithMode0600) {
  const herd::Profile p("demo");
  p.create_dirs();
  const herd::ConnectionInfo info{"tcp://127.0.0.1:1", "tcp://127.0.0.1:1", "tcp://127.0.0.1:2",
                                  1234, "demo"};
  herd::write_connection_file(p.client_file(), info);
  EXPECT_EQ(fs::status(p.client_file()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const auto back = herd::read_connection_file(p.client_file());
  EXPECT_EQ(back.url, info.url);
  EXPECT_EQ(back.client_url, info.client_url);
  EXPECT_EQ(back.engine_url, info.engine_url);
  EXPECT_EQ(back.controller_pid, 1234);
  EXPECT_EQ(back.profile, "demo");
}

TEST_F(ProfileTest, MissingConnectionFileThrowsConnectionError) {
  EXPECT_THROW(herd::read_connection_file(dir_.path() / "nope.json"), herd::ConnectionError);
  EXPECT_THROW(herd::Client(dir_.path() / "nope.json"), herd::ConnectionError);
  EXPECT_THROW(herd::Client(), herd::ConnectionError) << "the default profile has no cluster here";
}

TEST_F(ProfileTest, MalformedConnectionFileThrowsConnectionError) {
  const fs::path file = dir_.path() / "bad.json";
  std::ofstream(file) << "{ not json";
  EXPECT_THROW(herd::read_connection_file(file), herd::ConnectionError);
  std::ofstream(file) << R"({"client_url": "tcp://x:1"})";  // no "url"
  EXPECT_THROW(herd::read_connection_file(file), herd::ConnectionError);
}

}  // namespace
