#include "bridges/records/record_mapper.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <unordered_map>

#include "bridges/core/csv.h"

namespace ccmon::records {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int64_t kHalfDayMs = kMsPerDay / 2;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

// a + b, or nullopt if it leaves the range of sensible instants (±292 million years).
std::optional<UnixMs> Add(UnixMs a, std::int64_t b) {
  constexpr std::int64_t kLimit = std::int64_t{1} << 62;
  if (b > kLimit || b < -kLimit || a > kLimit || a < -kLimit) return std::nullopt;
  return a + b;
}

}  // namespace

RecordMapper::RecordMapper(const RecordMapping& mapping, const CallerKeyHasher& hasher)
    : mapping_(mapping), hasher_(hasher) {}

Status RecordMapper::BindHeader(const std::vector<std::string>& header) {
  return Bind(header, false);
}

Status RecordMapper::BindNumbered() { return Bind({}, true); }

Status RecordMapper::Bind(const std::vector<std::string>& header, bool numbered) {
  std::unordered_map<std::string, int> by_name;
  for (std::size_t i = 0; i < header.size(); ++i) {
    by_name.emplace(std::string(Trim(header[i])), static_cast<int>(i));  // First one wins.
  }
  std::unordered_map<std::string, int> resolved;
  int max_index = -1;
  for (const auto& use : mapping_.ColumnUses()) {
    int index = -1;
    if (numbered) {
      int n = 0;
      auto [end, ec] = std::from_chars(use.column.data(), use.column.data() + use.column.size(), n);
      if (ec != std::errc() || end != use.column.data() + use.column.size() || n < 1 ||
          n > 100'000) {
        return Status::InvalidArgument(mapping_.origin + ": " + use.key + ": \"" + use.column +
                                       "\": without a header (csv.header: false) columns are "
                                       "1-based numbers");
      }
      index = n - 1;
    } else {
      auto it = by_name.find(use.column);
      if (it == by_name.end()) {
        return Status::InvalidArgument(mapping_.origin + ": " + use.key + ": column \"" +
                                       use.column + "\" is not in the header");
      }
      index = it->second;
    }
    resolved[use.column] = index;
    max_index = std::max(max_index, index);
  }
  const auto col = [&](const std::string& name) { return name.empty() ? -1 : resolved.at(name); };
  Columns c;
  for (const auto& name : mapping_.contact_id) c.contact_id.push_back(col(name));
  c.queue = col(mapping_.queue.column);
  c.caller = col(mapping_.caller_column);
  c.agent = col(mapping_.agent_column);
  c.priority = col(mapping_.priority_column);
  c.date = col(mapping_.date_column);
  c.arrival = col(mapping_.arrival);
  c.enqueue = col(mapping_.enqueue);
  c.dequeue = col(mapping_.dequeue);
  c.wait = col(mapping_.wait);
  c.end = col(mapping_.end);
  c.talk = col(mapping_.talk);
  c.wrap_up = col(mapping_.wrap_up);
  c.outcome = col(mapping_.outcome_column);
  for (const auto& name : mapping_.answer) c.answer.push_back(col(name));
  columns_ = std::move(c);
  min_fields_ = static_cast<std::size_t>(max_index + 1);
  bound_ = true;
  return Status::Ok();
}

std::string_view RecordMapper::Field(const std::vector<std::string>& fields, int column) const {
  return column < 0 ? std::string_view() : Trim(fields[static_cast<std::size_t>(column)]);
}

RecordMapper::TimeResult RecordMapper::ReadRaw(const std::vector<std::string>& fields, int column,
                                               ParsedTime* out) const {
  if (column < 0) return TimeResult::kAbsent;
  const std::string_view value = Field(fields, column);
  if (Contains(mapping_.absent_times, value)) return TimeResult::kAbsent;
  return mapping_.time_format->Read(value, out) ? TimeResult::kPresent : TimeResult::kBad;
}

