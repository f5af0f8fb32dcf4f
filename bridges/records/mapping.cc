#include "bridges/records/mapping.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>

namespace ccmon::records {
namespace {

// Walks the YAML tree; every error names the file and the key path.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  Status Error(const std::string& path, const std::string& what) const {
    return Status::InvalidArgument(origin_ + ": " + path + ": " + what);
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  Status CheckKeys(const YAML::Node& node, const std::string& path,
                   std::initializer_list<std::string_view> allowed) const {
    if (!node.IsMap()) return Error(path.empty() ? "(top level)" : path, "expected a mapping");
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) return Error(path, "keys must be plain names");
      const std::string& key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return Error(Join(path, key), "unknown key (allowed: " + list + ")");
      }
    }
    return Status::Ok();
  }

  Status String(const YAML::Node& n, const std::string& path, std::string* out,
                bool allow_empty = false) const {
    if (!n.IsScalar()) return Error(path, "expected a string");
    if (!allow_empty && n.Scalar().empty()) return Error(path, "must not be empty");
    *out = n.Scalar();
    return Status::Ok();
  }

  // A string or a non-empty list of strings.
  Status Strings(const YAML::Node& n, const std::string& path, std::vector<std::string>* out,
                 bool allow_empty_items = false) const {
    out->clear();
    if (n.IsScalar()) {
      out->emplace_back();
      return String(n, path, &out->back(), allow_empty_items);
    }
    if (!n.IsSequence() || n.size() == 0) {
      return Error(path, "expected a string or a non-empty list of strings");
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      out->emplace_back();
      if (auto s =
              String(n[i], path + "[" + std::to_string(i) + "]", &out->back(), allow_empty_items);
          !s.ok())
        return s;
    }
    return Status::Ok();
  }

  Status Bool(const YAML::Node& n, const std::string& path, bool* out) const {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
      *out = n.Scalar() == "true";
      return Status::Ok();
    }
    return Error(path, "expected true or false");
  }

  // A mapping of strings to strings.
  Status StringMap(const YAML::Node& n, const std::string& path,
                   std::map<std::string, std::string>* out) const {
    if (!n.IsMap() || n.size() == 0) return Error(path, "expected a non-empty mapping");
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) return Error(path, "keys must be plain values");
      std::string value;
      if (auto s = String(kv.second, Join(path, kv.first.Scalar()), &value); !s.ok()) return s;
      (*out)[kv.first.Scalar()] = value;
    }
    return Status::Ok();
  }

 private:
  std::string origin_;
};

Result<v1::Channel> ParseChannel(std::string_view name) {
  static constexpr std::pair<std::string_view, v1::Channel> kChannels[] = {
      {"voice", v1::CHANNEL_VOICE},   {"chat", v1::CHANNEL_CHAT},
      {"email", v1::CHANNEL_EMAIL},   {"callback", v1::CHANNEL_CALLBACK},
      {"video", v1::CHANNEL_VIDEO},   {"sms", v1::CHANNEL_SMS},
      {"social", v1::CHANNEL_SOCIAL}, {"task", v1::CHANNEL_TASK},
  };
  for (const auto& [n, c] : kChannels) {
    if (n == name) return c;
  }
  return Status::InvalidArgument("unknown channel \"" + std::string(name) +
                                 "\" (voice, chat, email, callback, video, sms, social, task)");
}

// Applies "a.b.c=value" to the tree.
Status ApplyOverride(YAML::Node& root, const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument("override \"" + text + "\": expected key.path=value");
  }
  const std::string path = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? dot : dot - start));
    if (parts.back().empty()) {
      return Status::InvalidArgument("override \"" + text + "\": empty key in the path");
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  YAML::Node value_node;
  if (!value.empty() && (value[0] == '[' || value[0] == '{')) {
    try {
      value_node = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument("override \"" + text + "\": " + e.what());
    }
  } else {
    value_node = YAML::Node(value);
  }
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  YAML::Node current;
  current.reset(root);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!current.IsMap()) {
      return Status::InvalidArgument("override \"" + text + "\": " + parts[i] +
                                     " is inside a value that is not a mapping");
    }
    if (!current[parts[i]].IsDefined() || current[parts[i]].IsNull()) {
      current[parts[i]] = YAML::Node(YAML::NodeType::Map);
    }
    // Node::operator= assigns values; reset() rebinds the handle.
    const YAML::Node next = current[parts[i]];
    current.reset(next);
  }
  if (!current.IsMap()) {
    return Status::InvalidArgument("override \"" + text + "\": the parent of " + parts.back() +
                                   " is not a mapping");
  }
  current[parts.back()] = value_node;
  return Status::Ok();
}

