#include "bridges/simulate/simulator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/publisher.h"

namespace ccmon::simulate {
namespace {

using Message = CapturingSink::Message;
using v1::Envelope;

constexpr UnixMs kStart = 1'709'539'200'000;  // 2024-03-04T08:00:00Z, a Monday morning.
constexpr UnixMs kMinute = 60'000;
constexpr UnixMs kHour = 60 * kMinute;

Profile ParseOrDie(const std::string& yaml) {
  auto p = ParseProfile(yaml, "test", kStart);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(p).value() : EmptyProfile(kStart);
}

Profile DemoProfile() {
  auto p = LoadProfile(std::string(CCMON_SOURCE_DIR) + "/config/simulator/demo.yaml", kStart);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  Profile profile = std::move(p).value();
  profile.start_ms = kStart + 2 * kHour;  // 10:00, the busy part of the day.
  return profile;
}

// A small, overloaded center in which every kind of event and outcome happens within an hour.
const char* kEverythingProfile = R"(
start: "2024-03-04T08:00:00Z"
callers: {population: 40, anonymous_share: 0.1}
repeat_callers: {probability: 0.3, probability_if_unresolved: 0.8, mean_delay_hours: 0.2,
                 same_queue_share: 0.5}
queues:
  - name: front
    arrivals_per_hour: 240
    service_time: {mean_s: 90, sd_s: 60}
    patience: {mean_s: 120}
    max_wait_s: 150
    capacity: 12
    key_press_exit: {probability: 0.1, mean_after_s: 30}
    hold: {probability: 0.4, mean_s: 20}
    after_contact_work: {mean_s: 10, sd_s: 5}
    transfer: {probability: 0.2, target: back}
    overflow: {after_s: 100, target: back}
    callback: {offer_after_s: 40, accept_probability: 0.3, mean_delay_s: 120}
    survey: {probability: 0.5}
    resolution: {probability: 0.6, stated_share: 0.5}
    dispositions: {ok: 3, escalate: 1}
    segments: [{name: vip, share: 0.2, priority: 5}]
  - name: back
    arrivals_per_hour: 30
    service_time: {mean_s: 120, sd_s: 30}
    patience: {mean_s: 300}
    max_wait_s: 45
    after_contact_work: {mean_s: 0}
    survey: {probability: 0.3}
  - name: chat
    channel: chat
    arrivals_per_hour: 60
    service_time: {mean_s: 100, sd_s: 50}
    patience: none
    exit_when_no_agents: true
agent_groups:
  - name: front
    count: 4
    queues: [front]
    shift: {start_hour: 8, end_hour: 8.5, login_spread_s: 60}
    not_ready: {per_hour: 2, mean_s: 60, reasons: [break, coaching]}
    ring: {mean_s: 3, timeout_s: 10, no_answer_probability: 0.1, rona_pause_s: 20}
  - name: back
    count: 2
    queues: [back, front]
    ring: {mean_s: 2, timeout_s: 8}
  - name: chat
    count: 1
    queues: [chat]
    shift: {start_hour: 8.25, end_hour: 8.75, login_spread_s: 10}
)";

std::vector<Message> Simulate(Profile profile, std::uint64_t seed, UnixMs duration,
                              SimulatorStats* stats = nullptr) {
  Simulator sim(std::move(profile), seed);
  CapturingSink sink("sim-test", 1, "t");
  EXPECT_TRUE(sim.RunUntil(sim.start_time() + duration, sink).ok());
  if (stats != nullptr) *stats = sim.stats();
  return sink.messages();
}

std::vector<std::string> Serialized(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.topic + "|" + m.envelope.SerializeAsString());
  return out;
}

// The contact id an envelope is about, or "" for agent events and heartbeats.
std::string ContactIdOf(const Envelope& e) {
  switch (e.event_case()) {
    case Envelope::kContactQueued:
      return e.contact_queued().contact_id();
    case Envelope::kContactRinging:
      return e.contact_ringing().contact_id();
    case Envelope::kContactRingTimeout:
      return e.contact_ring_timeout().contact_id();
    case Envelope::kContactAnswered:
      return e.contact_answered().contact_id();
    case Envelope::kContactAbandoned:
      return e.contact_abandoned().contact_id();
    case Envelope::kContactExited:
      return e.contact_exited().contact_id();
    case Envelope::kContactTransferred:
      return e.contact_transferred().contact_id();
    case Envelope::kContactHeld:
      return e.contact_held().contact_id();
    case Envelope::kContactResumed:
      return e.contact_resumed().contact_id();
    case Envelope::kContactEnded:
      return e.contact_ended().contact_id();
    case Envelope::kWrapUpEnded:
      return e.wrap_up_ended().contact_id();
    case Envelope::kCallbackRequested:
      return e.callback_requested().contact_id();
    case Envelope::kSurveyCompleted:
      return e.survey_completed().contact_id();
    default:
      return "";
  }
}

