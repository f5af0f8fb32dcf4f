#include "daemon/state/queue_registry.h"

#include <algorithm>

namespace ccmon::state {

namespace {

// Length of the UTF-8 sequence starting with byte b, or 0 if b cannot start one.
int Utf8SequenceLength(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return b >= 0xC2 ? 2 : 0;  // C0/C1 are overlong encodings.
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return b <= 0xF4 ? 4 : 0;
  return 0;
}

}  // namespace

bool IsAcceptableLabelValue(std::string_view name, std::size_t max_length) {
  if (name.empty() || name.size() > max_length) return false;
  for (std::size_t i = 0; i < name.size();) {
    const auto b = static_cast<unsigned char>(name[i]);
    const int len = Utf8SequenceLength(b);
    if (len == 0 || i + static_cast<std::size_t>(len) > name.size()) return false;
    if (len == 1 && (b < 0x20 || b == 0x7F)) return false;  // Control characters.
    for (int k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(name[i + k]) & 0xC0) != 0x80) return false;
    }
    i += static_cast<std::size_t>(len);
  }
  return true;
}

QueueRegistry::QueueRegistry(QueueRegistryOptions options) : options_(std::move(options)) {
  RecomputeThresholds();
}

QueueId QueueRegistry::Declare(std::string_view name, const QueueSettings& settings) {
  if (auto it = ids_.find(name); it != ids_.end()) {
    settings_[it->second] = settings;
    declared_[it->second] = true;
    RecomputeThresholds();
    return it->second;
  }
  return Add(name, settings, /*declared=*/true);
}

void QueueRegistry::SetDefaults(const QueueSettings& defaults) {
  options_.defaults = defaults;
  RecomputeThresholds();
}

QueueId QueueRegistry::Resolve(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  if (!IsAcceptableLabelValue(name, options_.max_name_length) || name == kOverflowName) {
    ++overflow_invalid_;
    return Overflow();
  }
  const std::size_t own = overflow_ == kNoQueue ? names_.size() : names_.size() - 1;
  if (own >= options_.max_queues) {
    ++overflow_cap_;
    return Overflow();
  }
  return Add(name, options_.defaults, /*declared=*/false);
}

QueueId QueueRegistry::Find(std::string_view name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? kNoQueue : it->second;
}

QueueId QueueRegistry::Add(std::string_view name, const QueueSettings& settings, bool declared) {
  const auto id = static_cast<QueueId>(names_.size());
  names_.emplace_back(name);
  settings_.push_back(settings);
  declared_.push_back(declared);
  ids_.emplace(std::string(name), id);
  RecomputeThresholds();
  return id;
}

QueueId QueueRegistry::Overflow() {
  if (overflow_ == kNoQueue) overflow_ = Add(kOverflowName, options_.defaults, false);
  return overflow_;
}

void QueueRegistry::RecomputeThresholds() {
  std::vector<std::int64_t> all = options_.defaults.sl_thresholds_ms;
  for (const auto& s : settings_)
    all.insert(all.end(), s.sl_thresholds_ms.begin(), s.sl_thresholds_ms.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  all_thresholds_ms_ = std::move(all);
}

}  // namespace ccmon::state
