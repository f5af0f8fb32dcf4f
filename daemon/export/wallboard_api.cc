#include "daemon/export/wallboard_api.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_type.h>

#include <array>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "daemon/export/json_writer.h"
#include "daemon/export/wallboard_assets.h"

namespace ccmon::web {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

// The agent states in the order of docs/metrics.md (callcenter_queue_agents).
constexpr std::array<std::string_view, 6> kAgentStates = {
    "logged_out", "available", "reserved", "on_contact", "after_contact_work", "not_ready"};

struct Counts {
  std::optional<double> offered, answered, abandoned;
};

struct QueueTile {
  std::string name;
  std::optional<double> waiting, oldest_wait, target, asa, ewt, staffed, required_a, required_c;
  std::string target_threshold;  // The `threshold` label of the target series.
  // callcenter_service_level_ratio{window=options.window} and the today ratio, by threshold.
  std::vector<std::pair<std::string, double>> sl_window, sl_today;
  Counts window, today;
  std::array<std::optional<double>, kAgentStates.size()> agents;
};

struct AgentRow {
  const std::string* source = nullptr;
  const std::string* agent = nullptr;
  std::string_view state;
  std::optional<double> since;
};

const std::string* Label(const ClientMetric& m, std::string_view name) {
  for (const auto& l : m.label) {
    if (l.name == name) return &l.value;
  }
  return nullptr;
}

bool LabelIs(const ClientMetric& m, std::string_view name, std::string_view value) {
  const std::string* v = Label(m, name);
  return v != nullptr && *v == value;
}

double ValueOf(const MetricFamily& f, const ClientMetric& m) {
  switch (f.type) {
    case prometheus::MetricType::Counter:
      return m.counter.value;
    case prometheus::MetricType::Gauge:
      return m.gauge.value;
    case prometheus::MetricType::Untyped:
      return m.untyped.value;
    default:
      return 0;  // Histograms and summaries are not read here.
  }
}

std::optional<double> Find(const std::vector<std::pair<std::string, double>>& values,
                           std::string_view threshold) {
  for (const auto& [t, v] : values) {
    if (t == threshold) return v;
  }
  return std::nullopt;
}

void SetCount(Counts* counts, std::string_view outcome, double value) {
  if (outcome == "offered") counts->offered = value;
  if (outcome == "answered") counts->answered = value;
  if (outcome == "abandoned") counts->abandoned = value;
}

// Gathers the board's values from the families of one scrape.
class BoardBuilder {
 public:
  explicit BoardBuilder(const WallboardApiOptions& options) : options_(options) {}

  void Add(const MetricFamily& f) {
    const std::string& n = f.name;
    if (n == "ccmond_event_clock_timestamp_seconds") {
      if (!f.metric.empty()) event_time_ = ValueOf(f, f.metric.front());
      return;
    }
    if (n == "callcenter_agent_state") {
      per_agent_ = true;
      for (const auto& m : f.metric) AddAgentState(f, m);
      return;
    }
    if (n == "callcenter_agent_state_since_timestamp_seconds") {
      for (const auto& m : f.metric) AddAgentSince(f, m);
      return;
    }
    if (n == "ccmond_agent_series_omitted") {
      per_agent_ = true;
      if (!f.metric.empty()) agents_omitted_ = ValueOf(f, f.metric.front());
      return;
    }
    for (const auto& m : f.metric) AddQueueSample(f, m);
  }

  void Write(std::string* out) const {
    JsonWriter w(out, options_.max_name_bytes);
    w.BeginObject();
    w.Key("api_version");
    w.Number(1);
    w.Key("event_time_seconds");
    w.Number(event_time_);
    w.Key("window");
    w.String(options_.window);
    w.Key("refresh_seconds");
    w.Number(options_.refresh_seconds);
    w.Key("queues_total");
    w.Number(static_cast<double>(queues_.size()));
    w.Key("queues");
    w.BeginArray();
    for (std::size_t i = 0; i < queues_.size() && i < options_.max_queues; ++i) {
      WriteQueue(queues_[i], &w);
    }
    w.EndArray();
    w.Key("agents");
    if (per_agent_) {
      WriteAgents(&w);
    } else {
      w.Null();
    }
    w.EndObject();
  }

 private:
  QueueTile* Queue(const ClientMetric& m) {
    const std::string* name = Label(m, "queue");
    if (name == nullptr) return nullptr;
    auto [it, inserted] = queue_index_.try_emplace(*name, queues_.size());
    if (inserted) {
      queues_.emplace_back();
      queues_.back().name = *name;
    }
    return &queues_[it->second];
  }