// Replays the stream through the contact state machine of DESIGN.md §2 (the daemon's
// daemon/state/lifecycle.h) and returns the first violation, or "" if every contact's events
// came in a valid order.
class ContactOrderChecker {
 public:
  enum class State { kNew, kWaiting, kRinging, kTalking, kHeld, kTransferring, kWrapUp, kGone };

  std::string Check(const std::vector<Message>& messages) {
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const Envelope& e = messages[i].envelope;
      const std::string id = ContactIdOf(e);
      if (id.empty()) continue;
      if (std::string problem = Apply(e, contacts_[id]); !problem.empty()) {
        return "message " + std::to_string(i) + " (" + e.ShortDebugString() + "): " + problem;
      }
    }
    return "";
  }

  std::map<std::string, State> final_states() const {
    std::map<std::string, State> out;
    for (const auto& [id, c] : contacts_) out[id] = c.state;
    return out;
  }

 private:
  struct Track {
    State state = State::kNew;
    std::string queue;
    std::string agent;
    std::string transfer_target;
    bool ended = false;
  };

  static std::string Apply(const Envelope& e, Track& c) {
    const bool in_queue = c.state == State::kWaiting || c.state == State::kRinging;
    switch (e.event_case()) {
      case Envelope::kContactQueued: {
        const auto& q = e.contact_queued();
        if (c.state == State::kNew) {
          if (!q.transferred_from_queue().empty()) return "transferred_from on a first entry";
        } else if (c.state == State::kTransferring) {
          if (q.queue() != c.transfer_target) return "queued outside the transfer target";
          if (q.transferred_from_queue() != c.queue) return "wrong transferred_from_queue";
        } else {
          return "queued twice";
        }
        c.state = State::kWaiting;
        c.queue = q.queue();
        return "";
      }
      case Envelope::kContactRinging:
        if (c.state != State::kWaiting) return "ringing while not waiting";
        if (e.contact_ringing().queue() != c.queue) return "ringing in another queue";
        c.state = State::kRinging;
        c.agent = e.contact_ringing().agent_id();
        return "";
      case Envelope::kContactRingTimeout:
        if (c.state != State::kRinging) return "ring timeout while not ringing";
        if (e.contact_ring_timeout().agent_id() != c.agent) return "ring timeout of another agent";
        c.state = State::kWaiting;
        return "";
      case Envelope::kContactAnswered:
        if (c.state != State::kRinging) return "answered while not ringing";
        if (e.contact_answered().agent_id() != c.agent) return "answered by another agent";
        c.state = State::kTalking;
        return "";
      case Envelope::kContactAbandoned:
      case Envelope::kContactExited:
      case Envelope::kCallbackRequested:
        if (!in_queue) return "left a queue it was not in";
        c.state = State::kGone;
        return "";
      case Envelope::kContactTransferred:
        if (c.state != State::kWaiting && c.state != State::kTalking) {
          return "transferred while neither waiting nor talking";
        }
        if (e.contact_transferred().queue() != c.queue) return "transferred from another queue";
        c.state = State::kTransferring;
        c.transfer_target = e.contact_transferred().target_queue();
        return "";
      case Envelope::kContactHeld:
        if (c.state != State::kTalking) return "held while not talking";
        c.state = State::kHeld;
        return "";
      case Envelope::kContactResumed:
        if (c.state != State::kHeld) return "resumed while not held";
        c.state = State::kTalking;
        return "";
      case Envelope::kContactEnded:
        if (c.state != State::kTalking) return "ended while not talking";
        c.state = State::kWrapUp;
        c.ended = true;
        return "";
      case Envelope::kWrapUpEnded:
        if (c.state != State::kWrapUp) return "wrap-up ended before the contact ended";
        c.state = State::kGone;
        return "";
      case Envelope::kSurveyCompleted:
        if (!c.ended) return "survey before the contact ended";
        return "";
      default:
        return "";
    }
  }

  std::map<std::string, Track> contacts_;
};