Status ParseCsv(const Reader& r, const YAML::Node& root, RecordMapping* m) {
  const YAML::Node csv = root["csv"];
  if (!csv) return Status::Ok();
  if (auto s = r.CheckKeys(csv, "csv", {"separator", "header"}); !s.ok()) return s;
  if (csv["separator"]) {
    std::string sep;
    if (auto s = r.String(csv["separator"], "csv.separator", &sep); !s.ok()) return s;
    if (sep == "\\t" || sep == "tab") sep = "\t";
    if (sep.size() != 1 || sep[0] == '"' || sep[0] == '\n' || sep[0] == '\r') {
      return r.Error("csv.separator", "expected one character other than a quote or line break");
    }
    m->separator = sep[0];
  }
  if (csv["header"]) {
    if (auto s = r.Bool(csv["header"], "csv.header", &m->header); !s.ok()) return s;
  }
  return Status::Ok();
}

Status ParseContact(const Reader& r, const YAML::Node& root, RecordMapping* m) {
  if (!root["contact_id"]) return r.Error("contact_id", "required (a column or a list of columns)");
  if (auto s = r.Strings(root["contact_id"], "contact_id", &m->contact_id); !s.ok()) return s;

  const YAML::Node queue = root["queue"];
  if (!queue) return r.Error("queue", "required (constant: NAME, or column: COLUMN)");
  if (auto s = r.CheckKeys(queue, "queue", {"constant", "column", "values", "default"}); !s.ok())
    return s;
  if (queue["constant"] && queue["column"]) {
    return r.Error("queue", "give either constant or column, not both");
  }
  if (queue["constant"]) {
    if (queue["values"] || queue["default"]) {
      return r.Error("queue.constant", "values and default go with column, not constant");
    }
    if (auto s = r.String(queue["constant"], "queue.constant", &m->queue_constant); !s.ok())
      return s;
  } else if (queue["column"]) {
    if (auto s = r.String(queue["column"], "queue.column", &m->queue.column); !s.ok()) return s;
    if (queue["values"]) {
      if (auto s = r.StringMap(queue["values"], "queue.values", &m->queue.values); !s.ok())
        return s;
      for (const auto& [from, to] : m->queue.values) {
        if (to.empty()) return r.Error("queue.values." + from, "must not be empty");
      }
    }
    if (queue["default"]) {
      std::string d;
      if (auto s = r.String(queue["default"], "queue.default", &d); !s.ok()) return s;
      m->queue.default_value = d;
    }
  } else {
    return r.Error("queue", "needs constant or column");
  }

  if (root["channel"]) {
    std::string name;
    if (auto s = r.String(root["channel"], "channel", &name); !s.ok()) return s;
    auto channel = ParseChannel(name);
    if (!channel.ok()) return r.Error("channel", channel.status().message());
    m->channel = *channel;
  }

  if (const YAML::Node caller = root["caller"]) {
    if (auto s = r.CheckKeys(caller, "caller", {"column", "anonymous"}); !s.ok()) return s;
    if (!caller["column"]) return r.Error("caller.column", "required");
    if (auto s = r.String(caller["column"], "caller.column", &m->caller_column); !s.ok()) return s;
    if (caller["anonymous"]) {
      if (auto s = r.Strings(caller["anonymous"], "caller.anonymous", &m->anonymous_callers, true);
          !s.ok())
        return s;
    }
  }
  if (const YAML::Node agent = root["agent"]) {
    if (auto s = r.CheckKeys(agent, "agent", {"column", "none"}); !s.ok()) return s;
    if (!agent["column"]) return r.Error("agent.column", "required");
    if (auto s = r.String(agent["column"], "agent.column", &m->agent_column); !s.ok()) return s;
    if (agent["none"]) {
      if (auto s = r.Strings(agent["none"], "agent.none", &m->no_agent, true); !s.ok()) return s;
    }
  }
  if (const YAML::Node priority = root["priority"]) {
    if (auto s = r.CheckKeys(priority, "priority", {"column", "values"}); !s.ok()) return s;
    if (!priority["column"]) return r.Error("priority.column", "required");
    if (auto s = r.String(priority["column"], "priority.column", &m->priority_column); !s.ok())
      return s;
    if (priority["values"]) {
      std::map<std::string, std::string> values;
      if (auto s = r.StringMap(priority["values"], "priority.values", &values); !s.ok()) return s;
      for (const auto& [from, to] : values) {
        std::int32_t v = 0;
        auto [end, ec] = std::from_chars(to.data(), to.data() + to.size(), v);
        if (ec != std::errc() || end != to.data() + to.size()) {
          return r.Error("priority.values." + from, "\"" + to + "\" is not an integer");
        }
        m->priority_values[from] = v;
      }
    }
  }
  return Status::Ok();
}

