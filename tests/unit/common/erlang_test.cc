// common/erlang: the published reference values of metric-definitions §6 (C2, C4, A1) to at
// least 4 decimals, cross-checks against independent computations (the birth–death chain summed
// directly; the hypoexponential answer/abandon probabilities integrated as ODEs with RK4 landing
// exactly on T; Garnett–Mandelbaum–Reiman's closed forms), the θ → 0 limit, stability and
// monotonicity at 2,000 and 10,000 agents, and "agents required" as the smallest N meeting the
// target.
#include "common/erlang.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ccmon::erlang {
namespace {

constexpr double kMin = 60;

// C2 / A1: 100 calls per 30 minutes, AHT 3 min, N = 14, T = 20 s (and patience 5 min for A1).
Inputs CallCentreHelperExample() {
  Inputs in;
  in.arrival_rate_per_s = 100.0 / (30 * kMin);
  in.handle_time_s = 3 * kMin;
  in.target_time_s = 20;
  return in;
}
Inputs PyworkforceErlangA() {
  Inputs in = CallCentreHelperExample();
  in.patience_s = 5 * kMin;
  return in;
}

Prediction MustPredict(Model model, const Inputs& in, std::int64_t n) {
  Result<Prediction> p = Predict(model, in, n);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : Prediction{};
}

// The Erlang A chain summed directly (long double, truncated far in the tail): an independent
// check of the series in erlang.cc. Returns p_k for k = 0..max_k.
std::vector<long double> ChainProbabilities(const Inputs& in, int n, int max_k) {
  const long double lambda = in.arrival_rate_per_s;
  const long double mu = 1.0L / in.handle_time_s;
  const long double theta = 1.0L / in.patience_s;
  std::vector<long double> p(static_cast<std::size_t>(max_k) + 1);
  p[0] = 1;
  long double total = 1;
  for (int k = 1; k <= max_k; ++k) {
    const long double rate = std::min(k, n) * mu + std::max(k - n, 0) * theta;
    p[static_cast<std::size_t>(k)] = p[static_cast<std::size_t>(k) - 1] * lambda / rate;
    total += p[static_cast<std::size_t>(k)];
  }
  for (auto& v : p) v /= total;
  return p;
}

// For a caller who finds j others waiting: the probabilities of being answered and of abandoning
// by time t, from the backward equations of its hypoexponential progress (rates Nμ + iθ for i
// others ahead) plus its own patience θ, integrated with RK4 in `steps` steps that land exactly
// on t. Index j of each vector.
struct ByTime {
  std::vector<double> answered;
  std::vector<double> abandoned;
};
ByTime IntegrateCaller(const Inputs& in, int n, int max_j, double t, int steps) {
  const double mu = 1.0 / in.handle_time_s;
  const double theta = 1.0 / in.patience_s;
  const auto size = static_cast<std::size_t>(max_j) + 1;
  // y = [u_0..u_J, v_0..v_J]; u_j' = r_j(u_{j−1} − u_j) − θu_j with u_{−1} = 1 (answered);
  // v_j' = r_j(v_{j−1} − v_j) + θ(1 − v_j) with v_{−1} = 0.
  auto derivative = [&](const std::vector<double>& y, std::vector<double>* dy) {
    for (std::size_t j = 0; j < size; ++j) {
      const double r = n * mu + static_cast<double>(j) * theta;
      const double u_prev = j == 0 ? 1.0 : y[j - 1];
      const double v_prev = j == 0 ? 0.0 : y[size + j - 1];
      (*dy)[j] = r * (u_prev - y[j]) - theta * y[j];
      (*dy)[size + j] = r * (v_prev - y[size + j]) + theta * (1.0 - y[size + j]);
    }
  };
  std::vector<double> y(2 * size, 0.0), k1(2 * size), k2(2 * size), k3(2 * size), k4(2 * size),
      tmp(2 * size);
  const double h = t / steps;
  for (int s = 0; s < steps; ++s) {
    derivative(y, &k1);
    for (std::size_t i = 0; i < y.size(); ++i) tmp[i] = y[i] + h / 2 * k1[i];
    derivative(tmp, &k2);
    for (std::size_t i = 0; i < y.size(); ++i) tmp[i] = y[i] + h / 2 * k2[i];
    derivative(tmp, &k3);
    for (std::size_t i = 0; i < y.size(); ++i) tmp[i] = y[i] + h * k3[i];
    derivative(tmp, &k4);
    for (std::size_t i = 0; i < y.size(); ++i) {
      y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
  }
  ByTime out;
  out.answered.assign(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(size));
  out.abandoned.assign(y.begin() + static_cast<std::ptrdiff_t>(size), y.end());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Erlang B and C

TEST(ErlangB, MatchesKnownValues) {
  EXPECT_NEAR(ErlangB(1, 3), 0.75, 1e-15);       // A/(1 + A)
  EXPECT_NEAR(ErlangB(2, 1), 0.2, 1e-15);        // (A²/2)/(1 + A + A²/2)
  EXPECT_NEAR(ErlangB(10, 10), 0.214582, 5e-7);  // Standard table value.
  EXPECT_EQ(ErlangB(0, 5), 1.0);                 // No server: everything is blocked.
  EXPECT_NEAR(ErlangB(14, 10), 0.0568, 5e-5);
}

TEST(ErlangB, UnderflowsGracefullyFarBeyondTheLoad) {
  // B(10,000, 100) ≈ 1e-15,000: the odds keep going in log space and B is an honest 0.
  const double log_odds = LogErlangBOdds(10'000, 100);
  EXPECT_TRUE(std::isfinite(log_odds));
  EXPECT_GT(log_odds, 20'000);
  EXPECT_EQ(ErlangB(10'000, 100), 0.0);
}

TEST(ErlangC, ReproducesCallCentreHelperExampleC2) {
  const Prediction p = MustPredict(Model::kErlangC, CallCentreHelperExample(), 14);
  EXPECT_DOUBLE_EQ(p.offered_load, 10.0);
  EXPECT_TRUE(p.stable);
  // Published (pyworkforce test): SL 0.888, occupancy 0.714, P(wait) 0.174.
  EXPECT_NEAR(p.service_level, 0.888, 5e-4);
  EXPECT_NEAR(p.occupancy, 0.714, 5e-4);
  EXPECT_NEAR(p.wait_probability, 0.174, 5e-4);
  // Recomputed to 6 decimals (metric-definitions §6): 0.888350, 0.714286, 0.174132; ASA 7.836 s.
  EXPECT_NEAR(p.service_level, 0.888350, 5e-7);
  EXPECT_NEAR(p.occupancy, 0.714286, 5e-7);
  EXPECT_NEAR(p.wait_probability, 0.174132, 5e-7);
  EXPECT_NEAR(p.asa_s, 7.836, 5e-4);
  // Nobody abandons in Erlang C: every variant is the plain service level.
  EXPECT_EQ(p.abandon_probability, 0);
  EXPECT_EQ(ServiceLevel(p, AbandonCounting::kPositive), p.service_level);
}

TEST(ErlangC, WolframExampleC4IsFourNinths) {
  Inputs in;
  in.arrival_rate_per_s = 2;
  in.handle_time_s = 1;
  EXPECT_NEAR(MustPredict(Model::kErlangC, in, 3).wait_probability, 4.0 / 9.0, 1e-14);
}

TEST(ErlangC, LoadAtOrAboveAgentsIsUnstable) {
  Inputs in = CallCentreHelperExample();  // A = 10.
  for (std::int64_t n : {1, 9, 10}) {
    const Prediction p = MustPredict(Model::kErlangC, in, n);
    EXPECT_FALSE(p.stable) << n;
    EXPECT_EQ(p.wait_probability, 1);
    EXPECT_EQ(p.service_level, 0);
    EXPECT_TRUE(std::isinf(p.asa_s));
  }
  EXPECT_TRUE(MustPredict(Model::kErlangC, in, 11).stable);
}

// ---------------------------------------------------------------------------------------------
// Erlang A

TEST(ErlangA, ReproducesPyworkforceExampleA1) {
  const Prediction p = MustPredict(Model::kErlangA, PyworkforceErlangA(), 14);
  EXPECT_TRUE(p.stable);
  // Published: P(W>0) 0.14526, P(Ab) 0.013984, occupancy 0.704297, E[W] 0.069919 min,
  // SL 0.916792 — each to its published precision, and so to 4 decimals.
  EXPECT_NEAR(p.wait_probability, 0.14526, 5e-6);
  EXPECT_NEAR(p.abandon_probability, 0.013984, 5e-7);
  EXPECT_NEAR(p.occupancy, 0.704297, 5e-7);
  EXPECT_NEAR(p.mean_wait_s / kMin, 0.069919, 5e-7);
  EXPECT_NEAR(p.service_level, 0.916792, 5e-7);
  // pyworkforce's "ASA" is E[W] over all arrivals; the ASA of answered contacts is shorter.
  // Recomputed (40-digit mpmath, and the RK4 check below): 3.878480 s.
  EXPECT_NEAR(p.asa_s, 3.878480, 5e-6);
  EXPECT_LT(p.asa_s, p.mean_wait_s);
}

TEST(ErlangA, AgreesWithTheChainSummedDirectly) {
  for (const double patience : {30.0, 300.0, 3000.0}) {
    Inputs in = PyworkforceErlangA();
    in.patience_s = patience;
    for (const int n : {8, 11, 14, 20}) {  // Overloaded (A = 10 > 8) to lightly loaded.
      SCOPED_TRACE(testing::Message() << "patience " << patience << " N " << n);
      const std::vector<long double> p = ChainProbabilities(in, n, 4000);
      long double waiting = 0;
      long double queue = 0;
      for (std::size_t k = static_cast<std::size_t>(n); k < p.size(); ++k) {
        waiting += p[k];
        queue += static_cast<long double>(k - static_cast<std::size_t>(n)) * p[k];
      }
      const Prediction e = MustPredict(Model::kErlangA, in, n);
      EXPECT_NEAR(e.wait_probability, static_cast<double>(waiting), 1e-12);
      EXPECT_NEAR(e.mean_queue_length, static_cast<double>(queue), 1e-10);
      // P(Ab) = θ·E[Q]/λ (abandonment flow balance).
      const double ab = static_cast<double>(queue) / in.patience_s / in.arrival_rate_per_s;
      EXPECT_NEAR(e.abandon_probability, ab, 1e-12);
      EXPECT_NEAR(e.occupancy, e.offered_load * (1 - ab) / n, 1e-12);
    }
  }
}

TEST(ErlangA, AnswerAndAbandonWithinTargetMatchTheHypoexponentialIntegratedNumerically) {
  for (const double target : {5.0, 20.0, 60.0}) {
    Inputs in = PyworkforceErlangA();
    in.target_time_s = target;
    in.short_abandon_s = target;
    const int n = 14;
    const int max_j = 120;
    SCOPED_TRACE(testing::Message() << "T " << target);
    const std::vector<long double> p = ChainProbabilities(in, n, n + max_j);
    const ByTime by_t = IntegrateCaller(in, n, max_j, target, 20'000);
    long double sl = 0;
    long double abandoned = 0;
    for (int k = 0; k < n; ++k) sl += p[static_cast<std::size_t>(k)];
    for (int j = 0; j <= max_j; ++j) {
      sl += p[static_cast<std::size_t>(n + j)] * by_t.answered[static_cast<std::size_t>(j)];
      abandoned += p[static_cast<std::size_t>(n + j)] * by_t.abandoned[static_cast<std::size_t>(j)];
    }
    const Prediction e = MustPredict(Model::kErlangA, in, n);
    EXPECT_NEAR(e.service_level, static_cast<double>(sl), 1e-10);
    EXPECT_NEAR(e.abandoned_within_target, static_cast<double>(abandoned), 1e-10);
    EXPECT_NEAR(e.short_abandoned, e.abandoned_within_target, 1e-15);
  }
}

TEST(ErlangA, AsaOfAnsweredContactsIsTheIntegralOfTheAnswerTail) {
  // E[W; answered] = ∫₀^∞ (P(answered) − P(answered, W ≤ t)) dt, trapezoid over Predict itself
  // at many t (the closed form of ASA must agree with its own service-level curve).
  Inputs in = PyworkforceErlangA();
  const Prediction all = MustPredict(Model::kErlangA, in, 14);
  const double answered = 1 - all.abandon_probability;
  double integral = 0;
  double previous = answered - (1 - all.wait_probability);  // At t = 0: P(answered, W > 0).
  const double dt = 0.25;
  for (double t = dt; t <= 3000; t += dt) {
    in.target_time_s = t;
    const double tail = answered - MustPredict(Model::kErlangA, in, 14).service_level;
    integral += (previous + tail) / 2 * dt;
    previous = tail;
  }
  EXPECT_NEAR(integral / answered, all.asa_s, 1e-4);
}

TEST(ErlangA, MatchesGarnettMandelbaumReimanClosedForms) {
  const Inputs in = PyworkforceErlangA();
  const int n = 14;
  const double theta = 1 / in.patience_s;
  const double mu = 1 / in.handle_time_s;
  const double x = n * mu / theta;
  const double y = in.arrival_rate_per_s / theta;
  // A(x, y) = 1 + Σ_{j≥1} y^j / Π_{k=1..j}(x + k).
  double a_xy = 1;
  double term = 1;
  for (int j = 1; j < 500; ++j) {
    term *= y / (x + j);
    a_xy += term;
  }
  const double e1 = ErlangB(n, in.offered_load());
  const double rho = in.arrival_rate_per_s / (n * mu);
  const double p_wait = a_xy * e1 / (1 + (a_xy - 1) * e1);
  const double p_ab_given_wait = 1 / (rho * a_xy) + 1 - 1 / rho;
  const Prediction p = MustPredict(Model::kErlangA, in, n);
  EXPECT_NEAR(p.wait_probability, p_wait, 1e-13);
  EXPECT_NEAR(p.abandon_probability, p_ab_given_wait * p_wait, 1e-13);
}

TEST(ErlangA, VanishingAbandonmentReproducesErlangC) {
  Inputs in = PyworkforceErlangA();
  in.patience_s = 1e10;  // θ = 1e-10 per second.
  const Prediction a = MustPredict(Model::kErlangA, in, 14);
  EXPECT_NEAR(a.wait_probability, 0.174132, 5e-7);
  EXPECT_NEAR(a.service_level, 0.888350, 5e-7);
  EXPECT_NEAR(a.asa_s, 7.836, 5e-4);
  EXPECT_LT(a.abandon_probability, 1e-8);
  // Infinite patience is Erlang C exactly.
  in.patience_s = std::numeric_limits<double>::infinity();
  const Prediction c = MustPredict(Model::kErlangC, in, 14);
  const Prediction a_inf = MustPredict(Model::kErlangA, in, 14);
  EXPECT_EQ(a_inf.wait_probability, c.wait_probability);
  EXPECT_EQ(a_inf.service_level, c.service_level);
}

TEST(ErlangA, OverloadedQueueIsStableAndLosesTheExcessToAbandonment) {
  Inputs in = PyworkforceErlangA();
  in.arrival_rate_per_s *= 3;  // A = 30 on 14 agents.
  const Prediction p = MustPredict(Model::kErlangA, in, 14);
  EXPECT_TRUE(p.stable);
  EXPECT_GT(p.wait_probability, 0.999);
  EXPECT_GT(p.occupancy, 0.99);
  EXPECT_LE(p.occupancy, 1.0);
  // Throughput cannot exceed Nμ: P(Ab) ≥ 1 − N/A.
  EXPECT_GE(p.abandon_probability, 1 - 14.0 / 30.0 - 1e-12);
  EXPECT_LT(p.service_level, 0.2);
}

TEST(ErlangA, ServiceLevelVariantsFollowTheirDefinitions) {
  Inputs in = PyworkforceErlangA();
  in.short_abandon_s = 5;
  const Prediction p = MustPredict(Model::kErlangA, in, 14);
  ASSERT_GT(p.abandoned_within_target, 0);
  ASSERT_GT(p.abandoned_within_target, p.short_abandoned);
  ASSERT_GT(p.short_abandoned, 0);
  EXPECT_EQ(ServiceLevel(p, AbandonCounting::kNegative), p.service_level);
  EXPECT_DOUBLE_EQ(ServiceLevel(p, AbandonCounting::kIgnored),
                   p.service_level / (1 - p.abandoned_within_target));
  EXPECT_DOUBLE_EQ(ServiceLevel(p, AbandonCounting::kPositive),
                   p.service_level + p.abandoned_within_target);
  EXPECT_DOUBLE_EQ(ServiceLevel(p, AbandonCounting::kShortExcluded),
                   p.service_level / (1 - p.short_abandoned));
}

// ---------------------------------------------------------------------------------------------
// Large systems

class LargeSystem : public testing::TestWithParam<std::int64_t> {};

TEST_P(LargeSystem, StaysFiniteAndMonotoneInAgents) {
  const std::int64_t base = GetParam();
  Inputs in;
  in.handle_time_s = 180;
  in.arrival_rate_per_s = 0.97 * static_cast<double>(base) / in.handle_time_s;  // A = 0.97·N.
  in.patience_s = 300;
  in.target_time_s = 20;
  in.short_abandon_s = 5;
  for (Model model : {Model::kErlangC, Model::kErlangA}) {
    SCOPED_TRACE(ModelName(model));
    Prediction previous;
    bool first = true;
    // From heavily overloaded (0.8·N agents) to comfortably staffed (1.2·N).
    for (std::int64_t n = base * 8 / 10; n <= base * 12 / 10; n += base / 50) {
      const Prediction p = MustPredict(model, in, n);
      for (double v : {p.wait_probability, p.service_level, p.abandon_probability,
                       p.abandoned_within_target, p.occupancy}) {
        EXPECT_TRUE(std::isfinite(v)) << n;
        EXPECT_GE(v, 0) << n;
        EXPECT_LE(v, 1) << n;
      }
      if (p.stable) {
        EXPECT_TRUE(std::isfinite(p.asa_s)) << n;
        EXPECT_TRUE(std::isfinite(p.mean_queue_length)) << n;
      }
      if (!first && p.stable && previous.stable) {
        EXPECT_LE(p.wait_probability, previous.wait_probability + 1e-12) << n;
        EXPECT_GE(p.service_level, previous.service_level - 1e-9) << n;
        EXPECT_LE(p.abandon_probability, previous.abandon_probability + 1e-12) << n;
        EXPECT_LE(p.asa_s, previous.asa_s + 1e-9) << n;
      }
      previous = p;
      first = false;
    }
    // The well-staffed end answers nearly everyone at once.
    EXPECT_GT(previous.service_level, 0.999);
  }
}

TEST_P(LargeSystem, AgentsRequiredIsFoundQuicklyAndIsTheSmallestMeetingTheTarget) {
  const std::int64_t base = GetParam();
  Inputs in;
  in.handle_time_s = 240;
  in.arrival_rate_per_s = static_cast<double>(base) / in.handle_time_s;  // A = base.
  in.patience_s = 120;
  in.target_time_s = 20;
  for (Model model : {Model::kErlangC, Model::kErlangA}) {
    SCOPED_TRACE(ModelName(model));
    Result<std::int64_t> n = AgentsRequired(model, in, 0.9);
    ASSERT_TRUE(n.ok()) << n.status().message();
    EXPECT_GE(MustPredict(model, in, *n).service_level, 0.9);
    EXPECT_LT(MustPredict(model, in, *n - 1).service_level, 0.9);
    if (model == Model::kErlangC) {
      EXPECT_GT(static_cast<double>(*n), in.offered_load());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Agents, LargeSystem, testing::Values(2'000, 10'000));

// ---------------------------------------------------------------------------------------------
// Agents required

TEST(AgentsRequired, IsTheSmallestStaffingMeetingTheTargetForEveryModelAndCounting) {
  Inputs in = PyworkforceErlangA();
  in.short_abandon_s = 5;
  for (const double target : {0.5, 0.8, 0.9, 0.95, 0.99}) {
    for (Model model : {Model::kErlangC, Model::kErlangA}) {
      for (AbandonCounting counting :
           {AbandonCounting::kNegative, AbandonCounting::kIgnored, AbandonCounting::kPositive,
            AbandonCounting::kShortExcluded}) {
        SCOPED_TRACE(testing::Message() << ModelName(model) << " target " << target << " counting "
                                        << static_cast<int>(counting));
        Result<std::int64_t> n = AgentsRequired(model, in, target, counting);
        ASSERT_TRUE(n.ok()) << n.status().message();
        EXPECT_GE(ServiceLevel(MustPredict(model, in, *n), counting), target);
        if (*n > 1) {
          EXPECT_LT(ServiceLevel(MustPredict(model, in, *n - 1), counting), target);
        }
      }
    }
  }
}

TEST(AgentsRequired, CallCentreHelperExampleNeeds14ForErlangCAnd13ForErlangA) {
  // Erlang C: SL(13) = 0.7956 < 0.8 ≤ SL(14) = 0.8884 < 0.9 ≤ SL(15) = 0.9415.
  EXPECT_EQ(*AgentsRequired(Model::kErlangC, CallCentreHelperExample(), 0.8), 14);
  EXPECT_EQ(*AgentsRequired(Model::kErlangC, CallCentreHelperExample(), 0.9), 15);
  // Erlang A (patience 5 min): SL(12) = 0.7723 < 0.8 ≤ SL(13) = 0.8582 < 0.9 ≤ SL(14) = 0.9168.
  EXPECT_EQ(*AgentsRequired(Model::kErlangA, PyworkforceErlangA(), 0.8), 13);
  EXPECT_EQ(*AgentsRequired(Model::kErlangA, PyworkforceErlangA(), 0.9), 14);
}

TEST(AgentsRequired, RejectsTargetsOutsideTheOpenUnitInterval) {
  for (double target : {0.0, 1.0, -0.5, 1.5, std::nan("")}) {
    Result<std::int64_t> n = AgentsRequired(Model::kErlangC, CallCentreHelperExample(), target);
    EXPECT_FALSE(n.ok()) << target;
    EXPECT_EQ(n.status().code(), StatusCode::kInvalidArgument);
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs

TEST(Inputs, InvalidValuesAreRejectedWithTheFieldNamed) {
  auto expect_rejected = [](Inputs in, const char* word) {
    Result<Prediction> p = Predict(Model::kErlangA, in, 10);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(word), std::string::npos) << p.status().message();
  };
  Inputs good = PyworkforceErlangA();
  Inputs in = good;
  in.arrival_rate_per_s = 0;
  expect_rejected(in, "arrival");
  in = good;
  in.handle_time_s = -1;
  expect_rejected(in, "handle");
  in = good;
  in.patience_s = 0;
  expect_rejected(in, "patience");
  in = good;
  in.target_time_s = std::nan("");
  expect_rejected(in, "target");
  in = good;
  in.short_abandon_s = -1;
  expect_rejected(in, "short");
  EXPECT_FALSE(Predict(Model::kErlangC, good, 0).ok());
}

}  // namespace
}  // namespace ccmon::erlang
