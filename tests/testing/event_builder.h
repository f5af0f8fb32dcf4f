// Test helpers: compact builders for canonical events and a FactSink that records facts.
// Test-only; single-threaded.
#pragma once

#include <string>
#include <vector>

#include "daemon/state/event.h"
#include "daemon/state/fact.h"

namespace ccmon::testing {

// Builds state::Events for one source. Times are in seconds from `base_ms` for readability.
class EventBuilder {
 public:
  explicit EventBuilder(state::SourceId source, UnixMs base_ms = 1'700'000'000'000)
      : source_(source), base_ms_(base_ms) {}

  UnixMs At(double seconds) const { return base_ms_ + static_cast<UnixMs>(seconds * 1000.0); }

  state::Event Contact(state::EventType type, double t, std::string id, std::string queue) const {
    state::Event e;
    e.type = type;
    e.time_ms = At(t);
    e.source = source_;
    e.contact_id = std::move(id);
    e.queue = std::move(queue);
    return e;
  }
  state::Event Queued(double t, std::string id, std::string queue, std::string caller = "") const {
    auto e = Contact(state::EventType::kContactQueued, t, std::move(id), std::move(queue));
    e.caller_key = std::move(caller);
    return e;
  }
  state::Event Answered(double t, std::string id, std::string queue,
                        std::string agent = "a1") const {
    auto e = Contact(state::EventType::kContactAnswered, t, std::move(id), std::move(queue));
    e.agent_id = std::move(agent);
    return e;
  }
  state::Event Abandoned(double t, std::string id, std::string queue) const {
    return Contact(state::EventType::kContactAbandoned, t, std::move(id), std::move(queue));
  }
  state::Event Exited(double t, std::string id, std::string queue, state::ExitReason r) const {
    auto e = Contact(state::EventType::kContactExited, t, std::move(id), std::move(queue));
    e.exit_reason = r;
    return e;
  }
  state::Event Transferred(double t, std::string id, std::string queue, std::string target) const {
    auto e = Contact(state::EventType::kContactTransferred, t, std::move(id), std::move(queue));
    e.target_queue = std::move(target);
    return e;
  }
  state::Event Ended(double t, std::string id, std::string queue) const {
    return Contact(state::EventType::kContactEnded, t, std::move(id), std::move(queue));
  }
  state::Event WrapUp(double t, std::string id, std::string queue) const {
    return Contact(state::EventType::kWrapUpEnded, t, std::move(id), std::move(queue));
  }
  state::Event Heartbeat(double t) const {
    state::Event e;
    e.type = state::EventType::kHeartbeat;
    e.time_ms = At(t);
    e.source = source_;
    return e;
  }
  state::Event Agent(double t, std::string agent, state::AgentState s,
                     std::vector<std::string> queues = {}) const {
    state::Event e;
    e.type = state::EventType::kAgentStateChanged;
    e.time_ms = At(t);
    e.source = source_;
    e.agent_id = std::move(agent);
    e.agent_state = s;
    e.agent_queues = std::move(queues);
    return e;
  }

 private:
  state::SourceId source_;
  UnixMs base_ms_;
};

// A fact as recorded: the fact's values plus owned copies of its string views.
struct RecordedFact {
  state::Fact fact;
  std::string contact_id;
  std::string caller_key;
};

class RecordingSink : public state::FactSink {
 public:
  void OnFact(const state::Fact& f) override {
    RecordedFact r{f, std::string(f.contact_id), std::string(f.caller_key)};
    r.fact.contact_id = {};
    r.fact.caller_key = {};
    r.fact.segment = {};
    facts.push_back(std::move(r));
  }
  std::vector<state::Fact> OfType(state::FactType t) const {
    std::vector<state::Fact> out;
    for (const auto& r : facts) {
      if (r.fact.type == t) out.push_back(r.fact);
    }
    return out;
  }
  std::vector<RecordedFact> facts;
};

}  // namespace ccmon::testing
