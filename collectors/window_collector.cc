#include "collectors/window_collector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "collectors/exposition.h"
#include "collectors/service_level_collector.h"

namespace ccmon::collectors {

namespace {

using prometheus::MetricType;
using state::FactType;

constexpr int kDefaultIntervalMinutes = 15;

// Label values of the outcome counters, in Counter order.
constexpr std::array<std::string_view, 6> kOutcomes{"offered",   "answered",
                                                    "abandoned", "short_abandoned",
                                                    "exited",    "transferred_out_before_answer"};
// Label values of the SL parts, in SlPart order.
constexpr std::array<std::string_view, kSlPartCount> kSlParts{
    "answered_within", "abandoned_within", "short_abandoned_within", "exited_within", "breached"};

std::size_t ThresholdCount(const std::vector<std::int64_t>& thresholds) {
  return std::min(thresholds.size(), state::kMaxThresholds);
}

bool IsCalendar(WindowCollector::Window w) {
  return w == WindowCollector::Window::kInterval || w == WindowCollector::Window::kLastInterval ||
         w == WindowCollector::Window::kToday;
}

SlidingWindow::Span SpanOf(WindowCollector::Window w) {
  switch (w) {
    case WindowCollector::Window::k5m:
      return SlidingWindow::Span::k5m;
    case WindowCollector::Window::k15m:
      return SlidingWindow::Span::k15m;
    default:
      return SlidingWindow::Span::k1h;
  }
}

CalendarWindow::Period PeriodOf(WindowCollector::Window w) {
  switch (w) {
    case WindowCollector::Window::kInterval:
      return CalendarWindow::Period::kInterval;
    case WindowCollector::Window::kLastInterval:
      return CalendarWindow::Period::kLastInterval;
    default:
      return CalendarWindow::Period::kToday;
  }
}

}  // namespace

std::string_view WindowCollector::WindowName(Window window) {
  if (IsCalendar(window)) return CalendarWindow::PeriodName(PeriodOf(window));
  return SlidingWindow::SpanName(SpanOf(window));
}

CalendarGrid WindowCollector::MakeGrid(const WindowOptions& options, Status* status) {
  int minutes = options.interval_minutes;
  if (Status s = CalendarGrid::CheckIntervalMinutes(minutes); !s.ok()) {
    *status = s.WithContext("windows.interval");
    minutes = kDefaultIntervalMinutes;
  }
  Result<TimeZone> zone = TimeZone::Load(options.time_zone);
  if (!zone.ok()) {
    const Status s = zone.status().WithContext("windows.time_zone");
    *status = status->ok() ? s : Status(s.code(), status->message() + "; " + s.message());
    return CalendarGrid(TimeZone::Utc(), minutes);
  }
  return CalendarGrid(std::move(zone).value(), minutes);
}

WindowCollector::WindowCollector(const CollectorOptions& options, const state::Model& model)
    : formula_(options.sl_formula),
      model_(model),
      grid_(MakeGrid(options.windows, &options_status_)),
      advanced_second_(0) {
  if (!options_status_.ok()) {
    spdlog::error("exact windows: {}; using time zone {} and {}-minute intervals",
                  options_status_.message(), grid_.zone().name(), grid_.interval_minutes());
  }
  queues_.resize(model.queues.size());
  for (state::QueueId q = 0; q < model.queues.size(); ++q) Queue(q);
}

bool WindowCollector::InSync(const PerQueue& pq, const state::QueueSettings& settings) {
  if (!pq.ready) return false;
  // An inline loop: this runs for every counted fact, usually over 1–3 values.
  const std::vector<std::int64_t>& now = settings.sl_thresholds_ms;
  if (now.size() != pq.thresholds_ms.size()) return false;
  for (std::size_t i = 0; i < now.size(); ++i) {
    if (now[i] != pq.thresholds_ms[i]) return false;
  }
  return true;
}

WindowCollector::PerQueue& WindowCollector::Queue(state::QueueId q) {
  if (q >= queues_.size()) queues_.resize(model_.queues.size());
  PerQueue& pq = queues_[q];
  const state::QueueSettings& settings = model_.queues.Settings(q);
  if (!InSync(pq, settings)) {
    pq.ready = true;
    pq.thresholds_ms = settings.sl_thresholds_ms;
    const int counters =
        SlCounter(ThresholdCount(pq.thresholds_ms), SlPart::kAnsweredWithin);  // = 8 + 5n.
    pq.sliding = SlidingWindow(counters);
    if (advanced_second_ != 0) pq.sliding.Advance(advanced_second_ * 1000);
    pq.calendar = CalendarWindow(counters);
    if (clock_known_) pq.calendar.Roll(bounds_);
  }
  return pq;
}

void WindowCollector::RollTo(UnixMs t) {
  if (clock_known_ && t < bounds_.interval_end) return;
  bounds_ = grid_.BoundsAt(t);
  clock_known_ = true;
  for (PerQueue& pq : queues_) {
    if (pq.ready) pq.calendar.Roll(bounds_);
  }
}

void WindowCollector::OnFact(const state::Fact& fact) {
  if (fact.queue >= model_.queues.size()) return;
  int outcome = -1;
  switch (fact.type) {
    case FactType::kOffered:
      outcome = kOffered;
      break;
    case FactType::kAnswered:
      outcome = kAnswered;
      break;
    case FactType::kAbandoned:
      outcome = kAbandoned;
      break;
    case FactType::kExited:
      outcome = kExited;
      break;
    case FactType::kTransferredOut:
      if (!fact.before_answer) return;
      outcome = kTransferredOutBeforeAnswer;
      break;
    case FactType::kSlBreached:
      break;
    default:
      return;
  }
  const UnixMs t = fact.time_ms;
  // A fact stamped after the current interval moves the calendar on now (the engine's
  // OnAdvance follows at the end of the batch), so the values do not depend on batch sizes.
  RollTo(t);
  PerQueue& pq = Queue(fact.queue);
  const CalendarWindow::Slot slot = pq.calendar.Locate(t);
  auto add = [&](int counter, std::int64_t delta) {
    pq.sliding.Add(t, counter, delta);
    pq.calendar.Add(slot, counter, delta);
  };
  if (outcome >= 0) add(outcome, 1);
  if (fact.type == FactType::kAnswered) add(kAnsweredWaitMs, fact.wait_ms);
  if (fact.type == FactType::kAbandoned) {
    add(kAbandonedWaitMs, fact.wait_ms);
    if (fact.short_abandon) add(kShortAbandoned, 1);
  }
  ForEachSlEvent(fact, pq.thresholds_ms.data(), ThresholdCount(pq.thresholds_ms),
                 [&](std::size_t i, SlPart part) { add(SlCounter(i, part), 1); });
}

void WindowCollector::OnAdvance(UnixMs now_ms) {
  const std::int64_t second = SlidingWindow::SecondOf(now_ms);
  if (second > advanced_second_) {
    advanced_second_ = second;
    for (PerQueue& pq : queues_) {
      if (pq.ready) pq.sliding.Advance(now_ms);
    }
  }
  RollTo(now_ms);
}

CalendarBounds WindowCollector::BoundsAt(UnixMs now) const {
  if (clock_known_ && now < bounds_.interval_end) return bounds_;
  return grid_.BoundsAt(now);
}

std::int64_t WindowCollector::Read(const PerQueue& pq, Window window, int counter, UnixMs now,
                                   const CalendarBounds& at) const {
  if (IsCalendar(window)) return pq.calendar.ValueAt(PeriodOf(window), counter, at);
  return pq.sliding.SumAt(SpanOf(window), counter, now);
}

std::int64_t WindowCollector::value(state::QueueId q, Window window, int counter,
                                    UnixMs now) const {
  if (q >= queues_.size() || !queues_[q].ready) return 0;
  const PerQueue& pq = queues_[q];
  if (counter < 0 || counter >= pq.sliding.counters()) return 0;
  return Read(pq, window, counter, now, BoundsAt(now));
}

void WindowCollector::Collect(const CollectContext& ctx,
                              std::vector<prometheus::MetricFamily>* out) const {
  const state::QueueRegistry& registry = ctx.model.queues;
  const UnixMs now = ctx.event_now_ms;
  const CalendarBounds at = BoundsAt(now);

  const std::size_t first = out->size();
  AddFamily(out, "callcenter_queue_window_contacts",
            "Exact count over the window of contacts offered to the queue and of their outcomes, "
            "each counted at its own event time (so offered is not the sum of the outcomes).",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_window_service_level_events",
            "Exact count over the window of service-level events by part, counted at the SL "
            "event (outcome within the threshold, or the crossing of it).",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_window_asa_seconds",
            "Average speed of answer: mean wait of the contacts answered in the window; absent "
            "when none was answered.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_window_abandon_wait_seconds",
            "Mean wait of the contacts abandoned in the window, short abandons included; absent "
            "when none abandoned.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_queue_window_service_level_ratio",
            "Service level over the calendar window with the configured formula (0-1); absent "
            "when the window has no service-level event in the denominator.",
            MetricType::Gauge);
  AddFamily(out, "callcenter_window_start_timestamp_seconds",
            "Start of the calendar window in the configured time zone, Unix seconds.",
            MetricType::Gauge);
  AddFamily(out, "ccmond_window_time_zone_info",
            "The time zone the calendar windows are aligned to (UTC when the configured one "
            "could not be loaded).",
            MetricType::Gauge);
  auto family = [&](int i) { return &(*out)[first + static_cast<std::size_t>(i)]; };

  for (state::QueueId q = 0; q < registry.size(); ++q) {
    const std::string_view queue = registry.Name(q);
    const state::QueueSettings& settings = registry.Settings(q);
    // A queue created or reconfigured since the last fact has nothing counted yet.
    const PerQueue* pq = q < queues_.size() && InSync(queues_[q], settings) ? &queues_[q] : nullptr;
    const std::size_t n = ThresholdCount(settings.sl_thresholds_ms);
    std::vector<std::string> thresholds(n);
    for (std::size_t i = 0; i < n; ++i) {
      thresholds[i] = ThresholdLabel(settings.sl_thresholds_ms[i]);
    }

    for (const Window window : kWindows) {
      const std::string_view name = WindowName(window);
      auto get = [&](int counter) {
        return pq == nullptr ? std::int64_t{0} : Read(*pq, window, counter, now, at);
      };
      for (std::size_t o = 0; o < kOutcomes.size(); ++o) {
        AddSample(family(0), {{"queue", queue}, {"window", name}, {"outcome", kOutcomes[o]}},
                  static_cast<double>(get(static_cast<int>(o))));
      }
      const std::int64_t answered = get(kAnswered);
      if (answered > 0) {
        AddSample(family(2), {{"queue", queue}, {"window", name}},
                  Seconds(get(kAnsweredWaitMs)) / static_cast<double>(answered));
      }
      const std::int64_t abandoned = get(kAbandoned);
      if (abandoned > 0) {
        AddSample(family(3), {{"queue", queue}, {"window", name}},
                  Seconds(get(kAbandonedWaitMs)) / static_cast<double>(abandoned));
      }
      for (std::size_t i = 0; i < n; ++i) {
        std::array<std::int64_t, kSlPartCount> parts{};
        for (int p = 0; p < kSlPartCount; ++p) {
          parts[static_cast<std::size_t>(p)] = get(SlCounter(i, static_cast<SlPart>(p)));
          AddSample(family(1),
                    {{"queue", queue},
                     {"window", name},
                     {"threshold", thresholds[i]},
                     {"part", kSlParts[static_cast<std::size_t>(p)]}},
                    static_cast<double>(parts[static_cast<std::size_t>(p)]));
        }
        double ratio = 0;
        auto part = [&](SlPart p) { return parts[static_cast<std::size_t>(p)]; };
        if (IsCalendar(window) &&
            ServiceLevelCollector::Ratio(
                formula_, part(SlPart::kAnsweredWithin), part(SlPart::kAbandonedWithin),
                part(SlPart::kShortAbandonedWithin), part(SlPart::kBreached), &ratio)) {
          AddSample(family(4), {{"queue", queue}, {"window", name}, {"threshold", thresholds[i]}},
                    ratio);
        }
      }
    }
  }

  // Before any event time is known there is no meaningful interval to show.
  if (clock_known_ || now > 0) {
    AddSample(family(5), {{"window", "interval"}}, Seconds(at.interval_start));
    AddSample(family(5), {{"window", "last_interval"}}, Seconds(at.last_interval_start));
    AddSample(family(5), {{"window", "today"}}, Seconds(at.day_start));
  }
  AddSample(family(6), {{"time_zone", grid_.zone().name()}}, 1);
}

}  // namespace ccmon::collectors
