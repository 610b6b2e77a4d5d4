// A single-node Slurm of the test's own: munged, slurmctld and slurmd
// started from a temporary folder with a slurm.conf written for this
// machine (127.0.0.1, ports that were free), and stopped by pid. Sets
// SLURM_CONF in this process's environment, so that sbatch, squeue and
// scancel (and herd, started from here) talk to it. Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace herd::test {

class SingleNodeSlurm {
 public:
  // Why it cannot run here (a program missing, not root, no munge key), or "".
  static std::string unavailable_reason();

  // Starts the daemons and waits (bounded) until the node is idle. Throws
  // std::runtime_error with the daemons' output if it does not get there.
  SingleNodeSlurm();
  // Stops the daemons (slurmd, slurmctld, munged) by pid; unsets SLURM_CONF.
  ~SingleNodeSlurm();
  SingleNodeSlurm(const SingleNodeSlurm&) = delete;
  SingleNodeSlurm& operator=(const SingleNodeSlurm&) = delete;

  const std::filesystem::path& conf() const { return conf_; }
  // The job ids squeue lists now (all states).
  std::vector<std::string> queue() const;
  // The daemons' logs, for failure messages.
  std::string logs() const;

 private:
  void write_conf();
  void wait_idle();

  TempDir dir_{"herd-slurm"};
  std::filesystem::path conf_;
  std::unique_ptr<ChildProcess> munged_, slurmctld_, slurmd_;
};

}  // namespace herd::test
