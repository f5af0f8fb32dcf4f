#include "daemon/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "common/time_zone.h"

namespace ccmon::config {

namespace {

// Walks the YAML tree keeping the path of the node being read, so every error names its key.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  Status Error(const std::string& path, const std::string& what) const {
    return Status::InvalidArgument(origin_ + ": " + path + ": " + what);
  }

  // Every key of `node` must be in `allowed`.
  Status CheckKeys(const YAML::Node& node, const std::string& path,
                   std::initializer_list<std::string_view> allowed) const {
    if (!node.IsMap()) return Error(path.empty() ? "(top level)" : path, "expected a mapping");
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return Error(Join(path, key), "unknown key (allowed: " + list + ")");
      }
    }
    return Status::Ok();
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  Status String(const YAML::Node& n, const std::string& path, std::string* out) const {
    if (!n.IsScalar()) return Error(path, "expected a string");
    *out = n.Scalar();
    return Status::Ok();
  }

  template <typename Int>
  Status Integer(const YAML::Node& n, const std::string& path, Int min, Int max, Int* out) const {
    if (!n.IsScalar()) return Error(path, "expected an integer");
    const std::string& s = n.Scalar();
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
      return Error(path, "\"" + s + "\" is not an integer");
    }
    if (v < static_cast<long long>(min) || v > static_cast<long long>(max)) {
      return Error(path, std::to_string(v) + " is out of range [" + std::to_string(min) + ", " +
                             std::to_string(max) + "]");
    }
    *out = static_cast<Int>(v);
    return Status::Ok();
  }

  Status Ratio(const YAML::Node& n, const std::string& path, double* out) const {
    if (!n.IsScalar()) return Error(path, "expected a number between 0 and 1");
    try {
      std::size_t used = 0;
      const double v = std::stod(n.Scalar(), &used);
      if (used != n.Scalar().size() || !std::isfinite(v) || v < 0 || v > 1) throw 0;
      *out = v;
      return Status::Ok();
    } catch (...) {
      return Error(path, "\"" + n.Scalar() + "\" is not a number between 0 and 1");
    }
  }

  Status Duration(const YAML::Node& n, const std::string& path, std::int64_t* out) const {
    if (!n.IsScalar()) return Error(path, "expected a duration such as 20s");
    auto r = ParseDurationMs(n.Scalar());
    if (!r.ok()) return Error(path, r.status().message());
    *out = *r;
    return Status::Ok();
  }

  Status Bool(const YAML::Node& n, const std::string& path, bool* out) const {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
      *out = n.Scalar() == "true";
      return Status::Ok();
    }
    return Error(path, "expected true or false");
  }

  Status Thresholds(const YAML::Node& n, const std::string& path,
                    std::vector<std::int64_t>* out) const {
    if (!n.IsSequence() || n.size() == 0)
      return Error(path, "expected a non-empty list of durations");
    if (n.size() > state::kMaxThresholds) {
      return Error(path, "at most " + std::to_string(state::kMaxThresholds) + " thresholds");
    }
    std::vector<std::int64_t> v;
    for (std::size_t i = 0; i < n.size(); ++i) {
      std::int64_t ms = 0;
      if (auto s = Duration(n[i], path + "[" + std::to_string(i) + "]", &ms); !s.ok()) return s;
      if (ms <= 0) return Error(path + "[" + std::to_string(i) + "]", "must be positive");
      v.push_back(ms);
    }
    std::sort(v.begin(), v.end());
    if (std::adjacent_find(v.begin(), v.end()) != v.end())
      return Error(path, "duplicate threshold");
    *out = std::move(v);
    return Status::Ok();
  }

 private:
  std::string origin_;
};

Result<state::Channel> ParseChannel(std::string_view name) {
  for (int i = 0; i < state::kChannelCount; ++i) {
    const auto c = static_cast<state::Channel>(i);
    if (state::ChannelName(c) == name) return c;
  }
  return Status::InvalidArgument("unknown channel \"" + std::string(name) +
                                 "\" (voice, chat, email, callback, video, sms, social, task)");
}

