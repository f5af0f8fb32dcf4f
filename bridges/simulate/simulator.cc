#include "bridges/simulate/simulator.h"

#include <algorithm>
#include <cmath>
#include <compare>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>
#include <utility>

#include "bridges/simulate/random.h"
#include "common/caller_key.h"

namespace ccmon::simulate {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr UnixMs kNever = std::numeric_limits<UnixMs>::max();

std::int64_t Ms(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * 1000)); }

std::int64_t FloorMod(std::int64_t a, std::int64_t b) { return ((a % b) + b) % b; }

std::string Numbered(const std::string& base, int index, int count) {
  const std::size_t width = std::max<std::size_t>(2, std::to_string(count).size());
  std::string n = std::to_string(index + 1);
  if (n.size() < width) n.insert(0, width - n.size(), '0');
  return base + "-" + n;
}

enum class EventKind : std::uint8_t {
  kHeartbeat,
  kArrival,          // index = queue: the next Poisson arrival.
  kPendingArrival,   // ref = pending arrival id: a callback or a repeat call.
  kAbandon,          // ref = contact, token = stay.
  kTimeout,          // ref = contact, token = stay.
  kKeyPress,         // ref = contact, token = stay.
  kCallbackOffer,    // ref = contact, token = stay.
  kOverflow,         // ref = contact, token = stay.
  kRingEnd,          // ref = contact, token = ring number.
  kHoldStart,        // ref = contact, token = stay.
  kHoldEnd,          // ref = contact, token = stay.
  kConversationEnd,  // ref = contact, token = stay.
  kWrapUpEnd,        // index = agent, ref = contact, token = 1 if the contact ends here.
  kSurvey,           // ref = pending survey id.
  kShiftStart,       // index = agent, token = agent token.
  kShiftEnd,         // index = agent, token = agent token.
  kBreakRequest,     // index = agent, token = agent token.
  kBreakEnd,         // index = agent, token = agent token.
  kRonaPauseEnd,     // index = agent, token = agent token.
};

struct Event {
  UnixMs time;
  std::uint64_t order;  // Insertion order: ties in time run first-scheduled first.
  EventKind kind;
  std::uint32_t index;
  std::uint64_t ref;
  std::uint32_t token;
  bool operator>(const Event& o) const { return time != o.time ? time > o.time : order > o.order; }
};

// Routing order within a queue: higher priority first, then longer waiting, then arrival order.
struct WaitKey {
  int neg_priority = 0;
  UnixMs enqueued_at = 0;
  std::uint64_t contact = 0;
  auto operator<=>(const WaitKey&) const = default;
};

enum class Phase : std::uint8_t { kWaiting, kRinging, kConnected, kWrapUp };

struct Contact {
  std::string id;
  std::int64_t caller = -1;  // Index in the population; -1 = anonymous.
  std::string caller_key;
  std::uint32_t queue = 0;
  v1::Channel channel = v1::CHANNEL_VOICE;
  int priority = 0;
  std::string segment;
  WaitKey key;
  std::uint32_t stay = 0;  // Incremented at every queue entry; stale timers compare it.
  std::uint32_t ring = 0;  // Incremented at every offer.
  Phase phase = Phase::kWaiting;
  std::uint32_t agent = 0;  // Valid while ringing, connected or in wrap-up.
  UnixMs ring_started = 0;
  bool ring_unanswered = false;
  bool transferred_after_answer = false;  // At most one such transfer per contact.
  bool callback = false;
  bool resolved = true;  // The truth behind dispositions, surveys and repeat calls.
  UnixMs abandon_at = kNever;
};

struct PendingArrival {
  std::uint32_t queue = 0;
  std::int64_t caller = -1;
  bool callback = false;  // Keeps priority and segment; else they are drawn in the queue's mix.
  int priority = 0;
  std::string segment;
};

struct PendingSurvey {
  std::string contact_id;
  std::uint32_t queue = 0;
  std::uint32_t csat = 0;
  bool resolved = false;
};

struct Agent {
  std::string id;
  std::uint32_t group = 0;
  v1::AgentState state = v1::AGENT_STATE_LOGGED_OUT;
  UnixMs idle_since = 0;
  std::int64_t offset_ms = 0;  // Personal shift offset in [0, login_spread).
  std::uint32_t token = 0;     // Bumped at log-in and log-out; invalidates older agent events.
  bool logout_pending = false;
  bool break_pending = false;
};

struct QueueState {
  std::set<WaitKey> waiting;                             // Waiting and not being offered.
  std::uint32_t in_queue = 0;                            // Waiting or ringing.
  std::set<std::pair<UnixMs, std::uint32_t>> available;  // (idle since, agent): longest idle first.
  std::uint32_t logged_in = 0;          // Agents serving this queue who are logged in.
  std::vector<double> segment_weights;  // Segment shares, then the share without a segment.
  std::vector<double> disposition_weights;
};

}  // namespace

