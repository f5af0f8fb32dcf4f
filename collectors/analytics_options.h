// Options of the analytics collectors (exact windows, handle time, agents, first-contact
// resolution, expected wait, staffing). Each struct is owned by the collector group named in its
// comment; the config loader (daemon/config) fills them from YAML.
//
// Plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ccmon::collectors {

// Exact interval and day windows (collectors/window_*). Owner: windows.
struct WindowOptions {
  std::string time_zone = "UTC";  // IANA name ("Europe/Berlin"); intervals and "today" align to it.
  int interval_minutes = 15;      // 15 or 30.
};

// Handle time, surveys (collectors/handle_time_collector, survey_collector). Owner: handle time.
struct HandleTimeOptions {
  // Answered contacts whose talk time is at most this are "short answered" (Cisco's short calls).
  std::int64_t short_answer_ms = 10'000;
};

// Agents: occupancy, utilisation, time in state, per-agent series (collectors/agents_*).
struct AgentOptions {
  bool per_agent = false;              // Opt-in per-agent series.
  std::size_t max_per_agent_series = 500;  // Cap on agents with their own series.
};

// First-contact resolution (collectors/fcr_*).
struct FcrOptions {
  std::vector<std::int64_t> windows_ms{24LL * 3600'000, 72LL * 3600'000, 7LL * 24 * 3600'000};
  // queue name → queue group for the "group" scope; queues not listed form a group of their own.
  std::vector<std::pair<std::string, std::string>> queue_groups;
  std::size_t max_tracked_contacts = 5'000'000;  // Memory bound; beyond, the oldest are settled.
};

// Expected wait and staffing (collectors/ewt_*, staffing_*, common/erlang).
struct StaffingOptions {
  std::int64_t estimation_window_ms = 15LL * 60'000;  // λ, AHT and patience are estimated over this.
};

}  // namespace ccmon::collectors
