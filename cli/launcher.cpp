#include "launcher.hpp"

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

fs::path launch_record_file(const herd::Profile& profile) {
  return profile.run_dir() / "launcher.json";
}

void write_launch_record(const herd::Profile& profile, const nlohmann::json& record) {
  const fs::path file = launch_record_file(profile);
  const fs::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << record.dump(2) << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + temp.string());
  }
  fs::rename(temp, file);
}

void remove_launch_record(const herd::Profile& profile) {
  std::error_code ignored;
  fs::remove(launch_record_file(profile), ignored);
}

nlohmann::json launch_record(const herd::Profile& profile) {
  std::ifstream in(launch_record_file(profile));
  if (!in) return nullptr;
  auto record = nlohmann::json::parse(in, nullptr, false);
  return record.is_object() ? record : nlohmann::json();
}

std::vector<std::string> stop_recorded_launch(const herd::Profile& profile,
                                              std::chrono::milliseconds bound) {
  const auto record = launch_record(profile);
  if (record.is_null()) return {};
  const std::string name = record.value("launcher", "");
  std::vector<std::string> left;
  if (name == "ssh") left = stop_recorded_ssh(record, bound);
  if (name == "mpi") left = stop_recorded_mpi(record, bound);
  if (name == "slurm") left = stop_recorded_slurm(record, bound);
  if (left.empty()) remove_launch_record(profile);
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

}  // namespace herd::cli
