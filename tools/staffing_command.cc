#include "tools/staffing_command.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <string_view>

#include "common/erlang.h"
#include "daemon/config/config.h"

namespace ccmon::tools {

namespace {

using erlang::AbandonCounting;
using erlang::Model;
using erlang::Prediction;

constexpr AbandonCounting kCountings[] = {AbandonCounting::kNegative, AbandonCounting::kIgnored,
                                          AbandonCounting::kPositive,
                                          AbandonCounting::kShortExcluded};

// The daemon's SL formula names (docs/metrics.md) for the Erlang service-level variants.
const char* FormulaName(AbandonCounting c) {
  switch (c) {
    case AbandonCounting::kNegative:
      return "abandons_negative";
    case AbandonCounting::kIgnored:
      return "abandons_ignored";
    case AbandonCounting::kPositive:
      return "abandons_positive";
    case AbandonCounting::kShortExcluded:
      return "short_abandons_excluded";
  }
  return "abandons_negative";
}

Result<AbandonCounting> ParseFormula(std::string_view name) {
  for (AbandonCounting c : kCountings) {
    if (name == FormulaName(c)) return c;
  }
  return Status::InvalidArgument(
      "--sl-formula: \"" + std::string(name) +
      "\" is not one of abandons_negative, abandons_ignored, abandons_positive, "
      "short_abandons_excluded");
}

// A duration option in seconds; `positive` rejects 0.
Result<double> DurationSeconds(const std::string& text, const char* option, bool positive) {
  Result<std::int64_t> ms = config::ParseDurationMs(text);
  if (!ms.ok()) return ms.status().WithContext(option);
  if (*ms < 0 || (positive && *ms == 0)) {
    return Status::InvalidArgument(std::string(option) + ": must be " +
                                   (positive ? "positive" : "zero or positive"));
  }
  return static_cast<double>(*ms) / 1000.0;
}

// What one model says: the agents it is evaluated for, the agents required, the prediction.
struct ModelReport {
  Model model = Model::kErlangC;
  std::int64_t required = 0;
  bool agents_given = false;
  Prediction p;
};

struct Report {
  erlang::Inputs in;
  std::string rate_note;  // "100 per 30m" when given as calls per interval.
  double target = 0.8;
  AbandonCounting counting = AbandonCounting::kNegative;
  ModelReport c;
  std::optional<ModelReport> a;
};

Result<ModelReport> Evaluate(Model model, const erlang::Inputs& in, double target,
                             AbandonCounting counting, std::int64_t agents) {
  ModelReport r;
  r.model = model;
  Result<std::int64_t> required = erlang::AgentsRequired(model, in, target, counting);
  if (!required.ok()) return required.status().WithContext(erlang::ModelName(model));
  r.required = *required;
  r.agents_given = agents > 0;
  Result<Prediction> p = erlang::Predict(model, in, agents > 0 ? agents : r.required);
  if (!p.ok()) return p.status().WithContext(erlang::ModelName(model));
  r.p = *p;
  return r;
}

Result<Report> Compute(const StaffingOptions& o) {
  Report r;
  if ((o.rate_per_s > 0) == (o.calls > 0)) {
    return Status::InvalidArgument("give exactly one of --rate or --calls (with --per)");
  }
  if (o.rate_per_s < 0 || o.calls < 0) {
    return Status::InvalidArgument("--rate/--calls: must be positive");
  }
  if (o.calls > 0) {
    if (o.per.empty()) return Status::InvalidArgument("--calls needs --per (e.g. --per 30m)");
    Result<double> per = DurationSeconds(o.per, "--per", true);
    if (!per.ok()) return per.status();
    r.in.arrival_rate_per_s = o.calls / *per;
    r.rate_note = fmt::format("{:g} per {}", o.calls, o.per);
  } else {
    if (!o.per.empty()) return Status::InvalidArgument("--per goes with --calls, not --rate");
    r.in.arrival_rate_per_s = o.rate_per_s;
  }
  if (o.aht.empty()) return Status::InvalidArgument("--aht is required (e.g. --aht 180s)");
  Result<double> aht = DurationSeconds(o.aht, "--aht", true);
  if (!aht.ok()) return aht.status();
  r.in.handle_time_s = *aht;
  if (!o.patience.empty()) {
    Result<double> patience = DurationSeconds(o.patience, "--patience", true);
    if (!patience.ok()) return patience.status();
    r.in.patience_s = *patience;
  }
  Result<double> target_time = DurationSeconds(o.target_time, "--target-time", false);
  if (!target_time.ok()) return target_time.status();
  r.in.target_time_s = *target_time;
  Result<double> short_abandon = DurationSeconds(o.short_abandon, "--short-abandon", false);
  if (!short_abandon.ok()) return short_abandon.status();
  r.in.short_abandon_s = *short_abandon;
  if (!(o.target > 0 && o.target < 1)) {
    return Status::InvalidArgument("--target: a ratio between 0 and 1 (e.g. 0.8)");
  }
  r.target = o.target;
  if (o.agents < 0) return Status::InvalidArgument("--agents: must be at least 1");
  Result<AbandonCounting> counting = ParseFormula(o.sl_formula);
  if (!counting.ok()) return counting.status();
  r.counting = *counting;
  if (Status s = r.in.Validate(); !s.ok()) return s;

  // Erlang C has no abandons: every formula gives the same service level.
  Result<ModelReport> c =
      Evaluate(Model::kErlangC, r.in, r.target, AbandonCounting::kNegative, o.agents);
  if (!c.ok()) return c.status();
  r.c = *c;
  if (std::isfinite(r.in.patience_s)) {
    Result<ModelReport> a = Evaluate(Model::kErlangA, r.in, r.target, r.counting, o.agents);
    if (!a.ok()) return a.status();
    r.a = *a;
  }
  return r;
}

std::string Seconds(double s) {
  return std::isfinite(s) ? fmt::format("{:.3f} s", s) : std::string("unbounded");
}

std::string Text(const Report& r) {
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    out += fmt::format("  {:<20}{}\n", label, value);
  };
  const double percent = r.target * 100;
  out += "Inputs\n";
  line("arrival rate", fmt::format("{:.6f} per second{}", r.in.arrival_rate_per_s,
                                   r.rate_note.empty() ? "" : " (" + r.rate_note + ")"));
  line("handle time", fmt::format("{:g} s", r.in.handle_time_s));
  line("offered load", fmt::format("{:.4f} Erlangs", r.in.offered_load()));
  line("patience", std::isfinite(r.in.patience_s) ? fmt::format("{:g} s", r.in.patience_s)
                                                  : std::string("not given (Erlang C only)"));
  line("target", fmt::format("{:g}% answered within {:g} s", percent, r.in.target_time_s));