// Counts of envelopes per queue, named like OutcomeCounts.
OutcomeCounts CountStream(const std::vector<Message>& messages, const std::string& queue) {
  OutcomeCounts n;
  std::map<std::string, bool> answered_in_queue;  // contact -> answered in its current stay
  for (const auto& m : messages) {
    const Envelope& e = m.envelope;
    const std::string id = ContactIdOf(e);
    switch (e.event_case()) {
      case Envelope::kContactQueued:
        answered_in_queue[id] = false;
        if (e.contact_queued().queue() != queue) break;
        ++n.offered;
        if (!e.contact_queued().transferred_from_queue().empty()) ++n.transferred_in;
        if (e.contact_queued().channel() == v1::CHANNEL_CALLBACK) ++n.callbacks_queued;
        break;
      case Envelope::kContactAnswered:
        answered_in_queue[id] = true;
        if (e.contact_answered().queue() == queue) ++n.answered;
        break;
      case Envelope::kContactRinging:
        if (e.contact_ringing().queue() == queue) ++n.rings;
        break;
      case Envelope::kContactRingTimeout:
        if (e.contact_ring_timeout().queue() == queue) ++n.ring_timeouts;
        break;
      case Envelope::kContactAbandoned:
        if (e.contact_abandoned().queue() == queue) ++n.abandoned;
        break;
      case Envelope::kContactExited:
        if (e.contact_exited().queue() != queue) break;
        switch (e.contact_exited().reason()) {
          case v1::EXIT_REASON_TIMEOUT:
            ++n.exited_timeout;
            break;
          case v1::EXIT_REASON_QUEUE_FULL:
            ++n.exited_queue_full;
            break;
          case v1::EXIT_REASON_NO_AGENTS:
            ++n.exited_no_agents;
            break;
          case v1::EXIT_REASON_KEY_PRESS:
            ++n.exited_key_press;
            break;
          default:
            ADD_FAILURE() << "unexpected exit reason " << e.ShortDebugString();
        }
        break;
      case Envelope::kCallbackRequested:
        if (e.callback_requested().queue() == queue) ++n.callbacks_requested;
        break;
      case Envelope::kContactTransferred:
        if (e.contact_transferred().queue() != queue) break;
        if (answered_in_queue[id]) {
          ++n.transferred_after_answer;
        } else {
          ++n.transferred_before_answer;
        }
        break;
      case Envelope::kContactHeld:
        if (e.contact_held().queue() == queue) ++n.holds;
        break;
      case Envelope::kContactResumed:
        if (e.contact_resumed().queue() == queue) ++n.resumes;
        break;
      case Envelope::kContactEnded:
        if (e.contact_ended().queue() == queue) ++n.ended;
        break;
      case Envelope::kWrapUpEnded:
        if (e.wrap_up_ended().queue() == queue) ++n.wrap_ups;
        break;
      case Envelope::kSurveyCompleted:
        if (e.survey_completed().queue() == queue) ++n.surveys;
        break;
      default:
        break;
    }
  }
  return n;
}

void ExpectSameCounts(const OutcomeCounts& stream, const OutcomeCounts& stats,
                      const std::string& queue) {
  SCOPED_TRACE("queue " + queue);
  EXPECT_EQ(stream.offered, stats.offered);
  EXPECT_EQ(stream.transferred_in, stats.transferred_in);
  EXPECT_EQ(stream.callbacks_queued, stats.callbacks_queued);
  EXPECT_EQ(stream.answered, stats.answered);
  EXPECT_EQ(stream.abandoned, stats.abandoned);
  EXPECT_EQ(stream.exited_timeout, stats.exited_timeout);
  EXPECT_EQ(stream.exited_queue_full, stats.exited_queue_full);
  EXPECT_EQ(stream.exited_no_agents, stats.exited_no_agents);
  EXPECT_EQ(stream.exited_key_press, stats.exited_key_press);
  EXPECT_EQ(stream.callbacks_requested, stats.callbacks_requested);
  EXPECT_EQ(stream.transferred_before_answer, stats.transferred_before_answer);
  EXPECT_EQ(stream.transferred_after_answer, stats.transferred_after_answer);
  EXPECT_EQ(stream.rings, stats.rings);
  EXPECT_EQ(stream.ring_timeouts, stats.ring_timeouts);
  EXPECT_EQ(stream.holds, stats.holds);
  EXPECT_EQ(stream.resumes, stats.resumes);
  EXPECT_EQ(stream.ended, stats.ended);
  EXPECT_EQ(stream.wrap_ups, stats.wrap_ups);
  EXPECT_EQ(stream.surveys, stats.surveys);
}

// ---------------------------------------------------------------------------------------------

