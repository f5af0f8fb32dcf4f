#include "daemon/ingest/resequencer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <limits>

namespace ccmon::ingest {

namespace {

constexpr int kLossLinesPerMinute = 20;

}  // namespace

struct Resequencer::Source {
  std::string name;
  std::uint32_t subscription = 0;
  std::uint64_t anchored_epoch = 0;  // Latest epoch whose heartbeat positions are known.
  std::deque<Held> queue;            // Held back, in arrival order; gaps mark their place.
  std::uint64_t held = 0;            // Events in `queue` and in its gaps' `got`.
};

struct Resequencer::Stream {
  Source* source = nullptr;
  std::string topic;
  std::uint64_t epoch = 0;
  std::uint64_t high = 0;     // Highest seq received, or announced by a heartbeat.
  std::uint64_t applied = 0;  // Every seq ≤ applied was applied or counted missing.
  std::vector<Gap*> gaps;     // Unresolved gaps of this epoch, oldest first.
};

struct Resequencer::Gap {
  Source* source = nullptr;
  Stream* stream = nullptr;
  std::uint64_t epoch = 0;
  std::string topic;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::uint64_t next_apply = 0;  // Seqs below were applied (a gap at the front applies early).
  std::uint64_t request_id = 0;  // Outstanding request; 0 = none.
  std::uint64_t request_from = 0;
  std::int64_t deadline_ms = 0;
  bool resolved = false;
  std::map<std::uint64_t, DecodedEvent> got;  // Received seqs in [next_apply, to].
  // A probe (see "Cross-topic predecessors"): `to` is open until the answer; only events
  // published before the declined event (time, contact) are kept.
  bool probe = false;
  std::int64_t probe_time_ms = 0;
  std::string probe_contact;
};

Resequencer::Resequencer(ResequencerOptions options, state::IngestStats* stats, ApplyFn apply,
                         RequestFn request)
    : options_(std::move(options)),
      stats_(stats),
      apply_(std::move(apply)),
      request_(std::move(request)),
      held_(options_.subscriptions.size() + 1, 0) {}

Resequencer::~Resequencer() = default;

const ResequencerSubscription& Resequencer::SubscriptionOf(std::uint32_t index) const {
  return index < options_.subscriptions.size() ? options_.subscriptions[index]
                                               : default_subscription_;
}

Resequencer::Source& Resequencer::SourceFor(const DecodedEvent& e) {
  auto it = sources_.find(std::string_view(e.event.source_name));
  if (it != sources_.end()) return *it->second;
  auto source = std::make_unique<Source>();
  source->name = e.event.source_name;
  source->subscription = e.subscription;
  if (held_.size() <= e.subscription) held_.resize(e.subscription + 1, 0);
  return *sources_.emplace(source->name, std::move(source)).first->second;
}

Resequencer::Stream* Resequencer::FindStream(std::string_view source, std::string_view topic) {
  key_.assign(source);
  key_.push_back('\0');
  key_.append(topic);
  auto it = streams_.find(std::string_view(key_));
  return it == streams_.end() ? nullptr : it->second.get();
}

Resequencer::Stream& Resequencer::AddStream(Source& source, std::string_view topic,
                                            std::uint64_t epoch, std::uint64_t baseline) {
  auto stream = std::make_unique<Stream>();
  stream->source = &source;
  stream->topic.assign(topic);
  stream->epoch = epoch;
  stream->high = baseline;
  stream->applied = baseline;
  std::string key = source.name;
  key.push_back('\0');
  key.append(topic);
  return *streams_.emplace(std::move(key), std::move(stream)).first->second;
}

std::uint64_t Resequencer::Baseline(const Source& source, std::uint64_t epoch,
                                    std::uint64_t first_seq) const {
  if (source.anchored_epoch == epoch) return 0;
  if (SubscriptionOf(source.subscription).replay &&
      epoch >= static_cast<std::uint64_t>(std::max<std::int64_t>(0, options_.listening_since_ms))) {
    return 0;
  }
  return first_seq - 1;
}

void Resequencer::Offer(DecodedEvent& e, std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (e.replay_request != 0) {
    OfferReplayed(e);
  } else {
    OfferLive(e, now_ms);
  }
}

void Resequencer::OfferLive(DecodedEvent& e, std::int64_t now_ms) {
  const std::uint64_t epoch = e.position.epoch;
  const std::uint64_t seq = e.position.seq;
  Stream* stream = FindStream(e.event.source_name, e.position.topic);
  if (stream == nullptr) {
    Source& source = SourceFor(e);
    stream = &AddStream(source, e.position.topic, epoch, Baseline(source, epoch, seq));
  } else if (epoch < stream->epoch) {
    // An older epoch after a newer one: a late message from before the source restarted.
    ++stats_->duplicates;
    return;
  } else if (epoch > stream->epoch) {
    ++stats_->epoch_changes;
    const std::uint64_t baseline = Baseline(*stream->source, epoch, seq);
    stream->epoch = epoch;
    stream->high = stream->applied = baseline;
    stream->gaps.clear();  // Gaps of the old epoch settle on their own.
  }
  Source& source = *stream->source;

  if (seq <= stream->high) {
    // Already here, or inside a gap (the same source through a second subscription).
    for (Gap* gap : stream->gaps) {
      if (seq < gap->next_apply || seq > gap->to) continue;
      if (gap->got.contains(seq)) break;
      gap->got.emplace(seq, std::move(e));
      --stats_->replay_events_awaited;
      ++source.held;
      ++held_[source.subscription];
      ++stats_->replay_events_held;
      Release(source);
      return;
    }
    ++stats_->duplicates;
    return;
  }
  if (seq > stream->high + 1) {
    ++stats_->sequence_gaps;
    OpenGap(source, *stream, stream->high + 1, seq - 1, now_ms);
  }
  stream->high = seq;
  if (e.event.type == state::EventType::kHeartbeat) CheckPositions(source, e, now_ms);

  if (source.queue.empty()) {
    if (!TryApply(source, e, stream)) Hold(source, e);  // Declined: waits behind its probe.
    return;
  }
  if (held_[source.subscription] >= SubscriptionOf(source.subscription).max_held_events) {
    MakeRoom(source.subscription);
    if (source.queue.empty()) {
      if (!TryApply(source, e, stream)) Hold(source, e);
      return;
    }
  }
  Hold(source, e);
}

void Resequencer::OfferReplayed(DecodedEvent& e) {
  auto it = by_request_.find(e.replay_request);
  if (it == by_request_.end()) return;  // Late: its request timed out or was given up.
  Gap& gap = *it->second;
  const std::uint64_t seq = e.position.seq;
  if (e.event.source_name != gap.source->name || e.position.epoch != gap.epoch ||
      e.position.topic != gap.topic || seq < gap.next_apply || seq > gap.to ||
      gap.got.contains(seq)) {
    return;  // Not what was asked for; the seqs it does not fill end up missing.
  }
  gap.got.emplace(seq, std::move(e));
  if (!gap.probe) --stats_->replay_events_awaited;
  ++gap.source->held;
  ++held_[gap.source->subscription];
  ++stats_->replay_events_held;
}

void Resequencer::CheckPositions(Source& source, const DecodedEvent& heartbeat,
                                 std::int64_t now_ms) {
  const std::uint64_t epoch = heartbeat.position.epoch;
  if (epoch < source.anchored_epoch) return;
  const bool first = epoch > source.anchored_epoch;
  const ResequencerSubscription& sub = SubscriptionOf(source.subscription);
  for (const auto& position : heartbeat.heartbeat_positions) {
    // (Not a structured binding: clang 14, the fuzz build's compiler, cannot capture one.)
    const std::string& topic = position.first;
    const std::uint64_t last = position.second;
    const bool subscribed = std::any_of(sub.topics.begin(), sub.topics.end(),
                                        [&](const std::string& p) { return topic.starts_with(p); });
    if (!subscribed) continue;
    Stream* stream = FindStream(source.name, topic);
    if (stream == nullptr || stream->epoch < epoch) {
      // The first heartbeat of an epoch anchors it: streams the daemon has not seen start where
      // the heartbeat says (joining late), unless the epoch began while this daemon listened.
      // After that, a stream it has not seen is owed from its first event.
      std::uint64_t baseline = 0;
      if (first && !(sub.replay && epoch >= static_cast<std::uint64_t>(std::max<std::int64_t>(
                                                0, options_.listening_since_ms)))) {
        baseline = last;
      }
      if (stream == nullptr) {
        stream = &AddStream(source, topic, epoch, baseline);
      } else {
        ++stats_->epoch_changes;
        stream->epoch = epoch;
        stream->high = stream->applied = baseline;
        stream->gaps.clear();
      }
    }
    if (stream->epoch != epoch || last <= stream->high) continue;
    ++stats_->sequence_gaps;
    OpenGap(source, *stream, stream->high + 1, last, now_ms);
    stream->high = last;
  }
  source.anchored_epoch = epoch;
}

void Resequencer::OpenGap(Source& source, Stream& stream, std::uint64_t from, std::uint64_t to,
                          std::int64_t now_ms) {
  if (!SubscriptionOf(source.subscription).replay) {
    Gap gap;
    gap.source = &source;
    gap.epoch = stream.epoch;
    gap.topic = stream.topic;
    gap.from = from;
    gap.to = to;
    stats_->events_missing += to - from + 1;
    LogLost(gap, to - from + 1, "no replay endpoint for this subscription");
    return;
  }
  auto gap = std::make_unique<Gap>();
  gap->source = &source;
  gap->stream = &stream;
  gap->epoch = stream.epoch;
  gap->topic = stream.topic;
  gap->from = from;
  gap->to = to;
  gap->next_apply = from;
  stats_->replay_events_awaited += to - from + 1;
  stream.gaps.push_back(gap.get());
  SendRequest(*gap, from, now_ms);
  source.queue.push_back(Held{std::move(gap), DecodedEvent{}});
}

void Resequencer::SendRequest(Gap& gap, std::uint64_t from, std::int64_t now_ms) {
  ReplayRequest request;
  request.id = next_request_id_++;
  request.subscription = gap.source->subscription;
  request.source = gap.source->name;
  request.epoch = gap.epoch;
  request.topic = gap.topic;
  request.from_seq = from;
  request.to_seq = gap.probe ? 0 : gap.to;
  gap.request_id = request.id;
  gap.request_from = from;
  gap.deadline_ms = now_ms + SubscriptionOf(gap.source->subscription).replay_timeout_ms;
  by_request_.emplace(request.id, &gap);
  deadlines_.emplace(gap.deadline_ms, request.id);
  if (request_) request_(request);
}

void Resequencer::ForgetRequest(Gap& gap) {
  if (gap.request_id == 0) return;
  by_request_.erase(gap.request_id);
  deadlines_.erase({gap.deadline_ms, gap.request_id});
  gap.request_id = 0;
}

void Resequencer::OnAnswer(const ReplayAnswer& answer, std::int64_t now_ms) {
  now_ms_ = now_ms;
  auto it = by_request_.find(answer.request_id);
  if (it == by_request_.end()) return;  // Late: its request timed out or was given up.
  Gap& gap = *it->second;
  const std::uint64_t asked_from = gap.request_from;
  ForgetRequest(gap);
  if (gap.probe) {
    ResolveProbe(gap, answer);
    Release(*gap.source);
    return;
  }

  state::ReplayResult result = state::ReplayResult::kError;
  const bool delivered = answer.status == ReplayStatus::kOk || answer.status == ReplayStatus::kGone;
  const bool next_chunk = delivered && answer.more && answer.next_seq > asked_from &&
                          answer.next_seq > gap.next_apply && answer.next_seq <= gap.to;
  if (delivered) {
    // How much of what this request covered did not come.
    const std::uint64_t covered_to = next_chunk ? answer.next_seq - 1 : gap.to;
    const std::uint64_t lo = std::max(asked_from, gap.next_apply);
    std::uint64_t span = 0;
    std::uint64_t missing = 0;
    if (covered_to >= lo) {
      span = covered_to - lo + 1;
      const auto first = gap.got.lower_bound(lo);
      const auto last = gap.got.upper_bound(covered_to);
      missing = span - static_cast<std::uint64_t>(std::distance(first, last));
    }
    if (missing == 0) {
      result = state::ReplayResult::kOk;
    } else if (missing == span && covered_to - asked_from + 1 == span) {
      result = state::ReplayResult::kGone;
    } else {
      result = state::ReplayResult::kPartial;
    }
  } else if (answer.status == ReplayStatus::kUnknownStream) {
    result = state::ReplayResult::kUnknown;
  } else {
    spdlog::warn("replay: source={} topic={} epoch={}: the bridge answered {}", gap.source->name,
                 gap.topic, gap.epoch, ReplayStatusName(answer.status));
  }
  ++stats_->replay_requests[static_cast<int>(result)];
  if (next_chunk) {
    SendRequest(gap, answer.next_seq, now_ms);
  } else {
    const char* why = "not in the bridge's journal";
    if (result == state::ReplayResult::kUnknown) why = "the bridge knows no such stream";
    if (result == state::ReplayResult::kError) why = "the bridge could not answer";
    if (answer.first_available > gap.next_apply) why = "the bridge's journal no longer holds it";
    Resolve(gap, why);
  }
  Release(*gap.source);
}

void Resequencer::Expire(std::int64_t now_ms) {
  now_ms_ = now_ms;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    Gap& gap = *by_request_.at(deadlines_.begin()->second);
    ForgetRequest(gap);
    ++stats_->replay_requests[static_cast<int>(state::ReplayResult::kTimeout)];
    Resolve(gap, "no reply within the replay timeout");
    Release(*gap.source);
  }
}

