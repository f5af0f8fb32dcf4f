// Domain vocabulary of the daemon's state: identifiers and enumerations shared by the lifecycle,
// the collectors and ingest.
//
// This header is the boundary that keeps `state` free of Protobuf, ZeroMQ and Prometheus: ingest
// translates the wire contract (proto/ccmon/v1/events.proto) into these types. Plain values; no
// threading concerns.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "common/clock.h"

namespace ccmon::state {

// Dense index of a queue in the QueueRegistry (0, 1, 2, …). Collectors index vectors with it.
using QueueId = std::uint32_t;
inline constexpr QueueId kNoQueue = std::numeric_limits<QueueId>::max();

// Dense index of an agent in the AgentTable.
using AgentId = std::uint32_t;
inline constexpr AgentId kNoAgent = std::numeric_limits<AgentId>::max();

// Dense index of an event source (bridge instance) in the SourceRegistry.
using SourceId = std::uint32_t;
inline constexpr SourceId kNoSource = std::numeric_limits<SourceId>::max();

enum class Channel : std::uint8_t {
  kVoice = 0,  // Also used when the bridge does not say.
  kChat,
  kEmail,
  kCallback,
  kVideo,
  kSms,
  kSocial,
  kTask,
};
inline constexpr int kChannelCount = 8;

// Label value of a channel ("voice", "chat", …).
std::string_view ChannelName(Channel c);

enum class ExitReason : std::uint8_t {
  kOther = 0,  // Not given, or an anomaly closed the contact (see Lifecycle).
  kTimeout,
  kQueueFull,
  kNoAgents,
  kKeyPress,
  kOverflow,
  kWithdrawn,
  kClosed,
  kLost,      // The platform lost the contact (restart).
  kCallback,  // The caller chose a callback instead of waiting.
};
inline constexpr int kExitReasonCount = 10;

// Label value of an exit reason ("timeout", "queue_full", …).
std::string_view ExitReasonName(ExitReason r);

enum class Resolution : std::uint8_t { kUnspecified = 0, kResolved, kNotResolved };

enum class EndedBy : std::uint8_t { kUnspecified = 0, kCaller, kAgent, kSystem };

enum class AgentState : std::uint8_t {
  kLoggedOut = 0,
  kAvailable,
  kReserved,
  kOnContact,
  kAfterContactWork,
  kNotReady,
};
inline constexpr int kAgentStateCount = 6;

// Label value of an agent state ("logged_out", "available", …).
std::string_view AgentStateName(AgentState s);

enum class AcdConnection : std::uint8_t { kUnspecified = 0, kUp, kDown };

}  // namespace ccmon::state