  auto header = [&](const ModelReport& m, std::string_view title) {
    out += fmt::format("\n{} with {} agents{}\n", title, m.p.agents,
                       m.agents_given ? "" : " (the agents required)");
  };
  auto required = [&](const ModelReport& m, std::string_view how) {
    line("agents required",
         fmt::format("{}  ({:g}% within {:g} s{})", m.required, percent, r.in.target_time_s, how));
  };

  const Prediction& c = r.c.p;
  header(r.c, "Erlang C (M/M/N: nobody abandons)");
  if (!c.stable) {
    out += "  no steady state: the offered load is at or above the agents; the queue grows\n";
  }
  line("P(wait)", fmt::format("{:.6f}", c.wait_probability));
  line("service level", fmt::format("{:.6f}", c.service_level));
  line("ASA", Seconds(c.asa_s));
  line("occupancy", fmt::format("{:.6f}", c.occupancy));
  line("queue length", std::isfinite(c.mean_queue_length)
                           ? fmt::format("{:.6f}", c.mean_queue_length)
                           : std::string("unbounded"));
  required(r.c, "");

  if (r.a) {
    const Prediction& a = r.a->p;
    header(*r.a, fmt::format("Erlang A (M/M/N+M: mean patience {:g} s)", r.in.patience_s));
    line("P(wait)", fmt::format("{:.6f}", a.wait_probability));
    line("P(abandon)", fmt::format("{:.6f}", a.abandon_probability));
    line("service level", fmt::format("{:.6f}  answered within {:g} s / all arrivals",
                                      a.service_level, r.in.target_time_s));
    line("  abandons ignored",
         fmt::format("{:.6f}", erlang::ServiceLevel(a, AbandonCounting::kIgnored)));
    line("  abandons positive",
         fmt::format("{:.6f}", erlang::ServiceLevel(a, AbandonCounting::kPositive)));
    line("  short excluded", fmt::format("{:.6f}  (short abandon {:g} s)",
                                         erlang::ServiceLevel(a, AbandonCounting::kShortExcluded),
                                         r.in.short_abandon_s));
    line("ASA", Seconds(a.asa_s) + "  (answered contacts)");
    line("mean wait", Seconds(a.mean_wait_s) + "  (all arrivals, abandoners included)");
    line("occupancy", fmt::format("{:.6f}", a.occupancy));
    line("queue length", fmt::format("{:.6f}", a.mean_queue_length));
    required(*r.a, std::string(", ") + FormulaName(r.counting));
  }
  return out;
}

std::string Number(double v) {
  return std::isfinite(v) ? fmt::format("{:.10g}", v) : std::string("null");
}

std::string Json(const Report& r) {
  auto model = [&](const ModelReport& m) {
    const Prediction& p = m.p;
    std::string s = fmt::format(
        "{{\"agents\":{},\"agents_required\":{},\"stable\":{},\"wait_probability\":{},"
        "\"service_level\":{},\"asa_seconds\":{},\"occupancy\":{},\"queue_length\":{}",
        p.agents, m.required, p.stable ? "true" : "false", Number(p.wait_probability),
        Number(p.service_level), Number(p.asa_s), Number(p.occupancy), Number(p.mean_queue_length));
    if (m.model == Model::kErlangA) {
      s += fmt::format(
          ",\"abandon_probability\":{},\"abandoned_within_target\":{},\"mean_wait_seconds\":{}",
          Number(p.abandon_probability), Number(p.abandoned_within_target), Number(p.mean_wait_s));
      for (AbandonCounting c : kCountings) {
        s += fmt::format(",\"service_level_{}\":{}", FormulaName(c),
                         Number(erlang::ServiceLevel(p, c)));
      }
    }
    return s + "}";
  };
  std::string out = fmt::format(
      "{{\"inputs\":{{\"arrival_rate_per_second\":{},\"handle_time_seconds\":{},"
      "\"offered_load_erlangs\":{},\"patience_seconds\":{},\"target_time_seconds\":{},"
      "\"target\":{},\"short_abandon_seconds\":{},\"sl_formula\":\"{}\"}},\"erlang_c\":{}",
      Number(r.in.arrival_rate_per_s), Number(r.in.handle_time_s), Number(r.in.offered_load()),
      Number(r.in.patience_s), Number(r.in.target_time_s), Number(r.target),
      Number(r.in.short_abandon_s), FormulaName(r.counting), model(r.c));
  if (r.a) out += ",\"erlang_a\":" + model(*r.a);
  return out + "}\n";
}

}  // namespace