void Resequencer::ResolveProbe(Gap& probe, const ReplayAnswer& answer) {
  state::ReplayResult result = state::ReplayResult::kOk;
  std::uint64_t bound = probe.from - 1;
  if (answer.status == ReplayStatus::kOk || answer.status == ReplayStatus::kGone) {
    // The answer runs from the stream's last received seq on. Published before the declined
    // event: anything earlier in time, the same contact's events at the same time, and every seq
    // before one of those. Later events may still be on their way: left alone.
    std::uint64_t expected = probe.from;
    for (auto it = probe.got.begin(); it != probe.got.end() && it->first == expected;
         ++it, ++expected) {
      const state::Event& ev = it->second.event;
      if (ev.time_ms > probe.probe_time_ms) break;
      if (ev.time_ms < probe.probe_time_ms || ev.contact_id == probe.probe_contact) {
        bound = it->first;
      }
    }
  } else if (answer.status == ReplayStatus::kUnknownStream) {
    result = state::ReplayResult::kUnknown;
  } else {
    result = state::ReplayResult::kError;
  }
  ++stats_->replay_requests[static_cast<int>(result)];
  // Seqs up to the stream's `high` were already counted (received, or in a gap of their own,
  // which then finds them applied); beyond it the probe found a gap nobody had noticed.
  if (probe.stream != nullptr && probe.stream->epoch == probe.epoch && bound > probe.stream->high) {
    ++stats_->sequence_gaps;
    probe.stream->high = bound;
  }
  SettleProbe(probe, bound);
}

