// libFuzzer target for the state behind the decoder: any sequence of well-formed events, in any
// order and with any timestamps (out of order, repeated, impossible transitions), is applied by
// the Engine without crashing, and after every input each queue still satisfies the outcome
// invariant of DESIGN §3:
//   offered = answered + abandoned + exited + transferred_out{before_answer}
//             + evicted{waiting} + waiting now.
// The envelope fuzzer reaches the same code through the wire format, where most inputs die in the
// decoder; this one spends its time on the lifecycle, the collectors and the resequencer.
//
// One Engine lives across inputs (building one per input costs more than running it), so state
// carried over from earlier inputs is explored too; each input is a new epoch of the source.
//
// Input: records of 5 bytes — event type, contact (4 ids), queue (3 names), agent (3 ids),
// time step (signed, in seconds, so clocks also go backwards), detail (exit reason, agent state,
// resolution, topic gap) — over one source and one tenant.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/topic.h"
#include "daemon/app/engine.h"
#include "daemon/state/event.h"

namespace {

using ccmon::state::EventType;

constexpr const char* kQueues[] = {"sales", "support", "billing"};

// Sum of the samples of `family` whose labels include queue=`queue` (and `label`=`value` when
// `label` is not empty).
double Sum(const std::vector<prometheus::MetricFamily>& families, std::string_view family,
           std::string_view queue, std::string_view label = {}, std::string_view value = {}) {
  double sum = 0;
  for (const auto& f : families) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      bool queue_matches = false;
      bool label_matches = label.empty();
      for (const auto& l : m.label) {
        if (l.name == "queue" && l.value == queue) queue_matches = true;
        if (!label.empty() && l.name == label && l.value == value) label_matches = true;
      }
      if (!queue_matches || !label_matches) continue;
      sum += f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ccmon::ManualClock clock(1'767'254'400'000);
  static ccmon::app::Engine engine(ccmon::config::Config{}, &clock);
  static std::uint64_t epoch = 0;
  static std::int64_t time_ms = 1'767'254'400'000;
  ++epoch;
  std::map<std::string, std::uint64_t> seq;  // Per topic, in this input's epoch.

  for (std::size_t i = 0; i + 5 <= size; i += 5) {
    const std::uint8_t* r = data + i;
    ccmon::ingest::DecodedEvent d;
    ccmon::state::Event& e = d.event;
    e.type = static_cast<EventType>(r[0] % ccmon::state::kEventTypeCount);
    e.source_name = "fuzz";
    e.tenant = "t";
    e.contact_id = "c" + std::to_string(r[1] % 4);
    e.queue = kQueues[r[2] % 3];
    e.agent_id = "a" + std::to_string(r[3] % 3);
    time_ms += static_cast<std::int8_t>(r[4]) * 1000;
    e.time_ms = time_ms;
    const std::uint8_t detail = r[1] >> 2 ^ r[2] >> 2;
    e.exit_reason = static_cast<ccmon::state::ExitReason>(detail % ccmon::state::kExitReasonCount);
    e.agent_state = static_cast<ccmon::state::AgentState>(detail % ccmon::state::kAgentStateCount);
    e.resolution = static_cast<ccmon::state::Resolution>(detail % 3);
    e.ended_by = static_cast<ccmon::state::EndedBy>(detail % 4);
    e.target_queue = kQueues[(r[2] + 1) % 3];
    if (detail & 0x10) e.transferred_from_queue = kQueues[(r[2] + 2) % 3];
    if (e.type == EventType::kAgentStateChanged) e.agent_queues = {e.queue};
    if (e.type == EventType::kContactQueued) e.caller_key = "k" + std::to_string(r[3] % 2);

    d.position.topic = e.type == EventType::kHeartbeat ? ccmon::HeartbeatTopic(e.tenant)
                       : e.type == EventType::kAgentStateChanged
                           ? ccmon::AgentTopic(e.tenant)
                           : ccmon::ContactTopic(e.tenant, e.queue);
    d.position.epoch = epoch;
    // Mostly consecutive numbers; sometimes a gap (nothing can be replayed: counted missing).
    d.position.seq = seq[d.position.topic] += (detail & 0x20) ? 2 : 1;
    clock.Set(time_ms);
    engine.ApplyDecoded(d);
  }

  const auto families = engine.Collect();
  const auto& queues = engine.model().queues;
  for (ccmon::state::QueueId q = 0; q < queues.size(); ++q) {
    const std::string_view name = queues.Name(q);
    const double offered = Sum(families, "callcenter_contacts_offered_total", name);
    const double outcomes =
        Sum(families, "callcenter_contacts_answered_total", name) +
        Sum(families, "callcenter_contacts_abandoned_total", name) +
        Sum(families, "callcenter_contacts_exited_total", name) +
        Sum(families, "callcenter_contacts_transferred_out_total", name, "phase", "before_answer") +
        Sum(families, "callcenter_contacts_evicted_total", name, "phase", "waiting");
    const double waiting = Sum(families, "callcenter_queue_contacts_waiting", name);
    if (offered != outcomes + waiting) {
      std::fprintf(stderr, "queue %.*s: offered %g != outcomes %g + waiting %g\n",
                   static_cast<int>(name.size()), name.data(), offered, outcomes, waiting);
      std::abort();
    }
  }
  return 0;
}