class Simulator::Engine {
 public:
  Engine(Profile profile, std::uint64_t seed)
      : profile_(std::move(profile)),
        rng_(seed),
        hasher_(CallerKeyHasher::FromKeyBytes(profile_.caller_key).value()) {
    const std::uint32_t queue_count = static_cast<std::uint32_t>(profile_.queues.size());
    queues_.resize(queue_count);
    stats_.per_queue.resize(queue_count);
    std::unordered_map<std::string, std::uint32_t> index;
    for (std::uint32_t q = 0; q < queue_count; ++q) {
      const QueueProfile& qp = profile_.queues[q];
      index[qp.name] = q;
      double shares = 0;
      for (const SegmentSpec& s : qp.segments) {
        queues_[q].segment_weights.push_back(s.share);
        shares += s.share;
      }
      queues_[q].segment_weights.push_back(std::max(0.0, 1 - shares));
      for (const auto& d : qp.dispositions) queues_[q].disposition_weights.push_back(d.second);
    }
    for (std::uint32_t q = 0; q < queue_count; ++q) {
      const QueueProfile& qp = profile_.queues[q];
      transfer_target_.push_back(qp.transfer_target.empty() ? q : index.at(qp.transfer_target));
      overflow_target_.push_back(qp.overflow_target.empty() ? q : index.at(qp.overflow_target));
    }
    for (std::uint32_t g = 0; g < profile_.agent_groups.size(); ++g) {
      const AgentGroupProfile& gp = profile_.agent_groups[g];
      std::vector<std::uint32_t> served;
      for (const std::string& name : gp.queues) {
        const std::uint32_t q = index.at(name);
        if (std::find(served.begin(), served.end(), q) == served.end()) served.push_back(q);
      }
      group_queues_.push_back(std::move(served));
      group_queue_names_.push_back(gp.queues);
      for (int i = 0; i < gp.count; ++i) {
        Agent a;
        a.id = Numbered(gp.name, i, gp.count);
        a.group = g;
        a.offset_ms = gp.login_spread_s > 0 ? Ms(rng_.Uniform(0, gp.login_spread_s)) : 0;
        agents_.push_back(std::move(a));
      }
    }
  }

  Status RunUntil(UnixMs sim_time, EnvelopeSink& sink) {
    sink_ = &sink;
    sink_status_ = Status::Ok();
    if (!started_) {
      started_ = true;
      now_ = profile_.start_ms;
      Start();
    }
    while (sink_status_.ok() && !events_.empty() && events_.top().time <= sim_time) {
      const Event e = events_.top();
      events_.pop();
      now_ = e.time;
      Handle(e);
    }
    if (sink_status_.ok() && sim_time > now_) now_ = sim_time;
    sink_ = nullptr;
    stats_.in_queue = 0;
    for (const QueueState& qs : queues_) stats_.in_queue += qs.in_queue;
    return sink_status_;
  }

  UnixMs start_time() const { return profile_.start_ms; }
  UnixMs now() const { return started_ ? now_ : profile_.start_ms; }
  const SimulatorStats& stats() const { return stats_; }
  const Profile& profile() const { return profile_; }

 private:
  // ---- Event queue ---------------------------------------------------------------------------

  void Schedule(UnixMs t, EventKind kind, std::uint32_t index, std::uint64_t ref = 0,
                std::uint32_t token = 0) {
    if (t == kNever) return;
    events_.push(Event{std::max(t, now_), next_order_++, kind, index, ref, token});
  }

  void Start() {
    for (std::uint32_t a = 0; a < agents_.size(); ++a) {
      const Agent& agent = agents_[a];
      const AgentGroupProfile& g = profile_.agent_groups[agent.group];
      if (AlwaysOnDuty(g) || OnShift(g, now_ - agent.offset_ms)) {
        LogIn(a);
      } else {
        // Announce the agent and its queues so the daemon knows who exists.
        EmitAgentState(a, v1::AGENT_STATE_LOGGED_OUT, "", "");
        Schedule(NextLocalTime(now_ - agent.offset_ms, g.shift_start_hour) + agent.offset_ms,
                 EventKind::kShiftStart, a, 0, agent.token);
      }
    }
    for (std::uint32_t q = 0; q < queues_.size(); ++q) {
      Schedule(NextArrival(q, now_), EventKind::kArrival, q);
    }
    Schedule(now_, EventKind::kHeartbeat, 0);
  }

  void Handle(const Event& e) {
    switch (e.kind) {
      case EventKind::kHeartbeat:
        EmitHeartbeat();
        Schedule(now_ + kHeartbeatIntervalMs, EventKind::kHeartbeat, 0);
        return;
      case EventKind::kArrival:
        Schedule(NextArrival(e.index, now_), EventKind::kArrival, e.index);
        OnFreshArrival(e.index);
        return;
      case EventKind::kPendingArrival:
        OnPendingArrival(e.ref);
        return;
      case EventKind::kAbandon:
      case EventKind::kTimeout:
      case EventKind::kKeyPress:
      case EventKind::kCallbackOffer:
      case EventKind::kOverflow:
        OnQueueTimer(e);
        return;
      case EventKind::kRingEnd:
        OnRingEnd(e.ref, e.token);
        return;
      case EventKind::kHoldStart:
      case EventKind::kHoldEnd:
      case EventKind::kConversationEnd:
        OnConversationTimer(e);
        return;
      case EventKind::kWrapUpEnd:
        OnWrapUpEnd(e.index, e.ref, e.token == 1);
        return;
      case EventKind::kSurvey:
        OnSurvey(e.ref);
        return;
      case EventKind::kShiftStart:
      case EventKind::kShiftEnd:
      case EventKind::kBreakRequest:
      case EventKind::kBreakEnd:
      case EventKind::kRonaPauseEnd:
        if (agents_[e.index].token == e.token) OnAgentTimer(e.kind, e.index);
        return;
    }
  }

