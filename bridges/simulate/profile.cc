#include "bridges/simulate/profile.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <span>
#include <sstream>

#include "common/caller_key.h"

namespace ccmon::simulate {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;

bool IsTopicSafeName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// ---------------------------------------------------------------------------------------------
// Validation (shared by YAML and programmatic profiles). Paths name entities by name, so they stay
// meaningful after `copies` expansion: "queues[sales].service_time.mean_s".

class Validator {
 public:
  // Records the first violation only: one precise message is more useful than a list.
  void Check(bool ok, const std::string& path, const std::string& message) {
    if (!ok && status_.ok()) status_ = Status::InvalidArgument(path + ": " + message);
  }
  void Positive(double v, const std::string& path) { Check(v > 0, path, "must be > 0"); }
  void NonNegative(double v, const std::string& path) { Check(v >= 0, path, "must be >= 0"); }
  void Probability(double v, const std::string& path) {
    Check(v >= 0 && v <= 1, path, "must be between 0 and 1");
  }
  void Weights(std::span<const double> w, const std::string& path) {
    double sum = 0;
    bool negative = false;
    for (double x : w) {
      sum += x;
      negative |= x < 0;
    }
    Check(!negative && sum > 0, path, "weights must be >= 0 with a positive sum");
  }
  Status status() const { return status_; }

 private:
  Status status_;
};

bool AlwaysOnDuty(const AgentGroupProfile& g) { return g.shift_start_hour == g.shift_end_hour; }

// Hours between shift start and end, crossing midnight when end < start.
double ShiftHours(const AgentGroupProfile& g) {
  const double h = g.shift_end_hour - g.shift_start_hour;
  return h > 0 ? h : h + 24;
}

}  // namespace

Profile EmptyProfile(UnixMs start_ms) {
  Profile p;
  p.start_ms = start_ms;
  // The demo key is a valid constant.
  p.caller_key = CallerKeyHasher::ParseKeyHex(kDemoCallerKeyHex).value();
  return p;
}

std::optional<v1::Channel> ParseChannel(std::string_view name) {
  std::string upper = "CHANNEL_";
  for (char c : name)
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  v1::Channel channel;
  if (!v1::Channel_Parse(upper, &channel) || channel == v1::CHANNEL_UNSPECIFIED) {
    return std::nullopt;
  }
  return channel;
}

