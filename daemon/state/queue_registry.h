// QueueRegistry: interns queue names into dense QueueIds and holds each queue's settings.
//
// Queues declared in the config are registered first, so their series exist (at 0) before any
// event. Queues first seen in events are added with the default settings until `max_queues`;
// beyond the cap, and for names that are not acceptable label values, events are attributed to the
// overflow queue "_other" and counted (cardinality protection, DESIGN §5).
//
// Mutated only on the engine thread. Ids are never reused or removed while the daemon runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/state/types.h"

namespace ccmon::state {

// Service-level settings of one queue.
struct QueueSettings {
  // Service-level thresholds in milliseconds, ascending, at most kMaxThresholds.
  std::vector<std::int64_t> sl_thresholds_ms{20'000};
  // Target ratio (0–1) for the threshold at `sl_target_index`.
  double sl_target = 0.8;
  std::size_t sl_target_index = 0;
  // Abandons at or below this wait are short abandons.
  std::int64_t short_abandon_ms = 5'000;
  // The channel whose series exist from the start (others appear when first seen).
  Channel channel = Channel::kVoice;

  bool operator==(const QueueSettings&) const = default;
};
inline constexpr std::size_t kMaxThresholds = 16;

struct QueueRegistryOptions {
  std::size_t max_queues = 1000;     // Including configured ones; "_other" comes on top.
  std::size_t max_name_length = 64;  // Longer names go to "_other".
  QueueSettings defaults;            // For queues first seen in events.

  bool operator==(const QueueRegistryOptions&) const = default;
};

class QueueRegistry {
 public:
  static constexpr std::string_view kOverflowName = "_other";

  explicit QueueRegistry(QueueRegistryOptions options);

  // Registers a configured queue with its own settings (or updates the settings of a known one).
  // Precondition: the name is a valid label value (the config loader checks it).
  QueueId Declare(std::string_view name, const QueueSettings& settings);

  // Replaces the settings given to queues first seen from now on (a config reload); queues that
  // exist keep theirs.
  void SetDefaults(const QueueSettings& defaults);

  // Returns the id of `name`, creating it with default settings if it is new and the cap allows.
  // Returns the overflow queue (and counts it) if the cap is reached or the name is not
  // acceptable (empty, too long, not printable UTF-8/ASCII).
  QueueId Resolve(std::string_view name);

  // Id of a known queue, or kNoQueue. Never creates.
  QueueId Find(std::string_view name) const;

  std::size_t size() const { return names_.size(); }
  std::string_view Name(QueueId id) const { return names_[id]; }
  const QueueSettings& Settings(QueueId id) const { return settings_[id]; }
  bool declared(QueueId id) const { return declared_[id]; }

  // Sorted union of every queue's thresholds (for histogram bucket bounds).
  const std::vector<std::int64_t>& AllThresholdsMs() const { return all_thresholds_ms_; }

  // Events attributed to "_other" because of the cap / because the name was unacceptable.
  std::uint64_t overflow_cap_count() const { return overflow_cap_; }
  std::uint64_t overflow_invalid_count() const { return overflow_invalid_; }

  const QueueRegistryOptions& options() const { return options_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  QueueId Add(std::string_view name, const QueueSettings& settings, bool declared);
  QueueId Overflow();
  void RecomputeThresholds();

  QueueRegistryOptions options_;
  std::unordered_map<std::string, QueueId, Hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
  std::vector<QueueSettings> settings_;
  std::vector<bool> declared_;
  std::vector<std::int64_t> all_thresholds_ms_;
  QueueId overflow_ = kNoQueue;
  std::uint64_t overflow_cap_ = 0;
  std::uint64_t overflow_invalid_ = 0;
};

// True if `name` may be used as a queue label value: 1..max_length bytes of printable ASCII or
// valid UTF-8, no control characters.
bool IsAcceptableLabelValue(std::string_view name, std::size_t max_length);

}  // namespace ccmon::state
