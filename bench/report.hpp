// What a scenario prints: a title, one or more fixed-width tables for
// people, the targets it checks, and one JSON line for scripts. Scenarios
// fill a Report and never format output themselves.
#pragma once

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace herd::bench {

// A performance target of issue 3: `value` must be at most (kAtMost) or at
// least (kAtLeast) `limit`. Targets are reported, never enforced by the exit
// code: timings on a shared machine are not a test.
struct Target {
  enum class Kind { kAtMost, kAtLeast };
  std::string name;
  double value = 0;
  Kind kind = Kind::kAtMost;
  double limit = 0;
  bool met() const { return kind == Kind::kAtMost ? value <= limit : value >= limit; }
};

class Table {
 public:
  explicit Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  // Cells already formatted; the first column is left-aligned, the rest right.
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  void print() const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

class Report {
 public:
  Report(std::string scenario, std::string title);

  const std::string& scenario() const { return scenario_; }
  // The table stays where it is while more are added.
  Table& add_table(std::vector<std::string> columns);
  // A line printed under the tables, such as the cluster command used.
  void note(std::string line) { notes_.push_back(std::move(line)); }
  void add_target(Target target);
  const std::vector<Target>& targets() const { return targets_; }
  // The JSON line's fields, in insertion order; "scenario" comes first.
  nlohmann::ordered_json& json() { return json_; }

  void print() const;

 private:
  std::string scenario_, title_;
  std::deque<Table> tables_;  // stable references
  std::vector<std::string> notes_;
  std::vector<Target> targets_;
  nlohmann::ordered_json json_;
};

// Cell formatting: a fixed number of decimals, and integers with thousands
// separators ("1,000,000").
std::string fixed(double value, int decimals);
std::string grouped(uint64_t value);
// `value` rounded to `decimals`, for JSON fields that should stay short.
double rounded(double value, int decimals);

}  // namespace herd::bench