  void AddQueueSample(const MetricFamily& f, const ClientMetric& m) {
    const std::string& n = f.name;
    // Only the families the board shows create queues (cheap name checks first).
    if (n.rfind("callcenter_", 0) != 0) return;
    const double v = ValueOf(f, m);
    const std::string* window = Label(m, "window");
    if (n == "callcenter_queue_contacts_waiting") {
      if (QueueTile* q = Queue(m)) q->waiting = v;
    } else if (n == "callcenter_queue_oldest_contact_wait_seconds") {
      if (QueueTile* q = Queue(m)) q->oldest_wait = v;
    } else if (n == "callcenter_service_level_target_ratio") {
      const std::string* threshold = Label(m, "threshold");
      QueueTile* q = Queue(m);
      if (q != nullptr && threshold != nullptr) {
        q->target = v;
        q->target_threshold = *threshold;
      }
    } else if (n == "callcenter_service_level_ratio") {
      const std::string* threshold = Label(m, "threshold");
      if (window == nullptr || *window != options_.window || threshold == nullptr) return;
      if (QueueTile* q = Queue(m)) q->sl_window.emplace_back(*threshold, v);
    } else if (n == "callcenter_queue_window_service_level_ratio") {
      const std::string* threshold = Label(m, "threshold");
      if (window == nullptr || *window != "today" || threshold == nullptr) return;
      if (QueueTile* q = Queue(m)) q->sl_today.emplace_back(*threshold, v);
    } else if (n == "callcenter_queue_window_contacts") {
      const std::string* outcome = Label(m, "outcome");
      if (window == nullptr || outcome == nullptr) return;
      if (*window == options_.window) {
        if (QueueTile* q = Queue(m)) SetCount(&q->window, *outcome, v);
      } else if (*window == "today") {
        if (QueueTile* q = Queue(m)) SetCount(&q->today, *outcome, v);
      }
    } else if (n == "callcenter_queue_window_asa_seconds") {
      if (window == nullptr || *window != options_.window) return;
      if (QueueTile* q = Queue(m)) q->asa = v;
    } else if (n == "callcenter_queue_expected_wait_seconds") {
      if (QueueTile* q = Queue(m)) q->ewt = v;
    } else if (n == "callcenter_queue_agents") {
      const std::string* state = Label(m, "state");
      if (state == nullptr) return;
      for (std::size_t i = 0; i < kAgentStates.size(); ++i) {
        if (*state != kAgentStates[i]) continue;
        if (QueueTile* q = Queue(m)) q->agents[i] = v;
      }
    } else if (n == "callcenter_queue_agents_staffed") {
      if (QueueTile* q = Queue(m)) q->staffed = v;
    } else if (n == "callcenter_queue_agents_required") {
      if (LabelIs(m, "model", "erlang_a")) {
        if (QueueTile* q = Queue(m)) q->required_a = v;
      } else if (LabelIs(m, "model", "erlang_c")) {
        if (QueueTile* q = Queue(m)) q->required_c = v;
      }
    }
  }

  AgentRow* Agent(const ClientMetric& m) {
    const std::string* source = Label(m, "source");
    const std::string* agent = Label(m, "agent");
    if (source == nullptr || agent == nullptr) return nullptr;
    // Length-prefixed, so that ("ab", "c") and ("a", "bc") are different agents.
    std::string key = std::to_string(source->size()) + ':' + *source + *agent;
    auto [it, inserted] = agent_index_.try_emplace(std::move(key), agents_.size());
    if (inserted) {
      agents_.emplace_back();
      agents_.back().source = source;
      agents_.back().agent = agent;
    }
    return &agents_[it->second];
  }

  void AddAgentState(const MetricFamily& f, const ClientMetric& m) {
    const std::string* state = Label(m, "state");
    if (state == nullptr) return;
    AgentRow* row = Agent(m);
    if (row == nullptr || ValueOf(f, m) != 1) return;
    for (std::string_view s : kAgentStates) {
      if (*state == s) row->state = s;
    }
  }

  void AddAgentSince(const MetricFamily& f, const ClientMetric& m) {
    if (AgentRow* row = Agent(m)) row->since = ValueOf(f, m);
  }

  static void WriteCounts(const Counts& c, JsonWriter* w) {
    w->BeginObject();
    w->Key("offered");
    w->Number(c.offered);
    w->Key("answered");
    w->Number(c.answered);
    w->Key("abandoned");
    w->Number(c.abandoned);
    w->EndObject();
  }

  std::string_view Status(std::optional<double> ratio, std::optional<double> target) const {
    if (!ratio || !target) return "none";
    if (*ratio >= *target) return "green";
    if (*ratio >= *target - options_.amber_margin) return "amber";
    return "red";
  }