Status ParseTimes(const Reader& r, const YAML::Node& root, RecordMapping* m) {
  const YAML::Node t = root["times"];
  if (!t) return r.Error("times", "required (at least format, enqueue, and wait or dequeue)");
  if (auto s = r.CheckKeys(t, "times",
                           {"time_zone", "date", "format", "absent", "duration_unit", "arrival",
                            "enqueue", "dequeue", "wait", "answer", "end", "talk", "wrap_up"});
      !s.ok())
    return s;
  if (t["time_zone"]) {
    std::string name;
    if (auto s = r.String(t["time_zone"], "times.time_zone", &name); !s.ok()) return s;
    auto zone = TimeZone::Load(name);
    if (!zone.ok()) return r.Error("times.time_zone", zone.status().message());
    m->time_zone = std::move(zone).value();
  }
  if (!t["format"]) return r.Error("times.format", "required (e.g. \"%H:%M:%S\")");
  {
    std::string spec;
    if (auto s = r.String(t["format"], "times.format", &spec); !s.ok()) return s;
    auto f = TimeFormat::Parse(spec);
    if (!f.ok()) return r.Error("times.format", f.status().message());
    if (!f->has_time_of_day()) return r.Error("times.format", "needs a time of day (%H)");
    m->time_format = std::move(f).value();
  }
  if (const YAML::Node date = t["date"]) {
    if (m->time_format->has_date()) {
      return r.Error("times.date", "times.format \"" + m->time_format->spec() +
                                       "\" already carries the date; remove times.date");
    }
    if (auto s = r.CheckKeys(date, "times.date", {"column", "format"}); !s.ok()) return s;
    if (!date["column"]) return r.Error("times.date.column", "required");
    if (!date["format"]) return r.Error("times.date.format", "required (e.g. \"%Y-%m-%d\")");
    if (auto s = r.String(date["column"], "times.date.column", &m->date_column); !s.ok()) return s;
    std::string spec;
    if (auto s = r.String(date["format"], "times.date.format", &spec); !s.ok()) return s;
    auto f = TimeFormat::Parse(spec);
    if (!f.ok()) return r.Error("times.date.format", f.status().message());
    if (!f->has_date() || f->has_time_of_day()) {
      return r.Error("times.date.format", "\"" + spec + "\" must be a date without a time");
    }
    m->date_format = std::move(f).value();
  } else if (!m->time_format->has_date()) {
    return r.Error("times.date", "required: times.format \"" + m->time_format->spec() +
                                     "\" is a time of day without a date");
  }
  if (t["absent"]) {
    if (auto s = r.Strings(t["absent"], "times.absent", &m->absent_times, true); !s.ok()) return s;
  }
  if (std::find(m->absent_times.begin(), m->absent_times.end(), "") == m->absent_times.end()) {
    m->absent_times.emplace_back();  // An empty field is always "no time".
  }
  if (t["duration_unit"]) {
    std::string name;
    if (auto s = r.String(t["duration_unit"], "times.duration_unit", &name); !s.ok()) return s;
    auto unit = ParseDurationUnit(name);
    if (!unit.ok()) return r.Error("times.duration_unit", unit.status().message());
    m->duration_unit = *unit;
  }
  const auto column = [&](const char* key, std::string* out) -> Status {
    if (!t[key]) return Status::Ok();
    return r.String(t[key], std::string("times.") + key, out);
  };
  for (auto [key, out] : {std::pair{"arrival", &m->arrival},
                          {"enqueue", &m->enqueue},
                          {"dequeue", &m->dequeue},
                          {"wait", &m->wait},
                          {"end", &m->end},
                          {"talk", &m->talk},
                          {"wrap_up", &m->wrap_up}}) {
    if (auto s = column(key, out); !s.ok()) return s;
  }
  if (t["answer"]) {
    if (auto s = r.Strings(t["answer"], "times.answer", &m->answer); !s.ok()) return s;
  }
  if (m->enqueue.empty()) return r.Error("times.enqueue", "required (the enqueue time column)");
  if (m->dequeue.empty() == m->wait.empty()) {
    return r.Error(m->dequeue.empty() ? "times.wait" : "times.dequeue",
                   "give exactly one of dequeue (a time column) and wait (a duration column)");
  }
  if (!m->end.empty() && !m->talk.empty()) {
    return r.Error("times.end", "give at most one of end (a time column) and talk (a duration)");
  }
  return Status::Ok();
}

