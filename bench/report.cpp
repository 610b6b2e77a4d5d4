#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace herd::bench {

void Table::print() const {
  std::vector<size_t> widths;
  for (const auto& c : columns_) widths.push_back(c.size());
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      const std::string pad(widths[i] - std::min(widths[i], cell.size()), ' ');
      line += "  " + (i == 0 ? cell + pad : pad + cell);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    std::printf("%s\n", line.c_str());
  };
  print_row(columns_);
  for (const auto& row : rows_) print_row(row);
}

Report::Report(std::string scenario, std::string title)
    : scenario_(std::move(scenario)), title_(std::move(title)) {
  json_["scenario"] = scenario_;
}

Table& Report::add_table(std::vector<std::string> columns) {
  return tables_.emplace_back(std::move(columns));
}

void Report::add_target(Target target) {
  nlohmann::ordered_json t;
  t["name"] = target.name;
  t["value"] = rounded(target.value, 3);
  t[target.kind == Target::Kind::kAtMost ? "at_most" : "at_least"] = target.limit;
  t["met"] = target.met();
  json_["targets"].push_back(std::move(t));
  targets_.push_back(std::move(target));
}

void Report::print() const {
  std::printf("\n== %s: %s\n", scenario_.c_str(), title_.c_str());
  for (const auto& table : tables_) {
    table.print();
    std::printf("\n");
  }
  for (const auto& line : notes_) std::printf("  %s\n", line.c_str());
  for (const auto& t : targets_)
    std::printf("  target %-40s %10.3f %s %-8g %s\n", t.name.c_str(), t.value,
                t.kind == Target::Kind::kAtMost ? "<=" : ">=", t.limit,
                t.met() ? "met" : "NOT MET");
  std::printf("%s\n", json_.dump().c_str());
  std::fflush(stdout);
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string grouped(uint64_t value) {
  const std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

double rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

}  // namespace herd::bench
