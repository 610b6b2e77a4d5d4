#include "launcher.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pid_files.hpp"

namespace herd::cli {

namespace fs = std::filesystem;

void add_launcher_options(CommandLine& cl) {
  cl.options().add_options()(
      "launcher", po::value<std::string>()->default_value("local")->value_name("NAME"),
      "where the engines run: local (this host), ssh (--hosts), mpi (mpiexec -n N) or slurm "
      "(one sbatch job of N tasks)")(
      "hosts", po::value<std::string>()->value_name("H[=N],..."),
      "ssh: the hosts and engines per host (a,b=4,c: 1, 4 and 1 engines); --n is ignored")(
      "ssh-command", po::value<std::string>()->default_value("ssh")->value_name("CMD"),
      "ssh: the command that runs a command on a host (`CMD HOST COMMAND`), split at blanks")(
      "remote-herd", po::value<std::string>()->default_value("herd")->value_name("PATH"),
      "ssh: the herd binary on the hosts")(
      "mpi-args", po::value<std::string>()->default_value("")->value_name("ARGS"),
      "mpi: more mpiexec arguments, split at blanks: --mpi-args=\"--hostfile hosts "
      "--oversubscribe\"")("slurm-args",
                           po::value<std::string>()->default_value("")->value_name("ARGS"),
                           "slurm: more sbatch arguments, split at blanks: "
                           "--slurm-args=\"--partition debug --time 1:00:00\"");
}

std::unique_ptr<Launcher> make_launcher(const CommandLine& cl, LaunchContext context) {
  const std::string name = cl.text("launcher");
  if (name != "ssh" && cl.has("hosts")) cl.fail("--hosts needs --launcher ssh");
  if (name == "local") return nullptr;
  if (name == "ssh") return make_ssh_launcher(cl, std::move(context));
  if (name == "mpi") return make_mpi_launcher(cl, std::move(context));
  if (name == "slurm") return make_slurm_launcher(cl, std::move(context));
  cl.fail("unknown launcher '" + name + "' (use local, ssh, mpi or slurm)");
}

namespace {

constexpr char kRecordStem[] = "launcher";
constexpr char kRecordExtension[] = ".json";
constexpr int kMaxJoiningLaunches = 10'000;
constexpr long kMaxJobEngines = 4096;
// The launcher options that run/cluster.json keeps for `cluster engines`.
constexpr const char* kLauncherOptions[] = {"launcher",    "hosts",    "ssh-command",
                                            "remote-herd", "mpi-args", "slurm-args"};

fs::path launch_record_file(const herd::Profile& profile, const std::string& suffix) {
  return profile.run_dir() / (kRecordStem + suffix + kRecordExtension);
}

// The records of every launch of the profile (run/launcher*.json).
std::vector<fs::path> launch_record_files(const herd::Profile& profile) {
  std::vector<fs::path> files;
  std::error_code none;
  for (const auto& entry : fs::directory_iterator(profile.run_dir(), none)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kRecordStem) && entry.path().extension() == kRecordExtension)
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json read_record(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return nullptr;
  auto record = nlohmann::json::parse(in, nullptr, false);
  return record.is_object() ? record : nlohmann::json();
}

// Claims the next free tag by creating its record file, so that two
// `cluster engines` at once never share one.
std::string claim_tag(const herd::Profile& profile) {
  for (int n = 1; n <= kMaxJoiningLaunches; ++n) {
    const auto file = launch_record_file(profile, "+" + std::to_string(n));
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      ::close(fd);
      return std::to_string(n);
    }
  }
  throw std::runtime_error("too many launches recorded in " + profile.run_dir().string() +
                           "; stop the cluster with: herd cluster stop --profile " +
                           profile.name());
}

}  // namespace

std::string tag_suffix(const LaunchContext& context) {
  return context.tag.empty() ? "" : "+" + context.tag;
}

std::vector<std::string> launcher_arguments(const CommandLine& cl) {
  std::vector<std::string> args;
  for (const char* name : kLauncherOptions)
    if (!cl.defaulted(name)) args.push_back(std::string("--") + name + "=" + cl.text(name));
  return args;
}

std::unique_ptr<Launcher> make_joining_launcher(const std::vector<std::string>& launcher_args,
                                                LaunchContext context) {
  CommandLine cl("cluster engines", "", "the cluster's launcher options (run/cluster.json)");
  add_launcher_options(cl);
  cl.parse(launcher_args);
  if (cl.text("launcher") == "local") return nullptr;
  context.tag = claim_tag(context.profile);
  try {
    return make_launcher(cl, std::move(context));
  } catch (...) {
    remove_launch_record(context);
    throw;
  }
}

void write_launch_record(const LaunchContext& context, const nlohmann::json& record) {
  const fs::path file = launch_record_file(context.profile, tag_suffix(context));
  const fs::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << record.dump(2) << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + temp.string());
  }
  fs::rename(temp, file);
}

void remove_launch_record(const LaunchContext& context) {
  std::error_code ignored;
  fs::remove(launch_record_file(context.profile, tag_suffix(context)), ignored);
}

bool launch_recorded(const herd::Profile& profile) { return !launch_record_files(profile).empty(); }

std::vector<nlohmann::json> launch_records(const herd::Profile& profile) {
  const fs::path own = launch_record_file(profile, "");
  std::vector<nlohmann::json> records;
  if (auto record = read_record(own); record.is_object()) records.push_back(std::move(record));
  for (const auto& file : launch_record_files(profile))
    if (file != own)
      if (auto record = read_record(file); record.is_object()) records.push_back(std::move(record));
  return records;
}

std::vector<std::string> stop_recorded_launch(const herd::Profile& profile,
                                              std::chrono::milliseconds bound) {
  std::vector<std::string> left;
  for (const auto& file : launch_record_files(profile)) {
    // Empty: a tag claimed by a `cluster engines` whose launch never began.
    const auto record = read_record(file);
    const std::string name = record.is_null() ? "" : record.value("launcher", "");
    std::vector<std::string> not_stopped;
    if (name == "ssh") not_stopped = stop_recorded_ssh(record, bound);
    if (name == "mpi") not_stopped = stop_recorded_mpi(record, bound);
    if (name == "slurm") not_stopped = stop_recorded_slurm(record, bound);
    std::error_code ignored;
    if (not_stopped.empty()) fs::remove(file, ignored);
    left.insert(left.end(), not_stopped.begin(), not_stopped.end());
  }
  return left;
}

std::vector<std::string> host_supervisor_arguments(const LaunchContext& context,
                                                   const std::string& profile, long engines) {
  std::vector<std::string> args = {"cluster",     "host",
                                   "--profile",   profile,
                                   "--log-level", context.log_level,
                                   "--n",         std::to_string(engines)};
  args.insert(args.end(), context.load_arguments.begin(), context.load_arguments.end());
  return args;
}

std::vector<std::string> ranked_supervisor_arguments(const LaunchContext& context) {
  auto args = host_supervisor_arguments(context, context.profile.name(), 1);
  args.insert(args.end(), {"--ranked", "--first-slot", std::to_string(context.first_slot),
                           "--connection-file", context.profile.engine_file().string()});
  return args;
}

void check_job_size(const CommandLine& cl, const LaunchContext& context) {
  if (context.engines < 1 || context.engines > kMaxJobEngines)
    cl.fail("--launcher " + cl.text("launcher") + " needs --n between 1 and " +
            std::to_string(kMaxJobEngines));
}

}  // namespace herd::cli
