// AgentsCollector from a hand-built AgentTable: every state for every queue, zeros included;
// totals count distinct agents.
#include "collectors/agents_collector.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::AgentState;

constexpr UnixMs kT0 = 1'700'000'000'000;

TEST(Agents, CountsAgentsByStatePerQueueAndDistinctInTotal) {
  state::Model model(state::QueueRegistryOptions{});
  const state::QueueId sales = model.queues.Declare("sales", state::QueueSettings{});
  const state::QueueId support = model.queues.Declare("support", state::QueueSettings{});
  model.queues.Declare("empty", state::QueueSettings{});
  const std::vector<state::QueueId> both = {sales, support};
  const std::vector<state::QueueId> only_sales = {sales};
  // ann: available, serves both; bob: on contact, sales; cid: not ready, sales; dee: logged in
  // then out, serves both.
  auto set = [&](const char* name, AgentState s, const std::vector<state::QueueId>& queues) {
    model.agents.SetState(model.agents.Resolve(0, name), s, kT0, "", &queues);
  };
  set("ann", AgentState::kAvailable, both);
  set("bob", AgentState::kOnContact, only_sales);
  set("cid", AgentState::kNotReady, only_sales);
  set("dee", AgentState::kAvailable, both);
  set("dee", AgentState::kLoggedOut, both);

  AgentsCollector collector;
  const auto families = Scrape(collector, model, kT0);
  auto queue = [&](const char* q, const char* s) {
    return Value(families, "callcenter_queue_agents", {{"queue", q}, {"state", s}});
  };
  // sales: available ann; on_contact bob; not_ready cid; logged_out dee.
  EXPECT_EQ(queue("sales", "available"), 1.0);
  EXPECT_EQ(queue("sales", "on_contact"), 1.0);
  EXPECT_EQ(queue("sales", "not_ready"), 1.0);
  EXPECT_EQ(queue("sales", "logged_out"), 1.0);
  EXPECT_EQ(queue("sales", "reserved"), 0.0);
  EXPECT_EQ(queue("sales", "after_contact_work"), 0.0);
  // support: available ann; logged_out dee.
  EXPECT_EQ(queue("support", "available"), 1.0);
  EXPECT_EQ(queue("support", "logged_out"), 1.0);
  EXPECT_EQ(queue("support", "on_contact"), 0.0);
  // A queue nobody serves still has every state at 0.
  EXPECT_EQ(queue("empty", "available"), 0.0);
  EXPECT_EQ(SeriesCount(families, "callcenter_queue_agents"), 3u * 6u);
  // Distinct totals: ann counts once although she serves two queues.
  EXPECT_EQ(Value(families, "callcenter_agents", {{"state", "available"}}), 1.0);
  EXPECT_EQ(Value(families, "callcenter_agents", {{"state", "on_contact"}}), 1.0);
  EXPECT_EQ(Value(families, "callcenter_agents", {{"state", "not_ready"}}), 1.0);
  EXPECT_EQ(Value(families, "callcenter_agents", {{"state", "logged_out"}}), 1.0);
  EXPECT_EQ(SeriesCount(families, "callcenter_agents"), 6u);
}

}  // namespace
}  // namespace ccmon::collectors