void Resequencer::SettleProbe(Gap& probe, std::uint64_t keep_to) {
  for (auto it = probe.got.upper_bound(keep_to); it != probe.got.end();) {
    --probe.source->held;
    --held_[probe.source->subscription];
    --stats_->replay_events_held;
    it = probe.got.erase(it);
  }
  probe.to = keep_to;
  probe.resolved = true;
}

void Resequencer::Resolve(Gap& gap, std::string_view why) {
  if (gap.resolved) return;
  if (gap.probe) {
    SettleProbe(gap, gap.from - 1);  // Unanswered: nothing proven lost, nothing counted.
    return;
  }
  gap.resolved = true;
  const std::uint64_t open = gap.to >= gap.next_apply ? gap.to - gap.next_apply + 1 : 0;
  const std::uint64_t lost = open - gap.got.size();
  stats_->replay_events_awaited -= lost;
  if (lost > 0) {
    stats_->events_missing += lost;
    LogLost(gap, lost, why);
  }
  if (gap.stream != nullptr) {
    auto& gaps = gap.stream->gaps;
    gaps.erase(std::remove(gaps.begin(), gaps.end(), &gap), gaps.end());
  }
}

void Resequencer::Release(Source& source) {
  // Applies one held event; false when the engine declined it (a probe now heads the queue).
  auto take = [&](DecodedEvent& e) {
    if (!TryApply(source, e)) return false;
    --source.held;
    --held_[source.subscription];
    --stats_->replay_events_held;
    return true;
  };
  while (!source.queue.empty()) {
    Held& front = source.queue.front();
    if (front.gap == nullptr) {
      if (!take(front.event)) return;
      source.queue.pop_front();
      continue;
    }
    Gap& gap = *front.gap;
    // What already came from the start of the gap can go now; the rest waits for the gap. A
    // probe's events wait for its answer: only then is it known which of them to keep.
    while ((!gap.probe || gap.resolved) && !gap.got.empty() &&
           gap.got.begin()->first == gap.next_apply) {
      if (!take(gap.got.begin()->second)) return;
      gap.got.erase(gap.got.begin());
      ++gap.next_apply;
    }
    if (!gap.resolved) break;
    while (!gap.got.empty()) {
      if (!take(gap.got.begin()->second)) return;
      gap.got.erase(gap.got.begin());
    }
    if (!gap.probe && gap.stream != nullptr && gap.stream->epoch == gap.epoch) {
      gap.stream->applied = std::max(gap.stream->applied, gap.to);
    }
    source.queue.pop_front();
  }
}

