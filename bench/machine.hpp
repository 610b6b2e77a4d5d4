// What the figures were measured on: cores, CPU model, and how busy the
// machine was (other work on it makes every rate lower and noisier).
#pragma once

#include <string>

namespace herd::bench {

unsigned core_count();
std::string cpu_model();  // "model name" from /proc/cpuinfo
double load_average();    // the 1-minute figure from /proc/loadavg

}  // namespace herd::bench