Status ValidateProfile(const Profile& p) {
  Validator v;
  v.Check(std::isfinite(p.utc_offset_hours) && std::abs(p.utc_offset_hours) <= 14,
          "utc_offset_hours", "must be between -14 and 14");
  v.Check(p.caller_population > 0 && p.caller_population <= 10'000'000, "callers.population",
          "must be between 1 and 10000000");
  v.Probability(p.anonymous_share, "callers.anonymous_share");
  v.Probability(p.repeat_callers.probability, "repeat_callers.probability");
  v.Probability(p.repeat_callers.probability_if_unresolved,
                "repeat_callers.probability_if_unresolved");
  v.Positive(p.repeat_callers.mean_delay_hours, "repeat_callers.mean_delay_hours");
  v.Probability(p.repeat_callers.same_queue_share, "repeat_callers.same_queue_share");
  v.Check(!p.queues.empty(), "queues", "at least one queue is required");

  std::set<std::string, std::less<>> queue_names;
  for (const QueueProfile& q : p.queues) {
    v.Check(IsTopicSafeName(q.name), "queues[" + q.name + "].name",
            "must be non-empty and use only A-Z a-z 0-9 _ -");
    v.Check(queue_names.insert(q.name).second, "queues[" + q.name + "].name",
            "duplicate queue name");
  }
  auto queue_exists = [&](const std::string& name) { return queue_names.contains(name); };

  for (const QueueProfile& q : p.queues) {
    const std::string at = "queues[" + q.name + "].";
    v.Check(q.channel != v1::CHANNEL_UNSPECIFIED && q.channel != v1::CHANNEL_CALLBACK,
            at + "channel", "must be a contact medium (callbacks are made by the simulator)");
    for (std::size_t h = 0; h < q.arrivals_per_hour.size(); ++h) {
      v.NonNegative(q.arrivals_per_hour[h], at + "arrivals_per_hour[" + std::to_string(h) + "]");
    }
    v.Positive(q.service_time.mean_s, at + "service_time.mean_s");
    v.NonNegative(q.service_time.sd_s, at + "service_time.sd_s");
    if (q.patience_mean_s) v.Positive(*q.patience_mean_s, at + "patience.mean_s");
    if (q.max_wait_s) v.Positive(*q.max_wait_s, at + "max_wait_s");
    if (q.capacity) v.Check(*q.capacity >= 1, at + "capacity", "must be >= 1");
    v.Probability(q.key_press_probability, at + "key_press_exit.probability");
    v.Positive(q.key_press_mean_s, at + "key_press_exit.mean_after_s");
    v.Probability(q.hold_probability, at + "hold.probability");
    v.Positive(q.hold_mean_s, at + "hold.mean_s");
    v.NonNegative(q.after_contact_work.mean_s, at + "after_contact_work.mean_s");
    v.NonNegative(q.after_contact_work.sd_s, at + "after_contact_work.sd_s");
    v.Probability(q.transfer_probability, at + "transfer.probability");
    if (q.transfer_probability > 0 || !q.transfer_target.empty()) {
      v.Check(queue_exists(q.transfer_target), at + "transfer.target",
              "no queue named " + Quote(q.transfer_target));
      v.Check(q.transfer_target != q.name, at + "transfer.target", "must be another queue");
    }
    if (q.overflow_after_s) {
      v.Positive(*q.overflow_after_s, at + "overflow.after_s");
      v.Check(queue_exists(q.overflow_target), at + "overflow.target",
              "no queue named " + Quote(q.overflow_target));
      v.Check(q.overflow_target != q.name, at + "overflow.target", "must be another queue");
    }
    v.NonNegative(q.callback_offer_after_s, at + "callback.offer_after_s");
    v.Probability(q.callback_accept_probability, at + "callback.accept_probability");
    v.Positive(q.callback_mean_delay_s, at + "callback.mean_delay_s");
    v.Probability(q.survey_probability, at + "survey.probability");
    v.Weights(q.csat_resolved, at + "survey.csat_resolved");
    v.Weights(q.csat_unresolved, at + "survey.csat_unresolved");
    v.Probability(q.resolved_probability, at + "resolution.probability");
    v.Probability(q.resolution_stated_share, at + "resolution.stated_share");
    double disposition_total = 0;
    for (const auto& [code, weight] : q.dispositions) {
      v.Check(!code.empty(), at + "dispositions", "empty disposition code");
      v.NonNegative(weight, at + "dispositions." + code);
      disposition_total += weight;
    }
    v.Check(q.dispositions.empty() || disposition_total > 0, at + "dispositions",
            "weights must have a positive sum");
    double segment_share = 0;
    for (const SegmentSpec& s : q.segments) {
      v.Check(!s.name.empty(), at + "segments", "segment without a name");
      v.Probability(s.share, at + "segments[" + s.name + "].share");
      segment_share += s.share;
    }
    v.Check(segment_share <= 1 + 1e-9, at + "segments", "shares add up to more than 1");
    v.Probability(q.ended_by_agent_share, at + "ended_by_agent_share");
  }

  std::set<std::string, std::less<>> group_names;
  for (const AgentGroupProfile& g : p.agent_groups) {
    const std::string at = "agent_groups[" + g.name + "].";
    v.Check(IsTopicSafeName(g.name), at + "name", "must be non-empty and use only A-Z a-z 0-9 _ -");
    v.Check(group_names.insert(g.name).second, at + "name", "duplicate agent group name");
    v.Check(g.count >= 0 && g.count <= 100'000, at + "count", "must be between 0 and 100000");
    v.Check(!g.queues.empty(), at + "queues", "an agent group must serve at least one queue");
    for (const std::string& name : g.queues) {
      v.Check(queue_exists(name), at + "queues", "no queue named " + Quote(name));
    }
    v.Check(g.shift_start_hour >= 0 && g.shift_start_hour < 24, at + "shift.start_hour",
            "must be in [0, 24)");
    v.Check(g.shift_end_hour >= 0 && g.shift_end_hour <= 24, at + "shift.end_hour",
            "must be in [0, 24]");
    v.NonNegative(g.login_spread_s, at + "shift.login_spread_s");
    if (!AlwaysOnDuty(g)) {
      v.Check(g.login_spread_s < ShiftHours(g) * 3600, at + "shift.login_spread_s",
              "must be shorter than the shift");
    }
    v.NonNegative(g.not_ready_per_hour, at + "not_ready.per_hour");
    v.Positive(g.not_ready_mean_s, at + "not_ready.mean_s");
    v.Check(!g.not_ready_reasons.empty(), at + "not_ready.reasons", "at least one reason");
    v.Positive(g.ring_mean_s, at + "ring.mean_s");
    v.Positive(g.ring_timeout_s, at + "ring.timeout_s");
    v.Check(g.ring_mean_s * 1.5 < g.ring_timeout_s, at + "ring.timeout_s",
            "must be longer than 1.5 x ring.mean_s");
    v.Probability(g.no_answer_probability, at + "ring.no_answer_probability");
    v.NonNegative(g.rona_pause_s, at + "ring.rona_pause_s");
  }
  return v.status();
}

// ---------------------------------------------------------------------------------------------
// YAML

namespace {

// Reads typed values out of a YAML tree. Records the first error (with its path and line) and
// returns defaults afterwards, so parsing code reads as a plain description of the format.
class YamlReader {
 public:
  explicit YamlReader(std::string origin) : origin_(std::move(origin)) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  void Fail(const YAML::Node& at, const std::string& path, const std::string& message) {
    if (!status_.ok()) return;
    std::string text =
        origin_ + ": " + (path.empty() ? std::string("profile") : path) + ": " + message;
    const YAML::Mark mark = at.Mark();
    if (!mark.is_null()) text += " (line " + std::to_string(mark.line + 1) + ")";
    status_ = Status::InvalidArgument(text);
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  // True if `node` is a map whose keys are all in `allowed`; otherwise fails.
  bool Map(const YAML::Node& node, const std::string& path,
           std::initializer_list<std::string_view> allowed) {
    if (!node.IsMap()) {
      Fail(node, path, "expected a map");
      return false;
    }
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string known;
        for (std::string_view k : allowed) known += (known.empty() ? "" : ", ") + std::string(k);
        Fail(kv.first, Join(path, key), "unknown field (known: " + known + ")");
        return false;
      }
    }
    return true;
  }

  std::optional<double> OptionalNumber(const YAML::Node& map, const std::string& path,
                                       std::string_view key) {
    const YAML::Node node = map[std::string(key)];
    if (!node) return std::nullopt;
    return Number(node, Join(path, key));
  }

  double Number(const YAML::Node& map, const std::string& path, std::string_view key,
                double fallback) {
    return OptionalNumber(map, path, key).value_or(fallback);
  }

  double Number(const YAML::Node& node, const std::string& path) {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
      Fail(node, path, "expected a number");
      return 0;
    }
    return value;
  }

  std::optional<long long> OptionalInteger(const YAML::Node& map, const std::string& path,
                                           std::string_view key) {
    const YAML::Node node = map[std::string(key)];
    if (!node) return std::nullopt;
    long long value = 0;
    if (!node.IsScalar() || !YAML::convert<long long>::decode(node, value)) {
      Fail(node, Join(path, key), "expected an integer");
      return std::nullopt;
    }
    return value;
  }

  bool Bool(const YAML::Node& map, const std::string& path, std::string_view key, bool fallback) {
    const YAML::Node node = map[std::string(key)];
    if (!node) return fallback;
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      Fail(node, Join(path, key), "expected true or false");
      return fallback;
    }
    return value;
  }

  std::optional<std::string> OptionalString(const YAML::Node& map, const std::string& path,
                                            std::string_view key) {
    const YAML::Node node = map[std::string(key)];
    if (!node) return std::nullopt;
    if (!node.IsScalar()) {
      Fail(node, Join(path, key), "expected a string");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::string RequiredString(const YAML::Node& map, const std::string& path, std::string_view key) {
    auto value = OptionalString(map, path, key);
    if (!value && ok()) Fail(map, Join(path, key), "required field is missing");
    return value.value_or("");
  }

  std::vector<std::string> StringList(const YAML::Node& map, const std::string& path,
                                      std::string_view key) {
    std::vector<std::string> out;
    const YAML::Node node = map[std::string(key)];
    if (!node) return out;
    if (!node.IsSequence()) {
      Fail(node, Join(path, key), "expected a list");
      return out;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        Fail(node[i], Join(path, key) + "[" + std::to_string(i) + "]", "expected a string");
        return out;
      }
      out.push_back(node[i].Scalar());
    }
    return out;
  }

  // A list of exactly N numbers.
  template <std::size_t N>
  void NumberArray(const YAML::Node& map, const std::string& path, std::string_view key,
                   std::array<double, N>* out) {
    const YAML::Node node = map[std::string(key)];
    if (!node) return;
    const std::string at = Join(path, key);
    if (!node.IsSequence() || node.size() != N) {
      Fail(node, at, "expected a list of " + std::to_string(N) + " numbers");
      return;
    }
    for (std::size_t i = 0; i < N; ++i)
      (*out)[i] = Number(node[i], at + "[" + std::to_string(i) + "]");
  }

  // A map field; absent gives an empty (undefined) node. Checks the allowed keys.
  YAML::Node Section(const YAML::Node& map, const std::string& path, std::string_view key,
                     std::initializer_list<std::string_view> allowed) {
    YAML::Node node = map[std::string(key)];
    if (!node) return node;
    if (!Map(node, Join(path, key), allowed)) return YAML::Node();
    return node;
  }

 private:
  std::string origin_;
  Status status_;
};