bool Resequencer::TryApply(Source& source, DecodedEvent& e, Stream* stream) {
  if (stream == nullptr) stream = FindStream(e.event.source_name, e.position.topic);
  const bool same_epoch = stream != nullptr && stream->epoch == e.position.epoch;
  const std::uint64_t seq = e.position.seq;
  const bool recovered = e.replay_request != 0;
  // A probe and a gap may both have fetched an event: the first to apply it wins.
  if (recovered && same_epoch && seq <= stream->applied) return true;
  const bool may_decline = !e.predecessors_checked && SubscriptionOf(source.subscription).replay;
  std::string topic;
  if (!apply_(e, may_decline, &topic)) {
    e.predecessors_checked = true;
    if (OpenProbe(source, topic, e)) return false;
    apply_(e, false, &topic);
  }
  if (recovered) ++stats_->events_recovered;
  if (same_epoch) stream->applied = std::max(stream->applied, seq);
  return true;
}

bool Resequencer::OpenProbe(Source& source, const std::string& topic, const DecodedEvent& e) {
  Stream* stream = FindStream(source.name, topic);
  if (stream == nullptr || stream->epoch != e.position.epoch) return false;
  auto probe = std::make_unique<Gap>();
  probe->source = &source;
  probe->stream = stream;
  probe->epoch = stream->epoch;
  probe->topic = stream->topic;
  // From the first seq not applied: the missing predecessor may sit in a gap noticed after the
  // declined event arrived (its marker is behind it in the queue).
  probe->from = stream->applied + 1;
  probe->to = std::numeric_limits<std::uint64_t>::max();
  probe->next_apply = probe->from;
  probe->probe = true;
  probe->probe_time_ms = e.event.time_ms;
  probe->probe_contact = e.event.contact_id;
  SendRequest(*probe, probe->from, now_ms_);
  source.queue.push_front(Held{std::move(probe), DecodedEvent{}});
  return true;
}

