#include "common/topic.h"

namespace ccmon {
namespace {

bool IsTopicNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::string TenantPart(std::string_view tenant) {
  return SanitizeTopicName(tenant.empty() ? kDefaultTenant : tenant);
}

}  // namespace

std::string SanitizeTopicName(std::string_view name) {
  if (name.empty()) return "_";
  std::string out(name);
  for (char& c : out) {
    if (!IsTopicNameChar(c)) c = '_';
  }
  return out;
}

std::string TenantTopicPrefix(std::string_view tenant) { return "v1." + TenantPart(tenant) + "."; }

std::string ContactTopic(std::string_view tenant, std::string_view queue) {
  return TenantTopicPrefix(tenant) + SanitizeTopicName(queue) + ".";
}

std::string AgentTopic(std::string_view tenant) { return TenantTopicPrefix(tenant) + "~agent."; }

std::string HeartbeatTopic(std::string_view tenant) { return TenantTopicPrefix(tenant) + "~hb."; }

}  // namespace ccmon
