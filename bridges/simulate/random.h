// Random draws for the contact-center simulator.
//
// All randomness of a simulation comes from one Random seeded by the user, and every draw is
// computed here from the raw 64-bit output of std::mt19937_64 (whose sequence the C++ standard
// fixes), not with std:: distributions (whose algorithms are implementation-defined). A seed
// therefore gives the same simulation on every platform with the same floating-point behaviour.
//
// Not thread-safe: owned by one Simulator.
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace ccmon::simulate {

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1) with 53 bits of precision.
  double Uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform01(); }

  // Uniform integer in [0, n); n > 0.
  std::uint64_t UniformIndex(std::uint64_t n);

  // True with probability p (p <= 0 never, p >= 1 always, without consuming a draw).
  bool Bernoulli(double p);

  // Exponential with the given mean (> 0).
  double Exponential(double mean);

  // Standard normal (Box–Muller; one value per two uniform draws).
  double StandardNormal();

  // Lognormal with the given mean and standard deviation of the variable itself (not of its
  // logarithm). sd == 0 returns the mean.
  double LognormalByMoments(double mean, double sd);

  // Index i with probability weights[i] / sum(weights). Weights are >= 0 with a positive sum.
  std::size_t Weighted(std::span<const double> weights);

 private:
  std::mt19937_64 engine_;
};

}  // namespace ccmon::simulate
