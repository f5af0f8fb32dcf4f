// Simulator: a discrete-event simulation of a contact center that emits canonical ccmon events.
//
// Used by `ccmon-bridge simulate` (demos, load) and by tests that need a realistic event stream.
// Given a validated Profile and a seed, the simulation is deterministic: the same profile and seed
// give the same envelopes (same times, ids, order), however RunUntil() calls slice the run.
// Model (docs/simulator.md): Poisson arrivals with hourly rates, lognormal talk and after-contact
// work, exponential patience, skills-based routing of the longest-waiting contact of the highest
// priority to the longest-idle available agent, ring/RONA, holds, transfers, overflow, callbacks,
// surveys, repeat callers, shifts and breaks, and a heartbeat every simulated second. Caller
// numbers are hashed with CallerKeyHasher before they leave the simulator.
//
// Threading: not thread-safe; one thread drives RunUntil(). Pacing against the wall clock is the
// caller's business (bridges/simulate/simulate_command.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bridges/simulate/profile.h"
#include "common/clock.h"
#include "common/publisher.h"
#include "common/status.h"

namespace ccmon::simulate {

// How many times each thing happened, for one queue or for the whole center. Every counter
// matches the number of envelopes of the corresponding kind (tests check this).
struct OutcomeCounts {
  std::uint64_t offered = 0;           // ContactQueued (fresh, transferred in, callbacks, repeats).
  std::uint64_t transferred_in = 0;    // ... of which queued with transferred_from_queue.
  std::uint64_t callbacks_queued = 0;  // ... of which CHANNEL_CALLBACK.
  std::uint64_t repeat_contacts = 0;   // ... of which a repeat call of an earlier caller.
  std::uint64_t answered = 0;
  std::uint64_t abandoned = 0;
  std::uint64_t exited_timeout = 0;
  std::uint64_t exited_queue_full = 0;
  std::uint64_t exited_no_agents = 0;
  std::uint64_t exited_key_press = 0;
  std::uint64_t callbacks_requested = 0;
  std::uint64_t transferred_before_answer = 0;  // Overflow to another queue.
  std::uint64_t transferred_after_answer = 0;
  std::uint64_t rings = 0;
  std::uint64_t ring_timeouts = 0;
  std::uint64_t holds = 0;
  std::uint64_t resumes = 0;
  std::uint64_t ended = 0;
  std::uint64_t wrap_ups = 0;
  std::uint64_t surveys = 0;

  std::uint64_t exited() const {
    return exited_timeout + exited_queue_full + exited_no_agents + exited_key_press;
  }
  // Stays that ended in the queue: answered + abandoned + exited + callbacks + overflowed.
  std::uint64_t queue_outcomes() const {
    return answered + abandoned + exited() + callbacks_requested + transferred_before_answer;
  }
};

struct SimulatorStats {
  OutcomeCounts total;
  std::vector<OutcomeCounts> per_queue;  // In profile order.
  std::uint64_t agent_state_changes = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t envelopes = 0;   // Everything handed to the sink.
  std::uint64_t in_queue = 0;    // Contacts in a queue now (waiting or ringing).
  std::uint64_t in_service = 0;  // Contacts connected to an agent or in wrap-up now.
};

class Simulator {
 public:
  static constexpr UnixMs kHeartbeatIntervalMs = 1000;

  // `profile` must be valid (ValidateProfile; LoadProfile/ParseProfile validate). An invalid
  // profile is a programming error and aborts with the validation message.
  Simulator(Profile profile, std::uint64_t seed);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Runs every simulated event up to and including `sim_time`, handing envelopes to `sink` in
  // non-decreasing time order; afterwards now() == max(now(), sim_time). The first call also
  // emits every agent's initial state at the profile's start. If the sink fails, the simulation
  // finishes the event in hand, stops, and returns the sink's first error; a later call resumes.
  Status RunUntil(UnixMs sim_time, EnvelopeSink& sink);

  UnixMs start_time() const;
  UnixMs now() const;
  const SimulatorStats& stats() const;
  const Profile& profile() const;

  // The raw number of caller `index` ("+1555" and 7 digits). It is hashed before publication;
  // tests use this to check that no raw number ever leaves the simulator.
  static std::string CallerNumber(std::uint32_t index);

 private:
  class Engine;  // The event queue, contacts, agents and routing; in simulator.cc.
  std::unique_ptr<Engine> engine_;
};

}  // namespace ccmon::simulate
