#include "common/topic.h"

#include <gtest/gtest.h>

namespace ccmon {
namespace {

TEST(TopicName, AllowedCharactersPassUnchanged) {
  EXPECT_EQ(SanitizeTopicName("Sales_EU-2"), "Sales_EU-2");
}

TEST(TopicName, EveryOtherCharacterBecomesUnderscore) {
  EXPECT_EQ(SanitizeTopicName("a.b c/d~e"), "a_b_c_d_e");
  EXPECT_EQ(SanitizeTopicName("caf\xc3\xa9"), "caf__");  // Two UTF-8 bytes, two underscores.
}

TEST(TopicName, EmptyNameBecomesUnderscore) { EXPECT_EQ(SanitizeTopicName(""), "_"); }

TEST(Topic, ContactTopicNamesTenantAndQueueAndEndsWithDot) {
  EXPECT_EQ(ContactTopic("acme", "sales"), "v1.acme.sales.");
}

TEST(Topic, ContactTopicSanitizesBothParts) {
  EXPECT_EQ(ContactTopic("acme corp", "sales.eu"), "v1.acme_corp.sales_eu.");
}

TEST(Topic, AgentAndHeartbeatTopicsUseReservedNames) {
  EXPECT_EQ(AgentTopic("acme"), "v1.acme.~agent.");
  EXPECT_EQ(HeartbeatTopic("acme"), "v1.acme.~hb.");
}

TEST(Topic, EmptyTenantIsTheDefaultTenant) {
  EXPECT_EQ(ContactTopic("", "sales"), "v1.default.sales.");
  EXPECT_EQ(AgentTopic(""), "v1.default.~agent.");
  EXPECT_EQ(HeartbeatTopic(""), "v1.default.~hb.");
  EXPECT_EQ(TenantTopicPrefix(""), "v1.default.");
}

TEST(Topic, TenantPrefixSelectsEveryTopicOfTheTenantOnly) {
  const std::string prefix = TenantTopicPrefix("acme");
  EXPECT_TRUE(ContactTopic("acme", "sales").starts_with(prefix));
  EXPECT_TRUE(AgentTopic("acme").starts_with(prefix));
  EXPECT_FALSE(ContactTopic("acme2", "sales").starts_with(prefix));
}

TEST(Topic, QueuePrefixDoesNotSelectAQueueWhoseNameExtendsIt) {
  EXPECT_FALSE(ContactTopic("acme", "sales2").starts_with(ContactTopic("acme", "sales")));
}

}  // namespace
}  // namespace ccmon
