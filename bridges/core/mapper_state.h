// The state the platform mappers of the socket bridges (asterisk-ami, freeswitch) keep alike:
// - AgentReport / ReportedAgent: what a mapper says about one agent in an agent_state_changed
//   event, and what it last published for that agent, so that it publishes only changes (the
//   state, the not-ready reason, the contact, the queue list). The queue list goes out only when
//   it changed (an empty list in the contract means "unchanged").
// - EraseExpired(): forgetting the calls (members) that finished a while ago or went stale.
//
// Header-only. Not thread-safe: owned by the mapper, on the bridge's one thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ccmon/v1/events.pb.h"
#include "common/clock.h"

namespace ccmon::bridges {

struct AgentReport {
  v1::AgentState state = v1::AGENT_STATE_UNSPECIFIED;
  std::string reason;
  std::string contact;
  std::vector<std::string> queues;

  bool operator==(const AgentReport&) const = default;
};

class ReportedAgent {
 public:
  // The agent_state_changed for `agent_id` in `report`, written into *env; false (and *env
  // untouched) if it repeats what was last published.
  bool Build(const std::string& agent_id, const AgentReport& report, v1::Envelope* env) const {
    if (published_ && report == last_) return false;
    auto* a = env->mutable_agent_state_changed();
    a->set_agent_id(agent_id);
    a->set_state(report.state);
    a->set_reason(report.reason);
    a->set_contact_id(report.contact);
    if (!published_ || report.queues != last_.queues) {
      for (const std::string& q : report.queues) a->add_queues(q);
    }
    return true;
  }

  // `report` went out: later Build() calls compare with it.
  void Published(AgentReport report) {
    published_ = true;
    last_ = std::move(report);
  }

  // The next Build() publishes whatever the state (after a reconnection, when the daemon has
  // logged this source's agents out).
  void Forget() { published_ = false; }

  // Something was published since the last Forget().
  bool published() const { return published_; }

 private:
  bool published_ = false;
  AgentReport last_;
};

// Erases the entries of `table` (a map whose values have a `last_arrival` time) that finished
// (`finished(value)`) at least `finished_ttl_ms` ago, or that saw no input for `stale_ttl_ms`
// whatever their state. Returns how many were erased as stale (an input that never came: worth a
// count).
template <typename Table, typename Finished>
std::uint64_t EraseExpired(Table* table, UnixMs now_ms, std::int64_t finished_ttl_ms,
                           std::int64_t stale_ttl_ms, Finished finished) {
  std::uint64_t stale = 0;
  for (auto it = table->begin(); it != table->end();) {
    const auto& entry = it->second;
    const bool done = finished(entry) && now_ms - entry.last_arrival >= finished_ttl_ms;
    if (done || now_ms - entry.last_arrival >= stale_ttl_ms) {
      if (!done) ++stale;
      it = table->erase(it);
    } else {
      ++it;
    }
  }
  return stale;
}

}  // namespace ccmon::bridges
