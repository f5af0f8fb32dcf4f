// Simulator profile: the description of a synthetic contact center (queues, agents, callers).
//
// Written by people as YAML (config/simulator/*.yaml, format in docs/simulator.md), read by
// LoadProfile/ParseProfile, used by Simulator. Every duration here is in seconds and every rate
// per hour, as in the YAML; the simulator converts them to milliseconds.
//
// Plain values; no threading concerns.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ccmon/v1/events.pb.h"
#include "common/clock.h"
#include "common/status.h"

namespace ccmon::simulate {

// A positive random duration given by its mean and standard deviation (lognormal).
struct DurationSpec {
  double mean_s = 0;
  double sd_s = 0;
};

// A share of a queue's callers that belong to a customer segment and get a routing priority.
struct SegmentSpec {
  std::string name;  // e.g. "vip"; becomes ContactQueued.segment.
  double share = 0;  // 0..1; the shares of a queue sum to at most 1, the rest has no segment.
  int priority = 0;  // Higher is served first.
};

struct QueueProfile {
  std::string name;  // [A-Za-z0-9_-]+, unique.
  v1::Channel channel = v1::CHANNEL_VOICE;
  // Mean arrivals per hour for each local hour of the day (Poisson, piecewise constant).
  std::array<double, 24> arrivals_per_hour{};
  DurationSpec service_time{180, 120};      // Talk time (without hold), lognormal.
  std::optional<double> patience_mean_s;    // Exponential patience; none = callers never abandon.
  std::optional<double> max_wait_s;         // Exit with TIMEOUT when the wait reaches this.
  std::optional<int> capacity;              // Contacts in queue at most; more exit QUEUE_FULL.
  bool exit_when_no_agents = false;         // Exit NO_AGENTS on arrival when nobody is logged in.
  double key_press_probability = 0;         // Caller presses the exit key while waiting ...
  double key_press_mean_s = 60;             // ... after an exponential time with this mean.
  double hold_probability = 0;              // One hold during the conversation ...
  double hold_mean_s = 45;                  // ... of exponential length.
  DurationSpec after_contact_work{20, 10};  // Lognormal; mean 0 = no after-contact work.
  double transfer_probability = 0;          // Blind transfer at the end of the conversation ...
  std::string transfer_target;              // ... into this queue.
  std::optional<double> overflow_after_s;   // Waiting this long: transferred before answer ...
  std::string overflow_target;              // ... into this queue.
  double callback_offer_after_s = 60;  // Waiting this long, a voice caller is offered a callback
  double callback_accept_probability = 0;  // and accepts with this probability;
  double callback_mean_delay_s = 600;      // the callback is queued after an exponential delay.
  double survey_probability = 0;           // Post-contact survey completed by the caller.
  std::array<double, 5> csat_resolved{0.02, 0.03, 0.10, 0.35, 0.50};    // Weights of CSAT 1..5.
  std::array<double, 5> csat_unresolved{0.30, 0.25, 0.25, 0.15, 0.05};  // Weights of CSAT 1..5.
  double resolved_probability = 0.85;    // Whether a handled contact really solved the issue.
  double resolution_stated_share = 0.5;  // Share of wrap-ups where the agent records resolution.
  std::vector<std::pair<std::string, double>> dispositions;  // Code and weight; empty = "done".
  std::vector<SegmentSpec> segments;
  double ended_by_agent_share = 0.3;  // Who hangs up: the agent, otherwise the caller.
};

struct AgentGroupProfile {
  std::string name;  // [A-Za-z0-9_-]+, unique; agents are "<name>-01", "<name>-02", ...
  int count = 1;
  std::vector<std::string> queues;  // Queues served (names from QueueProfile).
  // Shift in local hours of the day; start == end means always on duty. end < start crosses
  // midnight. Each agent logs in at start + a fixed personal offset in [0, login_spread_s) and
  // logs out at end + the same offset, after finishing the contact in hand.
  double shift_start_hour = 0;
  double shift_end_hour = 0;
  double login_spread_s = 600;
  double not_ready_per_hour = 0;                        // Breaks per logged-in hour (Poisson) ...
  double not_ready_mean_s = 300;                        // ... of exponential length ...
  std::vector<std::string> not_ready_reasons{"break"};  // ... with a reason drawn uniformly.
  double ring_mean_s = 4;            // An answered offer rings uniformly 0.5..1.5 x this.
  double ring_timeout_s = 15;        // An unanswered offer rings this long (RONA) ...
  double no_answer_probability = 0;  // ... with this probability per offer;
  double rona_pause_s = 30;          // the agent is then not ready ("rona") this long.
};

struct RepeatCallersSpec {
  double probability = 0;                // A handled, resolved contact's caller calls again ...
  double probability_if_unresolved = 0;  // ... or an unresolved one's ...
  double mean_delay_hours = 24;          // ... after an exponential delay ...
  double same_queue_share = 1;           // ... in the same queue, or else in another one.
};

struct Profile {
  UnixMs start_ms = 0;                         // Simulated time of the first event.
  double utc_offset_hours = 0;                 // Local time = UTC + offset (for hours of day).
  std::string tenant;                          // Tenant for the publisher; empty = default.
  std::uint32_t caller_population = 10'000;    // Callers "+1555" + 7 digits, index 0..N-1.
  double anonymous_share = 0;                  // Share of contacts without caller identity.
  std::array<unsigned char, 32> caller_key{};  // Key for CallerKeyHasher; see kDemoCallerKeyHex.
  RepeatCallersSpec repeat_callers;
  std::vector<QueueProfile> queues;
  std::vector<AgentGroupProfile> agent_groups;
};

// The key used when a profile names none. Public on purpose: demo data is not secret.
inline constexpr std::string_view kDemoCallerKeyHex =
    "63636d6f6e2d73696d756c61746f722d64656d6f2d6b65792d6e6f742d736563";

// A profile with no queues or agents, the demo caller key and the given start.
Profile EmptyProfile(UnixMs start_ms);

// Checks ranges and cross references (targets and served queues exist, names unique and topic
// safe). InvalidArgument names the field: "queues[1].transfer.target: no queue named \"x\"".
Status ValidateProfile(const Profile& profile);

// Parses a YAML profile and validates it. `origin` prefixes error messages (a file name); `now`
// is used for `start: now` (the default) and `start: today HH:MM`. A relative callers.key_file
// is resolved against the current directory. InvalidArgument names the
// field and line: "demo.yaml: queues[0].service_time.mean_s: must be > 0 (line 12)".
Result<Profile> ParseProfile(std::string_view yaml, std::string_view origin, UnixMs now);

// Reads and parses a profile file. NotFound/IoError when the file cannot be read. A relative
// callers.key_file is resolved against the profile's directory.
Result<Profile> LoadProfile(const std::string& path, UnixMs now);

// Parses a channel name ("voice", "chat", ...; as the Channel enum without prefix, any case).
std::optional<v1::Channel> ParseChannel(std::string_view name);

}  // namespace ccmon::simulate