Status ParseOutcomes(const Reader& r, const YAML::Node& root, RecordMapping* m) {
  const YAML::Node o = root["outcome"];
  if (!o) return r.Error("outcome", "required (column and values)");
  if (auto s = r.CheckKeys(o, "outcome", {"column", "values", "answered_without_queue"}); !s.ok())
    return s;
  if (!o["column"]) return r.Error("outcome.column", "required");
  if (auto s = r.String(o["column"], "outcome.column", &m->outcome_column); !s.ok()) return s;
  if (!o["values"]) return r.Error("outcome.values", "required (value: outcome name)");
  std::map<std::string, std::string> names;
  if (auto s = r.StringMap(o["values"], "outcome.values", &names); !s.ok()) return s;
  bool any_answered = false;
  for (const auto& [value, name] : names) {
    auto outcome = ParseOutcomeName(name);
    if (!outcome.ok()) return r.Error("outcome.values." + value, outcome.status().message());
    any_answered = any_answered || outcome->kind == OutcomeKind::kAnswered;
    m->outcomes[value] = *outcome;
  }
  if (o["answered_without_queue"]) {
    std::string policy;
    if (auto s = r.String(o["answered_without_queue"], "outcome.answered_without_queue", &policy);
        !s.ok())
      return s;
    if (policy == "offered") {
      m->answered_without_queue = AnsweredWithoutQueue::kOffered;
    } else if (policy == "not_offered") {
      m->answered_without_queue = AnsweredWithoutQueue::kNotOffered;
    } else {
      return r.Error("outcome.answered_without_queue",
                     "\"" + policy + "\": expected offered or not_offered");
    }
  }
  if (any_answered && m->end.empty() && m->talk.empty()) {
    return r.Error("times.talk",
                   "an outcome is answered: give end (a time column) or talk (a duration column)");
  }
  return Status::Ok();
}

}  // namespace

