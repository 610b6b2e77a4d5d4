#include "support/test_cluster.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <stdexcept>

namespace herd::test {

namespace fs = std::filesystem;

const char* herd_binary() { return HERD_BIN; }
const char* test_tasks_library() { return HERD_TEST_TASKS_LIB; }
const char* extra_tasks_library() { return HERD_TEST_EXTRA_TASKS_LIB; }

namespace {

std::string tail_of(const fs::path& file, size_t lines) {
  std::ifstream in(file);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += l + "\n";
  return out;
}

// The value of `key=` in a line of `key=value` words ("" if absent).
std::string word_value(const std::string& line, const std::string& key) {
  std::istringstream words(line);
  for (std::string w; words >> w;)
    if (w.rfind(key + "=", 0) == 0) return w.substr(key.size() + 1);
  return "";
}

// HERD_TEST_KEEP=1: leave a test's folders behind, to read their logs.
bool keep_files() {
  const char* keep = std::getenv("HERD_TEST_KEEP");
  return keep && *keep == '1';
}

bool is_our_herd_process(pid_t pid) {
  std::error_code ec;
  const auto ours = fs::canonical(herd_binary(), ec);
  return !ec && process_exe(pid) == ours.string();
}

}  // namespace

TestCluster::TestCluster(int engines, std::string profile)
    : owned_dir_(std::make_unique<TempDir>("herd-test")),
      dir_(owned_dir_->path()),
      profile_(std::move(profile)),
      engines_(engines) {
  ::setenv("HERD_DIR", dir_.c_str(), 1);
  start();
}

TestCluster::TestCluster(int engines, std::string profile, ClusterOptions options)
    : owned_dir_(std::make_unique<TempDir>("herd-test")),
      dir_(owned_dir_->path()),
      profile_(std::move(profile)),
      engines_(engines),
      options_(std::move(options)) {
  ::setenv("HERD_DIR", dir_.c_str(), 1);
  start();
}

TestCluster::TestCluster(int engines, std::string profile, fs::path herd_dir)
    : dir_(std::move(herd_dir)), profile_(std::move(profile)), engines_(engines) {
  start();
}

void TestCluster::start() {
  std::vector<std::string> args{"cluster", "start", "--n", std::to_string(engines_), "--daemonize",
                                "--load", test_tasks_library(), "--profile", profile_, "--timeout",
                                std::to_string(kStartTimeout.count())};
  if (options_.insecure) args.push_back("--insecure");
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  const RunResult r = herd(args, kStartTimeout + std::chrono::seconds(10));
  std::string ready;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("ready ", 0) == 0) ready = line;
  const bool ok = r.exit_code == 0 && !ready.empty() &&
                  word_value(ready, "profile") == profile_ &&
                  word_value(ready, "engines") == std::to_string(engines_) &&
                  !word_value(ready, "client").empty();
  if (!ok) {
    const std::string why = "herd cluster start failed: " + r.describe() + "\n--- logs ---\n" + log_tail();
    stop();  // whatever it left behind
    stopped_ = true;
    throw std::runtime_error(why);
  }
  client_file_ = word_value(ready, "client");
  ready_line_ = ready;
  start_watchdog();
}

void TestCluster::start_watchdog() {
  // $1 herd, $2 HERD_DIR, $3 profile, $4 1 if the folder is ours to remove.
  static const char kScript[] =
      "read -r line; [ \"$line\" = done ] && exit 0; "
      "HERD_DIR=\"$2\" \"$1\" cluster stop --profile \"$3\" >/dev/null 2>&1; "
      "[ \"$4\" = 1 ] && rm -rf \"$2\"; exit 0";
  std::vector<std::string> args{"/bin/sh", "-c", kScript, "herd-test-watchdog", herd_binary(),
                                dir_.string(), profile_, owned_dir_ && !keep_files() ? "1" : "0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;  // no safety net, but the test can still run
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  // Forked twice, so that it is no descendant of this process: ctest kills a
  // timed-out test together with every descendant, watchdog included.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();  // nor in its session: a ^C stops the test, not its cleanup
    if (::fork() == 0) {
      ::dup2(fds[0], 0);
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
      ::close_range(3, ~0U, 0);
      ::execv(argv[0], argv.data());
    }
    ::_exit(0);
  }
  ::close(fds[0]);
  ::close(null_fd);
  if (pid < 0) {
    ::close(fds[1]);
    return;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);  // the intermediate child exits at once
  watchdog_fd_ = fds[1];
}

void TestCluster::dismiss_watchdog() {
  if (watchdog_fd_ < 0) return;
  (void)!::write(watchdog_fd_, "done\n", 5);  // it exits at once
  ::close(watchdog_fd_);
  watchdog_fd_ = -1;
}

TestCluster::~TestCluster() {
  client_.reset();
  if (!stopped_) {
    const RunResult r = stop();
    EXPECT_EQ(r.exit_code, 0) << "herd cluster stop: " << r.describe();
  }
  const char* ours = std::getenv("HERD_DIR");
  if (owned_dir_ && ours && dir_ == ours) ::unsetenv("HERD_DIR");
}

herd::Client& TestCluster::client() {
  if (!client_) client_ = std::make_unique<herd::Client>(client_file_);
  return *client_;
}

fs::path TestCluster::run_dir() const { return dir_ / ("profile_" + profile_) / "run"; }
fs::path TestCluster::log_dir() const { return dir_ / ("profile_" + profile_) / "log"; }

RunResult TestCluster::herd(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv{herd_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, timeout, {{"HERD_DIR", dir_.string()}});
}

std::vector<fs::path> TestCluster::pid_files() const {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(run_dir(), ec))
    if (entry.path().extension() == ".pid") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> TestCluster::recorded_pids() const {
  std::vector<pid_t> out;
  for (const auto& file : pid_files()) {
    std::ifstream in(file);
    long pid = 0;
    if (in >> pid && pid > 0) out.push_back(static_cast<pid_t>(pid));
  }
  return out;
}

RunResult TestCluster::stop() {
  client_.reset();
  dismiss_watchdog();
  const std::vector<pid_t> pids = recorded_pids();
  RunResult r = herd({"cluster", "stop", "--profile", profile_});
  stopped_ = true;
  const std::vector<pid_t> left = wait_until_gone(pids, kStopBound);
  std::string listing;
  for (pid_t pid : left) listing += " " + std::to_string(pid) + "(" + process_exe(pid) + ")";
  EXPECT_TRUE(left.empty()) << "still alive 10 s after herd cluster stop:" << listing
                            << "\nstop: " << r.describe() << "\n--- logs ---\n" << log_tail();
  // Never leave a process behind for the next test: only pids the cluster
  // recorded, and only while they still run the herd binary.
  for (pid_t pid : left)
    if (is_our_herd_process(pid)) ::kill(pid, SIGKILL);
  return r;
}

std::string TestCluster::log_tail(size_t lines) const {
  std::string out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(log_dir(), ec)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) out += "== " + file.string() + "\n" + tail_of(file, lines);
  return out;
}

}  // namespace herd::test
