#include "common/erlang.h"

#include <algorithm>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <cmath>
#include <string>

namespace ccmon::erlang {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// R = 1/B − 1 continues in log space beyond this (see the header).
constexpr double kOddsLogSwitch = 1e280;
// Series terms are summed until the tail bound is below this fraction of the sum.
constexpr double kTailTolerance = 1e-17;
// Work bounds: beyond them the inputs are rejected rather than evaluated for seconds.
constexpr std::int64_t kMaxSeriesTerms = 20'000'000;
constexpr std::int64_t kMaxAgents = 100'000'000;
constexpr double kMaxSeriesPeak = 1e15;
// Up to this many terms the harmonic-like sum at the series peak is added directly.
constexpr double kDirectHarmonicLimit = 100'000;

// Boost.Math reports problems through errno instead of exceptions; our arguments are always in
// the domain, so this only guards against a surprise throwing across the module edge.
using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::pole_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>>;

double LogAddExp(double a, double b) {
  if (a == -kInf) return b;
  if (b == -kInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

// log(1 + e^z) without overflow.
double Softplus(double z) { return LogAddExp(0.0, z); }

// The Erlang B odds R_n = 1/B_n − 1 for n = 0, 1, 2, …, advanced one agent at a time.
class ErlangBOdds {
 public:
  explicit ErlangBOdds(double load) : load_(load), log_load_(std::log(load)) {}

  std::int64_t agents() const { return n_; }

  // log R_n (−∞ for n = 0).
  double log_odds() const { return log_mode_ ? log_r_ : std::log(r_); }

  void Step() {
    ++n_;
    const double k = static_cast<double>(n_);
    if (!log_mode_) {
      r_ = (k / load_) * (1.0 + r_);
      if (r_ > kOddsLogSwitch) {
        log_mode_ = true;
        log_r_ = std::log(r_);
      }
    } else {
      log_r_ += std::log(k) - log_load_ + std::log1p(std::exp(-log_r_));
    }
  }

  // Advances to n ≥ agents(). In log mode R > 1e280, so log1p(1/R) is below the rounding of
  // log R and the remaining steps add up to log(n!/m!) − (n − m)·log A exactly.
  void AdvanceTo(std::int64_t n) {
    while (!log_mode_ && n_ < n) Step();
    if (n_ < n) {
      log_r_ += std::lgamma(static_cast<double>(n) + 1.0) -
                std::lgamma(static_cast<double>(n_) + 1.0) -
                static_cast<double>(n - n_) * log_load_;
      n_ = n;
    }
  }

 private:
  double load_;
  double log_load_;
  std::int64_t n_ = 0;
  double r_ = 0;
  bool log_mode_ = false;
  double log_r_ = 0;
};

// Σ_{j≥0} Π_{k=1..j} z/(c+k) (Kummer's series), c > 0, z ≥ 0, as a logarithm. Summed outward
// from the largest term so that z ≫ c does not overflow.
Result<double> LogKummer(double z, double c) {
  if (!(z <= kMaxSeriesPeak)) {
    return Status::InvalidArgument("erlang: series argument out of range");
  }
  const double peak = z > c ? std::floor(z - c) : 0.0;
  const double log_scale =
      peak > 0 ? peak * std::log(z) - (std::lgamma(c + peak + 1.0) - std::lgamma(c + 1.0)) : 0.0;
  double sum = 0;
  std::int64_t terms = 0;
  // Upward from the peak: ratios z/(c + j + 1) decrease, so the tail is below a geometric one.
  double q = 1;
  for (double j = peak;; j += 1) {
    sum += q;
    const double r = z / (c + j + 1.0);
    if (r < 1.0 && q * r / (1.0 - r) <= kTailTolerance * sum) break;
    q *= r;
    if (++terms > kMaxSeriesTerms) {
      return Status::InvalidArgument("erlang: series needs too many terms for these inputs");
    }
  }
  // Downward: ratios (c + j)/z < 1 shrink further as j falls.
  if (peak > 0) {
    q = (c + peak) / z;
    for (double j = peak - 1; j >= 0; j -= 1) {
      sum += q;
      const double r = (c + j) / z;
      if (q * r / (1.0 - r) <= kTailTolerance * sum) break;
      q *= r;
      if (++terms > kMaxSeriesTerms) {
        return Status::InvalidArgument("erlang: series needs too many terms for these inputs");
      }
    }
  }
  return log_scale + std::log(sum);
}

// Sums over the waiting states of the Erlang A chain, q_j = p_{N+j}/p_N, in units of
// e^{log_scale} (see the header).
struct QueueSums {
  double log_scale = 0;
  double states = 0;         // Σ q_j
  double waiting = 0;        // Σ j·q_j
  double answered = 0;       // Σ q_j·x/(x+j+1)
  double abandoned = 0;      // Σ q_j·(j+1)/(x+j+1)
  double answered_wait = 0;  // Σ q_j·x/(x+j+1)·Σ_{i≤j} 1/(Nμ + (i+1)θ), seconds
};

Result<QueueSums> SumQueueSeries(double x, double y, double n_mu, double theta) {
  if (!(y <= kMaxSeriesPeak) || !(x <= kMaxSeriesPeak)) {
    return Status::InvalidArgument("erlang: patience too long for this load (series out of range)");
  }
  QueueSums s;
  const double peak = y > x ? std::floor(y - x) : 0.0;
  if (peak > 0) {
    s.log_scale = peak * std::log(y) - (std::lgamma(x + peak + 1.0) - std::lgamma(x + 1.0));
  }
  // Σ_{i=0..peak} 1/(Nμ + (i+1)θ) = (ψ(x + peak + 2) − ψ(x + 1))/θ.
  double h_peak = 0;
  if (peak <= kDirectHarmonicLimit) {
    for (double i = 0; i <= peak; i += 1) h_peak += 1.0 / (n_mu + (i + 1.0) * theta);
  } else {
    h_peak = (boost::math::digamma(x + peak + 2.0, NoThrowPolicy()) -
              boost::math::digamma(x + 1.0, NoThrowPolicy())) /
             theta;
  }
  auto add = [&](double j, double q, double h) {
    const double answered = x / (x + j + 1.0);
    s.states += q;
    s.waiting += j * q;
    s.answered += q * answered;
    s.abandoned += q * (j + 1.0) / (x + j + 1.0);
    s.answered_wait += q * answered * h;
  };
  std::int64_t terms = 0;
  double q = 1;
  double h = h_peak;
  for (double j = peak;; j += 1) {
    add(j, q, h);
    const double r = y / (x + j + 1.0);
    // Bound of Σ_{m≥1} q·r^m·(j + 1 + m), which also bounds the tails of every weighted sum.
    if (r < 1.0) {
      const double tail = q * (r * (j + 1.0) / (1.0 - r) + r / ((1.0 - r) * (1.0 - r)));
      if (tail <= kTailTolerance * s.states) break;
    }
    q *= r;
    h += 1.0 / (n_mu + (j + 2.0) * theta);
    if (++terms > kMaxSeriesTerms) {
      return Status::InvalidArgument("erlang: patience too long for this load (series too long)");
    }
  }
  if (peak > 0) {
    q = (x + peak) / y;
    h = h_peak - 1.0 / (n_mu + (peak + 1.0) * theta);
    for (double j = peak - 1; j >= 0; j -= 1) {
      add(j, q, h);
      const double r = (x + j) / y;
      if (q * (j + 1.0) * r / (1.0 - r) <= kTailTolerance * s.states) break;
      q *= r;
      h -= 1.0 / (n_mu + (j + 1.0) * theta);
      if (++terms > kMaxSeriesTerms) {
        return Status::InvalidArgument("erlang: patience too long for this load (series too long)");
      }
    }
  }
  return s;
}

Prediction ErlangCFromOdds(const Inputs& in, std::int64_t agents, double log_odds) {
  Prediction p;
  p.agents = agents;
  const double a = in.offered_load();
  const double n = static_cast<double>(agents);
  p.offered_load = a;
  if (a >= n) {
    p.stable = false;
    p.wait_probability = 1;
    p.service_level = 0;
    p.asa_s = kInf;
    p.mean_wait_s = kInf;
    p.mean_queue_length = kInf;
    p.occupancy = 1;
    return p;
  }
  // C = 1/(1 + (1 − A/N)·R); R = +∞ (far more agents than load) gives C = 0.
  const double c = 1.0 / (1.0 + (1.0 - a / n) * std::exp(log_odds));
  p.wait_probability = c;
  p.service_level = 1.0 - c * std::exp(-(n - a) * in.target_time_s / in.handle_time_s);
  p.asa_s = c * in.handle_time_s / (n - a);
  p.mean_wait_s = p.asa_s;
  p.mean_queue_length = c * a / (n - a);
  p.occupancy = a / n;
  return p;
}

struct WithinTime {
  double answered_after_wait = 0;  // P(answered, 0 < W ≤ t)
  double still_waiting = 0;        // P(W > 0 and still waiting at t)
};

Result<WithinTime> ErlangAWithin(double t, const QueueSums& s, double log_z, double x, double y,
                                 double n_mu, double theta) {
  WithinTime w;
  if (t <= 0) {
    w.still_waiting = std::exp(s.log_scale + std::log(s.states) - log_z);
    return w;
  }
  const double zeta = std::exp(-theta * t);
  const double log_e = y * -std::expm1(-theta * t) - (n_mu + theta) * t;
  Result<double> log_k = LogKummer(y * zeta, x + 1.0);
  if (!log_k.ok()) return log_k.status();
  const double log_all = s.log_scale + std::log(s.answered);
  const double log_later = std::log(x / (x + 1.0)) + log_e + *log_k;
  w.answered_after_wait =
      std::exp(log_all - log_z) * -std::expm1(std::min(0.0, log_later - log_all));
  const double log_still = log_e + Softplus(std::log(y * zeta / (x + 1.0)) + *log_k);
  w.still_waiting = std::exp(log_still - log_z);
  return w;
}

Result<Prediction> ErlangA(const Inputs& in, std::int64_t agents) {
  const double a = in.offered_load();
  const double n = static_cast<double>(agents);
  const double theta = 1.0 / in.patience_s;
  const double mu = 1.0 / in.handle_time_s;
  const double n_mu = n * mu;
  const double x = n_mu / theta;
  const double y = in.arrival_rate_per_s / theta;

  ErlangBOdds odds(a);
  odds.AdvanceTo(agents);
  const double log_lower = odds.log_odds();
  Result<QueueSums> sums = SumQueueSeries(x, y, n_mu, theta);
  if (!sums.ok()) return sums.status();
  const QueueSums& s = *sums;
  const double log_states = s.log_scale + std::log(s.states);
  const double log_z = LogAddExp(log_lower, log_states);
  auto share = [&](double sum) { return std::exp(s.log_scale + std::log(sum) - log_z); };

  Prediction p;
  p.agents = agents;
  p.offered_load = a;
  p.wait_probability = std::exp(log_states - log_z);
  const double no_wait = std::exp(log_lower - log_z);
  p.abandon_probability = share(s.abandoned);
  p.mean_queue_length = share(s.waiting);
  p.mean_wait_s = p.mean_queue_length / in.arrival_rate_per_s;
  const double answered = no_wait + share(s.answered);
  p.asa_s = answered > 0 ? share(s.answered_wait) / answered : 0.0;
  p.occupancy = std::min(1.0, a * (1.0 - p.abandon_probability) / n);

  Result<WithinTime> at_target = ErlangAWithin(in.target_time_s, s, log_z, x, y, n_mu, theta);
  if (!at_target.ok()) return at_target.status();
  p.service_level = std::clamp(no_wait + at_target->answered_after_wait, 0.0, 1.0);
  auto abandoned_by = [&](const WithinTime& w) {
    return std::clamp(p.wait_probability - w.answered_after_wait - w.still_waiting, 0.0,
                      p.abandon_probability);
  };
  p.abandoned_within_target = abandoned_by(*at_target);
  const double short_time = std::min(in.target_time_s, in.short_abandon_s);
  if (short_time >= in.target_time_s) {
    p.short_abandoned = p.abandoned_within_target;
  } else {
    Result<WithinTime> at_short = ErlangAWithin(short_time, s, log_z, x, y, n_mu, theta);
    if (!at_short.ok()) return at_short.status();
    p.short_abandoned = abandoned_by(*at_short);
  }
  return p;
}

bool Positive(double v) { return std::isfinite(v) && v > 0; }

}  // namespace

const char* ModelName(Model model) { return model == Model::kErlangA ? "erlang_a" : "erlang_c"; }

Status Inputs::Validate() const {
  if (!Positive(arrival_rate_per_s)) {
    return Status::InvalidArgument("arrival rate must be a positive number");
  }
  if (!Positive(handle_time_s)) {
    return Status::InvalidArgument("handle time must be a positive number");
  }
  if (!(patience_s > 0)) {  // +∞ allowed; NaN and ≤ 0 not.
    return Status::InvalidArgument("patience must be positive (or infinite)");
  }
  if (!std::isfinite(target_time_s) || target_time_s < 0) {
    return Status::InvalidArgument("target time must be zero or positive");
  }
  if (!std::isfinite(short_abandon_s) || short_abandon_s < 0) {
    return Status::InvalidArgument("short-abandon threshold must be zero or positive");
  }
  if (!std::isfinite(offered_load())) return Status::InvalidArgument("offered load overflows");
  return Status::Ok();
}

double LogErlangBOdds(std::int64_t agents, double load) {
  ErlangBOdds odds(load);
  odds.AdvanceTo(std::max<std::int64_t>(agents, 0));
  return odds.log_odds();
}

double ErlangB(std::int64_t agents, double load) {
  return std::exp(-Softplus(LogErlangBOdds(agents, load)));
}

Result<Prediction> Predict(Model model, const Inputs& inputs, std::int64_t agents) {
  if (Status s = inputs.Validate(); !s.ok()) return s;
  if (agents < 1 || agents > kMaxAgents) {
    return Status::InvalidArgument("agents must be between 1 and " + std::to_string(kMaxAgents));
  }
  if (model == Model::kErlangA && std::isfinite(inputs.patience_s)) {
    return ErlangA(inputs, agents);
  }
  return ErlangCFromOdds(inputs, agents, LogErlangBOdds(agents, inputs.offered_load()));
}

double ServiceLevel(const Prediction& p, AbandonCounting counting) {
  double sl = p.service_level;
  switch (counting) {
    case AbandonCounting::kNegative:
      break;
    case AbandonCounting::kIgnored:
      sl = p.abandoned_within_target < 1 ? sl / (1 - p.abandoned_within_target) : 0;
      break;
    case AbandonCounting::kPositive:
      sl += p.abandoned_within_target;
      break;
    case AbandonCounting::kShortExcluded:
      sl = p.short_abandoned < 1 ? sl / (1 - p.short_abandoned) : 0;
      break;
  }
  return std::clamp(sl, 0.0, 1.0);
}

Result<std::int64_t> AgentsRequired(Model model, const Inputs& inputs, double target,
                                    AbandonCounting counting) {
  if (Status s = inputs.Validate(); !s.ok()) return s;
  if (!(target > 0 && target < 1)) {
    return Status::InvalidArgument("service-level target must be between 0 and 1 (exclusive)");
  }
  const double a = inputs.offered_load();
  const Status too_many = Status::InvalidArgument("more than " + std::to_string(kMaxAgents) +
                                                  " agents would be required");

  if (model == Model::kErlangC || !std::isfinite(inputs.patience_s)) {
    // Without abandons every variant equals the plain service level; step N up from ⌊A⌋ + 1.
    if (a >= static_cast<double>(kMaxAgents)) return too_many;
    std::int64_t n = static_cast<std::int64_t>(std::floor(a)) + 1;
    ErlangBOdds odds(a);
    odds.AdvanceTo(n);
    for (; n <= kMaxAgents; ++n) {
      if (odds.agents() < n) odds.Step();
      if (ErlangCFromOdds(inputs, n, odds.log_odds()).service_level >= target) return n;
    }
    return too_many;
  }

  auto meets = [&](std::int64_t n) -> Result<bool> {
    Result<Prediction> p = ErlangA(inputs, n);
    if (!p.ok()) return p.status();
    return ServiceLevel(*p, counting) >= target;
  };
  // V1 cannot exceed P(answered) = occupancy·N/A ≤ N/A, so N < target·A never meets it.
  std::int64_t low = 1;
  if (counting == AbandonCounting::kNegative) {
    const double bound = std::floor(target * a);
    if (bound >= static_cast<double>(kMaxAgents)) return too_many;
    low = std::max<std::int64_t>(1, static_cast<std::int64_t>(bound));
  }
  // Gallop: find a failing `low − 1` … meeting `high` bracket, then bisect.
  std::int64_t failing = low - 1;  // Known (or assumed, for 0) not to meet the target.
  std::int64_t high = low;
  std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::sqrt(a)));
  for (;;) {
    Result<bool> ok = meets(high);
    if (!ok.ok()) return ok.status();
    if (*ok) break;
    failing = high;
    if (high >= kMaxAgents) return too_many;
    high = std::min(kMaxAgents, high + step);
    step *= 2;
  }
  while (high - failing > 1) {
    const std::int64_t mid = failing + (high - failing) / 2;
    Result<bool> ok = meets(mid);
    if (!ok.ok()) return ok.status();
    if (*ok) {
      high = mid;
    } else {
      failing = mid;
    }
  }
  return high;
}

double ExpectedWaitBehind(std::int64_t ahead, std::int64_t agents, double handle_time_s,
                          double patience_s) {
  const double n_mu = static_cast<double>(std::max<std::int64_t>(agents, 1)) / handle_time_s;
  const double k = static_cast<double>(std::max<std::int64_t>(ahead, 0));
  const double theta = 1.0 / patience_s;
  if (!(theta > 0)) return (k + 1.0) / n_mu;
  if (k <= 64) {
    double sum = 0;
    for (double i = 0; i <= k; i += 1) sum += 1.0 / (n_mu + i * theta);
    return sum;
  }
  const double x = n_mu / theta;
  if (x < 1e8) {
    return (boost::math::digamma(x + k + 1.0, NoThrowPolicy()) -
            boost::math::digamma(x, NoThrowPolicy())) /
           theta;
  }
  // θ tiny against Nμ: the digamma difference would cancel; the midpoint rule on 1/(x + i) is
  // exact to O((k + 1)/x³).
  return std::log1p((k + 1.0) / (x - 0.5)) / theta;
}

}  // namespace ccmon::erlang