// Reads the service-level keys shared by `service_level:` (defaults) and each queue.
Status ReadServiceLevel(const Reader& r, const YAML::Node& node, const std::string& path,
                        state::QueueSettings* s) {
  if (node["thresholds"]) {
    if (auto st = r.Thresholds(node["thresholds"], Reader::Join(path, "thresholds"),
                               &s->sl_thresholds_ms);
        !st.ok())
      return st;
  }
  if (node["target"]) {
    if (auto st = r.Ratio(node["target"], Reader::Join(path, "target"), &s->sl_target); !st.ok())
      return st;
  }
  s->sl_target_index = 0;
  if (node["target_threshold"]) {
    std::int64_t ms = 0;
    const auto p = Reader::Join(path, "target_threshold");
    if (auto st = r.Duration(node["target_threshold"], p, &ms); !st.ok()) return st;
    auto it = std::find(s->sl_thresholds_ms.begin(), s->sl_thresholds_ms.end(), ms);
    if (it == s->sl_thresholds_ms.end()) return r.Error(p, "is not one of the thresholds");
    s->sl_target_index = static_cast<std::size_t>(it - s->sl_thresholds_ms.begin());
  }
  if (node["short_abandon"]) {
    if (auto st = r.Duration(node["short_abandon"], Reader::Join(path, "short_abandon"),
                             &s->short_abandon_ms);
        !st.ok())
      return st;
  }
  return Status::Ok();
}

// Reads a list of histogram bucket bounds in seconds: numbers, strictly ascending.
Status ReadBuckets(const Reader& r, const YAML::Node& n, const std::string& path,
                   bool allow_negative, std::vector<double>* out) {
  if (!n.IsSequence() || n.size() == 0 || n.size() > 64)
    return r.Error(path, "expected a list of 1 to 64 bucket bounds in seconds");
  std::vector<double> v;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    if (!n[i].IsScalar()) return r.Error(p, "expected a number of seconds");
    double d = 0;
    const std::string& text = n[i].Scalar();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(d))
      return r.Error(p, "\"" + text + "\" is not a number of seconds");
    if (!allow_negative && d <= 0) return r.Error(p, "must be positive");
    if (!v.empty() && d <= v.back()) return r.Error(path, "bounds must be strictly ascending");
    v.push_back(d);
  }
  *out = std::move(v);
  return Status::Ok();
}

bool LooksLikeEndpoint(std::string_view e) {
  const auto scheme = e.find("://");
  return scheme != std::string_view::npos && scheme > 0 && scheme + 3 < e.size();
}