TEST(Simulator, SameSeedGivesAnIdenticalEnvelopeStream) {
  const auto a = Simulate(DemoProfile(), 7, 2 * kHour);
  const auto b = Simulate(DemoProfile(), 7, 2 * kHour);
  ASSERT_GT(a.size(), 1000u);
  EXPECT_EQ(Serialized(a), Serialized(b));
}

TEST(Simulator, DifferentSeedsGiveDifferentStreams) {
  EXPECT_NE(Serialized(Simulate(DemoProfile(), 1, kHour)),
            Serialized(Simulate(DemoProfile(), 2, kHour)));
}

TEST(Simulator, SlicingTheRunDoesNotChangeTheStream) {
  const auto whole = Simulate(DemoProfile(), 3, kHour);
  Simulator sim(DemoProfile(), 3);
  CapturingSink sink("sim-test", 1, "t");
  // Uneven slices, some empty, some ending exactly on event times.
  for (UnixMs t = sim.start_time(); t < sim.start_time() + kHour; t += 777) {
    ASSERT_TRUE(sim.RunUntil(t, sink).ok());
    ASSERT_TRUE(sim.RunUntil(t, sink).ok());
  }
  ASSERT_TRUE(sim.RunUntil(sim.start_time() + kHour, sink).ok());
  EXPECT_EQ(Serialized(sink.messages()), Serialized(whole));
}

TEST(Simulator, EveryContactsEventsComeInAValidOrder) {
  for (std::uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ContactOrderChecker checker;
    EXPECT_EQ(checker.Check(Simulate(ParseOrDie(kEverythingProfile), seed, kHour)), "");
    ContactOrderChecker demo_checker;
    EXPECT_EQ(demo_checker.Check(Simulate(DemoProfile(), seed, 2 * kHour)), "");
  }
}

TEST(Simulator, TheWholeEventVocabularyIsUsed) {
  const auto messages = Simulate(ParseOrDie(kEverythingProfile), 1, kHour);
  std::set<int> kinds;
  std::set<int> exit_reasons;
  std::set<int> agent_states;
  bool callback_channel = false;
  bool transferred_from = false;
  bool not_ready_reason = false;
  bool resolution_stated = false;
  for (const auto& m : messages) {
    const Envelope& e = m.envelope;
    kinds.insert(e.event_case());
    if (e.has_contact_exited()) exit_reasons.insert(e.contact_exited().reason());
    if (e.has_agent_state_changed()) {
      agent_states.insert(e.agent_state_changed().state());
      not_ready_reason |= e.agent_state_changed().state() == v1::AGENT_STATE_NOT_READY &&
                          !e.agent_state_changed().reason().empty();
    }
    if (e.has_contact_queued()) {
      callback_channel |= e.contact_queued().channel() == v1::CHANNEL_CALLBACK;
      transferred_from |= !e.contact_queued().transferred_from_queue().empty();
    }
    if (e.has_wrap_up_ended()) {
      resolution_stated |= e.wrap_up_ended().resolved() != v1::RESOLUTION_UNSPECIFIED;
    }
  }
  for (int kind = Envelope::kContactQueued; kind <= Envelope::kHeartbeat; ++kind) {
    EXPECT_TRUE(kinds.contains(kind)) << "event field " << kind << " never emitted";
  }
  EXPECT_EQ(exit_reasons, (std::set<int>{v1::EXIT_REASON_TIMEOUT, v1::EXIT_REASON_QUEUE_FULL,
                                         v1::EXIT_REASON_NO_AGENTS, v1::EXIT_REASON_KEY_PRESS}));
  for (int s = v1::AGENT_STATE_LOGGED_OUT; s <= v1::AGENT_STATE_NOT_READY; ++s) {
    EXPECT_TRUE(agent_states.contains(s)) << "agent state " << s << " never emitted";
  }
  EXPECT_TRUE(callback_channel);
  EXPECT_TRUE(transferred_from);
  EXPECT_TRUE(not_ready_reason);
  EXPECT_TRUE(resolution_stated);
}

TEST(Simulator, OutcomeCountsInTheStreamAgreeWithTheStats) {
  for (Profile profile : {ParseOrDie(kEverythingProfile), DemoProfile()}) {
    SimulatorStats stats;
    const auto messages = Simulate(profile, 5, 2 * kHour, &stats);
    OutcomeCounts total_from_stream;
    for (std::size_t q = 0; q < profile.queues.size(); ++q) {
      const OutcomeCounts n = CountStream(messages, profile.queues[q].name);
      ExpectSameCounts(n, stats.per_queue[q], profile.queues[q].name);
      total_from_stream.offered += n.offered;
      total_from_stream.answered += n.answered;
    }
    EXPECT_EQ(total_from_stream.offered, stats.total.offered);
    EXPECT_EQ(total_from_stream.answered, stats.total.answered);
    std::uint64_t heartbeats = 0;
    std::uint64_t agent_changes = 0;
    for (const auto& m : messages) {
      heartbeats += m.envelope.has_heartbeat();
      agent_changes += m.envelope.has_agent_state_changed();
    }
    EXPECT_EQ(heartbeats, stats.heartbeats);
    EXPECT_EQ(agent_changes, stats.agent_state_changes);
    EXPECT_EQ(messages.size(), stats.envelopes);
  }
}

