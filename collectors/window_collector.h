// WindowCollector: exact window values per queue (DESIGN §3 "Windows"; docs/metrics.md "Window
// values"). For every queue and window in {5m, 15m, 1h, interval, last_interval, today}:
//
//   callcenter_queue_window_contacts{queue,window,outcome}
//       outcome = offered | answered | abandoned | short_abandoned | exited |
//                 transferred_out_before_answer
//   callcenter_queue_window_service_level_events{queue,window,threshold,part}
//       part = answered_within | abandoned_within | short_abandoned_within | exited_within |
//              breached (the SL-event rule of collectors/service_level_event.h)
//   callcenter_queue_window_asa_seconds{queue,window}           mean wait of the answered
//   callcenter_queue_window_abandon_wait_seconds{queue,window}  mean wait of the abandoned
//   callcenter_queue_window_service_level_ratio{queue,window,threshold}
//       window = interval | last_interval | today (the sliding ratio is ServiceLevelCollector's)
//   callcenter_window_start_timestamp_seconds{window="interval"|"last_interval"|"today"}
//   ccmond_window_time_zone_info{time_zone}
//
// Attribution: a count belongs to the window that contains its fact's event time. Offered is
// stamped when the contact enters the queue, outcomes when they happen and breaches at
// enqueue + T, so per window offered ≠ the sum of the outcomes (a contact offered at 10:14:50
// and answered at 10:15:20 is offered in the 10:00 interval and answered in the 10:15 one), as
// on Genesys Cloud. ASA and the mean abandon wait are exact sums of waits over counts of the
// same window; both are absent when the window has no such contact, and the ratio is absent when
// its denominator is 0.
//
// Sliding windows are SlidingWindow (1-second grid, (now − W, now]); calendar windows are
// CalendarWindow on a CalendarGrid in the configured zone (WindowOptions). Both are driven by
// the event clock only — facts' own times and OnAdvance() — so a replay gives the values the
// live run gave. Calendar windows roll forward when a fact is stamped after the current interval
// and in OnAdvance(); a scrape reads them as of the event clock without mutating.
//
// Memory per queue: the calendar windows are 3 × K counters (K = 8 + 5 × thresholds); the
// sliding windows hold K counters per second that had facts in the last hour. The fact path does
// no lookup and no allocation beyond SlidingWindow's amortised ring growth.
//
// If the configured zone cannot be loaded (the config loader validates it first, so only a file
// removed since), the collector logs an error and uses UTC; ccmond_window_time_zone_info shows
// the zone in effect. If a queue's thresholds change, its windows restart from 0.
//
// Engine thread only (see Collector).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "collectors/calendar_window.h"
#include "collectors/collector.h"
#include "collectors/service_level_event.h"
#include "collectors/sliding_window.h"

namespace ccmon::collectors {

class WindowCollector final : public Collector {
 public:
  enum class Window : std::uint8_t { k5m = 0, k15m, k1h, kInterval, kLastInterval, kToday };
  static constexpr int kWindowCount = 6;
  static constexpr std::array<Window, kWindowCount> kWindows{
      Window::k5m,       Window::k15m,          Window::k1h,
      Window::kInterval, Window::kLastInterval, Window::kToday};
  // Label value of a window ("5m", …, "today").
  static std::string_view WindowName(Window window);

  // The counters of each window. The SL-event parts of threshold i follow: SlCounter(i, part).
  enum Counter : int {
    kOffered = 0,
    kAnswered,
    kAbandoned,
    kShortAbandoned,  // A subset of kAbandoned.
    kExited,          // All exit reasons (callback requests included).
    kTransferredOutBeforeAnswer,
    kAnsweredWaitMs,   // Sum of the waits of the answered (ASA).
    kAbandonedWaitMs,  // Sum of the waits of the abandoned.
  };
  static constexpr int kBaseCounters = 8;
  static constexpr int SlCounter(std::size_t threshold_index, SlPart part) {
    return kBaseCounters + static_cast<int>(threshold_index) * kSlPartCount +
           static_cast<int>(part);
  }

  // `model` must outlive the collector. options.windows names the zone and interval length.
  WindowCollector(const CollectorOptions& options, const state::Model& model);

  std::string_view Name() const override { return "windows"; }
  void OnFact(const state::Fact& fact) override;
  void OnAdvance(UnixMs now_ms) override;
  void Collect(const CollectContext& ctx,
               std::vector<prometheus::MetricFamily>* out) const override;

  // Counter `counter` of queue q over `window` as a scrape at event time `now` would read it
  // (0 for an unknown queue or counter). For tests and the wallboard.
  std::int64_t value(state::QueueId q, Window window, int counter, UnixMs now) const;

  // The calendar windows a scrape at event time `now` reports.
  CalendarBounds BoundsAt(UnixMs now) const;

  const CalendarGrid& grid() const { return grid_; }
  // OK, or why the configured zone or interval was replaced by UTC / 15 minutes.
  const Status& options_status() const { return options_status_; }

 private:
  struct PerQueue {
    bool ready = false;
    std::vector<std::int64_t> thresholds_ms;  // The thresholds the SL counters are for.
    SlidingWindow sliding;
    CalendarWindow calendar;
  };

  static CalendarGrid MakeGrid(const WindowOptions& options, Status* status);
  // The state of q, created or reset for the queue's current thresholds as needed.
  PerQueue& Queue(state::QueueId q);
  static bool InSync(const PerQueue& pq, const state::QueueSettings& settings);
  // Rolls the calendar windows to the bounds of event time t (if later).
  void RollTo(UnixMs t);
  // The counters of q for `window` at `now` against the calendar bounds `at`.
  std::int64_t Read(const PerQueue& pq, Window window, int counter, UnixMs now,
                    const CalendarBounds& at) const;

  SlFormula formula_;
  const state::Model& model_;
  Status options_status_;
  CalendarGrid grid_;
  bool clock_known_ = false;      // Some fact or advance has set bounds_.
  CalendarBounds bounds_;         // The calendar windows of the latest event time.
  std::int64_t advanced_second_;  // SlidingWindow::SecondOf of the latest OnAdvance (0: none).
  std::vector<PerQueue> queues_;
};

}  // namespace ccmon::collectors
