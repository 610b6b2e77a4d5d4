// Summaries of latency samples.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace herd::bench {

struct LatencySummary {
  double p50_us = 0, p99_us = 0, p999_us = 0, mean_us = 0;
};

// The middle value (the upper one of an even count); 0 for none.
inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

inline LatencySummary summarize(std::vector<double> samples_us) {
  LatencySummary s;
  if (samples_us.empty()) return s;
  std::sort(samples_us.begin(), samples_us.end());
  auto at = [&](double q) {
    return samples_us[std::min(samples_us.size() - 1,
                               static_cast<size_t>(q * static_cast<double>(samples_us.size())))];
  };
  s.p50_us = at(0.50);
  s.p99_us = at(0.99);
  s.p999_us = at(0.999);
  double sum = 0;
  for (double v : samples_us) sum += v;
  s.mean_us = sum / static_cast<double>(samples_us.size());
  return s;
}

inline double micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace herd::bench
