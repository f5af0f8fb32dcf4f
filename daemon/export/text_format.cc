#include "daemon/export/text_format.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

namespace ccmon::web {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr std::size_t kMaxIntegerChars = 20;  // "-9223372036854775808", "18446744073709551615".
// Room reserved for the first scrape into an empty string; later ones reuse the capacity.
constexpr std::size_t kInitialBytes = 64 * 1024;
// %.16g's layout: scientific below 1e-4 and from 1e16 on, plain decimals between.
constexpr int kMinPlainExponent = -4;
constexpr int kMaxPlainExponent = 15;
// Below 2^53 in magnitude every integral double is exactly an int64 and prints as one (faster
// than the floating-point path, and most samples are counts).
constexpr double kExactIntegerLimit = 9007199254740992.0;

// Characters that label values (and, but for '"', HELP texts) escape with a backslash.
constexpr std::array<bool, 256> EscapeTable(bool quote) {
  std::array<bool, 256> t{};
  t['\\'] = true;
  t['\n'] = true;
  t['"'] = quote;
  return t;
}
constexpr std::array<bool, 256> kLabelValueEscapes = EscapeTable(true);
constexpr std::array<bool, 256> kHelpEscapes = EscapeTable(false);

char* Copy(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Copies `s` with every character marked in `escapes` preceded by a backslash ('\n' becomes
// "\n"). At most 2 * s.size() characters.
char* CopyEscaped(char* p, std::string_view s, const std::array<bool, 256>& escapes) {
  const char* in = s.data();
  const char* const end = in + s.size();
  while (in < end) {
    const char* run = in;
    while (in < end && !escapes[static_cast<unsigned char>(*in)]) ++in;
    const auto n = static_cast<std::size_t>(in - run);
    std::memcpy(p, run, n);
    p += n;
    if (in == end) break;
    *p++ = '\\';
    *p++ = *in == '\n' ? 'n' : *in;
    ++in;
  }
  return p;
}

template <typename Integer>
char* FormatInteger(Integer value, char* p) {
  return std::to_chars(p, p + kMaxIntegerChars, value).ptr;
}

std::string_view TypeName(MetricType type) {
  // No default: a metric type added to prometheus-cpp must be given its TYPE line here
  // deliberately (-Wswitch makes that a build error).
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Untyped:
      return "untyped";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

// Writes into *out_ past its current text. The string is resized ahead of the writing (so the
// hot loop stores through a plain pointer, without a capacity check per character) and trimmed
// to what was written when the Writer goes away, also if an allocation throws half-way.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out), used_(out->size()) {
    out_->resize(std::max(out_->capacity(), used_ + kInitialBytes));
  }
  ~Writer() { out_->resize(used_); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void Family(const MetricFamily& family) {
    const std::string& name = family.name;
    if (!family.help.empty()) {
      char* p = Room(name.size() + 2 * family.help.size() + 16);
      p = Copy(p, "# HELP ");
      p = Copy(p, name);
      *p++ = ' ';
      p = CopyEscaped(p, family.help, kHelpEscapes);
      *p++ = '\n';
      Commit(p);
    }
    const std::string_view type = TypeName(family.type);
    char* p = Room(name.size() + type.size() + 16);
    p = Copy(p, "# TYPE ");
    p = Copy(p, name);
    *p++ = ' ';
    p = Copy(p, type);
    *p++ = '\n';
    Commit(p);

    switch (family.type) {
      case MetricType::Counter:
        for (const ClientMetric& m : family.metric) Single(name, m, m.counter.value);
        break;
      case MetricType::Gauge:
        for (const ClientMetric& m : family.metric) Single(name, m, m.gauge.value);
        break;
      case MetricType::Untyped:
        for (const ClientMetric& m : family.metric) Single(name, m, m.untyped.value);
        break;
      case MetricType::Summary:
        for (const ClientMetric& m : family.metric) Summary(name, m);
        break;
      case MetricType::Histogram:
        for (const ClientMetric& m : family.metric) Histogram(name, m);
        break;
    }
  }

 private:
  // The metric being written: its escaped labels (a="x",b="y") are written once, by the first
  // line, and copied from there into the metric's other lines.
  struct Metric {
    const ClientMetric& metric;
    std::size_t labels_bound;       // Escaped labels can take at most this many characters.
    std::size_t labels_offset = 0;  // Where the first line put them in *out_.
    std::size_t labels_size = 0;
    bool labels_written = false;
  };

  static Metric Begin(const ClientMetric& m) {
    std::size_t bound = 0;
    for (const ClientMetric::Label& l : m.label) bound += l.name.size() + 2 * l.value.size() + 4;
    return Metric{m, bound};
  }

  void Single(const std::string& name, const ClientMetric& m, double value) {
    Metric metric = Begin(m);
    Line(&metric, name, {}, {}, nullptr, [value](char* p) { return FormatDouble(value, p); });
  }

  void Summary(const std::string& name, const ClientMetric& m) {
    const ClientMetric::Summary& s = m.summary;
    Metric metric = Begin(m);
    Line(&metric, name, "_count", {}, nullptr,
         [&s](char* p) { return FormatInteger(s.sample_count, p); });
    Line(&metric, name, "_sum", {}, nullptr,
         [&s](char* p) { return FormatDouble(s.sample_sum, p); });
    for (const ClientMetric::Quantile& q : s.quantile) {
      Line(&metric, name, {}, "quantile", &q.quantile,
           [&q](char* p) { return FormatDouble(q.value, p); });
    }
  }

  void Histogram(const std::string& name, const ClientMetric& m) {
    const ClientMetric::Histogram& h = m.histogram;
    Metric metric = Begin(m);
    Line(&metric, name, "_count", {}, nullptr,
         [&h](char* p) { return FormatInteger(h.sample_count, p); });
    Line(&metric, name, "_sum", {}, nullptr,
         [&h](char* p) { return FormatDouble(h.sample_sum, p); });
    constexpr double kInf = std::numeric_limits<double>::infinity();
    double last = -kInf;
    for (const ClientMetric::Bucket& b : h.bucket) {
      Line(&metric, name, "_bucket", "le", &b.upper_bound,
           [&b](char* p) { return FormatInteger(b.cumulative_count, p); });
      last = b.upper_bound;
    }
    // As TextSerializer: the +Inf bucket is added unless the last bucket is one (also when there
    // are no buckets, or the last bound is NaN).
    if (last != kInf) {
      Line(&metric, name, "_bucket", "le", &kInf,
           [&h](char* p) { return FormatInteger(h.sample_count, p); });
    }
  }

  // One sample line: name, suffix, {labels[,extra="bound"]}, value, [timestamp].
  // `write_value` writes at most kMaxDoubleChars characters.
  template <typename WriteValue>
  void Line(Metric* metric, std::string_view name, std::string_view suffix,
            std::string_view extra_name, const double* extra_value, WriteValue write_value) {
    const ClientMetric& m = metric->metric;
    const bool braces = !m.label.empty() || extra_value != nullptr;
    char* p = Room(name.size() + suffix.size() + metric->labels_bound + extra_name.size() +
                   kMaxDoubleChars + kMaxDoubleChars + kMaxIntegerChars + 16);
    p = Copy(p, name);
    p = Copy(p, suffix);
    if (braces) {
      *p++ = '{';
      if (metric->labels_written) {
        // Room() may have moved the text: take the source address only now.
        std::memcpy(p, out_->data() + metric->labels_offset, metric->labels_size);
        p += metric->labels_size;
      } else {
        char* const start = p;
        const char* separator = "";
        for (const ClientMetric::Label& l : m.label) {
          p = Copy(p, separator);
          p = Copy(p, l.name);
          *p++ = '=';
          *p++ = '"';
          p = CopyEscaped(p, l.value, kLabelValueEscapes);
          *p++ = '"';
          separator = ",";
        }
        metric->labels_offset = static_cast<std::size_t>(start - out_->data());
        metric->labels_size = static_cast<std::size_t>(p - start);
        metric->labels_written = true;
      }
      if (extra_value != nullptr) {
        if (!m.label.empty()) *p++ = ',';
        p = Copy(p, extra_name);
        *p++ = '=';
        *p++ = '"';
        p = FormatDouble(*extra_value, p);  // Digits, '.', 'e', '+', '-', "NaN", "Inf": no escapes.
        *p++ = '"';
      }
      *p++ = '}';
    }
    *p++ = ' ';
    p = write_value(p);
    if (m.timestamp_ms != 0) {
      *p++ = ' ';
      p = FormatInteger(m.timestamp_ms, p);
    }
    *p++ = '\n';
    Commit(p);
  }

  // A pointer to the end of the text, with room for at least `n` more characters.
  char* Room(std::size_t n) {
    if (out_->size() - used_ < n) out_->resize(std::max(2 * out_->size(), used_ + n));
    return out_->data() + used_;
  }
  void Commit(const char* end) { used_ = static_cast<std::size_t>(end - out_->data()); }

  std::string* out_;
  std::size_t used_;
};

}  // namespace

char* FormatDouble(double value, char* out) {
  if (std::isnan(value)) return Copy(out, "NaN");
  if (std::isinf(value)) return Copy(out, value > 0 ? "+Inf" : "-Inf");
  if (value > -kExactIntegerLimit && value < kExactIntegerLimit) {
    const auto integer = static_cast<std::int64_t>(value);
    if (static_cast<double>(integer) == value && (integer != 0 || !std::signbit(value))) {
      return FormatInteger(integer, out);
    }
  }
  // The shortest digits that read back as `value` (Ryu in libstdc++), as d.ddde±XX.
  char sci[kMaxDoubleChars];
  const char* const sci_end =
      std::to_chars(sci, sci + sizeof(sci), value, std::chars_format::scientific).ptr;
  const char* e = sci_end;
  while (*--e != 'e') {
  }
  int exponent = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), sci_end, exponent);
  if (exponent < kMinPlainExponent || exponent > kMaxPlainExponent) {
    return Copy(out, std::string_view(sci, static_cast<std::size_t>(sci_end - sci)));
  }

