// The example tasks. The engines load libherd_examples.so
// (herd engine --load libherd_examples.so); a client that links the library
// includes this header and calls the tasks by address: lb.apply(examples::square_root, 2.0).
// Each is registered under its bare name ("square_root"), so a client that does
// not link the library can declare herd::Task<double(double)>{"square_root"}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace examples {

// Sleeps one second, then returns the process id of the engine that ran it.
int64_t who_am_i();

// 2 * num1 + num2, standing in for a costly computation.
int expensive_calculation(int num1, int num2);

double square_root(double x);

// Population variance (divides by n); 0 for an empty input.
double variance(std::vector<double> xs);

// Returns n, except that it throws std::invalid_argument("I hate 8") for 8:
// a task that fails for one input of a map.
int hates_eights(int n);

// The energy left in a unit oscillator (x'' = -x - damping x', starting at
// x = 1 at rest) after 40 time units: the sweep example's "simulation".
double damped_energy(double damping);

// The sum of the std::vector<double> this engine's store holds under `key`
// (put there by DirectView::scatter); also stored under key + ".sum".
double partial_sum(std::string key);

// The pipeline example's stages. load_signal: `samples` values of a noisy
// sine, the same for the same seed. slice_moments: {count, sum, sum of
// squares} of part `part` of `parts` of the signal. add_moments: their
// element-wise sum.
std::vector<double> load_signal(int64_t seed, int64_t samples);
std::vector<double> slice_moments(std::vector<double> signal, int64_t part, int64_t parts);
std::vector<double> add_moments(std::vector<double> a, std::vector<double> b);

}  // namespace examples
