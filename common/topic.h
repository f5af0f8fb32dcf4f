// Topic names of the event bus (DESIGN.md §2).
//
// Every ZeroMQ message is [topic][Envelope]. Topics are "v1.<tenant>.<queue>." for contact events,
// "v1.<tenant>.~agent." for agent events and "v1.<tenant>.~hb." for heartbeats; the trailing dot
// ends the name, so a prefix selects exactly one queue or a whole tenant. Used by the publisher
// (bridges) to address messages and by the daemon to build subscriptions.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace ccmon {

// The tenant used in topics when an envelope names none.
inline constexpr std::string_view kDefaultTenant = "default";

// Maps a tenant or queue name to the characters allowed in topics: every byte outside
// [A-Za-z0-9_-] becomes '_' (a multi-byte UTF-8 character becomes several '_'). An empty name
// becomes "_", so a topic never has an empty part.
std::string SanitizeTopicName(std::string_view name);

// "v1.<tenant>.<queue>." with both names sanitized; an empty tenant is "default".
std::string ContactTopic(std::string_view tenant, std::string_view queue);

// "v1.<tenant>.~agent."; an empty tenant is "default".
std::string AgentTopic(std::string_view tenant);

// "v1.<tenant>.~hb."; an empty tenant is "default".
std::string HeartbeatTopic(std::string_view tenant);

// "v1.<tenant>." — the prefix that selects everything of one tenant.
std::string TenantTopicPrefix(std::string_view tenant);

}  // namespace ccmon