std::vector<RecordMapping::ColumnUse> RecordMapping::ColumnUses() const {
  std::vector<ColumnUse> out;
  const auto add = [&](std::string key, const std::string& column) {
    if (!column.empty()) out.push_back({std::move(key), column});
  };
  for (std::size_t i = 0; i < contact_id.size(); ++i) {
    add(contact_id.size() == 1 ? "contact_id" : "contact_id[" + std::to_string(i) + "]",
        contact_id[i]);
  }
  add("queue.column", queue.column);
  add("caller.column", caller_column);
  add("agent.column", agent_column);
  add("priority.column", priority_column);
  add("times.date.column", date_column);
  add("times.arrival", arrival);
  add("times.enqueue", enqueue);
  add("times.dequeue", dequeue);
  add("times.wait", wait);
  for (std::size_t i = 0; i < answer.size(); ++i) {
    add(answer.size() == 1 ? "times.answer" : "times.answer[" + std::to_string(i) + "]", answer[i]);
  }
  add("times.end", end);
  add("times.talk", talk);
  add("times.wrap_up", wrap_up);
  add("outcome.column", outcome_column);
  return out;
}

Result<MappedOutcome> ParseOutcomeName(std::string_view name) {
  MappedOutcome o;
  if (name == "answered") {
    o.kind = OutcomeKind::kAnswered;
  } else if (name == "abandoned") {
    o.kind = OutcomeKind::kAbandoned;
  } else if (name == "callback") {
    o.kind = OutcomeKind::kCallbackRequested;
  } else if (name == "never_queued") {
    o.kind = OutcomeKind::kNeverQueued;
  } else if (name == "ignore") {
    o.kind = OutcomeKind::kIgnore;
  } else if (name == "exited" || name.starts_with("exited:")) {
    o.kind = OutcomeKind::kExited;
    if (name.size() > 7) {
      static constexpr std::pair<std::string_view, v1::ExitReason> kReasons[] = {
          {"other", v1::EXIT_REASON_UNSPECIFIED},
          {"timeout", v1::EXIT_REASON_TIMEOUT},
          {"queue_full", v1::EXIT_REASON_QUEUE_FULL},
          {"no_agents", v1::EXIT_REASON_NO_AGENTS},
          {"key_press", v1::EXIT_REASON_KEY_PRESS},
          {"overflow", v1::EXIT_REASON_OVERFLOW},
          {"withdrawn", v1::EXIT_REASON_WITHDRAWN},
          {"closed", v1::EXIT_REASON_CLOSED},
          {"lost", v1::EXIT_REASON_LOST},
      };
      const std::string_view reason = name.substr(7);
      bool found = false;
      for (const auto& [n, v] : kReasons) {
        if (n == reason) {
          o.exit_reason = v;
          found = true;
        }
      }
      if (!found) {
        return Status::InvalidArgument(
            "unknown exit reason \"" + std::string(reason) +
            "\" (other, timeout, queue_full, no_agents, key_press, overflow, withdrawn, closed, "
            "lost)");
      }
    }
  } else {
    return Status::InvalidArgument(
        "unknown outcome \"" + std::string(name) +
        "\" (answered, abandoned, exited, exited:<reason>, callback, never_queued, ignore)");
  }
  return o;
}

Result<RecordMapping> ParseMapping(std::string_view yaml, std::string_view origin,
                                   const std::vector<std::string>& overrides) {
  RecordMapping m;
  m.origin = std::string(origin);
  const Reader r(m.origin);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    for (const std::string& o : overrides) {
      if (auto s = ApplyOverride(root, o); !s.ok()) return s.WithContext(m.origin);
    }
    if (auto s = r.CheckKeys(root, "",
                             {"csv", "contact_id", "queue", "channel", "caller", "agent",
                              "priority", "times", "outcome"});
        !s.ok())
      return s;
    if (auto s = ParseCsv(r, root, &m); !s.ok()) return s;
    if (auto s = ParseContact(r, root, &m); !s.ok()) return s;
    if (auto s = ParseTimes(r, root, &m); !s.ok()) return s;
    if (auto s = ParseOutcomes(r, root, &m); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(m.origin + ": " + e.what());
  }
  return m;
}

Result<RecordMapping> LoadMapping(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the mapping file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed");
  return ParseMapping(text.str(), path, overrides);
}

}  // namespace ccmon::records
