// Erlang: queueing formulas for staffing a contact-center queue — Erlang B, Erlang C (M/M/N) and
// Erlang A (Palm's M/M/N+M, exponential patience) — evaluated stably from one agent to millions.
//
// Used by the staffing and expected-wait collectors (collectors/staffing_collector.h,
// collectors/ewt_collector.h) and by the `ccmon staffing` what-if calculator (tools/). The
// reference values these functions reproduce are in docs/staffing.md and tests/unit/common/
// erlang_test.cc (metric-definitions §6: C2, C4, A1).
//
// Notation. λ arrivals per second, AHT = 1/μ mean handle time, A = λ·AHT offered load (Erlangs),
// N agents, T target answer time, θ = 1/mean patience (abandonment rate of one waiting caller).
//
// Erlang B. R_N := 1/B_N − 1 = Σ_{k<N} p_k / p_N for the loss system, by the all-positive
// recursion R_0 = 0, R_k = (k/A)·(1 + R_{k−1}) (the classic B_k = A·B_{k−1}/(k + A·B_{k−1})
// rewritten so nothing cancels); once R passes 1e280 it continues as log R with lgamma, so it
// neither overflows nor loses precision at 10,000+ agents. O(N).
//
// Erlang C (A < N; otherwise the queue grows without bound and `stable` is false):
//   P(W>0) = C = 1 / (1 + (1 − A/N)·R_N)           (= N·B/(N − A(1 − B)))
//   SL(T)  = 1 − C·e^{−(N−A)·T/AHT}   ASA = C·AHT/(N − A)   Lq = C·A/(N − A)   occupancy = A/N.
//
// Erlang A (θ > 0; always stable). The birth–death chain p_k ∝ Π_{i≤k} λ/(min(i,N)μ + (i−N)⁺θ)
// is summed relative to p_N: below N the sum is R_N (Erlang B above); above N it is
// q_j = p_{N+j}/p_N = Π_{k=1..j} y/(x + k) with x = Nμ/θ, y = λ/θ. The q-series is summed outward
// from its largest term j* = ⌊y − x⌋⁺ (log-scaled, so an overloaded queue does not overflow) until
// the geometric tail bound is below 1e-17 of the sum. Then, with Z = R_N + Σq_j:
//   P(W>0) = Σq_j / Z;  E[Q] = Σ j·q_j / Z;  P(Ab) = Σ q_j·(j+1)/(x+j+1) / Z  (= θ·E[Q]/λ);
//   E[W] (all arrivals, abandoners included) = E[Q]/λ;  occupancy = A·(1 − P(Ab))/N.
// A caller finding j others waiting reaches an agent after S_j, hypoexponential with rates
// Nμ + iθ, i = 0..j, unless its own patience runs out first. Since e^{−θ·S_j} ~ Beta(x, j+1)
// (Rényi's representation of exponential order statistics), the exact answer probabilities are
//   P(answered | j) = x/(x+j+1),   E[S_j | answered] = Σ_{i=0..j} 1/(Nμ + (i+1)θ),
// and summing over j in closed form (Kummer's series K(z, c) = Σ_j Π_{k=1..j} z/(c+k)), with
// ζ = e^{−θt} and E_t = exp(y(1 − ζ) − (Nμ + θ)t):
//   P(answered, 0 < W ≤ t) = [x/(x+1)]·(K(y, x+1) − E_t·K(yζ, x+1)) / Z
//   P(still waiting at t)  = E_t·(1 + yζ/(x+1)·K(yζ, x+1)) / Z
//   P(abandoned, W ≤ t)    = P(W>0) − the two above
//   SL(T) = R_N/Z + P(answered, 0 < W ≤ T)   (abandons count as failures: V1)
//   ASA (answered contacts only) = Σ_j q_j·x/(x+j+1)·Σ_{i≤j} 1/(Nμ+(i+1)θ) / Z / P(answered).
// These equal the closed forms of Garnett–Mandelbaum–Reiman (P(W>0) = A(x,y)·E₁/(1+(A(x,y)−1)E₁))
// and integrate the hypoexponential exactly (no time stepping). θ → 0 tends to Erlang C; θ = 0
// (patience +∞) is evaluated as Erlang C.
//
// Service-level variants (metric-definitions §2) from the same prediction: V1 answered within T /
// all; V2 answered within T / (all − abandoned within T); V3 (answered + abandoned within T) / all;
// V5 answered within T / (all − short abandons within T). Each grows with N, so "agents required"
// is found by search: Erlang C steps N upward from ⌊A⌋ + 1 updating R in O(1); Erlang A gallops
// and bisects (each step O(N + series length)).
//
// Pure functions of their arguments; safe on any thread.
#pragma once

#include <cstdint>
#include <limits>

#include "common/status.h"

