#include "tests/testing/scrape.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

namespace ccmon::testing {

namespace {

bool Matches(const Sample& s, std::string_view name,
             const std::map<std::string, std::string>& want) {
  if (s.name != name) return false;
  for (const auto& [k, v] : want) {
    auto it = s.labels.find(k);
    if (it == s.labels.end() || it->second != v) return false;
  }
  return true;
}

// Parses `{a="x",b="y"}` starting at text[*pos] == '{'. Returns false on malformed input.
bool ParseLabels(std::string_view text, std::size_t* pos, std::map<std::string, std::string>* out) {
  std::size_t i = *pos + 1;
  while (i < text.size() && text[i] != '}') {
    const auto eq = text.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= text.size() || text[eq + 1] != '"') return false;
    std::string key(text.substr(i, eq - i));
    std::string value;
    std::size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {
        ++j;
        value.push_back(text[j] == 'n' ? '\n' : text[j]);
      } else {
        value.push_back(text[j]);
      }
    }
    if (j >= text.size()) return false;
    (*out)[key] = value;
    i = j + 1;
    if (i < text.size() && text[i] == ',') ++i;
  }
  if (i >= text.size()) return false;
  *pos = i + 1;
  return true;
}

}  // namespace

Scrape::Scrape(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (i < line.size() && line[i] == '{' && !ParseLabels(line, &i, &s.labels)) {
      errors_.emplace_back(line);
      continue;
    }
    while (i < line.size() && line[i] == ' ') ++i;
    const std::string value(line.substr(i, line.find(' ', i) - i));
    if (value == "NaN") {
      s.value = std::nan("");
    } else if (value == "+Inf") {
      s.value = INFINITY;
    } else if (value == "-Inf") {
      s.value = -INFINITY;
    } else {
      char* e = nullptr;
      s.value = std::strtod(value.c_str(), &e);
      if (e == value.c_str() || *e != '\0') {
        errors_.emplace_back(line);
        continue;
      }
    }
    samples_.push_back(std::move(s));
  }
}

std::optional<double> Scrape::Get(std::string_view name,
                                  const std::map<std::string, std::string>& labels) const {
  for (const auto& s : samples_) {
    if (Matches(s, name, labels)) return s.value;
  }
  return std::nullopt;
}

double Scrape::Value(std::string_view name,
                     const std::map<std::string, std::string>& labels) const {
  auto v = Get(name, labels);
  if (!v) {
    std::string desc(name);
    for (const auto& [k, val] : labels) desc += " " + k + "=" + val;
    ADD_FAILURE() << "no sample " << desc;
    return std::nan("");
  }
  return *v;
}

double Scrape::Sum(std::string_view name, const std::map<std::string, std::string>& labels) const {
  double sum = 0;
  for (const auto& s : samples_) {
    if (Matches(s, name, labels)) sum += s.value;
  }
  return sum;
}

std::vector<Sample> Scrape::All(std::string_view name,
                                const std::map<std::string, std::string>& labels) const {
  std::vector<Sample> out;
  for (const auto& s : samples_) {
    if (Matches(s, name, labels)) out.push_back(s);
  }
  return out;
}

void ExpectCleanStream(const Scrape& s) {
  ASSERT_TRUE(s.errors().empty()) << s.errors().front();
  EXPECT_EQ(s.Sum("ccmond_events_rejected_total"), 0);
  EXPECT_EQ(s.Sum("ccmond_lifecycle_anomalies_total"), 0);
  EXPECT_EQ(s.Value("ccmond_sequence_gaps_total"), 0);
  EXPECT_EQ(s.Value("ccmond_events_duplicate_total"), 0);
  EXPECT_EQ(s.Value("ccmond_contacts_live"), 0);
  EXPECT_EQ(s.Sum("callcenter_queue_contacts_waiting"), 0);
}

}  // namespace ccmon::testing
