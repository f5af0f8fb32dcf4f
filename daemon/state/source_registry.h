// SourceRegistry: interns bridge instance names (Envelope.source) into dense SourceIds and keeps
// what the daemon knows of each source: its event clock (the latest ACD time seen), when it was
// last heard from (wall clock), and its ACD connection state.
//
// Mutated only on the engine thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/state/types.h"

namespace ccmon::state {

struct SourceInfo {
  std::string name;
  UnixMs event_clock_ms = 0;      // Latest event time applied from this source (ACD clock).
  UnixMs last_heard_wall_ms = 0;  // Daemon wall clock when its last event arrived.
  AcdConnection acd = AcdConnection::kUnspecified;
  std::uint32_t heartbeat_interval_ms = 1000;  // As its latest heartbeat promised.
  std::uint64_t events_applied = 0;            // Contact and agent events (not heartbeats).
};

class SourceRegistry {
 public:
  explicit SourceRegistry(std::size_t max_sources = 256) : max_sources_(max_sources) {}

  // Id of `name`, created if new. Returns kNoSource when the cap is reached (the caller rejects
  // the event and counts it).
  SourceId Resolve(std::string_view name);

  std::size_t size() const { return sources_.size(); }
  SourceInfo& at(SourceId id) { return sources_[id]; }
  const SourceInfo& at(SourceId id) const { return sources_[id]; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t max_sources_;
  std::unordered_map<std::string, SourceId, Hash, std::equal_to<>> ids_;
  std::vector<SourceInfo> sources_;
};

}  // namespace ccmon::state