namespace ccmon::erlang {

enum class Model : std::uint8_t {
  kErlangC = 0,  // M/M/N: nobody abandons.
  kErlangA,      // M/M/N+M: exponential patience with mean Inputs::patience_s.
};

// Label value of a model ("erlang_c", "erlang_a").
const char* ModelName(Model model);

// How abandons within the target time count in a service level (metric-definitions §2).
enum class AbandonCounting : std::uint8_t {
  kNegative = 0,   // V1: answered within T / all arrivals (the Erlang-A service level).
  kIgnored,        // V2: answered within T / (all − abandoned within T).
  kPositive,       // V3: (answered + abandoned within T) / all.
  kShortExcluded,  // V5: answered within T / (all − abandoned within min(T, short_abandon_s)).
};

// What the formulas are evaluated for. Validate() names the first bad field.
struct Inputs {
  double arrival_rate_per_s = 0;  // λ > 0.
  double handle_time_s = 0;       // AHT = 1/μ > 0 (talk + hold + after-contact work).
  // Mean patience 1/θ > 0 for Erlang A; +∞ means nobody abandons (then Erlang A = Erlang C).
  // Ignored by Erlang C.
  double patience_s = std::numeric_limits<double>::infinity();
  double target_time_s = 20;  // T ≥ 0 for the service level.
  double short_abandon_s = 0;  // Short-abandon threshold ≥ 0 (for AbandonCounting::kShortExcluded).

  double offered_load() const { return arrival_rate_per_s * handle_time_s; }
  // InvalidArgument naming the field when a value is out of range or not finite.
  Status Validate() const;
};

// A model's prediction for one staffing level. Probabilities are over all arrivals.
struct Prediction {
  std::int64_t agents = 0;
  double offered_load = 0;  // A = λ·AHT, Erlangs.
  // False when the model has no steady state (Erlang C, or Erlang A without abandonment, with
  // A ≥ N): then wait_probability = 1, service_level = 0 and the waits and queue are +∞.
  bool stable = true;
  double wait_probability = 0;         // P(W > 0): an arrival finds every agent busy.
  double service_level = 0;            // P(answered with W ≤ T) (V1).
  double abandoned_within_target = 0;  // P(abandoned with W ≤ T).
  double short_abandoned = 0;          // P(abandoned with W ≤ min(T, short_abandon_s)).
  double abandon_probability = 0;      // P(Ab).
  double asa_s = 0;                    // Mean wait of answered contacts (ASA).
  double mean_wait_s = 0;              // E[W] over all arrivals (abandoners until they leave).
  double mean_queue_length = 0;        // E[contacts waiting] (Lq).
  double occupancy = 0;                // Mean busy agents / N.
};

// Erlang B blocking probability of `agents` servers offered `load` Erlangs (agents ≥ 0,
// load > 0). Underflows to 0 only when the true value is below ~1e-308.
double ErlangB(std::int64_t agents, double load);

// log(1/B − 1) = log Σ_{k<N} p_k/p_N (−∞ for agents = 0): the stable form of Erlang B used above.
double LogErlangBOdds(std::int64_t agents, double load);

// The model's prediction with `agents` ≥ 1 agents. InvalidArgument for bad inputs, or when an
// Erlang A series would need more than ~2·10^7 terms (an overloaded queue with patience far
// longer than the handle time at millions of Erlangs).
Result<Prediction> Predict(Model model, const Inputs& inputs, std::int64_t agents);

// The service level of `p` counted as `counting` (see AbandonCounting), in [0, 1].
double ServiceLevel(const Prediction& p, AbandonCounting counting);

// The smallest N ≥ 1 whose ServiceLevel(Predict(model, inputs, N), counting) ≥ target, with
// 0 < target < 1. For Erlang C the answer is above A. InvalidArgument for bad inputs or a target
// outside (0, 1); InvalidArgument when the answer would exceed 10^8 agents.
Result<std::int64_t> AgentsRequired(Model model, const Inputs& inputs, double target,
                                    AbandonCounting counting = AbandonCounting::kNegative);

// The Erlang A model predictor of a caller's wait (metric-definitions §5): the expected time until
// an agent takes a caller who has `ahead` ≥ 0 callers ahead of it while all `agents` ≥ 1 agents
// are busy, the callers ahead leaving by service or abandonment:
//   Σ_{i=0..ahead} 1/(Nμ + iθ) = (ψ(x + ahead + 1) − ψ(x))/θ,  x = Nμ/θ
// and (ahead + 1)·AHT/N without abandonment (patience_s = +∞). Seconds; O(1) (digamma) beyond 64
// callers ahead. Preconditions: handle_time_s > 0, patience_s > 0.
double ExpectedWaitBehind(std::int64_t ahead, std::int64_t agents, double handle_time_s,
                          double patience_s);

}  // namespace ccmon::erlang