TEST(Simulator, EveryOfferedContactHasOneOutcomeOrIsStillInQueue) {
  SimulatorStats stats;
  Simulate(ParseOrDie(kEverythingProfile), 9, 2 * kHour, &stats);
  EXPECT_EQ(stats.total.offered, stats.total.queue_outcomes() + stats.in_queue);
  EXPECT_GT(stats.total.answered, 0u);
  EXPECT_GT(stats.total.abandoned, 0u);
}

TEST(Simulator, TimestampsNeverGoBackwards) {
  const auto messages = Simulate(DemoProfile(), 4, 2 * kHour);
  for (std::size_t i = 1; i < messages.size(); ++i) {
    ASSERT_LE(messages[i - 1].envelope.time_unix_ms(), messages[i].envelope.time_unix_ms())
        << "message " << i;
  }
  EXPECT_EQ(messages.front().envelope.time_unix_ms(), kStart + 2 * kHour);
}

TEST(Simulator, HeartbeatsComeEverySimulatedSecond) {
  const auto messages = Simulate(DemoProfile(), 1, 10 * kMinute);
  std::vector<UnixMs> times;
  for (const auto& m : messages) {
    if (!m.envelope.has_heartbeat()) continue;
    times.push_back(m.envelope.time_unix_ms());
    EXPECT_EQ(m.envelope.heartbeat().acd_connection(), v1::ACD_CONNECTION_UP);
    EXPECT_EQ(m.envelope.heartbeat().interval_ms(), 1000u);
  }
  ASSERT_EQ(times.size(), 601u);  // At the start and at every second up to 10 min inclusive.
  for (std::size_t i = 0; i < times.size(); ++i) {
    EXPECT_EQ(times[i], kStart + 2 * kHour + static_cast<UnixMs>(i) * 1000);
  }
}

TEST(Simulator, HeartbeatsCarryTheLastSeqOfEveryTopic) {
  const auto messages = Simulate(DemoProfile(), 1, 5 * kMinute);
  std::map<std::string, std::uint64_t> last;
  for (const auto& m : messages) {
    if (m.envelope.has_heartbeat()) {
      std::map<std::string, std::uint64_t> reported;
      for (const auto& p : m.envelope.heartbeat().positions()) reported[p.topic()] = p.last_seq();
      ASSERT_EQ(reported, last);
    } else {
      ASSERT_EQ(m.envelope.seq(), last[m.topic] + 1) << m.topic;
      last[m.topic] = m.envelope.seq();
    }
  }
}

TEST(Simulator, NoRawCallerNumberLeavesTheSimulator) {
  const Profile profile = ParseOrDie(kEverythingProfile);  // 40 callers: each calls often.
  const auto messages = Simulate(profile, 1, kHour);
  std::string all;
  for (const auto& m : messages) all += m.topic + m.envelope.SerializeAsString();
  for (std::uint32_t i = 0; i < profile.caller_population; ++i) {
    const std::string number = Simulator::CallerNumber(i);
    ASSERT_EQ(number.size(), 12u);
    EXPECT_EQ(all.find(number.substr(1)), std::string::npos) << number;
    EXPECT_EQ(all.find(number.substr(5)), std::string::npos) << number;
  }
  std::set<std::string> keys;
  for (const auto& m : messages) {
    if (!m.envelope.has_contact_queued()) continue;
    const std::string& key = m.envelope.contact_queued().caller_key();
    if (key.empty()) continue;  // Anonymous.
    EXPECT_EQ(key.size(), 32u);
    EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos) << key;
    keys.insert(key);
  }
  EXPECT_GT(keys.size(), 1u);
  EXPECT_LE(keys.size(), profile.caller_population);
}

