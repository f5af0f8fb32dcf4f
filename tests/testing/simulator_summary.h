// Test helper: what `ccmon-bridge simulate` logs when it is done — envelopes and heartbeats sent,
// and per queue the contacts it offered, answered, abandoned and let exit — so tests can compare
// a daemon's counts with the simulator's own. Header-only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <regex>
#include <string>

namespace ccmon::testing {

struct SimulatorSummary {
  std::uint64_t envelopes = 0;
  std::uint64_t heartbeats = 0;
  // Per queue: offered, answered, abandoned, exited + callbacks.
  std::map<std::string, std::array<std::uint64_t, 4>> queues;
};

// Parses the summary lines out of the simulator's log (zeros and no queues if absent).
inline SimulatorSummary ParseSimulatorSummary(const std::string& log) {
  SimulatorSummary s;
  std::smatch m;
  if (std::regex_search(log, m, std::regex(R"(envelopes=(\d+) heartbeats=(\d+))"))) {
    s.envelopes = std::stoull(m[1]);
    s.heartbeats = std::stoull(m[2]);
  }
  const std::regex queue(
      R"(queue (\S+): offered=(\d+) answered=(\d+) abandoned=(\d+) exited=(\d+) callbacks=(\d+))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), queue); it != std::sregex_iterator();
       ++it) {
    const auto& q = *it;
    s.queues[q[1]] = {std::stoull(q[2]), std::stoull(q[3]), std::stoull(q[4]),
                      std::stoull(q[5]) + std::stoull(q[6])};
  }
  return s;
}

}  // namespace ccmon::testing
