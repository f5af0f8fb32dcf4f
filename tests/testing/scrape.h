// Test helper: parses a Prometheus text exposition into samples, and looks samples up by metric
// name and a subset of labels. Strict enough for tests (label values with escapes are decoded);
// not a general-purpose parser; and the checks of a stream the daemon applied cleanly. Test-only;
// single-threaded.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccmon::testing {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

class Scrape {
 public:
  // Parses `text`; malformed lines are collected in errors().
  explicit Scrape(std::string_view text);

  // The value of the one sample of `name` whose labels include `labels`. nullopt if none; if
  // several match, the first.
  std::optional<double> Get(std::string_view name,
                            const std::map<std::string, std::string>& labels = {}) const;
  // Like Get, but 0 for a missing sample is NOT assumed: fails the current test if absent.
  double Value(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
  // Sum over every sample of `name` whose labels include `labels`.
  double Sum(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
  // Every sample of `name` whose labels include `labels`.
  std::vector<Sample> All(std::string_view name,
                          const std::map<std::string, std::string>& labels = {}) const;

  const std::vector<Sample>& samples() const { return samples_; }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<Sample> samples_;
  std::vector<std::string> errors_;
};

// The daemon applied a whole replayed stream cleanly (gtest expectations on its scrape): the
// scrape parsed, nothing rejected, out of lifecycle, lost (sequence gaps) or received twice, no
// contact still live and nobody left waiting.
void ExpectCleanStream(const Scrape& s);

}  // namespace ccmon::testing
