#include "options.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <sstream>

namespace herd::cli {

namespace {

constexpr std::array<const char*, 6> kLogLevels = {"trace", "debug", "info",
                                                   "warn",  "error", "off"};

po::options_description common_options(std::string& profile, std::string& log_level) {
  po::options_description common("Common options");
  common.add_options()("help,h", "show this help")(
      "profile",
      po::value<std::string>(&profile)->default_value(default_profile_name())->value_name("P"),
      "cluster profile (default: $HERD_PROFILE or \"default\")")(
      "log-level", po::value<std::string>(&log_level)->default_value("info")->value_name("LEVEL"),
      "trace|debug|info|warn|error|off");
  return common;
}

}  // namespace

CommandLine::CommandLine(std::string command, std::string synopsis, std::string summary)
    : command_(std::move(command)),
      synopsis_(std::move(synopsis)),
      summary_(std::move(summary)),
      visible_("Options") {}

bool CommandLine::parse(const std::vector<std::string>& args) {
  const po::options_description common = common_options(profile_, log_level_);
  po::options_description all;
  all.add(visible_).add(hidden_).add(common);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional_).run(), vm_);
    if (vm_.count("help")) {
      std::cout << "Usage: herd " << command_ << ' ' << synopsis_ << "\n\n" << summary_ << "\n\n";
      if (!visible_.options().empty()) std::cout << visible_ << '\n';
      std::cout << common;
      return false;
    }
    po::notify(vm_);
  } catch (const po::error& e) {
    fail(e.what());
  }
  if (std::find(kLogLevels.begin(), kLogLevels.end(), log_level_) == kLogLevels.end())
    fail("unknown log level '" + log_level_ + "' (use trace, debug, info, warn, error or off)");
  if (profile_.empty() || profile_.find('/') != std::string::npos)
    fail("invalid profile name '" + profile_ + "'");
  return true;
}

std::vector<std::string> CommandLine::strings(const char* name) const {
  return has(name) ? vm_[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

long CommandLine::integer(const char* name, long lo, long hi) const {
  const long v = vm_[name].as<long>();
  if (v < lo || v > hi) {
    std::ostringstream what;
    what << "--" << name << " must be between " << lo << " and " << hi << ", not " << v;
    fail(what.str());
  }
  return v;
}

std::chrono::milliseconds CommandLine::seconds(const char* name) const {
  const double s = vm_[name].as<double>();
  // An upper bound keeps the conversion to milliseconds exact and finite.
  constexpr double kMaxSeconds = 365.0 * 24 * 3600;
  if (!(s > 0) || s > kMaxSeconds)
    fail(std::string("--") + name + " must be a positive number of seconds");
  return std::chrono::milliseconds(std::llround(s * 1000));
}

std::string seconds_text(std::chrono::milliseconds d) {
  std::ostringstream out;
  out << static_cast<double>(d.count()) / 1000 << " s";
  return out.str();
}

}  // namespace herd::cli
