// One-line texts of contract events for the mapper and replay tests of the bridges, so that an
// expected stream reads as a list of strings ("queued 7.1 sales", "agent PJSIP/a AVAILABLE").
//
// Header-only, no state. A test renders the events it cares about in more detail itself and
// falls back to ContactEventText() for the rest.
#pragma once

#include <string>

#include "ccmon/v1/events.pb.h"

namespace ccmon::testing {

// "agent <id> <STATE>", then "(<reason>)", " c=<contact>" and " [<queue>,…]" when present.
inline std::string AgentStateText(const v1::AgentStateChanged& a) {
  std::string s = "agent " + a.agent_id() + " " + v1::AgentState_Name(a.state());
  if (!a.reason().empty()) s += "(" + a.reason() + ")";
  if (!a.contact_id().empty()) s += " c=" + a.contact_id();
  for (int i = 0; i < a.queues_size(); ++i) s += (i == 0 ? " [" : ",") + a.queues(i);
  if (a.queues_size() > 0) s += "]";
  return s;
}

// "queued <contact> <queue>", "abandoned <contact>", "exited <contact> <REASON>", "ended <BY>",
// "wrapup <agent>"; "other" for every other event.
inline std::string ContactEventText(const v1::Envelope& e) {
  switch (e.event_case()) {
    case v1::Envelope::kContactQueued:
      return "queued " + e.contact_queued().contact_id() + " " + e.contact_queued().queue();
    case v1::Envelope::kContactAbandoned:
      return "abandoned " + e.contact_abandoned().contact_id();
    case v1::Envelope::kContactExited:
      return "exited " + e.contact_exited().contact_id() + " " +
             v1::ExitReason_Name(e.contact_exited().reason());
    case v1::Envelope::kContactEnded:
      return "ended " + v1::EndedBy_Name(e.contact_ended().ended_by());
    case v1::Envelope::kWrapUpEnded:
      return "wrapup " + e.wrap_up_ended().agent_id();
    default:
      return "other";
  }
}

}  // namespace ccmon::testing