// A subscription's `replay`: an endpoint, or a mapping {endpoint, timeout, max_held_events}.
Status ReadReplay(const Reader& r, const YAML::Node& n, const std::string& path,
                  ReplayConfig* out) {
  const std::string endpoint_path = n.IsScalar() ? path : path + ".endpoint";
  if (n.IsScalar()) {
    if (auto s = r.String(n, path, &out->endpoint); !s.ok()) return s;
  } else {
    if (auto s = r.CheckKeys(n, path, {"endpoint", "timeout", "max_held_events"}); !s.ok())
      return s;
    if (!n["endpoint"]) return r.Error(path, "endpoint is required");
    if (auto s = r.String(n["endpoint"], endpoint_path, &out->endpoint); !s.ok()) return s;
    if (n["timeout"]) {
      if (auto s = r.Duration(n["timeout"], path + ".timeout", &out->timeout_ms); !s.ok()) return s;
      if (out->timeout_ms < 10 || out->timeout_ms > 600'000)
        return r.Error(path + ".timeout", "must be between 10ms and 10m");
    }
    if (n["max_held_events"]) {
      if (auto s = r.Integer<std::size_t>(n["max_held_events"], path + ".max_held_events", 100,
                                          100'000'000, &out->max_held_events);
          !s.ok())
        return s;
    }
  }
  if (!LooksLikeEndpoint(out->endpoint))
    return r.Error(endpoint_path,
                   "expected the bridge's --replay-listen endpoint, e.g. tcp://127.0.0.1:5557");
  return Status::Ok();
}

// The analytics collectors' options (collectors/analytics_options.h).
Status ParseAnalytics(const Reader& r, const YAML::Node& root, Config* c) {
  auto& o = c->collectors;
  if (auto w = root["windows"]) {
    if (auto s = r.CheckKeys(w, "windows", {"time_zone", "interval"}); !s.ok()) return s;
    if (w["time_zone"]) {
      if (auto s = r.String(w["time_zone"], "windows.time_zone", &o.windows.time_zone); !s.ok())
        return s;
      if (auto tz = TimeZone::Load(o.windows.time_zone); !tz.ok())
        return r.Error("windows.time_zone", tz.status().message());
    }
    if (w["interval"]) {
      std::int64_t ms = 0;
      if (auto s = r.Duration(w["interval"], "windows.interval", &ms); !s.ok()) return s;
      if (ms != 15 * 60'000 && ms != 30 * 60'000)
        return r.Error("windows.interval", "use 15m or 30m");
      o.windows.interval_minutes = static_cast<int>(ms / 60'000);
    }
  }
  if (auto h = root["handle_time"]) {
    if (auto s = r.CheckKeys(h, "handle_time", {"short_answer", "duration_buckets"}); !s.ok())
      return s;
    if (h["duration_buckets"]) {
      if (auto s = ReadBuckets(r, h["duration_buckets"], "handle_time.duration_buckets", false,
                               &o.handle_time.duration_buckets_s);
          !s.ok())
        return s;
    }
    if (h["short_answer"]) {
      if (auto s = r.Duration(h["short_answer"], "handle_time.short_answer",
                              &o.handle_time.short_answer_ms);
          !s.ok())
        return s;
    }
  }
  if (auto a = root["agents"]) {
    if (auto s = r.CheckKeys(a, "agents",
                             {"per_agent", "max_per_agent_series", "state_duration_buckets"});
        !s.ok())
      return s;
    if (a["state_duration_buckets"]) {
      if (auto s = ReadBuckets(r, a["state_duration_buckets"], "agents.state_duration_buckets",
                               false, &o.agents.state_duration_buckets_s);
          !s.ok())
        return s;
    }
    if (a["per_agent"]) {
      if (auto s = r.Bool(a["per_agent"], "agents.per_agent", &o.agents.per_agent); !s.ok())
        return s;
    }
    if (a["max_per_agent_series"]) {
      if (auto s = r.Integer<std::size_t>(a["max_per_agent_series"], "agents.max_per_agent_series",
                                          1, 100'000, &o.agents.max_per_agent_series);
          !s.ok())
        return s;
    }
  }
  if (auto f = root["first_contact_resolution"]) {
    const std::string p = "first_contact_resolution";
    if (auto s =
            r.CheckKeys(f, p, {"windows", "queue_groups", "max_tracked_contacts", "ratio_period"});
        !s.ok())
      return s;
    if (f["ratio_period"]) {
      if (auto s = r.Duration(f["ratio_period"], p + ".ratio_period", &o.fcr.ratio_period_ms);
          !s.ok())
        return s;
      if (o.fcr.ratio_period_ms < 3600'000 || o.fcr.ratio_period_ms > 30LL * 86'400'000)
        return r.Error(p + ".ratio_period", "must be between 1h and 30d");
    }
    if (f["windows"]) {
      std::vector<std::int64_t> windows;
      if (auto s = r.Thresholds(f["windows"], p + ".windows", &windows); !s.ok()) return s;
      if (windows.size() > 4) return r.Error(p + ".windows", "at most 4 windows");
      o.fcr.windows_ms = std::move(windows);
    }
    if (auto g = f["queue_groups"]) {
      if (!g.IsMap()) return r.Error(p + ".queue_groups", "expected a mapping queue: group");
      o.fcr.queue_groups.clear();
      for (const auto& kv : g) {
        std::string queue;
        std::string group;
        const std::string kp = p + ".queue_groups." + kv.first.as<std::string>();
        if (auto s = r.String(kv.first, kp, &queue); !s.ok()) return s;
        if (auto s = r.String(kv.second, kp, &group); !s.ok()) return s;
        if (group.empty()) return r.Error(kp, "empty group name");
        o.fcr.queue_groups.emplace_back(queue, group);
      }
    }
    if (f["max_tracked_contacts"]) {
      if (auto s = r.Integer<std::size_t>(f["max_tracked_contacts"], p + ".max_tracked_contacts",
                                          1000, 1'000'000'000, &o.fcr.max_tracked_contacts);
          !s.ok())
        return s;
    }
  }
  if (auto st = root["staffing"]) {
    if (auto s = r.CheckKeys(st, "staffing", {"estimation_window", "ewt_error_buckets"}); !s.ok())
      return s;
    if (st["ewt_error_buckets"]) {
      if (auto s = ReadBuckets(r, st["ewt_error_buckets"], "staffing.ewt_error_buckets", true,
                               &o.staffing.ewt_error_buckets_s);
          !s.ok())
        return s;
    }
    if (st["estimation_window"]) {
      if (auto s = r.Duration(st["estimation_window"], "staffing.estimation_window",
                              &o.staffing.estimation_window_ms);
          !s.ok())
        return s;
      if (o.staffing.estimation_window_ms < 60'000 || o.staffing.estimation_window_ms > 3600'000)
        return r.Error("staffing.estimation_window", "must be between 1m and 1h");
    }
  }
  return Status::Ok();
}

Status Parse(const Reader& r, const YAML::Node& root, Config* c) {
  if (!root || root.IsNull()) return Status::Ok();  // An empty file means all defaults.
  if (auto s = r.CheckKeys(
          root, "",
          {"log", "web", "subscriptions", "limits", "lifecycle", "service_level", "queues",
           "ingest", "windows", "handle_time", "agents", "first_contact_resolution", "staffing"});
      !s.ok())
    return s;

  if (auto log = root["log"]) {
    if (auto s = r.CheckKeys(log, "log", {"level", "format"}); !s.ok()) return s;
    if (log["level"]) {
      if (auto s = r.String(log["level"], "log.level", &c->log_level); !s.ok()) return s;
      static const std::set<std::string> kLevels{"debug", "info", "warn", "error", "off"};
      if (!kLevels.contains(c->log_level))
        return r.Error("log.level", "use debug, info, warn, error or off");
    }
    if (log["format"]) {
      if (auto s = r.String(log["format"], "log.format", &c->log_format); !s.ok()) return s;
      if (c->log_format != "plain" && c->log_format != "logfmt")
        return r.Error("log.format", "use plain or logfmt");
    }
  }
  if (auto web = root["web"]) {
    if (auto s = r.CheckKeys(web, "web", {"listen_address"}); !s.ok()) return s;
    if (web["listen_address"]) {
      if (auto s = r.String(web["listen_address"], "web.listen_address", &c->listen_address);
          !s.ok())
        return s;
    }
  }
  if (auto subs = root["subscriptions"]) {
    if (!subs.IsSequence()) return r.Error("subscriptions", "expected a list");
    for (std::size_t i = 0; i < subs.size(); ++i) {
      const std::string p = "subscriptions[" + std::to_string(i) + "]";
      const auto& n = subs[i];
      if (auto s = r.CheckKeys(n, p, {"endpoint", "bind", "topics", "replay"}); !s.ok()) return s;
      Subscription sub;
      if (!n["endpoint"]) return r.Error(p, "endpoint is required");
      if (auto s = r.String(n["endpoint"], p + ".endpoint", &sub.endpoint); !s.ok()) return s;
      if (sub.endpoint.find("://") == std::string::npos)
        return r.Error(p + ".endpoint", "expected a ZeroMQ endpoint such as tcp://127.0.0.1:5556");
      if (n["bind"]) {
        if (auto s = r.Bool(n["bind"], p + ".bind", &sub.bind); !s.ok()) return s;
      }
      if (n["topics"]) {
        const auto& t = n["topics"];
        if (!t.IsSequence()) return r.Error(p + ".topics", "expected a list of topic prefixes");
        sub.topics.clear();
        for (std::size_t k = 0; k < t.size(); ++k) {
          std::string topic;
          const std::string tp = p + ".topics[" + std::to_string(k) + "]";
          if (auto s = r.String(t[k], tp, &topic); !s.ok()) return s;
          if (topic.rfind("v1.", 0) != 0 && topic != "v1" && !topic.empty())
            return r.Error(tp, "topic prefixes start with \"v1.\"");
          sub.topics.push_back(topic);
        }
      }
      if (n["replay"]) {
        if (auto s = ReadReplay(r, n["replay"], p + ".replay", &sub.replay); !s.ok()) return s;
      }
      c->subscriptions.push_back(std::move(sub));
    }
  }
  if (auto ing = root["ingest"]) {
    if (auto s = r.CheckKeys(ing, "ingest", {"rcvhwm", "max_frame_bytes", "max_string_bytes"});
        !s.ok())
      return s;
    if (ing["rcvhwm"]) {
      if (auto s = r.Integer(ing["rcvhwm"], "ingest.rcvhwm", 1000, 100'000'000, &c->rcvhwm);
          !s.ok())
        return s;
    }
    if (ing["max_frame_bytes"]) {
      if (auto s = r.Integer<std::size_t>(ing["max_frame_bytes"], "ingest.max_frame_bytes", 256,
                                          16 << 20, &c->max_frame_bytes);
          !s.ok())
        return s;
    }
    if (ing["max_string_bytes"]) {
      if (auto s = r.Integer<std::size_t>(ing["max_string_bytes"], "ingest.max_string_bytes", 16,
                                          1 << 20, &c->max_string_bytes);
          !s.ok())
        return s;
    }
  }
  if (auto lim = root["limits"]) {
    if (auto s = r.CheckKeys(
            lim, "limits",
            {"max_queues", "max_label_length", "max_agents", "max_sources", "max_contacts"});
        !s.ok())
      return s;
    auto& q = c->queue_options;
    if (lim["max_queues"]) {
      if (auto s = r.Integer<std::size_t>(lim["max_queues"], "limits.max_queues", 1, 1'000'000,
                                          &q.max_queues);
          !s.ok())
        return s;
    }
    if (lim["max_label_length"]) {
      if (auto s = r.Integer<std::size_t>(lim["max_label_length"], "limits.max_label_length", 8,
                                          1024, &q.max_name_length);
          !s.ok())
        return s;
    }
    if (lim["max_agents"]) {
      if (auto s = r.Integer<std::size_t>(lim["max_agents"], "limits.max_agents", 1, 10'000'000,
                                          &c->max_agents);
          !s.ok())
        return s;
    }
    if (lim["max_sources"]) {
      if (auto s = r.Integer<std::size_t>(lim["max_sources"], "limits.max_sources", 1, 100'000,
                                          &c->max_sources);
          !s.ok())
        return s;
    }
    if (lim["max_contacts"]) {
      if (auto s = r.Integer<std::size_t>(lim["max_contacts"], "limits.max_contacts", 1,
                                          100'000'000, &c->lifecycle.max_contacts);
          !s.ok())
        return s;
    }
  }
  if (auto lc = root["lifecycle"]) {
    if (auto s =
            r.CheckKeys(lc, "lifecycle", {"max_contact_age", "wrap_up_timeout", "reorder_hold"});
        !s.ok())
      return s;
    if (lc["max_contact_age"]) {
      if (auto s = r.Duration(lc["max_contact_age"], "lifecycle.max_contact_age",
                              &c->lifecycle.max_contact_age_ms);
          !s.ok())
        return s;
    }
    if (lc["wrap_up_timeout"]) {
      if (auto s = r.Duration(lc["wrap_up_timeout"], "lifecycle.wrap_up_timeout",
                              &c->lifecycle.wrap_up_timeout_ms);
          !s.ok())
        return s;
    }
    if (lc["reorder_hold"]) {
      if (auto s = r.Duration(lc["reorder_hold"], "lifecycle.reorder_hold",
                              &c->lifecycle.pending_ttl_ms);
          !s.ok())
        return s;
    }
  }
  if (auto sl = root["service_level"]) {
    if (auto s = r.CheckKeys(sl, "service_level",
                             {"thresholds", "target", "target_threshold", "short_abandon",
                              "formula", "breach_horizon"});
        !s.ok())
      return s;
    if (auto s = ReadServiceLevel(r, sl, "service_level", &c->queue_options.defaults); !s.ok())
      return s;
    if (sl["formula"]) {
      std::string name;
      if (auto s = r.String(sl["formula"], "service_level.formula", &name); !s.ok()) return s;
      auto f = ParseSlFormula(name);
      if (!f.ok()) return r.Error("service_level.formula", f.status().message());
      c->collectors.sl_formula = *f;
    }
    if (sl["breach_horizon"]) {
      if (auto s = r.Duration(sl["breach_horizon"], "service_level.breach_horizon",
                              &c->collectors.breach_horizon_ms);
          !s.ok())
        return s;
    }
  }
  if (auto s = ParseAnalytics(r, root, c); !s.ok()) return s;
  if (auto queues = root["queues"]) {
    if (!queues.IsSequence()) return r.Error("queues", "expected a list");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < queues.size(); ++i) {
      const std::string p = "queues[" + std::to_string(i) + "]";
      const auto& n = queues[i];
      if (auto s = r.CheckKeys(
              n, p,
              {"name", "channel", "thresholds", "target", "target_threshold", "short_abandon"});
          !s.ok())
        return s;
      QueueConfig q;
      q.settings = c->queue_options.defaults;
      if (!n["name"]) return r.Error(p, "name is required");
      if (auto s = r.String(n["name"], p + ".name", &q.name); !s.ok()) return s;
      if (!state::IsAcceptableLabelValue(q.name, c->queue_options.max_name_length) ||
          q.name == state::QueueRegistry::kOverflowName)
        return r.Error(p + ".name", "\"" + q.name + "\" is not a usable queue name (1–" +
                                        std::to_string(c->queue_options.max_name_length) +
                                        " printable characters, not \"_other\")");
      if (!seen.insert(q.name).second)
        return r.Error(p + ".name", "duplicate queue \"" + q.name + "\"");
      if (n["channel"]) {
        std::string ch;
        if (auto s = r.String(n["channel"], p + ".channel", &ch); !s.ok()) return s;
        auto parsed = ParseChannel(ch);
        if (!parsed.ok()) return r.Error(p + ".channel", parsed.status().message());
        q.settings.channel = *parsed;
      }
      if (auto s = ReadServiceLevel(r, n, p, &q.settings); !s.ok()) return s;
      c->queues.push_back(std::move(q));
    }
    if (c->queues.size() > c->queue_options.max_queues)
      return r.Error("queues", "more queues than limits.max_queues");
  }
  return Status::Ok();
}

}  // namespace

Result<Subscription> ParseSubscribeFlag(std::string_view text) {
  Subscription sub;
  const auto comma = text.find(',');
  sub.endpoint = std::string(text.substr(0, comma));
  if (!LooksLikeEndpoint(sub.endpoint)) {
    return Status::InvalidArgument("\"" + std::string(text) +
                                   "\": expected ENDPOINT or ENDPOINT,replay=ENDPOINT, e.g. "
                                   "tcp://127.0.0.1:5556,replay=tcp://127.0.0.1:5557");
  }
  if (comma != std::string_view::npos) {
    const std::string_view option = text.substr(comma + 1);
    if (!option.starts_with("replay=") || !LooksLikeEndpoint(option.substr(7))) {
      return Status::InvalidArgument("\"" + std::string(text) + "\": after the endpoint only " +
                                     "\",replay=ENDPOINT\" may follow");
    }
    sub.replay.endpoint = std::string(option.substr(7));
  }
  return sub;
}

Result<std::int64_t> ParseDurationMs(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty duration");
  double value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p == text.data()) {
    return Status::InvalidArgument("\"" + std::string(text) +
                                   "\" is not a duration (e.g. 20s, 5m, 12h)");
  }
  const std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
  double factor = 0;
  if (unit.empty() || unit == "s")
    factor = 1000;
  else if (unit == "ms")
    factor = 1;
  else if (unit == "m")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else if (unit == "d")
    factor = 86'400'000;
  else
    return Status::InvalidArgument("\"" + std::string(text) + "\": unknown unit (ms, s, m, h, d)");
  const double ms = value * factor;
  if (!std::isfinite(ms) || ms < 0 || ms > 1e15) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is out of range");
  }
  return static_cast<std::int64_t>(std::llround(ms));
}

std::string_view SlFormulaName(collectors::SlFormula f) {
  switch (f) {
    case collectors::SlFormula::kShortAbandonsExcluded:
      return "short_abandons_excluded";
    case collectors::SlFormula::kAbandonsNegative:
      return "abandons_negative";
    case collectors::SlFormula::kAbandonsIgnored:
      return "abandons_ignored";
    case collectors::SlFormula::kAbandonsPositive:
      return "abandons_positive";
  }
  return "short_abandons_excluded";
}

Result<collectors::SlFormula> ParseSlFormula(std::string_view name) {
  for (auto f :
       {collectors::SlFormula::kShortAbandonsExcluded, collectors::SlFormula::kAbandonsNegative,
        collectors::SlFormula::kAbandonsIgnored, collectors::SlFormula::kAbandonsPositive}) {
    if (SlFormulaName(f) == name) return f;
  }
  return Status::InvalidArgument(
      "unknown formula \"" + std::string(name) +
      "\" (short_abandons_excluded, abandons_negative, abandons_ignored, abandons_positive)");
}

Result<Config> ParseConfig(std::string_view yaml_text, std::string_view origin) {
  Config c;
  c.source_path = std::string(origin);
  Reader reader{std::string(origin)};
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (auto s = Parse(reader, root, &c); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string(origin) + ": line " +
                                   std::to_string(e.mark.line + 1) + ", column " +
                                   std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    // yaml-cpp converts with exceptions too (e.g. a map key that is not a scalar).
    return Status::InvalidArgument(std::string(origin) + ": " + e.what());
  }
  return c;
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed");
  return ParseConfig(text.str(), path);
}

}  // namespace ccmon::config