// A queue or agent group as written, before `copies` expansion.
struct QueueEntry {
  QueueProfile queue;
  int copies = 1;
};
struct GroupEntry {
  AgentGroupProfile group;
  int copies = 1;
};

DurationSpec ReadDuration(YamlReader& r, const YAML::Node& map, const std::string& path,
                          std::string_view key, DurationSpec fallback) {
  const YAML::Node node = r.Section(map, path, key, {"mean_s", "sd_s"});
  if (!node) return fallback;
  const std::string at = YamlReader::Join(path, key);
  DurationSpec d;
  d.mean_s = r.Number(node, at, "mean_s", fallback.mean_s);
  d.sd_s = r.Number(node, at, "sd_s", fallback.sd_s);
  return d;
}

QueueEntry ReadQueue(YamlReader& r, const YAML::Node& node, const std::string& path) {
  QueueEntry entry;
  QueueProfile& q = entry.queue;
  if (!r.Map(node, path,
             {"name",
              "copies",
              "channel",
              "arrivals_per_hour",
              "service_time",
              "patience",
              "max_wait_s",
              "capacity",
              "exit_when_no_agents",
              "key_press_exit",
              "hold",
              "after_contact_work",
              "transfer",
              "overflow",
              "callback",
              "survey",
              "resolution",
              "dispositions",
              "segments",
              "ended_by_agent_share"})) {
    return entry;
  }
  q.name = r.RequiredString(node, path, "name");
  entry.copies = static_cast<int>(r.OptionalInteger(node, path, "copies").value_or(1));
  if (entry.copies < 1 || entry.copies > 100'000) {
    r.Fail(node["copies"], path + ".copies", "must be between 1 and 100000");
  }
  if (auto channel = r.OptionalString(node, path, "channel")) {
    auto parsed = ParseChannel(*channel);
    if (!parsed) {
      r.Fail(node["channel"], path + ".channel",
             "unknown channel " + Quote(*channel) +
                 " (use voice, chat, email, video, sms, social or task)");
    } else {
      q.channel = *parsed;
    }
  }

  const YAML::Node arrivals = node["arrivals_per_hour"];
  if (!arrivals) {
    r.Fail(node, path + ".arrivals_per_hour", "required field is missing");
  } else if (arrivals.IsScalar()) {
    q.arrivals_per_hour.fill(r.Number(arrivals, path + ".arrivals_per_hour"));
  } else {
    r.NumberArray(node, path, "arrivals_per_hour", &q.arrivals_per_hour);
  }

  q.service_time = ReadDuration(r, node, path, "service_time", q.service_time);
  if (const YAML::Node patience = node["patience"]) {
    if (patience.IsScalar() && patience.Scalar() == "none") {
      q.patience_mean_s.reset();
    } else if (r.Map(patience, path + ".patience", {"mean_s"})) {
      q.patience_mean_s = r.OptionalNumber(patience, path + ".patience", "mean_s");
      if (!q.patience_mean_s)
        r.Fail(patience, path + ".patience.mean_s", "required field is missing");
    }
  }
  q.max_wait_s = r.OptionalNumber(node, path, "max_wait_s");
  if (auto capacity = r.OptionalInteger(node, path, "capacity")) {
    q.capacity = static_cast<int>(std::clamp<long long>(*capacity, -1, 10'000'000));
  }
  q.exit_when_no_agents = r.Bool(node, path, "exit_when_no_agents", false);

  if (YAML::Node s = r.Section(node, path, "key_press_exit", {"probability", "mean_after_s"})) {
    q.key_press_probability = r.Number(s, path + ".key_press_exit", "probability", 0);
    q.key_press_mean_s = r.Number(s, path + ".key_press_exit", "mean_after_s", q.key_press_mean_s);
  }
  if (YAML::Node s = r.Section(node, path, "hold", {"probability", "mean_s"})) {
    q.hold_probability = r.Number(s, path + ".hold", "probability", 0);
    q.hold_mean_s = r.Number(s, path + ".hold", "mean_s", q.hold_mean_s);
  }
  q.after_contact_work = ReadDuration(r, node, path, "after_contact_work", q.after_contact_work);
  if (YAML::Node s = r.Section(node, path, "transfer", {"probability", "target"})) {
    q.transfer_probability = r.Number(s, path + ".transfer", "probability", 0);
    q.transfer_target = r.RequiredString(s, path + ".transfer", "target");
  }
  if (YAML::Node s = r.Section(node, path, "overflow", {"after_s", "target"})) {
    q.overflow_after_s = r.OptionalNumber(s, path + ".overflow", "after_s");
    if (!q.overflow_after_s) r.Fail(s, path + ".overflow.after_s", "required field is missing");
    q.overflow_target = r.RequiredString(s, path + ".overflow", "target");
  }
  if (YAML::Node s = r.Section(node, path, "callback",
                               {"offer_after_s", "accept_probability", "mean_delay_s"})) {
    const std::string at = path + ".callback";
    q.callback_offer_after_s = r.Number(s, at, "offer_after_s", q.callback_offer_after_s);
    q.callback_accept_probability = r.Number(s, at, "accept_probability", 0);
    q.callback_mean_delay_s = r.Number(s, at, "mean_delay_s", q.callback_mean_delay_s);
  }
  if (YAML::Node s =
          r.Section(node, path, "survey", {"probability", "csat_resolved", "csat_unresolved"})) {
    q.survey_probability = r.Number(s, path + ".survey", "probability", 0);
    r.NumberArray(s, path + ".survey", "csat_resolved", &q.csat_resolved);
    r.NumberArray(s, path + ".survey", "csat_unresolved", &q.csat_unresolved);
  }
  if (YAML::Node s = r.Section(node, path, "resolution", {"probability", "stated_share"})) {
    q.resolved_probability =
        r.Number(s, path + ".resolution", "probability", q.resolved_probability);
    q.resolution_stated_share =
        r.Number(s, path + ".resolution", "stated_share", q.resolution_stated_share);
  }
  if (const YAML::Node d = node["dispositions"]) {
    if (!d.IsMap()) {
      r.Fail(d, path + ".dispositions", "expected a map of code: weight");
    } else {
      for (const auto& kv : d) {
        const std::string code = kv.first.Scalar();
        q.dispositions.emplace_back(code, r.Number(kv.second, path + ".dispositions." + code));
      }
    }
  }
  if (const YAML::Node segments = node["segments"]) {
    if (!segments.IsSequence()) {
      r.Fail(segments, path + ".segments", "expected a list");
    } else {
      for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::string at = path + ".segments[" + std::to_string(i) + "]";
        if (!r.Map(segments[i], at, {"name", "share", "priority"})) break;
        SegmentSpec s;
        s.name = r.RequiredString(segments[i], at, "name");
        s.share = r.Number(segments[i], at, "share", 0);
        s.priority = static_cast<int>(std::clamp<long long>(
            r.OptionalInteger(segments[i], at, "priority").value_or(0), -1'000'000, 1'000'000));
        q.segments.push_back(std::move(s));
      }
    }
  }
  q.ended_by_agent_share = r.Number(node, path, "ended_by_agent_share", q.ended_by_agent_share);
  return entry;
}

