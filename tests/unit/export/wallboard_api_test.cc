// The wallboard's JSON API and page: values taken from hand-built metric families (the model of
// what a scrape says), JSON escaping of hostile names, bounds, and the HTTP behaviour over real
// loopback sockets.
#include "daemon/export/wallboard_api.h"

#include <gtest/gtest.h>
#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/export/json_writer.h"
#include "daemon/export/wallboard_assets.h"
#include "tests/unit/export/http_test_support.h"

namespace ccmon::web {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using testing::Fetch;
using testing::GetRequest;
using testing::HttpResponse;

// ---------------------------------------------------------------------------------------------
// A strict JSON reader (RFC 8259), enough to check well-formedness and read values back.

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;

  const Json& operator[](std::string_view key) const {
    for (const auto& [k, v] : object) {
      if (k == key) return v;
    }
    ADD_FAILURE() << "no member " << key;
    static const Json kMissing;
    return kMissing;
  }
  const Json& operator[](std::size_t i) const { return array.at(i); }
  bool is_null() const { return kind == Kind::kNull; }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  // False (with the offset in *error) if the text is not exactly one JSON value.
  bool Parse(Json* out, std::string* error) {
    if (!Value(out, 0)) {
      *error = "bad JSON at offset " + std::to_string(i_) + ": " + std::string(s_.substr(i_, 40));
      return false;
    }
    Space();
    if (i_ != s_.size()) {
      *error = "trailing text at offset " + std::to_string(i_);
      return false;
    }
    return true;
  }