TEST(Simulator, CallbackIsQueuedLaterForTheSameCaller) {
  const auto messages = Simulate(ParseOrDie(kEverythingProfile), 2, 2 * kHour);
  std::map<std::string, std::string> key_of;  // contact id -> caller key
  std::map<std::string, int> callback_requests_by_key;
  int callbacks_queued = 0;
  for (const auto& m : messages) {
    const Envelope& e = m.envelope;
    if (e.has_contact_queued()) {
      const auto& q = e.contact_queued();
      if (q.channel() == v1::CHANNEL_CALLBACK && q.transferred_from_queue().empty()) {
        ++callbacks_queued;
        EXPECT_GT(callback_requests_by_key[q.caller_key()]--, 0)
            << "callback without a request from the same caller " << e.ShortDebugString();
      }
      if (!key_of.contains(q.contact_id())) key_of[q.contact_id()] = q.caller_key();
    }
    if (e.has_callback_requested())
      ++callback_requests_by_key[key_of[e.callback_requested().contact_id()]];
  }
  EXPECT_GT(callbacks_queued, 0);
}

TEST(Simulator, ThirtySimulatedMinutesOfTheDemoRunQuickly) {
  const auto wall_start = std::chrono::steady_clock::now();
  SimulatorStats stats;
  Simulate(DemoProfile(), 1, 30 * kMinute, &stats);
  const auto wall = std::chrono::steady_clock::now() - wall_start;
  EXPECT_GT(stats.total.offered, 50u);
  // Generous bound for a shared, sanitized build; the run takes well under a second normally.
  EXPECT_LT(wall, std::chrono::seconds(20));
}

// ---- Targeted behaviours ---------------------------------------------------------------------

std::vector<const Envelope*> Of(const std::vector<Message>& messages, Envelope::EventCase kind) {
  std::vector<const Envelope*> out;
  for (const auto& m : messages) {
    if (m.envelope.event_case() == kind) out.push_back(&m.envelope);
  }
  return out;
}

TEST(SimulatorBehaviour, QueueBeyondCapacityTurnsArrivalsAway) {
  SimulatorStats stats;
  const auto messages = Simulate(ParseOrDie(R"(
queues:
  - name: q
    arrivals_per_hour: 600
    capacity: 3
)"),
                                 1, 10 * kMinute, &stats);
  EXPECT_EQ(stats.in_queue, 3u);
  EXPECT_EQ(stats.total.exited_queue_full, stats.total.offered - 3);
  for (const Envelope* e : Of(messages, Envelope::kContactExited)) {
    EXPECT_EQ(e->contact_exited().reason(), v1::EXIT_REASON_QUEUE_FULL);
  }
}

TEST(SimulatorBehaviour, QueueWithoutLoggedInAgentsTurnsArrivalsAwayWhenConfigured) {
  SimulatorStats stats;
  Simulate(ParseOrDie(R"(
queues:
  - name: q
    arrivals_per_hour: 600
    exit_when_no_agents: true
agent_groups:
  - name: late
    queues: [q]
    shift: {start_hour: 20, end_hour: 22}
)"),
           1, 10 * kMinute, &stats);
  EXPECT_GT(stats.total.offered, 0u);
  EXPECT_EQ(stats.total.exited_no_agents, stats.total.offered);
}

