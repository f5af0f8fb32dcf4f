// Counts what became of every input record a bridge read, by outcome.
//
// Each bridge names its outcomes in its mapping document (docs/bridges/<source>.md): "published",
// "ignored_verb", "unknown_verb", "malformed_line", … Every record ends in exactly one outcome, so
// the sum equals the records read and nothing disappears unexplained. The bridge logs Summary()
// periodically and at exit; tests compare the counts with the input.
//
// Threading: not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace ccmon::bridges {

class InputCounts {
 public:
  void Add(std::string_view outcome, std::uint64_t n = 1) {
    auto it = counts_.find(outcome);
    if (it == counts_.end()) it = counts_.emplace(std::string(outcome), 0).first;
    it->second += n;
  }

  std::uint64_t Get(std::string_view outcome) const {
    auto it = counts_.find(outcome);
    return it == counts_.end() ? 0 : it->second;
  }

  std::uint64_t Total() const {
    std::uint64_t total = 0;
    for (const auto& [outcome, n] : counts_) total += n;
    return total;
  }

  const std::map<std::string, std::uint64_t, std::less<>>& all() const { return counts_; }

  // "ignored_verb=3 published=120" in outcome order; "none" when empty.
  std::string Summary() const {
    std::string out;
    for (const auto& [outcome, n] : counts_) {
      if (!out.empty()) out += ' ';
      out += outcome + "=" + std::to_string(n);
    }
    return out.empty() ? "none" : out;
  }

 private:
  std::map<std::string, std::uint64_t, std::less<>> counts_;
};

}  // namespace ccmon::bridges