GroupEntry ReadGroup(YamlReader& r, const YAML::Node& node, const std::string& path) {
  GroupEntry entry;
  AgentGroupProfile& g = entry.group;
  if (!r.Map(node, path, {"name", "copies", "count", "queues", "shift", "not_ready", "ring"})) {
    return entry;
  }
  g.name = r.RequiredString(node, path, "name");
  entry.copies = static_cast<int>(r.OptionalInteger(node, path, "copies").value_or(1));
  if (entry.copies < 1 || entry.copies > 100'000) {
    r.Fail(node["copies"], path + ".copies", "must be between 1 and 100000");
  }
  g.count = static_cast<int>(
      std::clamp<long long>(r.OptionalInteger(node, path, "count").value_or(1), -1, 1'000'000));
  g.queues = r.StringList(node, path, "queues");
  if (!node["queues"]) r.Fail(node, path + ".queues", "required field is missing");
  if (YAML::Node s = r.Section(node, path, "shift", {"start_hour", "end_hour", "login_spread_s"})) {
    const std::string at = path + ".shift";
    g.shift_start_hour = r.Number(s, at, "start_hour", 0);
    g.shift_end_hour = r.Number(s, at, "end_hour", 0);
    if (!s["start_hour"] || !s["end_hour"]) {
      r.Fail(s, at, "needs start_hour and end_hour (omit shift for always on duty)");
    }
    g.login_spread_s = r.Number(s, at, "login_spread_s", g.login_spread_s);
    // A full day (0 to 24) is the same as always on duty.
    if (ShiftHours(g) >= 24) g.shift_end_hour = g.shift_start_hour;
  }
  if (YAML::Node s = r.Section(node, path, "not_ready", {"per_hour", "mean_s", "reasons"})) {
    const std::string at = path + ".not_ready";
    g.not_ready_per_hour = r.Number(s, at, "per_hour", 0);
    g.not_ready_mean_s = r.Number(s, at, "mean_s", g.not_ready_mean_s);
    if (s["reasons"]) g.not_ready_reasons = r.StringList(s, at, "reasons");
  }
  if (YAML::Node s = r.Section(node, path, "ring",
                               {"mean_s", "timeout_s", "no_answer_probability", "rona_pause_s"})) {
    const std::string at = path + ".ring";
    g.ring_mean_s = r.Number(s, at, "mean_s", g.ring_mean_s);
    g.ring_timeout_s = r.Number(s, at, "timeout_s", g.ring_timeout_s);
    g.no_answer_probability = r.Number(s, at, "no_answer_probability", 0);
    g.rona_pause_s = r.Number(s, at, "rona_pause_s", g.rona_pause_s);
  }
  return entry;
}

