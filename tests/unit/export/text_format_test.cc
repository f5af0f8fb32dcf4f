// The text exposition writer: exact text for hand-written families, number formatting, and a
// randomized comparison with prometheus-cpp's TextSerializer. Both outputs are parsed by the
// strict parser below and compared sample by sample with what the families say.
#include "daemon/export/text_format.h"

#include <gtest/gtest.h>
#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>
#include <prometheus/text_serializer.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccmon::web {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Render(const std::vector<MetricFamily>& families) {
  std::string out;
  AppendTextFormat(families, &out);
  return out;
}

std::string RenderWithTextSerializer(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

ClientMetric& Add(MetricFamily* f, std::vector<ClientMetric::Label> labels) {
  ClientMetric& m = f->metric.emplace_back();
  m.label = std::move(labels);
  return m;
}

ClientMetric& AddGauge(MetricFamily* f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric& m = Add(f, std::move(labels));
  m.gauge.value = value;
  return m;
}

// ------------------------------------------------------------------------------------------
// Hand-written families, exact text.

TEST(TextFormat, NoFamiliesWriteNothingAndTextIsAppended) {
  std::string out = "kept\n";
  AppendTextFormat({}, &out);
  EXPECT_EQ(out, "kept\n");
  MetricFamily f = Family("up", "", MetricType::Gauge);
  AddGauge(&f, {}, 1);
  AppendTextFormat({f}, &out);
  EXPECT_EQ(out, "kept\n# TYPE up gauge\nup 1\n");
}

TEST(TextFormat, CountersAndGaugesKeepLabelOrderAndFamilyOrder) {
  MetricFamily offered =
      Family("callcenter_contacts_offered_total", "Contacts offered.", MetricType::Counter);
  Add(&offered, {{"queue", "sales"}, {"channel", "voice"}}).counter.value = 3;
  Add(&offered, {{"queue", "support"}, {"channel", "chat"}}).counter.value = 12.5;
  MetricFamily waiting =
      Family("callcenter_queue_contacts_waiting", "Waiting now.", MetricType::Gauge);
  AddGauge(&waiting, {{"queue", "sales"}}, 0);
  AddGauge(&waiting, {}, -2);
  EXPECT_EQ(Render({offered, waiting}),
            "# HELP callcenter_contacts_offered_total Contacts offered.\n"
            "# TYPE callcenter_contacts_offered_total counter\n"
            "callcenter_contacts_offered_total{queue=\"sales\",channel=\"voice\"} 3\n"
            "callcenter_contacts_offered_total{queue=\"support\",channel=\"chat\"} 12.5\n"
            "# HELP callcenter_queue_contacts_waiting Waiting now.\n"
            "# TYPE callcenter_queue_contacts_waiting gauge\n"
            "callcenter_queue_contacts_waiting{queue=\"sales\"} 0\n"
            "callcenter_queue_contacts_waiting -2\n");
}

TEST(TextFormat, LabelValuesEscapeBackslashQuoteAndLineFeedOnly) {
  MetricFamily f = Family("m", "", MetricType::Gauge);
  AddGauge(&f, {{"a", "back\\slash \"quoted\"\nnext"}, {"b", "tab\tcr\r{}=,#é日🙂"}, {"c", ""}},
           1);
  EXPECT_EQ(
      Render({f}),
      "# TYPE m gauge\n"
      "m{a=\"back\\\\slash \\\"quoted\\\"\\nnext\",b=\"tab\tcr\r{}=,#é日🙂\",c=\"\"} 1\n");
}

TEST(TextFormat, HelpEscapesBackslashAndLineFeedButNotQuotes) {
  MetricFamily f = Family("m", "C:\\path \"quoted\"\nsecond line", MetricType::Counter);
  Add(&f, {}).counter.value = 1;
  EXPECT_EQ(Render({f}),
            "# HELP m C:\\\\path \"quoted\"\\nsecond line\n"
            "# TYPE m counter\n"
            "m 1\n");
}

TEST(TextFormat, EmptyHelpHasNoHelpLineAndAFamilyWithoutMetricsHasItsHeadersOnly) {
  // As TextSerializer: the headers of a family are written even when it has no metric (the
  // collectors leave such families out before they get here).
  const MetricFamily no_help = Family("a_total", "", MetricType::Counter);
  const MetricFamily with_help = Family("b", "Help.", MetricType::Histogram);
  const MetricFamily summary = Family("c", "", MetricType::Summary);
  const MetricFamily untyped = Family("d", "", MetricType::Untyped);
  EXPECT_EQ(Render({no_help, with_help, summary, untyped}),
            "# TYPE a_total counter\n"
            "# HELP b Help.\n"
            "# TYPE b histogram\n"
            "# TYPE c summary\n"
            "# TYPE d untyped\n");
}

TEST(TextFormat, SpecialValuesAreNaNAndSignedInf) {
  MetricFamily f = Family("m", "", MetricType::Gauge);
  AddGauge(&f, {{"v", "nan"}}, kNaN);
  AddGauge(&f, {{"v", "-nan"}}, -kNaN);
  AddGauge(&f, {{"v", "inf"}}, kInf);
  AddGauge(&f, {{"v", "-inf"}}, -kInf);
  AddGauge(&f, {{"v", "-0"}}, -0.0);
  EXPECT_EQ(Render({f}),
            "# TYPE m gauge\n"
            "m{v=\"nan\"} NaN\n"
            "m{v=\"-nan\"} NaN\n"
            "m{v=\"inf\"} +Inf\n"
            "m{v=\"-inf\"} -Inf\n"
            "m{v=\"-0\"} -0\n");
}

TEST(TextFormat, TimestampsAreWrittenWhenNotZero) {
  MetricFamily f = Family("m", "", MetricType::Untyped);
  Add(&f, {{"q", "a"}}).untyped.value = 2;
  ClientMetric& stamped = Add(&f, {});
  stamped.untyped.value = 3;
  stamped.timestamp_ms = 1'767'225'600'123;
  ClientMetric& negative = Add(&f, {{"q", "b"}});
  negative.untyped.value = 4;
  negative.timestamp_ms = -5;
  EXPECT_EQ(Render({f}),
            "# TYPE m untyped\n"
            "m{q=\"a\"} 2\n"
            "m 3 1767225600123\n"
            "m{q=\"b\"} 4 -5\n");
}

TEST(TextFormat, HistogramHasCountSumBucketsAndAnAddedInfBucket) {
  MetricFamily f = Family("callcenter_contact_wait_seconds", "Wait.", MetricType::Histogram);
  ClientMetric& m = Add(&f, {{"queue", "sa\"les"}, {"outcome", "answered"}});
  m.histogram.sample_count = 7;
  m.histogram.sample_sum = 123.25;
  m.histogram.bucket = {{1, 0.5}, {3, 20}, {6, 1e6}};
  ClientMetric& ends_with_inf = Add(&f, {});
  ends_with_inf.histogram.sample_count = 2;
  ends_with_inf.histogram.sample_sum = 0.1 + 0.2;
  ends_with_inf.histogram.bucket = {{1, 0.0001}, {2, kInf}};
  ClientMetric& no_buckets = Add(&f, {{"queue", "idle"}});
  no_buckets.timestamp_ms = 10;
  EXPECT_EQ(Render({f}),
            "# HELP callcenter_contact_wait_seconds Wait.\n"
            "# TYPE callcenter_contact_wait_seconds histogram\n"
            "callcenter_contact_wait_seconds_count{queue=\"sa\\\"les\",outcome=\"answered\"} 7\n"
            "callcenter_contact_wait_seconds_sum{queue=\"sa\\\"les\",outcome=\"answered\"} 123.25\n"
            "callcenter_contact_wait_seconds_bucket{queue=\"sa\\\"les\",outcome=\"answered\","
            "le=\"0.5\"} 1\n"
            "callcenter_contact_wait_seconds_bucket{queue=\"sa\\\"les\",outcome=\"answered\","
            "le=\"20\"} 3\n"
            "callcenter_contact_wait_seconds_bucket{queue=\"sa\\\"les\",outcome=\"answered\","
            "le=\"1000000\"} 6\n"
            "callcenter_contact_wait_seconds_bucket{queue=\"sa\\\"les\",outcome=\"answered\","
            "le=\"+Inf\"} 7\n"
            "callcenter_contact_wait_seconds_count 2\n"
            "callcenter_contact_wait_seconds_sum 0.30000000000000004\n"
            "callcenter_contact_wait_seconds_bucket{le=\"0.0001\"} 1\n"
            "callcenter_contact_wait_seconds_bucket{le=\"+Inf\"} 2\n"
            "callcenter_contact_wait_seconds_count{queue=\"idle\"} 0 10\n"
            "callcenter_contact_wait_seconds_sum{queue=\"idle\"} 0 10\n"
            "callcenter_contact_wait_seconds_bucket{queue=\"idle\",le=\"+Inf\"} 0 10\n");
}

TEST(TextFormat, HistogramCountsUseEveryBitOfUint64) {
  MetricFamily f = Family("h", "", MetricType::Histogram);
  ClientMetric& m = Add(&f, {});
  m.histogram.sample_count = std::numeric_limits<std::uint64_t>::max();
  m.histogram.bucket = {{9007199254740993u, 1}};  // 2^53 + 1: not a double.
  EXPECT_EQ(Render({f}),
            "# TYPE h histogram\n"
            "h_count 18446744073709551615\n"
            "h_sum 0\n"
            "h_bucket{le=\"1\"} 9007199254740993\n"
            "h_bucket{le=\"+Inf\"} 18446744073709551615\n");
}

TEST(TextFormat, SummaryHasCountSumAndOneLinePerQuantile) {
  MetricFamily f = Family("callcenter_handle_seconds", "Handle time.", MetricType::Summary);
  ClientMetric& m = Add(&f, {{"queue", "sales"}});
  m.summary.sample_count = 4;
  m.summary.sample_sum = 610.5;
  m.summary.quantile = {{0.5, 150}, {0.9, 200.25}, {0.99, kNaN}};
  ClientMetric& bare = Add(&f, {});
  bare.summary.quantile = {{1, -kInf}};
  EXPECT_EQ(Render({f}),
            "# HELP callcenter_handle_seconds Handle time.\n"
            "# TYPE callcenter_handle_seconds summary\n"
            "callcenter_handle_seconds_count{queue=\"sales\"} 4\n"
            "callcenter_handle_seconds_sum{queue=\"sales\"} 610.5\n"
            "callcenter_handle_seconds{queue=\"sales\",quantile=\"0.5\"} 150\n"
            "callcenter_handle_seconds{queue=\"sales\",quantile=\"0.9\"} 200.25\n"
            "callcenter_handle_seconds{queue=\"sales\",quantile=\"0.99\"} NaN\n"
            "callcenter_handle_seconds_count 0\n"
            "callcenter_handle_seconds_sum 0\n"
            "callcenter_handle_seconds{quantile=\"1\"} -Inf\n");
}

TEST(TextFormat, HistogramLabelsSurviveTheBufferGrowingInTheMiddleOfAMetric) {
  // The first line's labels are copied into the later lines of the metric; a label larger than
  // the initial buffer makes it grow (and move) between those lines.
  const std::string big(200'000, 'x');
  MetricFamily f = Family("h", "", MetricType::Histogram);
  ClientMetric& m = Add(&f, {{"big", big + "\"\\"}});
  m.histogram.bucket = {{0, 1}, {0, 2}};
  const std::string labels = "big=\"" + big + "\\\"\\\\\"";
  EXPECT_EQ(Render({f}),
            "# TYPE h histogram\n"
            "h_count{" +
                labels +
                "} 0\n"
                "h_sum{" +
                labels +
                "} 0\n"
                "h_bucket{" +
                labels +
                ",le=\"1\"} 0\n"
                "h_bucket{" +
                labels +
                ",le=\"2\"} 0\n"
                "h_bucket{" +
                labels + ",le=\"+Inf\"} 0\n");
}

TEST(TextFormat, ReusingTheStringGivesTheSameTextAsAFreshOne) {
  std::vector<MetricFamily> families;
  for (int i = 0; i < 2000; ++i) {  // ~100 KB: more than the initial buffer.
    MetricFamily f = Family("family_" + std::to_string(i), "Help " + std::to_string(i),
                            i % 2 == 0 ? MetricType::Gauge : MetricType::Histogram);
    ClientMetric& m = Add(&f, {{"queue", "q" + std::to_string(i)}});
    m.gauge.value = i * 0.25;
    m.histogram.bucket = {{1, 1}, {2, 5}};
    families.push_back(f);
  }
  const std::string fresh = Render(families);
  EXPECT_GT(fresh.size(), 100'000u);
  std::string reused = "previous scrape, longer than the next one would be" + fresh + fresh;
  reused.clear();
  AppendTextFormat(families, &reused);
  EXPECT_EQ(reused, fresh);
  EXPECT_EQ(reused.size(), fresh.size());
}

// ------------------------------------------------------------------------------------------
// Numbers.

TEST(FormatDouble, WritesTheShortestRoundTripDigitsLaidOutAsPercentSixteenG) {
  const std::pair<double, std::string_view> cases[] = {
      {0, "0"},
      {1, "1"},
      {-1, "-1"},
      {60, "60"},
      {1767225600, "1767225600"},
      {1e6, "1000000"},
      {1e15, "1000000000000000"},
      {9007199254740991.0, "9007199254740991"},  // 2^53 − 1: the integer path.
      {9007199254740992.0, "9007199254740992"},  // 2^53: the floating-point path, same layout.
      {9007199254740994.0, "9007199254740994"},
      {1e16, "1e+16"},
      {1.5e16, "1.5e+16"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {1e21, "1e+21"},
      {0.5, "0.5"},
      {-0.25, "-0.25"},
      {0.1, "0.1"},
      {0.1 + 0.2, "0.30000000000000004"},
      {5.6000000000000005, "5.6000000000000005"},
      {1.0 / 3, "0.3333333333333333"},
      {2.0 / 3, "0.6666666666666666"},
      {123.456, "123.456"},
      {74.743, "74.743"},  // TextSerializer: "74.74299999999999", the same double.
      {0.025, "0.025"},
      {0.001, "0.001"},
      {0.0001, "0.0001"},
      {0.00012, "0.00012"},
      {0.00001, "1e-05"},
      {2.5e-7, "2.5e-07"},
      {-3.25e-10, "-3.25e-10"},
      {1e100, "1e+100"},
      {std::numeric_limits<double>::max(), "1.7976931348623157e+308"},
      {-std::numeric_limits<double>::max(), "-1.7976931348623157e+308"},
      {std::numeric_limits<double>::min(), "2.2250738585072014e-308"},
      {std::numeric_limits<double>::denorm_min(), "5e-324"},
      {-0.0, "-0"},
      {kInf, "+Inf"},
      {-kInf, "-Inf"},
      {kNaN, "NaN"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(FormatDouble(value), text) << text;
}

TEST(FormatDouble, EveryFiniteDoubleReadsBackExactly) {
  std::mt19937_64 rng(20260101);
  for (int i = 0; i < 200'000; ++i) {
    const double value = std::bit_cast<double>(rng());
    if (std::isnan(value)) continue;
    const std::string text = FormatDouble(value);
    ASSERT_LE(text.size(), kMaxDoubleChars);
    const double back = std::strtod(text.c_str(), nullptr);
    ASSERT_EQ(std::bit_cast<std::uint64_t>(back), std::bit_cast<std::uint64_t>(value))
        << text << " for bits " << std::bit_cast<std::uint64_t>(value);
  }
}

// What TextSerializer does to a double: 16 significant digits (ostream precision 16, %g layout).
double Round16(double v) {
  if (!std::isfinite(v)) return v;
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.16g", v);
  return std::strtod(buffer, nullptr);
}

// ------------------------------------------------------------------------------------------
// A strict parser of the text format, keeping everything the comparison needs in order.

struct Record {
  enum class Kind { kHelp, kType, kSample };
  Kind kind = Kind::kSample;
  std::string name;
  std::string text;  // HELP text (unescaped) or TYPE.
  std::vector<std::pair<std::string, std::string>> labels;
  // The le (histogram bucket) or quantile (summary) label, which is numeric: compared as a
  // number, not as text.
  std::optional<double> bound;
  double value = 0;
  // A histogram's or summary's _count or a bucket: an unsigned integer, which TextSerializer too
  // writes exactly (so its 16-digit rounding does not apply).
  bool count = false;
  std::int64_t timestamp_ms = 0;
};

bool IsNameStart(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool IsNameChar(char c, bool colon) { return IsNameStart(c, colon) || (c >= '0' && c <= '9'); }

class Parser {
 public:
  // `exact_specials`: only NaN, +Inf and -Inf are special values (our writer); otherwise also
  // TextSerializer's "Nan".
  Parser(std::string_view text, bool exact_specials)
      : text_(text), exact_specials_(exact_specials) {}

  // The records, or nullopt with error() set.
  std::optional<std::vector<Record>> Parse() {
    std::vector<Record> out;
    if (!text_.empty() && text_.back() != '\n') {
      Fail("no line feed at the end");
      return std::nullopt;
    }
    while (pos_ < text_.size()) {
      const std::size_t end = text_.find('\n', pos_);
      line_ = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      i_ = 0;
      Record r;
      if (!Line(&r)) return std::nullopt;
      out.push_back(std::move(r));
    }
    return out;
  }

  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string why) {
    error_ = why + " in line \"" + std::string(line_) + "\"";
    return false;
  }

  bool Line(Record* r) {
    if (Eat("# HELP ")) {
      r->kind = Record::Kind::kHelp;
      if (!Name(&r->name, true) || !Eat(" ")) return Fail("bad HELP");
      for (; i_ < line_.size(); ++i_) {
        if (line_[i_] != '\\') {
          r->text.push_back(line_[i_]);
          continue;
        }
        if (++i_ == line_.size()) return Fail("backslash at the end");
        if (line_[i_] == 'n') {
          r->text.push_back('\n');
        } else if (line_[i_] == '\\') {
          r->text.push_back('\\');
        } else {
          return Fail("unknown escape in HELP");
        }
      }
      return true;
    }
    if (Eat("# TYPE ")) {
      r->kind = Record::Kind::kType;
      if (!Name(&r->name, true) || !Eat(" ")) return Fail("bad TYPE");
      r->text = std::string(line_.substr(i_));
      family_ = r->name;
      type_ = r->text;
      if (r->text != "counter" && r->text != "gauge" && r->text != "histogram" &&
          r->text != "summary" && r->text != "untyped") {
        return Fail("unknown type");
      }
      return true;
    }
    if (!Name(&r->name, true)) return Fail("bad metric name");
    r->count = (type_ == "histogram" &&
                (r->name == family_ + "_count" || r->name == family_ + "_bucket")) ||
               (type_ == "summary" && r->name == family_ + "_count");
    if (Eat("{")) {
      while (!Eat("}")) {
        if (!r->labels.empty() && !Eat(",")) return Fail("no comma between labels");
        std::string name;
        std::string value;
        if (!Name(&name, false) || !Eat("=\"")) return Fail("bad label name");
        if (!LabelValue(&value)) return Fail("bad label value");
        r->labels.emplace_back(std::move(name), std::move(value));
      }
      if (!r->labels.empty() &&
          (r->labels.back().first == "le" || r->labels.back().first == "quantile")) {
        double bound = 0;
        if (!Number(r->labels.back().second, &bound)) return Fail("bad le/quantile");
        r->bound = bound;
        r->labels.pop_back();
      }
    }
    if (!Eat(" ")) return Fail("no space before the value");
    const std::size_t value_end = std::min(line_.find(' ', i_), line_.size());
    if (!Number(line_.substr(i_, value_end - i_), &r->value)) return Fail("bad value");
    i_ = value_end;
    if (Eat(" ")) {
      const auto [ptr, ec] =
          std::from_chars(line_.data() + i_, line_.data() + line_.size(), r->timestamp_ms);
      if (ec != std::errc() || ptr != line_.data() + line_.size() || r->timestamp_ms == 0) {
        return Fail("bad timestamp");
      }
      i_ = line_.size();
    }
    if (i_ != line_.size()) return Fail("junk at the end");
    return true;
  }

  bool Eat(std::string_view s) {
    if (line_.substr(i_, s.size()) != s) return false;
    i_ += s.size();
    return true;
  }

  bool Name(std::string* out, bool colon) {
    const std::size_t start = i_;
    if (i_ >= line_.size() || !IsNameStart(line_[i_], colon)) return false;
    while (i_ < line_.size() && IsNameChar(line_[i_], colon)) ++i_;
    *out = std::string(line_.substr(start, i_ - start));
    return true;
  }

  bool LabelValue(std::string* out) {
    for (; i_ < line_.size(); ++i_) {
      const char c = line_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (++i_ == line_.size()) return false;
      switch (line_[i_]) {
        case 'n':
          out->push_back('\n');
          break;
        case '\\':
        case '"':
          out->push_back(line_[i_]);
          break;
        default:
          return false;
      }
    }
    return false;
  }

  bool Number(std::string_view token, double* out) const {
    if (token == "NaN" || (!exact_specials_ && token == "Nan")) {
      *out = kNaN;
      return true;
    }
    if (token == "+Inf" || token == "-Inf") {
      *out = token[0] == '+' ? kInf : -kInf;
      return true;
    }
    // Plain decimal or scientific notation only (strtod alone would take "inf", hex, ...).
    if (token.empty() || token.find_first_not_of("0123456789.e+-") != std::string_view::npos) {
      return false;
    }
    const std::string s(token);
    char* end = nullptr;
    *out = std::strtod(s.c_str(), &end);  // Overflow gives ±Inf, as Go's ParseFloat.
    return end == s.c_str() + s.size();
  }

  std::string_view text_;
  bool exact_specials_;
  std::size_t pos_ = 0;
  std::string_view line_;
  std::size_t i_ = 0;
  std::string family_;  // Of the last TYPE line.
  std::string type_;
  std::string error_;
};

std::vector<Record> MustParse(std::string_view text, bool exact_specials) {
  Parser parser(text, exact_specials);
  std::optional<std::vector<Record>> records = parser.Parse();
  EXPECT_TRUE(records.has_value()) << parser.error();
  return records.value_or(std::vector<Record>{});
}

// The records the families stand for, in prometheus-cpp's order, with exact values.
std::vector<Record> Expected(const std::vector<MetricFamily>& families) {
  std::vector<Record> out;
  auto sample = [&out](const MetricFamily& f, const ClientMetric& m, std::string_view suffix,
                       std::optional<double> bound, double value, bool count = false) {
    Record& r = out.emplace_back();
    r.name = f.name + std::string(suffix);
    for (const auto& l : m.label) r.labels.emplace_back(l.name, l.value);
    r.bound = bound;
    r.value = value;
    r.count = count;
    r.timestamp_ms = m.timestamp_ms;
  };
  for (const MetricFamily& f : families) {
    if (!f.help.empty()) out.push_back({Record::Kind::kHelp, f.name, f.help, {}, {}, 0, 0});
    const char* type = "";
    switch (f.type) {
      case MetricType::Counter:
        type = "counter";
        break;
      case MetricType::Gauge:
        type = "gauge";
        break;
      case MetricType::Summary:
        type = "summary";
        break;
      case MetricType::Untyped:
        type = "untyped";
        break;
      case MetricType::Histogram:
        type = "histogram";
        break;
    }
    out.push_back({Record::Kind::kType, f.name, type, {}, {}, 0, 0});
    for (const ClientMetric& m : f.metric) {
      switch (f.type) {
        case MetricType::Counter:
          sample(f, m, "", {}, m.counter.value);
          break;
        case MetricType::Gauge:
          sample(f, m, "", {}, m.gauge.value);
          break;
        case MetricType::Untyped:
          sample(f, m, "", {}, m.untyped.value);
          break;
        case MetricType::Summary:
          sample(f, m, "_count", {}, static_cast<double>(m.summary.sample_count), true);
          sample(f, m, "_sum", {}, m.summary.sample_sum);
          for (const auto& q : m.summary.quantile) sample(f, m, "", q.quantile, q.value);
          break;
        case MetricType::Histogram: {
          sample(f, m, "_count", {}, static_cast<double>(m.histogram.sample_count), true);
          sample(f, m, "_sum", {}, m.histogram.sample_sum);
          for (const auto& b : m.histogram.bucket) {
            sample(f, m, "_bucket", b.upper_bound, static_cast<double>(b.cumulative_count), true);
          }
          if (m.histogram.bucket.empty() || m.histogram.bucket.back().upper_bound != kInf) {
            sample(f, m, "_bucket", kInf, static_cast<double>(m.histogram.sample_count), true);
          }
          break;
        }
      }
    }
  }
  return out;
}

bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

std::string Describe(const Record& r) {
  std::ostringstream out;
  out.precision(17);
  switch (r.kind) {
    case Record::Kind::kHelp:
      return "HELP " + r.name + " [" + r.text + "]";
    case Record::Kind::kType:
      return "TYPE " + r.name + " " + r.text;
    case Record::Kind::kSample:
      out << r.name << "{";
      for (const auto& [k, v] : r.labels) out << k << "=[" << v << "] ";
      if (r.bound) out << "bound=" << *r.bound;
      out << "} " << r.value << (r.count ? " (count)" : "") << " @" << r.timestamp_ms;
      return out.str();
  }
  return "";
}

// Compares two record lists; `map` is applied to every number of `want` first. Reports the first
// difference only (one broken line would otherwise shift every later one).
void ExpectSameRecords(const std::vector<Record>& got, const std::vector<Record>& want,
                       double (*map)(double), std::string_view what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Record& g = got[i];
    const Record& w = want[i];
    const bool same = g.kind == w.kind && g.name == w.name && g.text == w.text &&
                      g.labels == w.labels && g.bound.has_value() == w.bound.has_value() &&
                      (!g.bound || SameDouble(*g.bound, map(*w.bound))) && g.count == w.count &&
                      SameDouble(g.value, w.count ? w.value : map(w.value)) &&
                      g.timestamp_ms == w.timestamp_ms;
    ASSERT_TRUE(same) << what << ", record " << i << ":\n  got  " << Describe(g) << "\n  want "
                      << Describe(w);
  }
}

double Identity(double v) { return v; }

// ------------------------------------------------------------------------------------------
// Random families.

class RandomFamilies {
 public:
  explicit RandomFamilies(std::uint64_t seed) : rng_(seed) {}

  std::vector<MetricFamily> Next() {
    std::vector<MetricFamily> out(Below(10));
    for (MetricFamily& f : out) {
      f.name = RandomName(true);
      // TextSerializer writes help texts raw, so the comparison keeps away from what needs
      // escaping there; HelpEscapes... covers our escaping.
      f.help = Chance(0.3) ? "" : RandomText(false);
      f.type = static_cast<MetricType>(Below(5));
      f.metric.resize(Below(6));
      for (ClientMetric& m : f.metric) FillMetric(f.type, &m);
    }
    return out;
  }

  // Counts, sums, bounds and quantiles: small and huge integers, short decimals, powers of ten,
  // the extremes, arbitrary bit patterns (every magnitude and sign), NaN and ±Inf.
  double Value() {
    switch (Below(12)) {
      case 0:
        return static_cast<double>(static_cast<std::int64_t>(Below(2001)) - 1000);
      case 1:
        return static_cast<double>(Below(std::uint64_t{1} << 53));
      case 2:
        return static_cast<double>(rng_()) * (Chance(0.5) ? 1 : -1);  // Up to 2^64.
      case 3:
        return static_cast<double>(static_cast<std::int64_t>(Below(200'001)) - 100'000) / 1000;
      case 4:
        return std::pow(10.0, static_cast<double>(static_cast<int>(Below(61)) - 30));
      case 5: {
        constexpr double kSpecial[] = {0.0,
                                       -0.0,
                                       kNaN,
                                       kInf,
                                       -kInf,
                                       std::numeric_limits<double>::max(),
                                       -std::numeric_limits<double>::max(),
                                       std::numeric_limits<double>::min(),
                                       std::numeric_limits<double>::denorm_min(),
                                       0.1 + 0.2,
                                       1e16,
                                       9007199254740993.0,
                                       1e-5};
        return kSpecial[Below(std::size(kSpecial))];
      }
      case 6:
      case 7:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
      case 8:
        return std::uniform_real_distribution<double>(0, 1)(rng_);
      default: {
        const double v = std::bit_cast<double>(rng_());
        return std::isnan(v) ? kNaN : v;
      }
    }
  }

 private:
  void FillMetric(MetricType type, ClientMetric* m) {
    const std::size_t labels = Below(5);
    for (std::size_t i = 0; i < labels; ++i) {
      std::string name;
      do {
        name = RandomName(false);
      } while (name == "le" || name == "quantile" || HasLabel(*m, name));
      m->label.push_back({name, RandomText(true)});
    }
    m->timestamp_ms = Chance(0.7) ? 0 : Timestamp();
    switch (type) {
      case MetricType::Counter:
        m->counter.value = Value();
        break;
      case MetricType::Gauge:
        m->gauge.value = Value();
        break;
      case MetricType::Untyped:
        m->untyped.value = Value();
        break;
      case MetricType::Summary:
        m->summary.sample_count = Count();
        m->summary.sample_sum = Value();
        m->summary.quantile.resize(Below(5));
        for (auto& q : m->summary.quantile) {
          q.quantile = Chance(0.5) ? std::uniform_real_distribution<double>(0, 1)(rng_) : Value();
          q.value = Value();
        }
        break;
      case MetricType::Histogram:
        m->histogram.sample_count = Count();
        m->histogram.sample_sum = Value();
        m->histogram.bucket.resize(Below(7));
        for (auto& b : m->histogram.bucket) {
          b.upper_bound = Value();
          b.cumulative_count = Count();
        }
        if (!m->histogram.bucket.empty() && Chance(0.3)) {
          m->histogram.bucket.back().upper_bound = kInf;
        }
        break;
    }
  }

  static bool HasLabel(const ClientMetric& m, const std::string& name) {
    for (const auto& l : m.label) {
      if (l.name == name) return true;
    }
    return false;
  }

  std::uint64_t Count() { return Chance(0.1) ? rng_() : Below(Chance(0.5) ? 100 : 1'000'000'000); }

  std::int64_t Timestamp() {
    switch (Below(4)) {
      case 0:
        return Chance(0.5) ? std::numeric_limits<std::int64_t>::min()
                           : std::numeric_limits<std::int64_t>::max();
      case 1:
        return -static_cast<std::int64_t>(Below(1'000'000)) - 1;
      default:
        return 1'700'000'000'000 + static_cast<std::int64_t>(Below(100'000'000'000));
    }
  }

  std::string RandomName(bool metric) {
    static constexpr std::string_view kFirst =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    static constexpr std::string_view kRest =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
    std::string name(1, metric && Chance(0.1) ? ':' : kFirst[Below(kFirst.size())]);
    const std::size_t n = Below(16);
    for (std::size_t i = 0; i < n; ++i) {
      name.push_back(metric && Chance(0.05) ? ':' : kRest[Below(kRest.size())]);
    }
    return name;
  }

  // Hostile text: escapes, quotes, line breaks, the format's own punctuation, multi-byte UTF-8.
  std::string RandomText(bool label_value) {
    static const std::vector<std::string_view> kPieces = {
        "a",  "Z", "0",    " ",    "\"", "{",  "}",    ",",   "=", "#", "\t",
        "\r", "é", "日本", "🙂", "'",  "le", "+Inf", "NaN", "-", ".", "e"};
    static const std::vector<std::string_view> kEscaped = {"\\", "\n", "\\n", "\\\""};
    std::string out;
    const std::size_t n = Below(14);
    for (std::size_t i = 0; i < n; ++i) {
      if (label_value && Chance(0.25)) {
        out += kEscaped[Below(kEscaped.size())];
      } else {
        out += kPieces[Below(kPieces.size())];
      }
    }
    return out;
  }

  std::uint64_t Below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  std::mt19937_64 rng_;
};

// Renders random families with both writers and compares both parses with the families:
//   * ours must give every number exactly (NaN == NaN, and the sign of zero);
//   * TextSerializer's must give every number rounded to 16 significant digits, its precision
//     (which is exact for most values and not for, e.g., 0.1 + 0.2 or the largest double);
//   * so ours, rounded to 16 digits, equals TextSerializer's, sample by sample, labels and order
//     included.
void CompareWithTextSerializer(std::uint64_t seed, int rounds) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  RandomFamilies random(seed);
  std::size_t records = 0;
  std::size_t differing_numbers = 0;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::vector<MetricFamily> families = random.Next();
    const std::string ours = Render(families);
    const std::string theirs = RenderWithTextSerializer(families);
    const std::vector<Record> want = Expected(families);
    const std::vector<Record> got_ours = MustParse(ours, /*exact_specials=*/true);
    const std::vector<Record> got_theirs = MustParse(theirs, /*exact_specials=*/false);
    ASSERT_FALSE(::testing::Test::HasFailure()) << "ours:\n" << ours << "\ntheirs:\n" << theirs;
    ExpectSameRecords(got_ours, want, Identity, "ours vs the families");
    ExpectSameRecords(got_theirs, want, Round16, "TextSerializer vs the families");
    ExpectSameRecords(got_theirs, got_ours, Round16, "TextSerializer vs ours");
    ASSERT_FALSE(::testing::Test::HasFailure()) << "ours:\n" << ours << "\ntheirs:\n" << theirs;
    records += want.size();
    for (const Record& r : got_ours) {
      if (!r.count && !SameDouble(r.value, Round16(r.value))) ++differing_numbers;
      if (r.bound && !SameDouble(*r.bound, Round16(*r.bound))) ++differing_numbers;
    }
  }
  std::cout << "seed " << seed << ": " << records << " records compared, " << differing_numbers
            << " values that TextSerializer's 16 digits could not write exactly\n";
}

TEST(TextFormatVersusTextSerializer, RandomFamiliesGiveTheSameSamplesWithFixedSeeds) {
  for (std::uint64_t seed : {1u, 2u, 3u, 42u, 20260101u}) CompareWithTextSerializer(seed, 300);
}

TEST(TextFormatVersusTextSerializer, RandomFamiliesGiveTheSameSamplesWithARandomSeed) {
  std::uint64_t seed = std::random_device{}();
  if (const char* forced = std::getenv("CCMON_TEXT_FORMAT_SEED")) {
    seed = std::strtoull(forced, nullptr, 10);
  }
  std::cout << "random seed " << seed << " (rerun with CCMON_TEXT_FORMAT_SEED=" << seed << ")\n";
  CompareWithTextSerializer(seed, 300);
}

// The value token of a one-sample exposition ("m 0.5\n" → "0.5").
std::string ValueToken(const std::string& text) {
  const std::size_t space = text.rfind(' ');
  return text.substr(space + 1, text.size() - space - 2);
}

// Significant digits of a decimal token ("-0.00120e+05" → 3).
int SignificantDigits(std::string_view token) {
  token = token.substr(0, token.find('e'));
  std::string digits;
  for (char c : token) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  const std::size_t last = digits.find_last_not_of('0');
  return static_cast<int>(last - first + 1);
}

TEST(TextFormatVersusTextSerializer, NumbersTextSerializerWroteExactlyReadTheSameAndAreNoLonger) {
  // Where TextSerializer wrote a number with fewer than 16 significant digits (every integer
  // below 10^15, 0.5, 20, 1e+16, ...: every le and quantile label the daemon writes) the text is
  // identical, so those series keep their identity. Where its 16 digits read back exactly, ours is
  // the same double and never longer (74.743, which it wrote "74.74299999999999").
  RandomFamilies random(7);
  int identical = 0;
  int shorter = 0;
  int inexact = 0;
  for (int i = 0; i < 100'000; ++i) {
    const double value = random.Value();
    MetricFamily f = Family("m", "", MetricType::Gauge);
    AddGauge(&f, {}, value);
    const std::string ours = ValueToken(Render({f}));
    const std::string theirs = ValueToken(RenderWithTextSerializer({f}));
    SCOPED_TRACE("ours " + ours + ", TextSerializer " + theirs);
    const std::string ours_line = "m " + ours + "\n";
    const std::string theirs_line = "m " + theirs + "\n";
    Parser ours_parser(ours_line, /*exact_specials=*/true);
    Parser theirs_parser(theirs_line, /*exact_specials=*/false);
    const auto ours_records = ours_parser.Parse();
    const auto theirs_records = theirs_parser.Parse();
    ASSERT_TRUE(ours_records.has_value()) << ours_parser.error();
    ASSERT_TRUE(theirs_records.has_value()) << theirs_parser.error();
    const double ours_value = ours_records->at(0).value;
    const double theirs_value = theirs_records->at(0).value;
    ASSERT_TRUE(SameDouble(ours_value, value));
    if (std::isnan(value)) continue;
    if (!SameDouble(theirs_value, value)) {
      ++inexact;
      continue;
    }
    ASSERT_LE(ours.size(), theirs.size());
    if (SignificantDigits(theirs) < 16) {
      ASSERT_EQ(ours, theirs);
    }
    if (ours == theirs) {
      ++identical;
    } else {
      ++shorter;
    }
  }
  std::cout << identical << " identical, " << shorter << " shorter than TextSerializer's, "
            << inexact << " that TextSerializer could not write exactly\n";
  EXPECT_GT(identical, 50'000);
}

}  // namespace
}  // namespace ccmon::web