 private:
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool Value(Json* out, int depth) {
    if (depth > 64) return false;
    Space();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out->kind = Json::Kind::kString;
      return String(&out->string);
    }
    if (Literal("null")) return true;
    if (Literal("true") || Literal("false")) {
      out->kind = Json::Kind::kBool;
      out->boolean = s_[i_ - 1] == 'e' && s_[i_ - 2] == 'u';
      return true;
    }
    return Number(out);
  }
  bool Number(Json* out) {
    const std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    out->kind = Json::Kind::kNumber;
    out->number = std::strtod(std::string(s_.substr(start, i_ - start)).c_str(), nullptr);
    return true;
  }
  static void AppendUtf8(unsigned code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }
  bool Hex4(unsigned* code) {
    if (i_ + 4 > s_.size()) return false;
    *code = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_++];
      *code <<= 4;
      if (h >= '0' && h <= '9') {
        *code |= static_cast<unsigned>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        *code |= static_cast<unsigned>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        *code |= static_cast<unsigned>(h - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }
  bool String(std::string* out) {
    ++i_;  // '"'
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;  // Control characters must be escaped.
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          unsigned code = 0;
          if (!Hex4(&code)) return false;
          if (code >= 0xD800 && code <= 0xDFFF) return false;  // The writer never needs pairs.
          AppendUtf8(code, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  bool Array(Json* out, int depth) {
    out->kind = Json::Kind::kArray;
    ++i_;
    Space();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    while (true) {
      out->array.emplace_back();
      if (!Value(&out->array.back(), depth + 1)) return false;
      Space();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ']') return ++i_, true;
      if (s_[i_++] != ',') return false;
    }
  }
  bool Object(Json* out, int depth) {
    out->kind = Json::Kind::kObject;
    ++i_;
    Space();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    while (true) {
      Space();
      if (i_ >= s_.size() || s_[i_] != '"') return false;
      std::string key;
      if (!String(&key)) return false;
      Space();
      if (i_ >= s_.size() || s_[i_++] != ':') return false;
      out->object.emplace_back(std::move(key), Json());
      if (!Value(&out->object.back().second, depth + 1)) return false;
      Space();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == '}') return ++i_, true;
      if (s_[i_++] != ',') return false;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// True if `s` is valid UTF-8 (RFC 3629).
bool IsUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80             ? 1
                    : (c & 0xE0) == 0xC0 ? 2
                    : (c & 0xF0) == 0xE0 ? 3
                    : (c & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (n == 0 || i + n > s.size() || c == 0xC0 || c == 0xC1 || c > 0xF4) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

Json ParseOrFail(std::string_view text) {
  Json j;
  std::string error;
  EXPECT_TRUE(JsonReader(text).Parse(&j, &error)) << error << "\n" << text;
  EXPECT_TRUE(IsUtf8(text));
  return j;
}

// ---------------------------------------------------------------------------------------------
// Hand-built families, shaped as the collectors render them (docs/metrics.md).

class Families {
 public:
  MetricFamily& Family(const std::string& name, MetricType type = MetricType::Gauge) {
    for (auto& f : families_) {
      if (f.name == name) return f;
    }
    families_.emplace_back();
    families_.back().name = name;
    families_.back().type = type;
    return families_.back();
  }
  void Add(const std::string& name, std::vector<std::pair<std::string, std::string>> labels,
           double value, MetricType type = MetricType::Gauge) {
    ClientMetric m;
    for (auto& [k, v] : labels) m.label.push_back({k, v});
    if (type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    Family(name, type).metric.push_back(std::move(m));
  }
  // Every series the board reads, for one queue.
  void AddQueue(const std::string& q, double waiting) {
    Add("callcenter_queue_contacts_waiting", {{"queue", q}}, waiting);
    Add("callcenter_queue_oldest_contact_wait_seconds", {{"queue", q}}, 55.5);
    Add("callcenter_service_level_target_ratio", {{"queue", q}, {"threshold", "20"}}, 0.8);
    for (const char* w : {"5m", "15m", "1h"}) {
      Add("callcenter_service_level_ratio", {{"queue", q}, {"threshold", "20"}, {"window", w}},
          w == std::string("15m") ? 0.77 : 0.1);
      Add("callcenter_service_level_ratio", {{"queue", q}, {"threshold", "60"}, {"window", w}},
          0.9);
    }
    Add("callcenter_queue_window_service_level_ratio",
        {{"queue", q}, {"window", "today"}, {"threshold", "20"}}, 0.1 + 0.2);
    Add("callcenter_queue_window_service_level_ratio",
        {{"queue", q}, {"window", "interval"}, {"threshold", "20"}}, 0.5);
    for (const char* w : {"5m", "15m", "today"}) {
      const double k = w == std::string("15m") ? 1 : w == std::string("today") ? 10 : 100;
      Add("callcenter_queue_window_contacts", {{"queue", q}, {"window", w}, {"outcome", "offered"}},
          8 * k);
      Add("callcenter_queue_window_contacts",
          {{"queue", q}, {"window", w}, {"outcome", "answered"}}, 5 * k);
      Add("callcenter_queue_window_contacts",
          {{"queue", q}, {"window", w}, {"outcome", "abandoned"}}, 3 * k);
      Add("callcenter_queue_window_contacts",
          {{"queue", q}, {"window", w}, {"outcome", "short_abandoned"}}, 1 * k);
    }
    Add("callcenter_queue_window_asa_seconds", {{"queue", q}, {"window", "15m"}}, 17.25);
    Add("callcenter_queue_window_asa_seconds", {{"queue", q}, {"window", "1h"}}, 99);
    Add("callcenter_queue_expected_wait_seconds", {{"queue", q}}, 42.125);
    const char* states[] = {"logged_out", "available",          "reserved",
                            "on_contact", "after_contact_work", "not_ready"};
    for (int i = 0; i < 6; ++i) {
      Add("callcenter_queue_agents", {{"queue", q}, {"state", states[i]}}, i);
    }
    Add("callcenter_queue_agents_staffed", {{"queue", q}}, 9);
    Add("callcenter_queue_agents_required", {{"queue", q}, {"model", "erlang_c"}}, 12);
    Add("callcenter_queue_agents_required", {{"queue", q}, {"model", "erlang_a"}}, 11);
  }
  const std::vector<MetricFamily>& get() const { return families_; }

 private:
  std::vector<MetricFamily> families_;
};

Json Render(const Families& f, const WallboardApiOptions& options = {}) {
  std::string out;
  AppendWallboardJson(f.get(), options, &out);
  return ParseOrFail(out);
}

// ---------------------------------------------------------------------------------------------

TEST(JsonString, EscapesEverythingThatCouldBreakJsonOrHtml) {
  std::string out;
  AppendJsonString("a\"b\\c\n\r\t\x01\x7f</script>&\u2028", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u007f\\u003c/script\\u003e\\u0026\\u2028\"");
}

TEST(JsonString, ReplacesInvalidUtf8AndCutsAtACharacterBoundary) {
  std::string out;
  AppendJsonString("ok\xff\xc0\x80\xed\xa0\x80", &out);  // Bad byte, overlong, surrogate.
  Json j = ParseOrFail(out);
  std::string expected = "ok";
  for (int i = 0; i < 6; ++i) expected += "\xef\xbf\xbd";  // One U+FFFD per byte.
  EXPECT_EQ(j.string, expected);
  out.clear();
  AppendJsonString("ab\xc3\xa9z", &out, 3);  // "abé": é is 2 bytes, only 1 fits.
  EXPECT_EQ(out, "\"ab\"");
  out.clear();
  AppendJsonString("ab\xc3\xa9z", &out, 4);
  EXPECT_EQ(out, "\"ab\xc3\xa9\"");
}

TEST(JsonNumber, MatchesTheMetricsTextAndWritesNullForNanAndInfinity) {
  std::string out;
  for (double v : {0.1 + 0.2, 17.5, 3.0, -0.0, 1e-7, 1e300}) {
    out.clear();
    AppendJsonNumber(v, &out);
    Json j = ParseOrFail(out);
    EXPECT_EQ(j.number, v == 0 ? 0.0 : v) << out;  // Round-trips exactly.
  }
  out.clear();
  AppendJsonNumber(0.1 + 0.2, &out);
  EXPECT_EQ(out, "0.30000000000000004");
  for (double v : {NAN, INFINITY, -INFINITY}) {
    out.clear();
    AppendJsonNumber(v, &out);
    EXPECT_EQ(out, "null");
  }
}

TEST(WallboardJson, TakesEveryTileValueFromTheMatchingSeries) {
  Families f;
  f.Add("ccmond_event_clock_timestamp_seconds", {}, 1700000000.5);
  f.AddQueue("sales", 2);
  const Json j = Render(f);
  EXPECT_EQ(j["api_version"].number, 1);
  EXPECT_EQ(j["event_time_seconds"].number, 1700000000.5);
  EXPECT_EQ(j["window"].string, "15m");
  EXPECT_EQ(j["refresh_seconds"].number, 2);
  EXPECT_TRUE(j["agents"].is_null());  // No per-agent families: per-agent series are off.
  ASSERT_EQ(j["queues"].array.size(), 1u);
  const Json& q = j["queues"][0];
  EXPECT_EQ(q["queue"].string, "sales");
  EXPECT_EQ(q["waiting"].number, 2);
  EXPECT_EQ(q["oldest_wait_seconds"].number, 55.5);
  EXPECT_EQ(q["service_level"]["threshold"].string, "20");
  EXPECT_EQ(q["service_level"]["target_ratio"].number, 0.8);
  EXPECT_EQ(q["service_level"]["ratio"].number, 0.77);             // 15m, target threshold.
  EXPECT_EQ(q["service_level"]["status"].string, "amber");         // 0.77 within 0.05 of 0.8.
  EXPECT_EQ(q["service_level"]["today_ratio"].number, 0.1 + 0.2);  // Exactly the double.
  EXPECT_EQ(q["contacts"]["offered"].number, 8);
  EXPECT_EQ(q["contacts"]["answered"].number, 5);
  EXPECT_EQ(q["contacts"]["abandoned"].number, 3);
  EXPECT_EQ(q["abandon_ratio"].number, 3.0 / 8.0);
  EXPECT_EQ(q["asa_seconds"].number, 17.25);
  EXPECT_EQ(q["expected_wait_seconds"].number, 42.125);
  EXPECT_EQ(q["agents"]["logged_out"].number, 0);
  EXPECT_EQ(q["agents"]["available"].number, 1);
  EXPECT_EQ(q["agents"]["reserved"].number, 2);
  EXPECT_EQ(q["agents"]["on_contact"].number, 3);
  EXPECT_EQ(q["agents"]["after_contact_work"].number, 4);
  EXPECT_EQ(q["agents"]["not_ready"].number, 5);
  EXPECT_EQ(q["agents_staffed"].number, 9);
  EXPECT_EQ(q["agents_required"]["erlang_a"].number, 11);
  EXPECT_EQ(q["agents_required"]["erlang_c"].number, 12);
  EXPECT_EQ(q["today"]["offered"].number, 80);
  EXPECT_EQ(q["today"]["answered"].number, 50);
  EXPECT_EQ(q["today"]["abandoned"].number, 30);
}

TEST(WallboardJson, AbsentSeriesAreNullAndStatusFollowsTheTarget) {
  Families f;
  // A queue known only by its waiting gauge: everything else absent (as before any contact).
  f.Add("callcenter_queue_contacts_waiting", {{"queue", "quiet"}}, 0);
  f.Add("callcenter_queue_contacts_waiting", {{"queue", "good"}}, 0);
  f.Add("callcenter_queue_contacts_waiting", {{"queue", "bad"}}, 0);
  f.Add("callcenter_queue_window_contacts",
        {{"queue", "quiet"}, {"window", "15m"}, {"outcome", "offered"}}, 0);
  f.Add("callcenter_queue_window_contacts",
        {{"queue", "quiet"}, {"window", "15m"}, {"outcome", "abandoned"}}, 0);
  for (const char* q : {"good", "bad"}) {
    f.Add("callcenter_service_level_target_ratio", {{"queue", q}, {"threshold", "30"}}, 0.9);
  }
  f.Add("callcenter_service_level_ratio",
        {{"queue", "good"}, {"threshold", "30"}, {"window", "15m"}}, 0.9);
  f.Add("callcenter_service_level_ratio",
        {{"queue", "bad"}, {"threshold", "30"}, {"window", "15m"}}, 0.8499);
  const Json j = Render(f);
  ASSERT_EQ(j["queues"].array.size(), 3u);
  const Json& quiet = j["queues"][0];
  EXPECT_EQ(quiet["queue"].string, "quiet");
  EXPECT_TRUE(quiet["oldest_wait_seconds"].is_null());
  EXPECT_TRUE(quiet["service_level"]["ratio"].is_null());
  EXPECT_TRUE(quiet["service_level"]["threshold"].is_null());
  EXPECT_EQ(quiet["service_level"]["status"].string, "none");
  EXPECT_TRUE(quiet["abandon_ratio"].is_null());  // 0 offered: no rate, not 0 %.
  EXPECT_TRUE(quiet["asa_seconds"].is_null());
  EXPECT_TRUE(quiet["agents"]["available"].is_null());
  EXPECT_TRUE(j["event_time_seconds"].is_null());
  EXPECT_EQ(j["queues"][1]["service_level"]["status"].string, "green");  // At target is green.
  EXPECT_EQ(j["queues"][2]["service_level"]["status"].string, "red");
  EXPECT_EQ(j["queues"][2]["service_level"]["threshold"].string, "30");
}

TEST(WallboardJson, HostileQueueAndAgentNamesStayWellFormedJson) {
  const std::string hostile =
      "\"},{\"queue\":\"x</script><img src=x onerror=alert(1)>\\\n\r\x01\x1f\xff\xfe\u2028";
  Families f;
  f.Add("ccmond_event_clock_timestamp_seconds", {}, 100);
  f.AddQueue(hostile, 1);
  for (const char* s :
       {"logged_out", "available", "reserved", "on_contact", "after_contact_work", "not_ready"}) {
    f.Add("callcenter_agent_state", {{"source", hostile}, {"agent", hostile}, {"state", s}},
          s == std::string("on_contact") ? 1 : 0);
  }
  f.Add("callcenter_agent_state_since_timestamp_seconds", {{"source", hostile}, {"agent", hostile}},
        40);
  f.Add("ccmond_agent_series_omitted", {}, 3);
  std::string out;
  AppendWallboardJson(f.get(), {}, &out);
  EXPECT_EQ(out.find('<'), std::string::npos);
  EXPECT_EQ(out.find('>'), std::string::npos);
  const Json j = ParseOrFail(out);
  ASSERT_EQ(j["queues"].array.size(), 1u);
  // Everything comes back except the invalid bytes, which became U+FFFD.
  std::string expected = hostile;
  expected.replace(expected.find("\xff\xfe"), 2, "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(j["queues"][0]["queue"].string, expected);
  const Json& agents = j["agents"];
  EXPECT_EQ(agents["omitted"].number, 3);
  ASSERT_EQ(agents["list"].array.size(), 1u);
  EXPECT_EQ(agents["list"][0]["agent"].string, expected);
  EXPECT_EQ(agents["list"][0]["source"].string, expected);
  EXPECT_EQ(agents["list"][0]["state"].string, "on_contact");
  EXPECT_EQ(agents["list"][0]["state_since_seconds"].number, 40);
}

TEST(WallboardJson, AgentsAreTheSameOnlyWithTheSameSourceAndName) {
  Families f;
  f.Add("callcenter_agent_state", {{"source", "ab"}, {"agent", "c"}, {"state", "available"}}, 1);
  f.Add("callcenter_agent_state", {{"source", "a"}, {"agent", "bc"}, {"state", "not_ready"}}, 1);
  f.Add("callcenter_agent_state", {{"source", "a"}, {"agent", "bc"}, {"state", "available"}}, 0);
  const Json j = Render(f);
  ASSERT_EQ(j["agents"]["list"].array.size(), 2u);
  EXPECT_EQ(j["agents"]["list"][0]["state"].string, "available");
  EXPECT_EQ(j["agents"]["list"][1]["state"].string, "not_ready");
  EXPECT_TRUE(j["agents"]["list"][1]["state_since_seconds"].is_null());
  EXPECT_TRUE(j["agents"]["omitted"].is_null());
}

TEST(WallboardJson, ResponseSizeIsBoundedByQueueAgentAndNameLimits) {
  Families f;
  const std::string long_name(10000, '\x01');  // Each byte escapes to 6 characters.
  for (int i = 0; i < 50; ++i) f.AddQueue(long_name + std::to_string(i), i);
  for (int i = 0; i < 50; ++i) {
    f.Add("callcenter_agent_state",
          {{"source", long_name}, {"agent", long_name + std::to_string(i)}, {"state", "available"}},
          1);
  }
  WallboardApiOptions options;
  options.max_queues = 4;
  options.max_agents = 3;
  options.max_name_bytes = 16;
  std::string out;
  AppendWallboardJson(f.get(), options, &out);
  const Json j = ParseOrFail(out);
  EXPECT_EQ(j["queues_total"].number, 50);
  EXPECT_EQ(j["queues"].array.size(), 4u);
  EXPECT_EQ(j["agents"]["total"].number, 50);
  EXPECT_EQ(j["agents"]["list"].array.size(), 3u);
  EXPECT_EQ(j["queues"][0]["queue"].string, std::string(16, '\x01'));
  EXPECT_LT(out.size(), 8000u);
}

// ---------------------------------------------------------------------------------------------
// Over HTTP.

std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  auto it = r.find(boost::beast::string_view(name.data(), name.size()));
  return it == r.end() ? std::string() : std::string(it->value());
}

class WallboardHttpTest : public testing::ServerFixture {
 protected:
  void SetUp() override {
    families_.AddQueue("sales", 3);
    StartServer(TestOptions(), [this](HttpServer& server) {
      RegisterWallboardPage(server);
      RegisterWallboardApi(server, [this] {
        ++collects_;
        return families_.get();
      });
    });
  }
  Families families_;
  int collects_ = 0;
};

TEST_F(WallboardHttpTest, ApiAnswersJsonThatIsNeverCached) {
  const HttpResponse r = Fetch(port(), GetRequest("/api/v1/wallboard?x=1"));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-store");
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  const Json j = ParseOrFail(r.body());
  EXPECT_EQ(j["queues"][0]["waiting"].number, 3);
  EXPECT_EQ(OnLoop([this] { return collects_; }), 1);

  const HttpResponse head = Fetch(port(), "HEAD /api/v1/wallboard HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(HeaderOf(head, "Content-Length"), std::to_string(r.body().size()));
}

TEST_F(WallboardHttpTest, OtherMethodsGet405AndUnknownApiPathsAJson404) {
  const HttpResponse post =
      Fetch(port(), "POST /api/v1/wallboard HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.result_int(), 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD");
  const HttpResponse put = Fetch(port(), "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(put.result_int(), 405);

  for (const char* raw : {"GET /api/v1/nope%22%3C HTTP/1.1\r\nHost: x\r\n\r\n",
                          "GET /api/v1/wallboard/ HTTP/1.1\r\nHost: x\r\n\r\n",
                          "DELETE /api/v2/x HTTP/1.1\r\nHost: x\r\n\r\n"}) {
    const HttpResponse r = Fetch(port(), raw);
    EXPECT_EQ(r.result_int(), 404) << raw;
    EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/json; charset=utf-8");
    const Json j = ParseOrFail(r.body());
    EXPECT_EQ(j["error"].string, "not found");
  }
  EXPECT_EQ(Fetch(port(), GetRequest("/nothing")).result_int(), 404);  // Outside /api/: text.
}

TEST_F(WallboardHttpTest, PageAndAssetsAreServedFromTheBinaryWithoutExternalReferences) {
  const HttpResponse page = Fetch(port(), GetRequest("/"));
  EXPECT_EQ(page.result_int(), 200);
  EXPECT_EQ(HeaderOf(page, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(page, "Cache-Control"), "no-cache");
  EXPECT_NE(HeaderOf(page, "Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  EXPECT_NE(page.body().find("wallboard.js"), std::string::npos);
  EXPECT_NE(page.body().find("wallboard.css"), std::string::npos);

  const HttpResponse js = Fetch(port(), GetRequest("/wallboard.js"));
  EXPECT_EQ(js.result_int(), 200);
  EXPECT_EQ(HeaderOf(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js.body().find("api/v1/wallboard"), std::string::npos);
  const HttpResponse css = Fetch(port(), GetRequest("/wallboard.css"));
  EXPECT_EQ(css.result_int(), 200);
  EXPECT_EQ(HeaderOf(css, "Content-Type"), "text/css; charset=utf-8");

  const HttpResponse icon = Fetch(port(), GetRequest("/favicon.png"));
  EXPECT_EQ(icon.result_int(), 200);
  EXPECT_EQ(HeaderOf(icon, "Content-Type"), "image/png");
  EXPECT_EQ(icon.body().substr(0, 8), "\x89PNG\r\n\x1a\n");

  ASSERT_EQ(kWallboardAssetCount, 4u);
  for (std::size_t i = 0; i < kWallboardAssetCount; ++i) {
    const std::string_view text(reinterpret_cast<const char*>(kWallboardAssets[i].data),
                                kWallboardAssets[i].size);
    EXPECT_GT(text.size(), 50u) << kWallboardAssets[i].name;
    // No CDN, no web font, no absolute URL of any kind.
    for (const char* banned : {"http:", "https:", "@import", "@font-face", "url(", "innerHTML"}) {
      EXPECT_EQ(text.find(banned), std::string_view::npos)
          << kWallboardAssets[i].name << " contains " << banned;
    }
  }
}

}  // namespace
}  // namespace ccmon::web
