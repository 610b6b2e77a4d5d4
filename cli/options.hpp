// The command line of one herd command: its own options, the ones every
// command shares (--help, --profile, --log-level), and checked access to
// their values. Boost.Program_options has no subcommands, so main() picks the
// command and hands it the remaining arguments.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "herd/profile.hpp"

namespace herd::cli {

namespace po = boost::program_options;

// A bad command line. main() prints "herd: <what>; see herd <command> --help"
// and exits 2.
class UsageError : public std::runtime_error {
 public:
  UsageError(std::string command, const std::string& what)
      : std::runtime_error(what), command_(std::move(command)) {}
  const std::string& command() const { return command_; }

 private:
  std::string command_;
};

class CommandLine {
 public:
  // `command` as typed ("cluster start"); `synopsis` follows it in the usage
  // line; `summary` says what the command does.
  CommandLine(std::string command, std::string synopsis, std::string summary);

  // Options shown by --help, and options only herd itself passes.
  po::options_description& options() { return visible_; }
  po::options_description& hidden() { return hidden_; }
  // Where words that are not options go (by default they are an error).
  po::positional_options_description& positional() { return positional_; }

  // Parses `args` (the arguments after the command words). Returns false
  // when --help was given: the help is printed and the command should exit 0.
  // Throws UsageError.
  bool parse(const std::vector<std::string>& args);

  const std::string& command() const { return command_; }
  const std::string& profile_name() const { return profile_; }
  herd::Profile profile() const { return herd::Profile(profile_); }
  const std::string& log_level() const { return log_level_; }
  bool has(const char* name) const { return vm_.count(name) > 0; }
  bool flag(const char* name) const { return has(name) && vm_[name].as<bool>(); }
  // Whether the option was left at its default (or not given at all).
  bool defaulted(const char* name) const { return !has(name) || vm_[name].defaulted(); }
  // A string option (one with a default, or checked with has()).
  std::string text(const char* name) const { return vm_[name].as<std::string>(); }
  // A repeatable string option; empty if not given.
  std::vector<std::string> strings(const char* name) const;

  // The value of an integer option, which must lie in [lo, hi].
  long integer(const char* name, long lo, long hi) const;
  // An option given in seconds (fractions allowed), which must be positive.
  std::chrono::milliseconds seconds(const char* name) const;

  [[noreturn]] void fail(const std::string& what) const { throw UsageError(command_, what); }

 private:
  std::string command_;
  std::string synopsis_;
  std::string summary_;
  po::options_description visible_;
  po::options_description hidden_;
  po::positional_options_description positional_;
  po::variables_map vm_;
  std::string profile_;
  std::string log_level_;
};

// Text for a duration given in seconds on the command line ("30 s", "2.5 s").
std::string seconds_text(std::chrono::milliseconds d);

}  // namespace herd::cli
