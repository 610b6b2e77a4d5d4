// The slurm launcher: one batch job of --n tasks, submitted with
//   sbatch --parsable --job-name herd-P --ntasks N --output LOG <--slurm-args> run/slurm-job.sh
// whose script runs `srun HERD cluster host --ranked --n 1 --connection-file
// …/engine.json --load …`: each task a host supervisor of one engine, so a
// crashed engine is restarted inside the job. The connection info is the
// cluster's engine.json (0600), read by path from the shared home folder;
// nothing secret is in the script, the job's command line or its
// environment. The job id is recorded (run/launcher.json) and shown by
// `herd status`. A job still pending when --timeout runs out is no failure:
// the start reports `pending slurm_job=ID` and the cluster stays up.
// `herd cluster engines --n N` submits another such job of N tasks, with a
// script of its own (run/slurm-job+TAG.sh).
//
// Stop: scancel ID, then wait (bounded) until squeue no longer lists it.
#include <spdlog/spdlog.h>

#include <fstream>
#include <thread>

#include "launcher.hpp"
#include "logging.hpp"
#include "process.hpp"
#include "program.hpp"

namespace herd::cli {

namespace {

using std::chrono::milliseconds;
using Json = nlohmann::json;

constexpr milliseconds kCommandBound{10'000};
// How often the supervisor asks squeue whether the job is still there: often
// while the start waits, then more and more rarely (a site's slurmctld
// serves many users).
constexpr milliseconds kFirstQueuePoll{1000};
constexpr milliseconds kMaxQueuePoll{60'000};
constexpr milliseconds kGonePoll{200};

// The job's state as squeue shows it ("PENDING", "RUNNING", …), "" once
// the job left the queue, nullopt if squeue failed.
std::optional<std::string> job_state(const std::string& job) {
  const auto r =
      run_program({"squeue", "--noheader", "--jobs", job, "--format", "%T"}, kCommandBound);
  if (!r.ok()) {
    // squeue refuses an id it no longer knows: the job is gone.
    if (r.output.find("Invalid job id") != std::string::npos) return "";
    return std::nullopt;
  }
  const auto words = split_words(r.output);
  return words.empty() ? "" : words.front();
}

class SlurmLauncher : public Launcher {
 public:
  SlurmLauncher(LaunchContext context, std::vector<std::string> sbatch_args)
      : context_(std::move(context)), sbatch_args_(std::move(sbatch_args)) {}

  void start() override {
    write_script(script());
    std::vector<std::string> argv = {
        "sbatch",     "--parsable",
        "--job-name", "herd-" + context_.profile.name(),
        "--ntasks",   std::to_string(context_.engines),
        "--output",   (context_.profile.log_dir() / "slurm-%j.log").string()};
    argv.insert(argv.end(), sbatch_args_.begin(), sbatch_args_.end());
    argv.push_back(script().string());
    const auto r = run_program(argv, kCommandBound);
    const auto words = split_words(r.output);
    if (!r.ok() || words.empty())
      throw std::runtime_error("sbatch failed: " + (r.output.empty() ? "no output" : r.output));
    job_ = words.back().substr(0, words.back().find(';'));  // "ID;cluster"
    write_launch_record(context_, {{"launcher", "slurm"}, {"job", job_}});
    spdlog::info("submitted slurm job {} of {} task(s)", job_, context_.engines);
    next_look_ = Clock::now() + queue_poll_;
  }

  int engines() const override { return static_cast<int>(context_.engines); }

  std::string trouble() override {
    if (job_.empty() || gone_ || Clock::now() < next_look_) return "";
    queue_poll_ = std::min(queue_poll_ * 2, kMaxQueuePoll);
    next_look_ = Clock::now() + queue_poll_;
    const auto state = job_state(job_);
    if (!state || !state->empty()) return "";
    gone_ = true;
    const auto log = context_.profile.log_dir() / ("slurm-" + job_ + ".log");
    const std::string error = last_error(log);
    return "slurm job " + job_ + " has ended" + (error.empty() ? "" : ": " + error) + "; see " +
           log.string();
  }

  std::string pending() override {
    const auto state = job_state(job_);
    return state == "PENDING" ? "pending slurm_job=" + job_ : "";
  }

  std::vector<std::string> stop(milliseconds bound) override {
    auto left = stop_recorded_slurm({{"job", job_}}, bound);
    if (left.empty()) {
      remove_launch_record(context_);
      std::error_code ignored;
      std::filesystem::remove(script(), ignored);
    }
    return left;
  }

 private:
  using Clock = std::chrono::steady_clock;

  std::filesystem::path script() const {
    return context_.profile.run_dir() / ("slurm-job" + tag_suffix(context_) + ".sh");
  }

  void write_script(const std::filesystem::path& script) const {
    auto args = ranked_supervisor_arguments(context_);
    args.insert(args.begin(), {"srun", self_path()});
    std::ofstream out(script, std::ios::trunc);
    out << "#!/bin/sh\n# herd cluster start --launcher slurm: one engine per task.\nexec "
        << shell_line(args) << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + script.string());
  }

  LaunchContext context_;
  std::vector<std::string> sbatch_args_;
  std::string job_;
  bool gone_ = false;
  Clock::time_point next_look_{};
  milliseconds queue_poll_ = kFirstQueuePoll;
};

}  // namespace

std::unique_ptr<Launcher> make_slurm_launcher(const CommandLine& cl, LaunchContext context) {
  check_job_size(cl, context);
  return std::make_unique<SlurmLauncher>(std::move(context), split_words(cl.text("slurm-args")));
}

std::vector<std::string> stop_recorded_slurm(const Json& record, milliseconds bound) {
  const auto job = record.at("job").get<std::string>();
  if (job.empty()) return {};
  const auto deadline = std::chrono::steady_clock::now() + bound;
  const auto r = run_program({"scancel", job}, bound);
  if (!r.ok()) return {"slurm job " + job + ": scancel failed: " + r.output};
  for (;;) {
    if (job_state(job) == "") return {};
    if (std::chrono::steady_clock::now() >= deadline)
      return {"slurm job " + job + ": still in the queue after scancel"};
    std::this_thread::sleep_for(kGonePoll);
  }
}

}  // namespace herd::cli