void Resequencer::Hold(Source& source, DecodedEvent& e) {
  source.queue.push_back(Held{nullptr, std::move(e)});
  ++source.held;
  ++held_[source.subscription];
  ++stats_->replay_events_held;
}

void Resequencer::MakeRoom(std::uint32_t subscription) {
  Source* biggest = nullptr;
  for (auto& [name, source] : sources_) {
    if (source->subscription != subscription || source->queue.empty()) continue;
    if (biggest == nullptr || source->held > biggest->held) biggest = source.get();
  }
  if (biggest == nullptr) return;
  ++stats_->replay_hold_overflows;
  spdlog::warn(
      "replay: hold limit of subscription {} reached; giving up the gaps of source {} "
      "({} events held)",
      subscription, biggest->name, biggest->held);
  GiveUp(*biggest);
}

void Resequencer::GiveUp(Source& source) {
  for (Held& h : source.queue) {
    if (h.gap == nullptr || h.gap->resolved) continue;
    if (h.gap->request_id != 0) {
      ForgetRequest(*h.gap);
      ++stats_->replay_requests[static_cast<int>(state::ReplayResult::kAbandoned)];
    }
    Resolve(*h.gap, "given up at the hold limit");
  }
  Release(source);
}

void Resequencer::LogLost(const Gap& gap, std::uint64_t lost, std::string_view why) {
  const std::int64_t minute = now_ms_ / 60'000;
  if (minute != log_minute_) {
    if (unlogged_losses_ > 0) {
      spdlog::warn("events lost: {} more events in the last minute not logged one by one",
                   unlogged_losses_);
    }
    log_minute_ = minute;
    logged_this_minute_ = 0;
    unlogged_losses_ = 0;
  }
  if (logged_this_minute_ >= kLossLinesPerMinute) {
    unlogged_losses_ += lost;
    return;
  }
  ++logged_this_minute_;
  spdlog::warn("events lost: source={} epoch={} topic={} seq {}..{} ({} missing): {}",
               gap.source->name, gap.epoch, gap.topic, gap.from, gap.to, lost, why);
}

std::vector<Resequencer::Position> Resequencer::Positions() const {
  std::vector<Position> out;
  out.reserve(streams_.size());
  for (const auto& [key, stream] : streams_) {
    out.push_back(Position{stream->source->name, stream->source->subscription, stream->epoch,
                           stream->topic, stream->applied});
  }
  return out;
}

void Resequencer::Restore(const Position& p) {
  DecodedEvent probe;
  probe.event.source_name = p.source;
  probe.subscription = p.subscription;
  Source& source = SourceFor(probe);
  source.anchored_epoch = std::max(source.anchored_epoch, p.epoch);
  Stream* stream = FindStream(p.source, p.topic);
  if (stream == nullptr) {
    AddStream(source, p.topic, p.epoch, p.seq);
  } else {
    stream->epoch = p.epoch;
    stream->high = stream->applied = p.seq;
  }
}

}  // namespace ccmon::ingest
