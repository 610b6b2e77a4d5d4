// The mpi launcher: one mpiexec job of --n ranks,
//   mpiexec -n N [--allow-run-as-root] [-x HERD_DIR] <--mpi-args>
//     HERD cluster host --ranked --n 1 --connection-file PROFILE/security/engine.json --load …
// each rank a host supervisor of one engine: a crashed engine is restarted
// by its rank, and the rank itself stays up (and exits 0 when stopped), so
// mpiexec never aborts the job for it. The connection info is the
// cluster's engine.json (0600), read by path: mpiexec forwards standard
// input to rank 0 only, and the ranks of a multi-node job find it on the
// shared home folder. mpiexec refuses to run as root unless told:
// as root we pass --allow-run-as-root. `herd cluster engines --n N` runs
// another such job of N ranks, its engines numbered on (--first-slot).
//
// Stop: SIGTERM to mpiexec, which passes it to every rank; each rank stops
// its engine. mpiexec's pid is recorded, so `herd cluster stop` ends it even
// when the supervisor was killed.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "launcher.hpp"
#include "logging.hpp"
#include "process.hpp"
#include "program.hpp"

namespace herd::cli {

namespace {

using std::chrono::milliseconds;
using Json = nlohmann::json;

std::string command_name(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string first;
  std::getline(in, first, '\0');
  return std::filesystem::path(first).filename().string();
}

class MpiLauncher : public Launcher {
 public:
  MpiLauncher(LaunchContext context, std::vector<std::string> mpi_args)
      : context_(std::move(context)), mpi_args_(std::move(mpi_args)) {}

  void start() override {
    std::vector<std::string> argv = {"mpiexec", "-n", std::to_string(context_.engines)};
    if (::geteuid() == 0) argv.push_back("--allow-run-as-root");
    // Ranks on other nodes get only the variables named.
    if (std::getenv("HERD_DIR")) argv.insert(argv.end(), {"-x", "HERD_DIR"});
    argv.insert(argv.end(), mpi_args_.begin(), mpi_args_.end());
    argv.push_back(self_path());
    const auto rank = ranked_supervisor_arguments(context_);
    argv.insert(argv.end(), rank.begin(), rank.end());
    log_ = context_.profile.log_dir() / ("mpiexec" + tag_suffix(context_) + ".log");
    std::error_code none;
    log_start_ = std::filesystem::file_size(log_, none);
    if (none) log_start_ = 0;
    spdlog::info("starting {} engine(s): {}", context_.engines, shell_line(argv));
    mpiexec_ = std::make_unique<Program>(argv, "", log_);
    write_launch_record(context_, {{"launcher", "mpi"},
                                   {"pid", mpiexec_->pid()},
                                   {"command", "mpiexec"},
                                   {"log", log_.string()}});
  }

  int engines() const override { return static_cast<int>(context_.engines); }

  std::string trouble() override {
    if (!mpiexec_ || reported_) return "";
    const auto status = mpiexec_->poll();
    if (!status) return "";
    reported_ = true;
    std::string what = "mpiexec " + exit_cause(*status) + "; its engines are gone";
    if (const auto error = last_error(log_, log_start_); !error.empty()) what += ": " + error;
    return what + " (see " + log_.string() + ")";
  }

  std::vector<std::string> stop(milliseconds bound) override {
    if (mpiexec_) mpiexec_->stop(bound);
    mpiexec_.reset();
    remove_launch_record(context_);
    return {};
  }

 private:
  LaunchContext context_;
  std::vector<std::string> mpi_args_;
  std::filesystem::path log_;
  std::uintmax_t log_start_ = 0;
  std::unique_ptr<Program> mpiexec_;
  bool reported_ = false;
};

}  // namespace

std::unique_ptr<Launcher> make_mpi_launcher(const CommandLine& cl, LaunchContext context) {
  check_job_size(cl, context);
  return std::make_unique<MpiLauncher>(std::move(context), split_words(cl.text("mpi-args")));
}

std::vector<std::string> stop_recorded_mpi(const Json& record, milliseconds bound) {
  const auto pid = record.at("pid").get<pid_t>();
  // Only if the pid is still mpiexec's: it may have been reused since.
  if (is_alive(pid) && command_name(pid) == record.value("command", "mpiexec"))
    stop_processes({pid}, bound);
  if (is_alive(pid)) return {"mpiexec (pid " + std::to_string(pid) + ")"};
  return {};
}

}  // namespace herd::cli