  // ---- Time of day ---------------------------------------------------------------------------

  std::int64_t OffsetMs() const {
    return static_cast<std::int64_t>(std::llround(profile_.utc_offset_hours * kHourMs));
  }

  // Local time of day in ms.
  std::int64_t TimeOfDay(UnixMs t) const { return FloorMod(t + OffsetMs(), kDayMs); }

  // The first time after t whose local time of day is `hour`.
  UnixMs NextLocalTime(UnixMs t, double hour) const {
    const std::int64_t target = static_cast<std::int64_t>(std::llround(hour * kHourMs)) % kDayMs;
    std::int64_t delta = target - TimeOfDay(t);
    if (delta <= 0) delta += kDayMs;
    return t + delta;
  }

  static bool AlwaysOnDuty(const AgentGroupProfile& g) {
    return g.shift_start_hour == g.shift_end_hour;
  }

  bool OnShift(const AgentGroupProfile& g, UnixMs t) const {
    const double hour = static_cast<double>(TimeOfDay(t)) / kHourMs;
    if (g.shift_start_hour < g.shift_end_hour) {
      return hour >= g.shift_start_hour && hour < g.shift_end_hour;
    }
    return hour >= g.shift_start_hour || hour < g.shift_end_hour;
  }

  // Next arrival of a non-homogeneous Poisson process with hourly constant rates: a unit
  // exponential is spent against the integrated rate, hour segment by hour segment.
  UnixMs NextArrival(std::uint32_t q, UnixMs from) {
    const auto& rates = profile_.queues[q].arrivals_per_hour;
    double per_day = 0;
    for (double r : rates) per_day += r;
    if (per_day <= 0) return kNever;
    double need = rng_.Exponential(1.0);
    UnixMs t = from;
    while (true) {
      const std::int64_t tod = TimeOfDay(t);
      const std::int64_t hour = tod / kHourMs;
      const UnixMs segment_end = t + (kHourMs - tod % kHourMs);
      const double per_ms = rates[static_cast<std::size_t>(hour)] / kHourMs;
      const double available = per_ms * static_cast<double>(segment_end - t);
      if (per_ms > 0 && available >= need) {
        return t +
               std::max<std::int64_t>(0, static_cast<std::int64_t>(std::llround(need / per_ms)));
      }
      need -= available;
      t = segment_end;
    }
  }

  // ---- Emission ------------------------------------------------------------------------------

  v1::Envelope& Begin() {
    env_.Clear();
    env_.set_time_unix_ms(now_);
    return env_;
  }

  void Send() {
    ++stats_.envelopes;
    Status s = sink_->Publish(env_);
    if (!s.ok() && sink_status_.ok()) sink_status_ = std::move(s);
  }

  void Count(std::uint32_t q, std::uint64_t OutcomeCounts::*field) {
    ++(stats_.per_queue[q].*field);
    ++(stats_.total.*field);
  }

  const std::string& QueueName(std::uint32_t q) const { return profile_.queues[q].name; }

  void EmitHeartbeat() {
    auto* hb = Begin().mutable_heartbeat();
    hb->set_acd_connection(v1::ACD_CONNECTION_UP);
    hb->set_interval_ms(static_cast<std::uint32_t>(kHeartbeatIntervalMs));
    ++stats_.heartbeats;
    Send();
  }

  void EmitAgentState(std::uint32_t a, v1::AgentState state, const std::string& reason,
                      const std::string& contact_id) {
    Agent& agent = agents_[a];
    agent.state = state;
    auto* e = Begin().mutable_agent_state_changed();
    e->set_agent_id(agent.id);
    e->set_state(state);
    e->set_reason(reason);
    for (const std::string& q : group_queue_names_[agent.group]) e->add_queues(q);
    e->set_contact_id(contact_id);
    ++stats_.agent_state_changes;
    Send();
  }

  // ---- Arrivals and queueing -----------------------------------------------------------------

  void OnFreshArrival(std::uint32_t q) {
    PendingArrival a;
    a.queue = q;
    a.caller = rng_.Bernoulli(profile_.anonymous_share)
                   ? -1
                   : static_cast<std::int64_t>(rng_.UniformIndex(profile_.caller_population));
    NewContact(a, /*repeat=*/false);
  }

  void OnPendingArrival(std::uint64_t id) {
    auto it = pending_arrivals_.find(id);
    if (it == pending_arrivals_.end()) return;
    const PendingArrival a = std::move(it->second);
    pending_arrivals_.erase(it);
    NewContact(a, /*repeat=*/!a.callback);
  }