UnixMs RecordMapper::ToUtc(const ParsedTime& t, const ParsedTime& date,
                           std::int64_t anchor_tod_ms) const {
  if (t.unix_ms) return *t.unix_ms;
  std::int64_t local_ms;
  if (mapping_.time_format->has_date()) {
    local_ms = DaysFromCivil(t.year, t.month, t.day) * kMsPerDay + t.millis_of_day;
  } else {
    std::int64_t day = DaysFromCivil(date.year, date.month, date.day);
    // A time of day more than 12 h before the anchor's is on the next day (past midnight); a
    // little before it is a clock difference between systems, on the same day.
    if (t.millis_of_day < anchor_tod_ms - kHalfDayMs) ++day;
    local_ms = day * kMsPerDay + t.millis_of_day;
  }
  if (t.utc_offset_s) return local_ms - std::int64_t{*t.utc_offset_s} * 1000;
  const std::int64_t local_s = FloorDiv(local_ms, 1000);
  return LocalToUtcSeconds(mapping_.time_zone, local_s) * 1000 + (local_ms - local_s * 1000);
}

std::string_view RecordMapper::Map(const std::vector<std::string>& fields) {
  if (fields.size() == 1 && Trim(fields[0]).empty()) return kOutcomeBlankLine;
  if (!bound_ || fields.size() < min_fields_) return kOutcomeBadColumnCount;

  const auto outcome_it = mapping_.outcomes.find(std::string(Field(fields, columns_.outcome)));
  if (outcome_it == mapping_.outcomes.end()) return kOutcomeUnknownOutcome;
  const MappedOutcome outcome = outcome_it->second;
  if (outcome.kind == OutcomeKind::kIgnore) return kOutcomeIgnored;
  if (outcome.kind == OutcomeKind::kNeverQueued) return kOutcomeNeverQueued;

  ContactTimeline c;
  c.outcome = outcome;
  for (std::size_t i = 0; i < columns_.contact_id.size(); ++i) {
    const std::string_view part = Field(fields, columns_.contact_id[i]);
    if (part.empty()) return kOutcomeMissingContactId;
    if (i > 0) c.contact_id += '-';
    c.contact_id += part;
  }

  if (columns_.queue < 0) {
    c.queue = mapping_.queue_constant;
  } else {
    const std::string value(Field(fields, columns_.queue));
    if (mapping_.queue.values.empty()) {
      c.queue = value;
    } else if (auto it = mapping_.queue.values.find(value); it != mapping_.queue.values.end()) {
      c.queue = it->second;
    } else if (mapping_.queue.default_value) {
      c.queue = *mapping_.queue.default_value;
    }
    if (c.queue.empty()) return kOutcomeUnknownQueue;
  }

  // Times. The date (when separate), then the anchor of the day: the arrival, else the enqueue,
  // else the first answer time present.
  ParsedTime date;
  if (columns_.date >= 0 && !mapping_.date_format->Read(Field(fields, columns_.date), &date)) {
    return kOutcomeBadTime;
  }
  ParsedTime arrival, enqueue;
  const TimeResult arrival_r = ReadRaw(fields, columns_.arrival, &arrival);
  const TimeResult enqueue_r = ReadRaw(fields, columns_.enqueue, &enqueue);
  if (arrival_r == TimeResult::kBad || enqueue_r == TimeResult::kBad) return kOutcomeBadTime;
  std::optional<ParsedTime> answer;
  for (int column : columns_.answer) {
    ParsedTime t;
    const TimeResult r = ReadRaw(fields, column, &t);
    if (r == TimeResult::kBad) return kOutcomeBadTime;
    if (r == TimeResult::kPresent) {
      answer = t;
      break;
    }
  }
  std::int64_t anchor = 0;
  if (arrival_r == TimeResult::kPresent) {
    anchor = arrival.millis_of_day;
  } else if (enqueue_r == TimeResult::kPresent) {
    anchor = enqueue.millis_of_day;
  } else if (answer) {
    anchor = answer->millis_of_day;
  }
  const auto duration = [&](int column, std::int64_t* out) -> std::string_view {
    *out = 0;
    if (column < 0) return {};
    const std::string_view value = Field(fields, column);
    if (value.empty()) return kOutcomeMissingTime;
    const auto d = ReadDuration(value, mapping_.duration_unit);
    if (!d) return kOutcomeBadTime;
    if (*d < 0) return kOutcomeTimeOutOfOrder;
    *out = *d;
    return {};
  };

  std::string_view published = kOutcomeAnswered;
  if (enqueue_r == TimeResult::kAbsent) {
    if (outcome.kind != OutcomeKind::kAnswered) return kOutcomeNeverQueued;
    if (mapping_.answered_without_queue == AnsweredWithoutQueue::kNotOffered) {
      return kOutcomeAnsweredNotOffered;
    }
    if (!answer) return kOutcomeMissingTime;
    // Offered and answered at once: wait 0.
    c.enqueue_ms = ToUtc(*answer, date, anchor);
    c.dequeue_ms = c.enqueue_ms;
    published = kOutcomeAnsweredWithoutQueue;
  } else {
    c.enqueue_ms = ToUtc(enqueue, date, anchor);
    if (columns_.dequeue >= 0) {
      ParsedTime dequeue;
      const TimeResult r = ReadRaw(fields, columns_.dequeue, &dequeue);
      if (r == TimeResult::kBad) return kOutcomeBadTime;
      if (r == TimeResult::kAbsent) return kOutcomeMissingTime;
      c.dequeue_ms = ToUtc(dequeue, date, anchor);
    } else {
      std::int64_t wait = 0;
      if (auto bad = duration(columns_.wait, &wait); !bad.empty()) return bad;
      auto t = Add(c.enqueue_ms, wait);
      if (!t) return kOutcomeBadTime;
      c.dequeue_ms = *t;
    }
    if (c.dequeue_ms < c.enqueue_ms) return kOutcomeTimeOutOfOrder;
    switch (outcome.kind) {
      case OutcomeKind::kAbandoned:
        published = kOutcomeAbandoned;
        break;
      case OutcomeKind::kExited:
        published = kOutcomeExited;
        break;
      case OutcomeKind::kCallbackRequested:
        published = kOutcomeCallbackRequested;
        break;
      default:
        published = kOutcomeAnswered;
        break;
    }
  }
  if (outcome.kind == OutcomeKind::kAnswered) {
    c.end_ms = c.dequeue_ms;
    if (columns_.end >= 0) {
      ParsedTime end;
      const TimeResult r = ReadRaw(fields, columns_.end, &end);
      if (r == TimeResult::kBad) return kOutcomeBadTime;
      // No end time: the conversation is reported as ending when it started (talk unknown).
      if (r == TimeResult::kPresent) c.end_ms = ToUtc(end, date, anchor);
    } else {
      std::int64_t talk = 0;
      if (auto bad = duration(columns_.talk, &talk); !bad.empty() && bad != kOutcomeMissingTime) {
        return bad;
      }
      auto t = Add(c.dequeue_ms, talk);
      if (!t) return kOutcomeBadTime;
      c.end_ms = *t;
    }
    if (c.end_ms < c.dequeue_ms) return kOutcomeTimeOutOfOrder;
    std::int64_t acw = 0;
    if (auto bad = duration(columns_.wrap_up, &acw); !bad.empty() && bad != kOutcomeMissingTime) {
      return bad;
    }
    auto t = Add(c.end_ms, acw);
    if (!t) return kOutcomeBadTime;
    c.wrap_up_ms = *t;
  }

  if (columns_.priority >= 0) {
    const std::string value(Field(fields, columns_.priority));
    if (!mapping_.priority_values.empty()) {
      auto it = mapping_.priority_values.find(value);
      if (it != mapping_.priority_values.end()) {
        c.priority = it->second;
      } else if (!value.empty()) {
        return kOutcomeBadPriority;
      }
    } else if (!value.empty()) {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), c.priority);
      if (ec != std::errc() || end != value.data() + value.size()) return kOutcomeBadPriority;
    }
  }
  if (columns_.caller >= 0) {
    const std::string_view caller = Field(fields, columns_.caller);
    if (!Contains(mapping_.anonymous_callers, caller)) c.caller_key = hasher_.Hash(caller);
  }
  if (columns_.agent >= 0) {
    const std::string_view agent = Field(fields, columns_.agent);
    if (!Contains(mapping_.no_agent, agent)) c.agent_id = std::string(agent);
  }
  if (!contact_ids_.insert(c.contact_id).second) return kOutcomeDuplicateContactId;
  timelines_.push_back(std::move(c));
  return published;
}

