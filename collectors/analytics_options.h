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

  bool operator==(const WindowOptions&) const = default;
};

// Handle time, surveys (collectors/handle_time_collector, survey_collector). Owner: handle time.
struct HandleTimeOptions {
  // Conversations whose connected time (talk + hold) is at most this are "short answered"
  // (Cisco's answered short calls).
  std::int64_t short_answer_ms = 10'000;
  // Bucket upper bounds in seconds of the talk, hold, after-contact-work and handle histograms.
  std::vector<double> duration_buckets_s{1,   5,   10,  15,  20,  30,  45,   60,   90,  120,
                                         180, 240, 300, 420, 600, 900, 1200, 1800, 3600};

  bool operator==(const HandleTimeOptions&) const = default;
};

// Agents: occupancy, utilisation, time in state, per-agent series (collectors/agents_*).
struct AgentOptions {
  bool per_agent = false;                  // Opt-in per-agent series.
  std::size_t max_per_agent_series = 500;  // Cap on agents with their own series.
  // Bucket upper bounds in seconds of the time-in-state histogram.
  std::vector<double> state_duration_buckets_s{1,   5,   10,   30,   60,   120,   300,
                                               600, 900, 1800, 3600, 7200, 14400, 28800};

  bool operator==(const AgentOptions&) const = default;
};

// First-contact resolution (collectors/fcr_*).
struct FcrOptions {
  // Repeat windows W, ascending, at most 4 (more are ignored); label values "24h", "72h", "7d".
  std::vector<std::int64_t> windows_ms{24LL * 3600'000, 72LL * 3600'000, 7LL * 24 * 3600'000};
  // queue name → queue group for the "group" scope; queues not listed form a group of their own.
  std::vector<std::pair<std::string, std::string>> queue_groups;
  // Memory bound (≈ 50 bytes each, docs/benchmarks.md): handled contacts held until settled.
  // Beyond, the oldest is dropped unsettled and counted (ccmond_fcr_contacts_dropped_total).
  std::size_t max_tracked_contacts = 5'000'000;
  // callcenter_fcr_ratio is over contacts settled in this trailing period of event time (in 24
  // buckets of period/24: hourly for the default).
  std::int64_t ratio_period_ms = 24LL * 3600'000;

  bool operator==(const FcrOptions&) const = default;
};

// Expected wait and staffing (collectors/ewt_*, staffing_*, common/erlang).
struct StaffingOptions {
  // λ, AHT and patience are estimated over this (60 buckets), and the EWT bias/absolute error.
  std::int64_t estimation_window_ms = 15LL * 60'000;
  // Bucket upper bounds in seconds of callcenter_ewt_error_seconds (predicted − actual wait).
  std::vector<double> ewt_error_buckets_s{-600, -300, -120, -60, -30, -10, -5,  -1, 0,
                                          1,    5,    10,   30,  60,  120, 300, 600};

  bool operator==(const StaffingOptions&) const = default;
};

}  // namespace ccmon::collectors