  void NewContact(const PendingArrival& a, bool repeat) {
    const std::uint64_t number = ++contact_count_;
    Contact c;
    c.id = "c" + std::to_string(number);
    c.caller = a.caller;
    if (a.caller >= 0)
      c.caller_key = hasher_.Hash(CallerNumber(static_cast<std::uint32_t>(a.caller)));
    c.callback = a.callback;
    c.channel = a.callback ? v1::CHANNEL_CALLBACK : profile_.queues[a.queue].channel;
    if (a.callback) {
      c.priority = a.priority;
      c.segment = a.segment;
    } else {
      const QueueProfile& qp = profile_.queues[a.queue];
      const std::size_t s = rng_.Weighted(queues_[a.queue].segment_weights);
      if (s < qp.segments.size()) {
        c.priority = qp.segments[s].priority;
        c.segment = qp.segments[s].name;
      }
    }
    contacts_.emplace(number, std::move(c));
    if (repeat) Count(a.queue, &OutcomeCounts::repeat_contacts);
    Enqueue(number, a.queue, "", /*keep_patience=*/false);
  }

  // Puts a contact into queue q (fresh, transferred or overflowed), or turns it away.
  void Enqueue(std::uint64_t number, std::uint32_t q, const std::string& from_queue,
               bool keep_patience) {
    Contact& c = contacts_.at(number);
    QueueState& qs = queues_[q];
    const QueueProfile& qp = profile_.queues[q];
    c.queue = q;
    ++c.stay;
    c.phase = Phase::kWaiting;
    c.key = WaitKey{-c.priority, now_, number};

    auto* e = Begin().mutable_contact_queued();
    e->set_contact_id(c.id);
    e->set_queue(qp.name);
    e->set_channel(c.channel);
    e->set_caller_key(c.caller_key);
    e->set_priority(c.priority);
    e->set_segment(c.segment);
    e->set_position(static_cast<std::uint32_t>(
        std::distance(qs.waiting.begin(), qs.waiting.lower_bound(c.key)) + 1));
    e->set_transferred_from_queue(from_queue);
    Count(q, &OutcomeCounts::offered);
    if (!from_queue.empty()) Count(q, &OutcomeCounts::transferred_in);
    if (c.callback) Count(q, &OutcomeCounts::callbacks_queued);
    Send();

    if (qp.capacity && qs.in_queue >= static_cast<std::uint32_t>(*qp.capacity)) {
      ExitNow(number, v1::EXIT_REASON_QUEUE_FULL, &OutcomeCounts::exited_queue_full);
      return;
    }
    if (qp.exit_when_no_agents && qs.logged_in == 0) {
      ExitNow(number, v1::EXIT_REASON_NO_AGENTS, &OutcomeCounts::exited_no_agents);
      return;
    }
    ++qs.in_queue;
    qs.waiting.insert(c.key);

    // A scheduled callback is called by the platform: it does not hang up, time out or choose.
    if (!c.callback) {
      if (!keep_patience) {
        c.abandon_at =
            qp.patience_mean_s ? now_ + Ms(rng_.Exponential(*qp.patience_mean_s)) : kNever;
      }
      Schedule(c.abandon_at, EventKind::kAbandon, 0, number, c.stay);
      if (qp.max_wait_s)
        Schedule(now_ + Ms(*qp.max_wait_s), EventKind::kTimeout, 0, number, c.stay);
      if (rng_.Bernoulli(qp.key_press_probability)) {
        Schedule(now_ + Ms(rng_.Exponential(qp.key_press_mean_s)), EventKind::kKeyPress, 0, number,
                 c.stay);
      }
      if (c.channel == v1::CHANNEL_VOICE && qp.callback_accept_probability > 0) {
        Schedule(now_ + Ms(qp.callback_offer_after_s), EventKind::kCallbackOffer, 0, number,
                 c.stay);
      }
      if (qp.overflow_after_s) {
        Schedule(now_ + Ms(*qp.overflow_after_s), EventKind::kOverflow, 0, number, c.stay);
      }
    }
    DispatchQueue(q);
  }

  // A contact that was queued a moment ago is turned away before waiting.
  void ExitNow(std::uint64_t number, v1::ExitReason reason, std::uint64_t OutcomeCounts::*counter) {
    const Contact& c = contacts_.at(number);
    auto* e = Begin().mutable_contact_exited();
    e->set_contact_id(c.id);
    e->set_queue(QueueName(c.queue));
    e->set_reason(reason);
    Count(c.queue, counter);
    Send();
    contacts_.erase(number);
  }

  // Takes a waiting or ringing contact out of its queue. Returns the agent whose offer was
  // cancelled, if any (to be freed after the contact's outcome is published).
  std::optional<std::uint32_t> LeaveQueue(Contact& c) {
    QueueState& qs = queues_[c.queue];
    --qs.in_queue;
    if (c.phase == Phase::kWaiting) {
      qs.waiting.erase(c.key);
      return std::nullopt;
    }
    return c.agent;  // Ringing: the offer is withdrawn.
  }