std::vector<ScheduledEvent> RecordMapper::Schedule() const {
  using Step = ScheduledEvent::Step;
  std::vector<ScheduledEvent> events;
  events.reserve(timelines_.size() * 3);
  for (std::size_t i = 0; i < timelines_.size(); ++i) {
    const ContactTimeline& c = timelines_[i];
    const auto index = static_cast<std::uint32_t>(i);
    events.push_back({c.enqueue_ms, index, Step::kQueued});
    events.push_back({c.dequeue_ms, index, Step::kDequeued});
    if (c.outcome.kind == OutcomeKind::kAnswered) {
      events.push_back({c.end_ms, index, Step::kEnded});
      events.push_back({c.wrap_up_ms, index, Step::kWrapUpEnded});
    }
  }
  std::sort(events.begin(), events.end(), [](const ScheduledEvent& a, const ScheduledEvent& b) {
    if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
    if (a.contact != b.contact) return a.contact < b.contact;
    return a.step < b.step;
  });
  return events;
}

v1::Envelope RecordMapper::MakeEnvelope(const ScheduledEvent& e) const {
  const ContactTimeline& c = timelines_.at(e.contact);
  v1::Envelope env;
  env.set_time_unix_ms(e.time_ms);
  switch (e.step) {
    case ScheduledEvent::Step::kQueued: {
      auto* m = env.mutable_contact_queued();
      m->set_contact_id(c.contact_id);
      m->set_queue(c.queue);
      m->set_channel(mapping_.channel);
      m->set_caller_key(c.caller_key);
      m->set_priority(c.priority);
      break;
    }
    case ScheduledEvent::Step::kDequeued:
      switch (c.outcome.kind) {
        case OutcomeKind::kAbandoned: {
          auto* m = env.mutable_contact_abandoned();
          m->set_contact_id(c.contact_id);
          m->set_queue(c.queue);
          break;
        }
        case OutcomeKind::kExited: {
          auto* m = env.mutable_contact_exited();
          m->set_contact_id(c.contact_id);
          m->set_queue(c.queue);
          m->set_reason(c.outcome.exit_reason);
          break;
        }
        case OutcomeKind::kCallbackRequested: {
          auto* m = env.mutable_callback_requested();
          m->set_contact_id(c.contact_id);
          m->set_queue(c.queue);
          break;
        }
        default: {
          auto* m = env.mutable_contact_answered();
          m->set_contact_id(c.contact_id);
          m->set_queue(c.queue);
          m->set_agent_id(c.agent_id);
          break;
        }
      }
      break;
    case ScheduledEvent::Step::kEnded: {
      auto* m = env.mutable_contact_ended();
      m->set_contact_id(c.contact_id);
      m->set_queue(c.queue);
      break;
    }
    case ScheduledEvent::Step::kWrapUpEnded: {
      auto* m = env.mutable_wrap_up_ended();
      m->set_contact_id(c.contact_id);
      m->set_queue(c.queue);
      m->set_agent_id(c.agent_id);
      break;
    }
  }
  return env;
}

Status ReadRecords(std::istream& in, std::string_view input_name, RecordMapper* mapper,
                   bridges::InputCounts* counts) {
  bridges::CsvReader reader(in, mapper->mapping().separator);
  std::vector<std::string> fields;
  if (mapper->mapping().header) {
    const auto r = reader.Next(&fields);
    if (r != bridges::CsvReader::Result::kRecord) {
      return Status::InvalidArgument(std::string(input_name) +
                                     ": no header record (csv.header is true)");
    }
    if (auto s = mapper->BindHeader(fields); !s.ok()) {
      return s.WithContext(std::string(input_name));
    }
  } else if (auto s = mapper->BindNumbered(); !s.ok()) {
    return s;
  }
  while (true) {
    const auto r = reader.Next(&fields);
    if (r == bridges::CsvReader::Result::kEnd) break;
    if (r == bridges::CsvReader::Result::kTorn) {
      counts->Add(kOutcomeTornRecord);
      break;
    }
    counts->Add(mapper->Map(fields));
  }
  if (in.bad()) return Status::IoError(std::string(input_name) + ": read failed");
  return Status::Ok();
}

}  // namespace ccmon::records