  void WriteQueue(const QueueTile& q, JsonWriter* w) const {
    w->BeginObject();
    w->Key("queue");
    w->String(q.name);
    w->Key("waiting");
    w->Number(q.waiting);
    w->Key("oldest_wait_seconds");
    w->Number(q.oldest_wait);

    const std::optional<double> ratio =
        q.target ? Find(q.sl_window, q.target_threshold) : std::nullopt;
    w->Key("service_level");
    w->BeginObject();
    w->Key("threshold");
    if (q.target) {
      w->String(q.target_threshold);
    } else {
      w->Null();
    }
    w->Key("target_ratio");
    w->Number(q.target);
    w->Key("ratio");
    w->Number(ratio);
    w->Key("status");
    w->String(Status(ratio, q.target));
    w->Key("today_ratio");
    w->Number(q.target ? Find(q.sl_today, q.target_threshold) : std::nullopt);
    w->EndObject();

    w->Key("contacts");
    WriteCounts(q.window, w);
    w->Key("abandon_ratio");
    if (q.window.offered && q.window.abandoned && *q.window.offered > 0) {
      w->Number(*q.window.abandoned / *q.window.offered);
    } else {
      w->Null();
    }
    w->Key("asa_seconds");
    w->Number(q.asa);
    w->Key("expected_wait_seconds");
    w->Number(q.ewt);
    w->Key("agents");
    w->BeginObject();
    for (std::size_t i = 0; i < kAgentStates.size(); ++i) {
      w->Key(kAgentStates[i]);
      w->Number(q.agents[i]);
    }
    w->EndObject();
    w->Key("agents_staffed");
    w->Number(q.staffed);
    w->Key("agents_required");
    w->BeginObject();
    w->Key("erlang_a");
    w->Number(q.required_a);
    w->Key("erlang_c");
    w->Number(q.required_c);
    w->EndObject();
    w->Key("today");
    WriteCounts(q.today, w);
    w->EndObject();
  }

  void WriteAgents(JsonWriter* w) const {
    w->BeginObject();
    w->Key("omitted");
    w->Number(agents_omitted_);
    w->Key("total");
    w->Number(static_cast<double>(agents_.size()));
    w->Key("list");
    w->BeginArray();
    for (std::size_t i = 0; i < agents_.size() && i < options_.max_agents; ++i) {
      const AgentRow& a = agents_[i];
      w->BeginObject();
      w->Key("source");
      w->String(*a.source);
      w->Key("agent");
      w->String(*a.agent);
      w->Key("state");
      if (a.state.empty()) {
        w->Null();
      } else {
        w->String(a.state);
      }
      w->Key("state_since_seconds");
      w->Number(a.since);
      w->EndObject();
    }
    w->EndArray();
    w->EndObject();
  }

  const WallboardApiOptions& options_;
  std::optional<double> event_time_;
  std::vector<QueueTile> queues_;
  std::unordered_map<std::string, std::size_t> queue_index_;
  bool per_agent_ = false;
  std::optional<double> agents_omitted_;
  std::vector<AgentRow> agents_;
  std::unordered_map<std::string, std::size_t> agent_index_;
};

Response JsonResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = std::string(kJsonContentType);
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

std::string_view ContentTypeOf(std::string_view name) {
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

// The page may load only what this daemon serves: no CDN, no web fonts, no inline script.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

void AppendWallboardJson(const std::vector<MetricFamily>& families,
                         const WallboardApiOptions& options, std::string* out) {
  BoardBuilder board(options);
  for (const auto& f : families) board.Add(f);
  board.Write(out);
}

void RegisterWallboardApi(HttpServer& server, std::function<std::vector<MetricFamily>()> collect,
                          WallboardApiOptions options) {
  server.Route(std::string(kWallboardApiPath), Methods::Get(),
               [collect = std::move(collect), options = std::move(options)](const Request&) {
                 std::string body;
                 AppendWallboardJson(collect(), options, &body);
                 return JsonResponse(200, std::move(body));
               });
  // Unknown API paths answer in JSON whatever the method, so a client always gets a parsable
  // error; the path is echoed escaped (and cut) like every other string.
  const Methods any{Method::kGet,     Method::kPost,  Method::kPut,  Method::kDelete,
                    Method::kOptions, Method::kPatch, Method::kOther};
  server.RoutePrefix("/api/", any, [](const Request& request) {
    std::string body;
    JsonWriter w(&body, 256);
    w.BeginObject();
    w.Key("error");
    w.String("not found");
    w.Key("path");
    w.String(request.path);
    w.EndObject();
    return JsonResponse(404, std::move(body));
  });
}

void RegisterWallboardPage(HttpServer& server) {
  for (std::size_t i = 0; i < kWallboardAssetCount; ++i) {
    const EmbeddedAsset& asset = kWallboardAssets[i];
    const std::string_view name = asset.name;
    const std::string path = name == "index.html" ? "/" : "/" + std::string(name);
    auto body =
        std::make_shared<const std::string>(reinterpret_cast<const char*>(asset.data), asset.size);
    const std::string content_type(ContentTypeOf(name));
    const bool html = name.size() > 5 && name.substr(name.size() - 5) == ".html";
    server.Route(path, Methods::Get(), [body, content_type, html](const Request&) {
      Response r;
      r.content_type = content_type;
      r.body = *body;
      // Revalidate on every load, so an upgraded daemon's board is never served stale.
      r.headers.emplace_back("Cache-Control", "no-cache");
      r.headers.emplace_back("X-Content-Type-Options", "nosniff");
      if (html) {
        r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
        r.headers.emplace_back("Referrer-Policy", "no-referrer");
      }
      return r;
    });
  }
}

}  // namespace ccmon::web