std::string CopyName(const std::string& base, int index, int copies) {
  const int width = std::max<int>(2, static_cast<int>(std::to_string(copies).size()));
  std::string n = std::to_string(index + 1);
  return base + "-" +
         std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(n.size()))),
                     '0') +
         n;
}

// Civil date to days since 1970-01-01 (proleptic Gregorian).
std::int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count();
}

// "now", "today HH:MM" (local, by utc_offset_hours) or "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]".
std::optional<UnixMs> ParseStart(std::string_view text, UnixMs now, double utc_offset_hours) {
  const auto offset_ms = static_cast<std::int64_t>(std::llround(utc_offset_hours * kHourMs));
  auto two = [](std::string_view s, std::size_t at, int* out) {
    if (at + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[at])) ||
        !std::isdigit(static_cast<unsigned char>(s[at + 1]))) {
      return false;
    }
    *out = (s[at] - '0') * 10 + (s[at + 1] - '0');
    return true;
  };
  if (text == "now") return now;
  if (text.starts_with("today ")) {
    std::string_view hm = text.substr(6);
    int h = 0;
    int m = 0;
    if (hm.size() != 5 || !two(hm, 0, &h) || hm[2] != ':' || !two(hm, 3, &m) || h > 23 || m > 59) {
      return std::nullopt;
    }
    const std::int64_t local = now + offset_ms;
    const std::int64_t day_start = local - ((local % kDayMs) + kDayMs) % kDayMs;
    return day_start + h * kHourMs + m * 60'000 - offset_ms;
  }
  // ISO 8601 date and time.
  int y_hi = 0, y_lo = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 16 || !two(text, 0, &y_hi) || !two(text, 2, &y_lo) || text[4] != '-' ||
      !two(text, 5, &mo) || text[7] != '-' || !two(text, 8, &d) ||
      (text[10] != 'T' && text[10] != ' ') || !two(text, 11, &h) || text[13] != ':' ||
      !two(text, 14, &mi)) {
    return std::nullopt;
  }
  std::size_t at = 16;
  if (at < text.size() && text[at] == ':') {
    if (!two(text, at + 1, &s)) return std::nullopt;
    at += 3;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::int64_t zone_ms = offset_ms;  // No zone: local time of the profile.
  std::string_view zone = text.substr(at);
  if (zone == "Z") {
    zone_ms = 0;
  } else if (!zone.empty()) {
    int zh = 0;
    int zm = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || !two(zone, 1, &zh) ||
        zone[3] != ':' || !two(zone, 4, &zm)) {
      return std::nullopt;
    }
    zone_ms = (zone[0] == '-' ? -1 : 1) * (zh * kHourMs + zm * 60'000);
  }
  const std::int64_t days =
      DaysFromCivil(y_hi * 100 + y_lo, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * kDayMs + h * kHourMs + mi * 60'000 + s * 1000 - zone_ms;
}

Result<Profile> ParseProfileIn(std::string_view yaml, std::string_view origin, UnixMs now,
                               const std::filesystem::path& base_dir) {
  const std::string where(origin);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(where + ": not valid YAML: " + e.msg + " (line " +
                                   std::to_string(e.mark.line + 1) + ")");
  }
  YamlReader r(where);
  Profile p = EmptyProfile(now);
  try {
    if (!r.Map(root, "",
               {"start", "utc_offset_hours", "tenant", "callers", "repeat_callers", "queues",
                "agent_groups"})) {
      return r.status();
    }
    p.utc_offset_hours = r.Number(root, "", "utc_offset_hours", 0);
    if (auto start = r.OptionalString(root, "", "start")) {
      auto parsed = ParseStart(*start, now, p.utc_offset_hours);
      if (!parsed) {
        r.Fail(root["start"], "start",
               "expected now, \"today HH:MM\" or an ISO time like 2024-03-04T08:00:00Z");
      } else {
        p.start_ms = *parsed;
      }
    }
    p.tenant = r.OptionalString(root, "", "tenant").value_or("");
    if (!p.tenant.empty() && !IsTopicSafeName(p.tenant)) {
      r.Fail(root["tenant"], "tenant", "must use only A-Z a-z 0-9 _ -");
    }

    if (YAML::Node c = r.Section(root, "", "callers",
                                 {"population", "anonymous_share", "key_hex", "key_file"})) {
      if (auto population = r.OptionalInteger(c, "callers", "population")) {
        p.caller_population =
            static_cast<std::uint32_t>(std::clamp<long long>(*population, 0, 1LL << 31));
      }
      p.anonymous_share = r.Number(c, "callers", "anonymous_share", 0);
      const auto key_hex = r.OptionalString(c, "callers", "key_hex");
      const auto key_file = r.OptionalString(c, "callers", "key_file");
      if (key_hex && key_file) {
        r.Fail(c, "callers", "give key_hex or key_file, not both");
      } else if (key_hex) {
        auto key = CallerKeyHasher::ParseKeyHex(*key_hex);
        if (!key.ok()) {
          r.Fail(c["key_hex"], "callers.key_hex", key.status().message());
        } else {
          p.caller_key = *key;
        }
      } else if (key_file) {
        std::filesystem::path file(*key_file);
        if (file.is_relative()) file = base_dir / file;
        auto key = CallerKeyHasher::ReadKeyFile(file.string());
        if (!key.ok()) {
          r.Fail(c["key_file"], "callers.key_file", key.status().message());
        } else {
          p.caller_key = *key;
        }
      }
    }

    if (YAML::Node rc = r.Section(
            root, "", "repeat_callers",
            {"probability", "probability_if_unresolved", "mean_delay_hours", "same_queue_share"})) {
      auto& rep = p.repeat_callers;
      rep.probability = r.Number(rc, "repeat_callers", "probability", 0);
      rep.probability_if_unresolved =
          r.Number(rc, "repeat_callers", "probability_if_unresolved", rep.probability);
      rep.mean_delay_hours =
          r.Number(rc, "repeat_callers", "mean_delay_hours", rep.mean_delay_hours);
      rep.same_queue_share =
          r.Number(rc, "repeat_callers", "same_queue_share", rep.same_queue_share);
    }

    std::vector<QueueEntry> queues;
    const YAML::Node qs = root["queues"];
    if (!qs) {
      r.Fail(root, "queues", "required field is missing");
    } else if (!qs.IsSequence()) {
      r.Fail(qs, "queues", "expected a list");
    } else {
      for (std::size_t i = 0; i < qs.size() && r.ok(); ++i) {
        queues.push_back(ReadQueue(r, qs[i], "queues[" + std::to_string(i) + "]"));
      }
    }
    std::vector<GroupEntry> groups;
    if (const YAML::Node gs = root["agent_groups"]) {
      if (!gs.IsSequence()) {
        r.Fail(gs, "agent_groups", "expected a list");
      } else {
        for (std::size_t i = 0; i < gs.size() && r.ok(); ++i) {
          groups.push_back(ReadGroup(r, gs[i], "agent_groups[" + std::to_string(i) + "]"));
        }
      }
    }
    if (!r.ok()) return r.status();

    // Expand copies. A reference from a copy to a queue with the same number of copies means
    // the copy with the same number; other references stay as written.
    std::map<std::string, int, std::less<>> copies_of;
    for (const QueueEntry& e : queues) copies_of[e.queue.name] = e.copies;
    auto resolve = [&](const std::string& name, int index, int copies) {
      auto it = copies_of.find(name);
      if (it == copies_of.end() || it->second == 1) return name;
      if (it->second == copies) return CopyName(name, index, copies);
      return name;  // Left unresolved: validation reports the unknown queue name.
    };
    for (const QueueEntry& e : queues) {
      for (int i = 0; i < e.copies; ++i) {
        QueueProfile q = e.queue;
        if (e.copies > 1) {
          q.name = CopyName(e.queue.name, i, e.copies);
          if (!q.transfer_target.empty())
            q.transfer_target = resolve(q.transfer_target, i, e.copies);
          if (!q.overflow_target.empty())
            q.overflow_target = resolve(q.overflow_target, i, e.copies);
        }
        p.queues.push_back(std::move(q));
      }
    }
    for (const GroupEntry& e : groups) {
      for (int i = 0; i < e.copies; ++i) {
        AgentGroupProfile g = e.group;
        if (e.copies > 1) {
          g.name = CopyName(e.group.name, i, e.copies);
          for (std::string& q : g.queues) q = resolve(q, i, e.copies);
        }
        p.agent_groups.push_back(std::move(g));
      }
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws for malformed trees the checks above did not anticipate.
    return Status::InvalidArgument(
        where + ": " + e.msg +
        (e.mark.is_null() ? std::string() : " (line " + std::to_string(e.mark.line + 1) + ")"));
  }
  if (Status s = ValidateProfile(p); !s.ok()) return s.WithContext(where);
  return p;
}

}  // namespace

Result<Profile> ParseProfile(std::string_view yaml, std::string_view origin, UnixMs now) {
  return ParseProfileIn(yaml, origin, now, std::filesystem::current_path());
}

Result<Profile> LoadProfile(const std::string& path, UnixMs now) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed");
  return ParseProfileIn(text.str(), path, now, std::filesystem::path(path).parent_path());
}

}  // namespace ccmon::simulate