CLI::App* AddStaffingCommand(CLI::App& app, StaffingOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "staffing",
      "What-if staffing calculator: Erlang C and Erlang A predictions and agents required");
  cmd->add_option("--rate", o->rate_per_s, "Arrivals per second");
  cmd->add_option("--calls", o->calls, "Contacts per --per interval (instead of --rate)");
  cmd->add_option("--per", o->per, "Interval of --calls, e.g. 30m");
  cmd->add_option("--aht", o->aht, "Average handle time (talk + hold + wrap-up), e.g. 180s")
      ->required();
  cmd->add_option("--patience", o->patience,
                  "Mean patience of waiting callers, e.g. 5m (adds Erlang A)");
  cmd->add_option("--agents", o->agents,
                  "Agents staffed (default: show the predictions at the agents required)");
  cmd->add_option("--target-time", o->target_time, "Service-level threshold T")
      ->capture_default_str();
  cmd->add_option("--target", o->target, "Service-level target, 0-1")->capture_default_str();
  cmd->add_option("--short-abandon", o->short_abandon, "Short-abandon threshold")
      ->capture_default_str();
  cmd->add_option("--sl-formula", o->sl_formula,
                  "How abandons count in Erlang A's service level and agents required: "
                  "abandons_negative, abandons_ignored, abandons_positive, "
                  "short_abandons_excluded")
      ->capture_default_str();
  cmd->add_option("--format", o->format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  return cmd;
}

Result<std::string> StaffingReport(const StaffingOptions& options) {
  Result<Report> r = Compute(options);
  if (!r.ok()) return r.status();
  return options.format == "json" ? Json(*r) : Text(*r);
}

int RunStaffing(const StaffingOptions& options, std::FILE* out, std::FILE* err) {
  Result<std::string> report = StaffingReport(options);
  if (!report.ok()) {
    std::fprintf(err, "ccmon staffing: %s\n", report.status().message().c_str());
    return 2;
  }
  std::fputs(report->c_str(), out);
  return 0;
}

}  // namespace ccmon::tools