TEST(SimulatorBehaviour, WaitReachingMaxWaitExitsWithTimeoutAtThatMoment) {
  const auto messages = Simulate(ParseOrDie(R"(
queues:
  - name: q
    arrivals_per_hour: 120
    max_wait_s: 30
)"),
                                 1, 10 * kMinute);
  std::map<std::string, UnixMs> queued_at;
  for (const Envelope* e : Of(messages, Envelope::kContactQueued)) {
    queued_at[e->contact_queued().contact_id()] = e->time_unix_ms();
  }
  const auto exits = Of(messages, Envelope::kContactExited);
  ASSERT_FALSE(exits.empty());
  for (const Envelope* e : exits) {
    EXPECT_EQ(e->contact_exited().reason(), v1::EXIT_REASON_TIMEOUT);
    EXPECT_EQ(e->time_unix_ms() - queued_at[e->contact_exited().contact_id()], 30'000);
  }
}

TEST(SimulatorBehaviour, OverflowMovesAWaitingContactToTheTargetQueueBeforeAnswer) {
  const auto messages = Simulate(ParseOrDie(R"(
queues:
  - name: first
    arrivals_per_hour: 60
    overflow: {after_s: 20, target: second}
  - name: second
    arrivals_per_hour: 0
agent_groups:
  - name: team
    queues: [second]
)"),
                                 1, 30 * kMinute);
  const auto transfers = Of(messages, Envelope::kContactTransferred);
  ASSERT_FALSE(transfers.empty());
  for (const Envelope* e : transfers) {
    EXPECT_EQ(e->contact_transferred().queue(), "first");
    EXPECT_EQ(e->contact_transferred().target_queue(), "second");
  }
  int requeued = 0;
  for (const Envelope* e : Of(messages, Envelope::kContactQueued)) {
    if (e->contact_queued().queue() != "second") continue;
    EXPECT_EQ(e->contact_queued().transferred_from_queue(), "first");
    ++requeued;
  }
  EXPECT_EQ(requeued, static_cast<int>(transfers.size()));
  EXPECT_TRUE(Of(messages, Envelope::kContactAnswered).size() > 0);
  for (const Envelope* e : Of(messages, Envelope::kContactAnswered)) {
    EXPECT_EQ(e->contact_answered().queue(), "second");
  }
}

TEST(SimulatorBehaviour, TransferAfterAnswerRequeuesTheSameContactOnce) {
  const auto messages = Simulate(ParseOrDie(R"(
queues:
  - name: first
    arrivals_per_hour: 30
    service_time: {mean_s: 30, sd_s: 10}
    transfer: {probability: 1, target: second}
  - name: second
    arrivals_per_hour: 0
    service_time: {mean_s: 30, sd_s: 10}
    transfer: {probability: 1, target: first}
agent_groups:
  - name: team
    count: 5
    queues: [first, second]
)"),
                                 1, 2 * kHour);
  std::map<std::string, int> transfers_of;
  for (const Envelope* e : Of(messages, Envelope::kContactTransferred)) {
    ++transfers_of[e->contact_transferred().contact_id()];
    EXPECT_EQ(e->contact_transferred().queue(), "first");
  }
  ASSERT_FALSE(transfers_of.empty());
  for (const auto& [id, n] : transfers_of) EXPECT_EQ(n, 1) << id;
  // Only the final leg is wrapped up with a contact event.
  for (const Envelope* e : Of(messages, Envelope::kWrapUpEnded)) {
    EXPECT_EQ(e->wrap_up_ended().queue(), "second");
  }
}

TEST(SimulatorBehaviour, UnansweredRingTimesOutAndPausesTheAgent) {
  const auto messages = Simulate(ParseOrDie(R"(
queues:
  - name: q
    arrivals_per_hour: 60
agent_groups:
  - name: sleepy
    queues: [q]
    ring: {timeout_s: 12, no_answer_probability: 1, rona_pause_s: 30}
)"),
                                 1, 30 * kMinute);
  const auto timeouts = Of(messages, Envelope::kContactRingTimeout);
  ASSERT_FALSE(timeouts.empty());
  EXPECT_TRUE(Of(messages, Envelope::kContactAnswered).empty());
  for (const Envelope* e : timeouts) EXPECT_EQ(e->contact_ring_timeout().ring_ms(), 12'000u);
  int rona_pauses = 0;
  for (const Envelope* e : Of(messages, Envelope::kAgentStateChanged)) {
    rona_pauses += e->agent_state_changed().state() == v1::AGENT_STATE_NOT_READY &&
                   e->agent_state_changed().reason() == "rona";
  }
  EXPECT_EQ(rona_pauses, static_cast<int>(timeouts.size()));
}

TEST(SimulatorBehaviour, AgentsLogInAndOutWithTheirShift) {
  const auto messages = Simulate(ParseOrDie(R"(
queues:
  - name: q
    arrivals_per_hour: 0
agent_groups:
  - name: morning
    count: 3
    queues: [q]
    shift: {start_hour: 9, end_hour: 10, login_spread_s: 300}
)"),
                                 1, 4 * kHour);  // 08:00 to 12:00.
  std::map<std::string, std::vector<std::pair<int, UnixMs>>> history;
  for (const Envelope* e : Of(messages, Envelope::kAgentStateChanged)) {
    history[e->agent_state_changed().agent_id()].emplace_back(e->agent_state_changed().state(),
                                                              e->time_unix_ms());
    EXPECT_EQ(e->agent_state_changed().queues_size(), 1);
  }
  ASSERT_EQ(history.size(), 3u);
  EXPECT_TRUE(history.contains("morning-01"));
  for (const auto& [agent, states] : history) {
    ASSERT_EQ(states.size(), 3u) << agent;
    EXPECT_EQ(states[0], std::make_pair(int{v1::AGENT_STATE_LOGGED_OUT}, kStart));
    EXPECT_EQ(states[1].first, v1::AGENT_STATE_AVAILABLE);
    EXPECT_GE(states[1].second, kStart + kHour);
    EXPECT_LT(states[1].second, kStart + kHour + 5 * kMinute);
    EXPECT_EQ(states[2].first, v1::AGENT_STATE_LOGGED_OUT);
    EXPECT_EQ(states[2].second - states[1].second, kHour);
  }
}

TEST(SimulatorBehaviour, RoutingOffersTheBestWaitingContactToTheLongestIdleAgent) {
  const auto messages = Simulate(ParseOrDie(R"(
callers: {population: 1000}
queues:
  - name: a
    arrivals_per_hour: 100
    service_time: {mean_s: 120, sd_s: 60}
    patience: {mean_s: 600}
    segments: [{name: vip, share: 0.3, priority: 5}]
  - name: b
    arrivals_per_hour: 60
    service_time: {mean_s: 120, sd_s: 60}
    patience: {mean_s: 600}
    segments: [{name: gold, share: 0.2, priority: 3}]
agent_groups:
  - name: both
    count: 3
    queues: [a, b]
    ring: {no_answer_probability: 0.1}
  - name: only-a
    count: 2
    queues: [a]
    not_ready: {per_hour: 1, mean_s: 120}
)"),
                                 1, 3 * kHour);
  struct Waiting {
    int priority;
    UnixMs since;
    std::string queue;
  };
  std::map<std::string, Waiting> waiting;
  struct AgentView {
    v1::AgentState state = v1::AGENT_STATE_LOGGED_OUT;
    UnixMs idle_since = 0;
    std::set<std::string> queues;
  };
  std::map<std::string, AgentView> agents;
  std::map<std::string, Waiting> ringing;  // Keeps the place of a contact that may ring out.
  int offers = 0;
  int preempted = 0;  // Offers where a lower-priority or later contact was skipped.
  for (const auto& m : messages) {
    const Envelope& e = m.envelope;
    switch (e.event_case()) {
      case Envelope::kContactQueued:
        waiting[e.contact_queued().contact_id()] = {e.contact_queued().priority(), e.time_unix_ms(),
                                                    e.contact_queued().queue()};
        break;
      case Envelope::kAgentStateChanged: {
        AgentView& a = agents[e.agent_state_changed().agent_id()];
        a.state = e.agent_state_changed().state();
        if (a.state == v1::AGENT_STATE_AVAILABLE) a.idle_since = e.time_unix_ms();
        a.queues = {e.agent_state_changed().queues().begin(),
                    e.agent_state_changed().queues().end()};
        break;
      }
      case Envelope::kContactRinging: {
        ++offers;
        const std::string& id = e.contact_ringing().contact_id();
        const AgentView& chosen = agents[e.contact_ringing().agent_id()];
        ASSERT_EQ(chosen.state, v1::AGENT_STATE_RESERVED);
        const Waiting offered = waiting.at(id);
        for (const auto& [other_id, w] : waiting) {
          if (other_id == id || !chosen.queues.contains(w.queue)) continue;
          const bool better = w.priority > offered.priority ||
                              (w.priority == offered.priority && w.since < offered.since);
          EXPECT_FALSE(better) << "contact " << other_id << " should have been offered before "
                               << id << " at " << e.time_unix_ms();
          preempted += w.priority < offered.priority;
        }
        for (const auto& [name, a] : agents) {
          if (a.state != v1::AGENT_STATE_AVAILABLE || !a.queues.contains(offered.queue)) continue;
          EXPECT_GE(a.idle_since, chosen.idle_since)
              << name << " was idle longer than " << e.contact_ringing().agent_id();
        }
        ringing[id] = offered;
        waiting.erase(id);
        break;
      }
      case Envelope::kContactRingTimeout:
        waiting[e.contact_ring_timeout().contact_id()] =
            ringing[e.contact_ring_timeout().contact_id()];
        break;
      case Envelope::kContactAbandoned:
        waiting.erase(e.contact_abandoned().contact_id());
        break;
      default:
        break;
    }
  }
  EXPECT_GT(offers, 100);
  EXPECT_GT(preempted, 0) << "the load never made priorities matter";
}

TEST(SimulatorBehaviour, SinkFailureStopsTheRunAndIsReturned) {
  class FailingSink : public EnvelopeSink {
   public:
    Status Publish(Envelope&) override {
      return ++calls_ > 5 ? Status::Unavailable("gone") : Status::Ok();
    }
    int calls_ = 0;
  };
  Simulator sim(DemoProfile(), 1);
  FailingSink sink;
  const Status s = sim.RunUntil(sim.start_time() + kHour, sink);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_LT(sim.now(), sim.start_time() + kHour);
}

}  // namespace
}  // namespace ccmon::simulate