  void OnQueueTimer(const Event& ev) {
    auto it = contacts_.find(ev.ref);
    if (it == contacts_.end()) return;
    Contact& c = it->second;
    if (c.stay != ev.token || (c.phase != Phase::kWaiting && c.phase != Phase::kRinging)) return;
    const std::uint32_t q = c.queue;
    const QueueProfile& qp = profile_.queues[q];
    // A caller being offered to an agent hears ringing: no menu, so no key press, callback
    // offer or overflow then. Hanging up and the queue's time limit still apply.
    const bool ringing = c.phase == Phase::kRinging;

    switch (ev.kind) {
      case EventKind::kAbandon: {
        auto* e = Begin().mutable_contact_abandoned();
        e->set_contact_id(c.id);
        e->set_queue(qp.name);
        e->set_position(
            ringing ? 1
                    : static_cast<std::uint32_t>(std::distance(queues_[q].waiting.begin(),
                                                               queues_[q].waiting.find(c.key)) +
                                                 1));
        Count(q, &OutcomeCounts::abandoned);
        break;
      }
      case EventKind::kTimeout: {
        auto* e = Begin().mutable_contact_exited();
        e->set_contact_id(c.id);
        e->set_queue(qp.name);
        e->set_reason(v1::EXIT_REASON_TIMEOUT);
        Count(q, &OutcomeCounts::exited_timeout);
        break;
      }
      case EventKind::kKeyPress: {
        if (ringing) return;
        auto* e = Begin().mutable_contact_exited();
        e->set_contact_id(c.id);
        e->set_queue(qp.name);
        e->set_reason(v1::EXIT_REASON_KEY_PRESS);
        Count(q, &OutcomeCounts::exited_key_press);
        break;
      }
      case EventKind::kCallbackOffer: {
        if (ringing || !rng_.Bernoulli(qp.callback_accept_probability)) return;
        auto* e = Begin().mutable_callback_requested();
        e->set_contact_id(c.id);
        e->set_queue(qp.name);
        Count(q, &OutcomeCounts::callbacks_requested);
        PendingArrival callback;
        callback.queue = q;
        callback.caller = c.caller;
        callback.callback = true;
        callback.priority = c.priority;
        callback.segment = c.segment;
        const std::uint64_t id = ++pending_count_;
        pending_arrivals_.emplace(id, std::move(callback));
        Schedule(
            now_ + std::max<std::int64_t>(10'000, Ms(rng_.Exponential(qp.callback_mean_delay_s))),
            EventKind::kPendingArrival, 0, id);
        break;
      }
      case EventKind::kOverflow: {
        if (ringing) return;
        const std::uint32_t target = overflow_target_[q];
        auto* e = Begin().mutable_contact_transferred();
        e->set_contact_id(c.id);
        e->set_queue(qp.name);
        e->set_target_queue(QueueName(target));
        e->set_blind(true);
        Count(q, &OutcomeCounts::transferred_before_answer);
        Send();
        LeaveQueue(c);
        Enqueue(ev.ref, target, qp.name, /*keep_patience=*/true);
        return;
      }
      default:
        return;
    }
    Send();
    const std::optional<std::uint32_t> offered_to = LeaveQueue(c);
    contacts_.erase(it);
    if (offered_to) AgentFree(*offered_to);
  }

  // ---- Routing -------------------------------------------------------------------------------

  void AddAvailable(std::uint32_t a) {
    for (std::uint32_t q : group_queues_[agents_[a].group]) {
      queues_[q].available.emplace(agents_[a].idle_since, a);
    }
  }

  void RemoveAvailable(std::uint32_t a) {
    for (std::uint32_t q : group_queues_[agents_[a].group]) {
      queues_[q].available.erase({agents_[a].idle_since, a});
    }
  }

  // After a contact starts waiting in q: offer waiting contacts to the longest-idle agents.
  void DispatchQueue(std::uint32_t q) {
    QueueState& qs = queues_[q];
    while (!qs.waiting.empty() && !qs.available.empty()) {
      const std::uint32_t a = qs.available.begin()->second;
      RemoveAvailable(a);
      TakeWork(a);
    }
  }

  // An available agent (not in the available sets) takes the longest-waiting contact of the
  // highest priority among the queues it serves. Returns false if none is waiting.
  bool TakeWork(std::uint32_t a) {
    const WaitKey* best = nullptr;
    for (std::uint32_t q : group_queues_[agents_[a].group]) {
      const auto& waiting = queues_[q].waiting;
      if (!waiting.empty() && (best == nullptr || *waiting.begin() < *best)) {
        best = &*waiting.begin();
      }
    }
    if (best == nullptr) return false;
    Offer(best->contact, a);
    return true;
  }

  void Offer(std::uint64_t number, std::uint32_t a) {
    Contact& c = contacts_.at(number);
    queues_[c.queue].waiting.erase(c.key);
    c.phase = Phase::kRinging;
    c.agent = a;
    ++c.ring;
    c.ring_started = now_;
    EmitAgentState(a, v1::AGENT_STATE_RESERVED, "", c.id);
    auto* e = Begin().mutable_contact_ringing();
    e->set_contact_id(c.id);
    e->set_queue(QueueName(c.queue));
    e->set_agent_id(agents_[a].id);
    Count(c.queue, &OutcomeCounts::rings);
    Send();

    const AgentGroupProfile& g = profile_.agent_groups[agents_[a].group];
    c.ring_unanswered = rng_.Bernoulli(g.no_answer_probability);
    const std::int64_t ring_ms =
        c.ring_unanswered ? Ms(g.ring_timeout_s) : Ms(g.ring_mean_s * rng_.Uniform(0.5, 1.5));
    Schedule(now_ + ring_ms, EventKind::kRingEnd, 0, number, c.ring);
  }

  void OnRingEnd(std::uint64_t number, std::uint32_t ring) {
    auto it = contacts_.find(number);
    if (it == contacts_.end()) return;
    Contact& c = it->second;
    if (c.phase != Phase::kRinging || c.ring != ring) return;
    const std::uint32_t a = c.agent;
    Agent& agent = agents_[a];
    const QueueProfile& qp = profile_.queues[c.queue];

    if (c.ring_unanswered) {
      auto* e = Begin().mutable_contact_ring_timeout();
      e->set_contact_id(c.id);
      e->set_queue(qp.name);
      e->set_agent_id(agent.id);
      e->set_ring_ms(static_cast<std::uint32_t>(now_ - c.ring_started));
      Count(c.queue, &OutcomeCounts::ring_timeouts);
      Send();
      // Like Asterisk's autopause: an agent who lets a call ring out is paused for a while.
      EmitAgentState(a, v1::AGENT_STATE_NOT_READY, "rona", "");
      Schedule(now_ + Ms(profile_.agent_groups[agent.group].rona_pause_s), EventKind::kRonaPauseEnd,
               a, 0, agent.token);
      c.phase = Phase::kWaiting;
      queues_[c.queue].waiting.insert(c.key);  // Keeps its place: same key as before.
      DispatchQueue(c.queue);
      return;
    }

    auto* e = Begin().mutable_contact_answered();
    e->set_contact_id(c.id);
    e->set_queue(qp.name);
    e->set_agent_id(agent.id);
    Count(c.queue, &OutcomeCounts::answered);
    Send();
    --queues_[c.queue].in_queue;
    ++stats_.in_service;
    c.phase = Phase::kConnected;
    EmitAgentState(a, v1::AGENT_STATE_ON_CONTACT, "", c.id);

    c.resolved = rng_.Bernoulli(qp.resolved_probability);
    const std::int64_t talk_ms = std::max<std::int64_t>(
        1000, Ms(rng_.LognormalByMoments(qp.service_time.mean_s, qp.service_time.sd_s)));
    std::int64_t hold_ms = 0;
    if (rng_.Bernoulli(qp.hold_probability)) {
      hold_ms = std::max<std::int64_t>(1000, Ms(rng_.Exponential(qp.hold_mean_s)));
      const UnixMs hold_at = now_ + static_cast<std::int64_t>(std::llround(
                                        static_cast<double>(talk_ms) * rng_.Uniform(0.2, 0.7)));
      Schedule(hold_at, EventKind::kHoldStart, 0, number, c.stay);
      Schedule(hold_at + hold_ms, EventKind::kHoldEnd, 0, number, c.stay);
    }
    Schedule(now_ + talk_ms + hold_ms, EventKind::kConversationEnd, 0, number, c.stay);
  }

  // ---- Conversation and wrap-up --------------------------------------------------------------

  void OnConversationTimer(const Event& ev) {
    auto it = contacts_.find(ev.ref);
    if (it == contacts_.end()) return;
    Contact& c = it->second;
    if (c.stay != ev.token || c.phase != Phase::kConnected) return;
    const std::uint32_t q = c.queue;
    const QueueProfile& qp = profile_.queues[q];

    if (ev.kind == EventKind::kHoldStart) {
      auto* e = Begin().mutable_contact_held();
      e->set_contact_id(c.id);
      e->set_queue(qp.name);
      Count(q, &OutcomeCounts::holds);
      Send();
      return;
    }
    if (ev.kind == EventKind::kHoldEnd) {
      auto* e = Begin().mutable_contact_resumed();
      e->set_contact_id(c.id);
      e->set_queue(qp.name);
      Count(q, &OutcomeCounts::resumes);
      Send();
      return;
    }

    const std::uint32_t a = c.agent;
    const std::int64_t acw_ms =
        qp.after_contact_work.mean_s > 0
            ? Ms(rng_.LognormalByMoments(qp.after_contact_work.mean_s, qp.after_contact_work.sd_s))
            : 0;
    if (!c.transferred_after_answer && rng_.Bernoulli(qp.transfer_probability)) {
      // Blind transfer: this leg ends; the transferring agent wraps up (agent events only, as
      // WrapUpEnded closes the contact's final leg) while the contact queues in the target.
      const std::uint32_t target = transfer_target_[q];
      auto* e = Begin().mutable_contact_transferred();
      e->set_contact_id(c.id);
      e->set_queue(qp.name);
      e->set_target_queue(QueueName(target));
      e->set_blind(true);
      Count(q, &OutcomeCounts::transferred_after_answer);
      Send();
      --stats_.in_service;
      c.transferred_after_answer = true;
      EmitAgentState(a, v1::AGENT_STATE_AFTER_CONTACT_WORK, "", c.id);
      Schedule(now_ + acw_ms, EventKind::kWrapUpEnd, a, ev.ref, 0);
      Enqueue(ev.ref, target, qp.name, /*keep_patience=*/false);
      return;
    }

    auto* e = Begin().mutable_contact_ended();
    e->set_contact_id(c.id);
    e->set_queue(qp.name);
    e->set_ended_by(rng_.Bernoulli(qp.ended_by_agent_share) ? v1::ENDED_BY_AGENT
                                                            : v1::ENDED_BY_CALLER);
    Count(q, &OutcomeCounts::ended);
    Send();
    c.phase = Phase::kWrapUp;
    EmitAgentState(a, v1::AGENT_STATE_AFTER_CONTACT_WORK, "", c.id);
    Schedule(now_ + acw_ms, EventKind::kWrapUpEnd, a, ev.ref, 1);

    if (rng_.Bernoulli(qp.survey_probability)) {
      PendingSurvey survey;
      survey.contact_id = c.id;
      survey.queue = q;
      survey.resolved = c.resolved;
      survey.csat = static_cast<std::uint32_t>(
          rng_.Weighted(c.resolved ? qp.csat_resolved : qp.csat_unresolved) + 1);
      const std::uint64_t id = ++pending_count_;
      pending_surveys_.emplace(id, std::move(survey));
      Schedule(now_ + Ms(rng_.Uniform(30, 180)), EventKind::kSurvey, 0, id);
    }
  }

  void OnWrapUpEnd(std::uint32_t a, std::uint64_t number, bool closes_contact) {
    if (closes_contact) {
      auto it = contacts_.find(number);
      if (it != contacts_.end()) {
        const Contact& c = it->second;
        const QueueProfile& qp = profile_.queues[c.queue];
        auto* e = Begin().mutable_wrap_up_ended();
        e->set_contact_id(c.id);
        e->set_queue(qp.name);
        e->set_agent_id(agents_[a].id);
        e->set_disposition(
            qp.dispositions.empty()
                ? std::string("done")
                : qp.dispositions[rng_.Weighted(queues_[c.queue].disposition_weights)].first);
        if (rng_.Bernoulli(qp.resolution_stated_share)) {
          e->set_resolved(c.resolved ? v1::RESOLUTION_RESOLVED : v1::RESOLUTION_NOT_RESOLVED);
        }
        Count(c.queue, &OutcomeCounts::wrap_ups);
        Send();
        --stats_.in_service;
        MaybeCallAgain(c);
        contacts_.erase(it);
      }
    }
    AgentFree(a);
  }

  void MaybeCallAgain(const Contact& c) {
    const RepeatCallersSpec& rep = profile_.repeat_callers;
    if (c.caller < 0) return;
    if (!rng_.Bernoulli(c.resolved ? rep.probability : rep.probability_if_unresolved)) return;
    PendingArrival again;
    again.caller = c.caller;
    again.queue = c.queue;
    const auto n = static_cast<std::uint32_t>(queues_.size());
    if (n > 1 && !rng_.Bernoulli(rep.same_queue_share)) {
      // Another queue, uniformly among the others.
      const auto other = static_cast<std::uint32_t>(rng_.UniformIndex(n - 1));
      again.queue = other >= c.queue ? other + 1 : other;
    }
    const std::uint64_t id = ++pending_count_;
    pending_arrivals_.emplace(id, std::move(again));
    Schedule(
        now_ + std::max<std::int64_t>(60'000, Ms(rng_.Exponential(rep.mean_delay_hours * 3600))),
        EventKind::kPendingArrival, 0, id);
  }

  void OnSurvey(std::uint64_t id) {
    auto it = pending_surveys_.find(id);
    if (it == pending_surveys_.end()) return;
    const PendingSurvey& s = it->second;
    auto* e = Begin().mutable_survey_completed();
    e->set_contact_id(s.contact_id);
    e->set_queue(QueueName(s.queue));
    e->set_csat(s.csat);
    e->set_resolved(s.resolved ? v1::RESOLUTION_RESOLVED : v1::RESOLUTION_NOT_RESOLVED);
    Count(s.queue, &OutcomeCounts::surveys);
    Send();
    pending_surveys_.erase(it);
  }

  // ---- Agents --------------------------------------------------------------------------------

  void LogIn(std::uint32_t a) {
    Agent& agent = agents_[a];
    const AgentGroupProfile& g = profile_.agent_groups[agent.group];
    ++agent.token;
    agent.logout_pending = false;
    agent.break_pending = false;
    for (std::uint32_t q : group_queues_[agent.group]) ++queues_[q].logged_in;
    if (!AlwaysOnDuty(g)) {
      Schedule(NextLocalTime(now_ - agent.offset_ms, g.shift_end_hour) + agent.offset_ms,
               EventKind::kShiftEnd, a, 0, agent.token);
    }
    ScheduleBreakRequest(a);
    MakeAvailable(a);
  }

  void LogOut(std::uint32_t a) {
    Agent& agent = agents_[a];
    const AgentGroupProfile& g = profile_.agent_groups[agent.group];
    if (agent.state == v1::AGENT_STATE_AVAILABLE) RemoveAvailable(a);
    ++agent.token;
    agent.logout_pending = false;
    agent.break_pending = false;
    for (std::uint32_t q : group_queues_[agent.group]) --queues_[q].logged_in;
    EmitAgentState(a, v1::AGENT_STATE_LOGGED_OUT, "", "");
    Schedule(NextLocalTime(now_ - agent.offset_ms, g.shift_start_hour) + agent.offset_ms,
             EventKind::kShiftStart, a, 0, agent.token);
  }

  void ScheduleBreakRequest(std::uint32_t a) {
    const AgentGroupProfile& g = profile_.agent_groups[agents_[a].group];
    if (g.not_ready_per_hour <= 0) return;
    Schedule(now_ + Ms(rng_.Exponential(3600.0 / g.not_ready_per_hour)), EventKind::kBreakRequest,
             a, 0, agents_[a].token);
  }

  void StartBreak(std::uint32_t a) {
    Agent& agent = agents_[a];
    const AgentGroupProfile& g = profile_.agent_groups[agent.group];
    agent.break_pending = false;
    const std::string& reason = g.not_ready_reasons[rng_.UniformIndex(g.not_ready_reasons.size())];
    EmitAgentState(a, v1::AGENT_STATE_NOT_READY, reason, "");
    Schedule(now_ + std::max<std::int64_t>(1000, Ms(rng_.Exponential(g.not_ready_mean_s))),
             EventKind::kBreakEnd, a, 0, agent.token);
  }

  void MakeAvailable(std::uint32_t a) {
    agents_[a].idle_since = now_;
    EmitAgentState(a, v1::AGENT_STATE_AVAILABLE, "", "");
    if (!TakeWork(a)) AddAvailable(a);
  }

  // The agent's work, pause or offer is over: log out or pause if that was requested meanwhile,
  // otherwise become available.
  void AgentFree(std::uint32_t a) {
    Agent& agent = agents_[a];
    if (agent.logout_pending) {
      LogOut(a);
    } else if (agent.break_pending) {
      StartBreak(a);
    } else {
      MakeAvailable(a);
    }
  }

  void OnAgentTimer(EventKind kind, std::uint32_t a) {
    Agent& agent = agents_[a];
    switch (kind) {
      case EventKind::kShiftStart:
        if (agent.state == v1::AGENT_STATE_LOGGED_OUT) LogIn(a);
        return;
      case EventKind::kShiftEnd:
        if (agent.state == v1::AGENT_STATE_AVAILABLE || agent.state == v1::AGENT_STATE_NOT_READY) {
          LogOut(a);
        } else {
          agent.logout_pending = true;  // Finishes the contact in hand first.
        }
        return;
      case EventKind::kBreakRequest:
        if (agent.state == v1::AGENT_STATE_AVAILABLE) {
          RemoveAvailable(a);
          StartBreak(a);
        } else {
          agent.break_pending = true;  // Taken when the current work or pause ends.
        }
        return;
      case EventKind::kBreakEnd:
        if (agent.state != v1::AGENT_STATE_NOT_READY) return;
        ScheduleBreakRequest(a);
        AgentFree(a);
        return;
      case EventKind::kRonaPauseEnd:
        if (agent.state != v1::AGENT_STATE_NOT_READY) return;
        AgentFree(a);
        return;
      default:
        return;
    }
  }

  Profile profile_;
  Random rng_;
  CallerKeyHasher hasher_;
  std::vector<QueueState> queues_;
  std::vector<std::uint32_t> transfer_target_;
  std::vector<std::uint32_t> overflow_target_;
  std::vector<std::vector<std::uint32_t>> group_queues_;
  std::vector<std::vector<std::string>> group_queue_names_;
  std::vector<Agent> agents_;
  // Looked up by number only; never iterated, so hash order cannot leak into the output.
  std::unordered_map<std::uint64_t, Contact> contacts_;
  std::unordered_map<std::uint64_t, PendingArrival> pending_arrivals_;
  std::unordered_map<std::uint64_t, PendingSurvey> pending_surveys_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t next_order_ = 0;
  std::uint64_t contact_count_ = 0;
  std::uint64_t pending_count_ = 0;
  bool started_ = false;
  UnixMs now_ = 0;
  SimulatorStats stats_;
  EnvelopeSink* sink_ = nullptr;
  Status sink_status_;
  v1::Envelope env_;
};

namespace {

Profile CheckedProfile(Profile profile) {
  if (Status s = ValidateProfile(profile); !s.ok()) {
    std::fprintf(stderr, "Simulator: invalid profile (callers must validate first): %s\n",
                 s.message().c_str());
    std::abort();
  }
  return profile;
}

}  // namespace

Simulator::Simulator(Profile profile, std::uint64_t seed)
    : engine_(std::make_unique<Engine>(CheckedProfile(std::move(profile)), seed)) {}

Simulator::~Simulator() = default;

Status Simulator::RunUntil(UnixMs sim_time, EnvelopeSink& sink) {
  return engine_->RunUntil(sim_time, sink);
}

UnixMs Simulator::start_time() const { return engine_->start_time(); }
UnixMs Simulator::now() const { return engine_->now(); }
const SimulatorStats& Simulator::stats() const { return engine_->stats(); }
const Profile& Simulator::profile() const { return engine_->profile(); }

std::string Simulator::CallerNumber(std::uint32_t index) {
  std::string digits = std::to_string(index % 10'000'000);
  digits.insert(0, 7 - digits.size(), '0');
  return "+1555" + digits;
}

}  // namespace ccmon::simulate