  const char* mantissa = sci;
  char* p = out;
  if (*mantissa == '-') *p++ = *mantissa++;
  char digits[kMaxDoubleChars];  // The significant digits without the point.
  std::size_t n = 0;
  digits[n++] = *mantissa;
  for (const char* d = mantissa + 2; d < e; ++d) digits[n++] = *d;  // Past "d." if any.
  if (exponent >= 0) {
    const auto integer_digits = static_cast<std::size_t>(exponent) + 1;
    if (n <= integer_digits) {
      p = Copy(p, std::string_view(digits, n));
      std::memset(p, '0', integer_digits - n);
      p += integer_digits - n;
    } else {
      p = Copy(p, std::string_view(digits, integer_digits));
      *p++ = '.';
      p = Copy(p, std::string_view(digits + integer_digits, n - integer_digits));
    }
  } else {
    *p++ = '0';
    *p++ = '.';
    const auto zeros = static_cast<std::size_t>(-exponent - 1);
    std::memset(p, '0', zeros);
    p += zeros;
    p = Copy(p, std::string_view(digits, n));
  }
  return p;
}

std::string FormatDouble(double value) {
  char buffer[kMaxDoubleChars];
  return std::string(buffer, FormatDouble(value, buffer));
}

void AppendTextFormat(const std::vector<prometheus::MetricFamily>& families, std::string* out) {
  Writer writer(out);
  for (const prometheus::MetricFamily& family : families) writer.Family(family);
}

}  // namespace ccmon::web
