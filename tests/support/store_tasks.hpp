// Tasks that use the engine store (herd::engine_store()), for the
// DirectView tests. Part of libherd_test_tasks; registered by bare name.
#pragma once

#include <cstdint>
#include <string>

#include "support/test_tasks.hpp"

namespace test_tasks {

// The id of the engine that runs it.
uint32_t engine_id();
// The sum of the std::vector<double> the engine store holds under `key`.
double stored_sum(std::string key);
// Stores `value` (a std::string) under `key`.
void store_text(std::string key, std::string value);
// The Point the engine store holds under `key`, moved by (dx, dy).
Point stored_point_shifted(std::string key, double dx, double dy);

}  // namespace test_tasks
