// WindowCollector from hand-written facts: attribution of each count to the window of its own
// event time across an interval boundary and local midnight (Europe/Berlin), the last completed
// interval, ASA / abandon wait / SL ratio per window, the exposition, and replay-order
// independence against a brute-force recount of a randomized fact stream.
#include "collectors/window_collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/collectors/scrape_lookup.h"

namespace ccmon::collectors {
namespace {

using scrape_lookup::Scrape;
using scrape_lookup::SeriesCount;
using scrape_lookup::Value;
using state::Fact;
using state::FactType;
using W = WindowCollector::Window;

constexpr UnixMs kSec = 1000;
constexpr UnixMs kMin = 60 * kSec;
constexpr UnixMs kHour = 60 * kMin;
// 2024-06-15 00:00 CEST = 2024-06-14 22:00 UTC.
constexpr UnixMs kJune15 = 1'718'402'400 * kSec;
// Berlin wall-clock time h:m:s on June 15 (h ≥ 24: the next day).
constexpr UnixMs Local(int h, int m, int s = 0) {
  return kJune15 + h * kHour + m * kMin + s * kSec;
}

class Windows : public ::testing::Test {
 protected:
  Windows() : model_(state::QueueRegistryOptions{}) {
    state::QueueSettings settings;
    settings.sl_thresholds_ms = {20'000};
    sales_ = model_.queues.Declare("sales", settings);
    settings.sl_thresholds_ms = {20'000, 60'000};
    support_ = model_.queues.Declare("support", settings);
    options_.windows.time_zone = "Europe/Berlin";
    options_.windows.interval_minutes = 15;
  }

  Fact Offered(state::QueueId q, UnixMs t) {
    Fact f;
    f.type = FactType::kOffered;
    f.queue = q;
    f.time_ms = t;
    f.enqueue_ms = t;
    return f;
  }
  Fact Outcome(FactType type, state::QueueId q, UnixMs enqueue, std::int64_t wait,
               std::uint32_t breached_mask = 0) {
    Fact f;
    f.type = type;
    f.queue = q;
    f.enqueue_ms = enqueue;
    f.time_ms = enqueue + wait;
    f.wait_ms = wait;
    f.breached_mask = breached_mask;
    if (type == FactType::kTransferredOut) f.before_answer = true;
    return f;
  }
  Fact Breach(state::QueueId q, UnixMs enqueue, std::uint8_t i) {
    Fact f;
    f.type = FactType::kSlBreached;
    f.queue = q;
    f.enqueue_ms = enqueue;
    f.time_ms = enqueue + model_.queues.Settings(q).sl_thresholds_ms[i];
    f.threshold_index = i;
    return f;
  }

  // The interval 10:00–10:15 of June 15 in sales (threshold 20 s):
  //   c1 offered 10:01:00, answered 10 s later                      → A
  //   c2 offered 10:02:00, abandoned 3 s later (short)              → B, S
  //   c3 offered 10:03:00, breach 10:03:20, abandoned at 40 s       → R
  //   c4 offered 10:04:00, exited 5 s later                         → E
  //   c5 offered 10:05:00, breach 10:05:20, transferred out at 30 s → R
  //   c6 offered 10:06:00, answered at exactly 20 s                 → A
  // Then c7 offered 10:14:50, breach 10:15:10, answered 10:15:20 (wait 30 s) → R, in 10:15–10:30.
  void FeedScenario(WindowCollector* c) {
    FeedFirstInterval(c);
    FeedC7Outcome(c);
  }
  void FeedFirstInterval(WindowCollector* c) {
    Feed(c, Offered(sales_, Local(10, 1)));
    Feed(c, Outcome(FactType::kAnswered, sales_, Local(10, 1), 10 * kSec));
    Feed(c, Offered(sales_, Local(10, 2)));
    Fact short_abandon = Outcome(FactType::kAbandoned, sales_, Local(10, 2), 3 * kSec);
    short_abandon.short_abandon = true;
    Feed(c, short_abandon);
    Feed(c, Offered(sales_, Local(10, 3)));
    Feed(c, Breach(sales_, Local(10, 3), 0));
    Feed(c, Outcome(FactType::kAbandoned, sales_, Local(10, 3), 40 * kSec, 0b1));
    Feed(c, Offered(sales_, Local(10, 4)));
    Feed(c, Outcome(FactType::kExited, sales_, Local(10, 4), 5 * kSec));
    Feed(c, Offered(sales_, Local(10, 5)));
    Feed(c, Breach(sales_, Local(10, 5), 0));
    Feed(c, Outcome(FactType::kTransferredOut, sales_, Local(10, 5), 30 * kSec, 0b1));
    Feed(c, Offered(sales_, Local(10, 6)));
    Feed(c, Outcome(FactType::kAnswered, sales_, Local(10, 6), 20 * kSec));
    Feed(c, Offered(sales_, Local(10, 14, 50)));
  }
  void FeedC7Outcome(WindowCollector* c) {
    Feed(c, Breach(sales_, Local(10, 14, 50), 0));
    Feed(c, Outcome(FactType::kAnswered, sales_, Local(10, 14, 50), 30 * kSec, 0b1));
  }
  // One fact per batch: the engine advances the clock to the fact's time after it.
  static void Feed(WindowCollector* c, const Fact& f) {
    c->OnFact(f);
    c->OnAdvance(f.time_ms);
  }

  std::optional<double> Contacts(const std::vector<prometheus::MetricFamily>& families,
                                 const char* window, const char* outcome,
                                 const char* queue = "sales") {
    return Value(families, "callcenter_queue_window_contacts",
                 {{"queue", queue}, {"window", window}, {"outcome", outcome}});
  }
  std::optional<double> SlEvents(const std::vector<prometheus::MetricFamily>& families,
                                 const char* window, const char* part) {
    return Value(families, "callcenter_queue_window_service_level_events",
                 {{"queue", "sales"}, {"window", window}, {"threshold", "20"}, {"part", part}});
  }
  std::optional<double> PerWindow(const std::vector<prometheus::MetricFamily>& families,
                                  const char* name, const char* window) {
    return Value(families, name, {{"queue", "sales"}, {"window", window}});
  }
  std::optional<double> Ratio(const std::vector<prometheus::MetricFamily>& families,
                              const char* window) {
    return Value(families, "callcenter_queue_window_service_level_ratio",
                 {{"queue", "sales"}, {"window", window}, {"threshold", "20"}});
  }

  CollectorOptions options_;
  state::Model model_;
  state::QueueId sales_;
  state::QueueId support_;
};

TEST_F(Windows, IntervalHoldsExactCountsAsOfItsOwnFacts) {
  WindowCollector collector(options_, model_);
  ASSERT_TRUE(collector.options_status().ok()) << collector.options_status().message();
  FeedFirstInterval(&collector);
  // At 10:14:55 only c7's offer is in the 10:00 interval beyond c1–c6.
  const auto f = Scrape(collector, model_, Local(10, 14, 55));
  EXPECT_EQ(Contacts(f, "interval", "offered"), 7.0);
  EXPECT_EQ(Contacts(f, "interval", "answered"), 2.0);
  EXPECT_EQ(Contacts(f, "interval", "abandoned"), 2.0);
  EXPECT_EQ(Contacts(f, "interval", "short_abandoned"), 1.0);
  EXPECT_EQ(Contacts(f, "interval", "exited"), 1.0);
  EXPECT_EQ(Contacts(f, "interval", "transferred_out_before_answer"), 1.0);
  EXPECT_EQ(SlEvents(f, "interval", "answered_within"), 2.0);
  EXPECT_EQ(SlEvents(f, "interval", "abandoned_within"), 1.0);
  EXPECT_EQ(SlEvents(f, "interval", "short_abandoned_within"), 1.0);
  EXPECT_EQ(SlEvents(f, "interval", "exited_within"), 1.0);
  EXPECT_EQ(SlEvents(f, "interval", "breached"), 2.0);
  EXPECT_EQ(PerWindow(f, "callcenter_queue_window_asa_seconds", "interval"), 15.0);  // (10+20)/2
  EXPECT_EQ(PerWindow(f, "callcenter_queue_window_abandon_wait_seconds", "interval"), 21.5);
  // A / (A + B − S + R) = 2 / (2 + 1 − 1 + 2).
  EXPECT_EQ(Ratio(f, "interval"), 0.5);
}

TEST_F(Windows, CountsBelongToTheIntervalOfTheirOwnTimeSoOfferedIsNotTheSumOfOutcomes) {
  WindowCollector collector(options_, model_);
  FeedScenario(&collector);
  const auto f = Scrape(collector, model_, Local(10, 16));
  // c7 was offered in the 10:00 interval but breached and answered in the 10:15 one.
  EXPECT_EQ(Contacts(f, "interval", "offered"), 0.0);
  EXPECT_EQ(Contacts(f, "interval", "answered"), 1.0);
  EXPECT_EQ(SlEvents(f, "interval", "breached"), 1.0);
  EXPECT_EQ(PerWindow(f, "callcenter_queue_window_asa_seconds", "interval"), 30.0);
  EXPECT_FALSE(PerWindow(f, "callcenter_queue_window_abandon_wait_seconds", "interval"));
  EXPECT_EQ(Ratio(f, "interval"), 0.0);
  // The completed 10:00 interval is kept whole.
  EXPECT_EQ(Contacts(f, "last_interval", "offered"), 7.0);
  EXPECT_EQ(Contacts(f, "last_interval", "answered"), 2.0);
  EXPECT_EQ(SlEvents(f, "last_interval", "breached"), 2.0);
  EXPECT_EQ(Ratio(f, "last_interval"), 0.5);
  // Today has everything: 2 / (2 + 1 − 1 + 3).
  EXPECT_EQ(Contacts(f, "today", "offered"), 7.0);
  EXPECT_EQ(Contacts(f, "today", "answered"), 3.0);
  EXPECT_EQ(Ratio(f, "today"), 0.4);
  EXPECT_EQ(PerWindow(f, "callcenter_queue_window_asa_seconds", "today"), 20.0);  // 60 s / 3
  // Sliding 5 m at 10:16:00 covers (10:11:00, 10:16:00]: c7 only.
  EXPECT_EQ(Contacts(f, "5m", "offered"), 1.0);
  EXPECT_EQ(Contacts(f, "5m", "answered"), 1.0);
  EXPECT_EQ(SlEvents(f, "5m", "breached"), 1.0);
  EXPECT_EQ(Contacts(f, "1h", "offered"), 7.0);
  EXPECT_EQ(Contacts(f, "1h", "answered"), 3.0);
  // The sliding ratio is ServiceLevelCollector's; only calendar windows have one here.
  EXPECT_FALSE(Ratio(f, "5m"));
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_window_service_level_ratio"), 3u);
}

TEST_F(Windows, LastIntervalIsKeptUntilTheNextBoundaryThenForgotten) {
  WindowCollector collector(options_, model_);
  FeedScenario(&collector);
  collector.OnAdvance(Local(10, 29, 59));
  EXPECT_EQ(collector.value(sales_, W::kLastInterval, WindowCollector::kOffered, Local(10, 29, 59)),
            7);
  EXPECT_EQ(collector.value(sales_, W::kInterval, WindowCollector::kAnswered, Local(10, 29, 59)),
            1);
  collector.OnAdvance(Local(10, 30));
  // 10:15–10:30 is now the last interval: c7's answer, no offer.
  EXPECT_EQ(collector.value(sales_, W::kLastInterval, WindowCollector::kOffered, Local(10, 30)), 0);
  EXPECT_EQ(collector.value(sales_, W::kLastInterval, WindowCollector::kAnswered, Local(10, 30)),
            1);
  EXPECT_EQ(collector.value(sales_, W::kInterval, WindowCollector::kAnswered, Local(10, 30)), 0);
  collector.OnAdvance(Local(10, 45));
  EXPECT_EQ(collector.value(sales_, W::kLastInterval, WindowCollector::kAnswered, Local(10, 45)),
            0);
  EXPECT_EQ(collector.value(sales_, W::kToday, WindowCollector::kAnswered, Local(10, 45)), 3);
}

TEST_F(Windows, ScrapeAfterTheClockMovedReadsTheWindowsAsOfThen) {
  WindowCollector collector(options_, model_);
  FeedScenario(&collector);  // Last advance 10:15:20.
  const auto f = Scrape(collector, model_, Local(10, 31));
  EXPECT_EQ(Contacts(f, "interval", "answered"), 0.0);
  EXPECT_EQ(Contacts(f, "last_interval", "answered"), 1.0);
  EXPECT_EQ(Contacts(f, "today", "answered"), 3.0);
  EXPECT_EQ(Value(f, "callcenter_window_start_timestamp_seconds", {{"window", "interval"}}),
            static_cast<double>(Local(10, 30) / kSec));
  EXPECT_EQ(Value(f, "callcenter_window_start_timestamp_seconds", {{"window", "last_interval"}}),
            static_cast<double>(Local(10, 15) / kSec));
  EXPECT_EQ(Value(f, "callcenter_window_start_timestamp_seconds", {{"window", "today"}}),
            static_cast<double>(kJune15 / kSec));
}

TEST_F(Windows, LocalMidnightStartsTodayAfreshWhileSlidingWindowsSpanIt) {
  WindowCollector collector(options_, model_);
  auto feed = [&](const Fact& f) {
    collector.OnFact(f);
    collector.OnAdvance(f.time_ms);
  };
  feed(Offered(sales_, Local(23, 50)));
  feed(Outcome(FactType::kAnswered, sales_, Local(23, 50), 15 * kSec));
  feed(Offered(sales_, Local(23, 58)));
  feed(Offered(sales_, Local(24, 2)));
  feed(Outcome(FactType::kAbandoned, sales_, Local(23, 58), 4 * kMin, 0b1));  // At 00:02.
  const UnixMs now = Local(24, 5);
  collector.OnAdvance(now);
  auto v = [&](W w, int counter) { return collector.value(sales_, w, counter, now); };
  EXPECT_EQ(v(W::kToday, WindowCollector::kOffered), 1);
  EXPECT_EQ(v(W::kToday, WindowCollector::kAbandoned), 1);
  EXPECT_EQ(v(W::kToday, WindowCollector::kAnswered), 0);
  EXPECT_EQ(v(W::kInterval, WindowCollector::kOffered), 1);
  // 23:45–24:00 of June 15 is the last interval: both offers before midnight and the answer.
  EXPECT_EQ(v(W::kLastInterval, WindowCollector::kOffered), 2);
  EXPECT_EQ(v(W::kLastInterval, WindowCollector::kAnswered), 1);
  // 15 m covers (23:50:00, 00:05:00]: the offer at 23:50:00 is exactly 15 min old, so out.
  EXPECT_EQ(v(W::k15m, WindowCollector::kOffered), 2);
  EXPECT_EQ(v(W::k1h, WindowCollector::kOffered), 3);
  EXPECT_EQ(v(W::k1h, WindowCollector::kAnswered), 1);
  EXPECT_EQ(v(W::k1h, WindowCollector::kAbandonedWaitMs), 4 * kMin);
  EXPECT_EQ(collector.BoundsAt(now).day_start, Local(24, 0));
}

TEST_F(Windows, TodayIsExactOnTheTwentyFiveHourDay) {
  WindowCollector collector(options_, model_);
  // 2024-10-27 in Berlin: 10-26 22:00 UTC to 10-27 23:00 UTC.
  const UnixMs day_start = 1'729'980'000 * kSec;
  const UnixMs day_end = 1'730'070'000 * kSec;
  collector.OnFact(Offered(sales_, day_start - 1));  // The 26th.
  collector.OnFact(Offered(sales_, day_start));
  collector.OnFact(Offered(sales_, day_start + 2 * kHour + 30 * kMin));  // 02:30 CEST.
  collector.OnFact(Offered(sales_, day_start + 3 * kHour + 30 * kMin));  // 02:30 CET.
  collector.OnFact(Offered(sales_, day_end - 1));                        // 23:59:59.999 CET.
  collector.OnAdvance(day_end - 1);
  EXPECT_EQ(collector.value(sales_, W::kToday, WindowCollector::kOffered, day_end - 1), 4);
  collector.OnAdvance(day_end);
  EXPECT_EQ(collector.value(sales_, W::kToday, WindowCollector::kOffered, day_end), 0);
}

TEST_F(Windows, EveryQueueAndWindowHasItsSeriesFromTheStart) {
  WindowCollector collector(options_, model_);
  const auto f = Scrape(collector, model_, 0);
  // 2 queues × 6 windows × 6 outcomes.
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_window_contacts"), 72u);
  // sales: 1 threshold, support: 2; × 6 windows × 5 parts.
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_window_service_level_events"), 90u);
  EXPECT_EQ(Contacts(f, "today", "offered", "support"), 0.0);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_window_asa_seconds"), 0u);
  EXPECT_EQ(SeriesCount(f, "callcenter_queue_window_service_level_ratio"), 0u);
  // No event time yet: no interval to name.
  EXPECT_EQ(SeriesCount(f, "callcenter_window_start_timestamp_seconds"), 0u);
  EXPECT_EQ(Value(f, "ccmond_window_time_zone_info", {{"time_zone", "Europe/Berlin"}}), 1.0);
}

TEST_F(Windows, UnloadableZoneFallsBackToUtcVisibly) {
  options_.windows.time_zone = "Mars/Olympus_Mons";
  options_.windows.interval_minutes = 7;
  WindowCollector collector(options_, model_);
  const std::string& message = collector.options_status().message();
  EXPECT_NE(message.find("windows.interval"), std::string::npos) << message;
  EXPECT_NE(message.find("\"Mars/Olympus_Mons\""), std::string::npos) << message;
  EXPECT_EQ(collector.grid().zone().name(), "UTC");
  EXPECT_EQ(collector.grid().interval_minutes(), 15);
  const auto f = Scrape(collector, model_, 0);
  EXPECT_EQ(Value(f, "ccmond_window_time_zone_info", {{"time_zone", "UTC"}}), 1.0);
}

TEST_F(Windows, ChangedThresholdsRestartTheQueuesWindows) {
  WindowCollector collector(options_, model_);
  collector.OnFact(Offered(sales_, Local(10, 0)));
  collector.OnAdvance(Local(10, 0));
  state::QueueSettings settings = model_.queues.Settings(sales_);
  settings.sl_thresholds_ms = {30'000};
  model_.queues.Declare("sales", settings);
  EXPECT_EQ(collector.value(sales_, W::kToday, WindowCollector::kOffered, Local(10, 1)), 1);
  collector.OnFact(Offered(sales_, Local(10, 1)));
  EXPECT_EQ(collector.value(sales_, W::kToday, WindowCollector::kOffered, Local(10, 1)), 1);
  const auto f = Scrape(collector, model_, Local(10, 1));
  EXPECT_TRUE(
      Value(f, "callcenter_queue_window_service_level_events",
            {{"queue", "sales"}, {"window", "today"}, {"threshold", "30"}, {"part", "breached"}}));
}

// A randomized stream: contacts in two queues from 22:30 to 01:30 local, each offered, possibly
// breaching, and ending in one outcome. Breach facts are emitted after the next fact (the
// lifecycle notices a crossing only when a later event moves the clock), so fact times are not
// monotonic in emission order.
std::vector<Fact> RandomStream(state::QueueId q0, state::QueueId q1) {
  std::uint64_t seed = 0x9e3779b97f4a7c15ULL;
  auto next = [&](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  std::vector<Fact> facts;
  for (UnixMs t = Local(22, 30); t < Local(25, 30); t += static_cast<UnixMs>(next(40'000))) {
    const state::QueueId q = next(3) == 0 ? q1 : q0;
    Fact offered;
    offered.type = FactType::kOffered;
    offered.queue = q;
    offered.time_ms = offered.enqueue_ms = t;
    facts.push_back(offered);
    const std::int64_t wait = static_cast<std::int64_t>(next(90'000));
    Fact out;
    out.queue = q;
    out.enqueue_ms = t;
    out.time_ms = t + wait;
    out.wait_ms = wait;
    switch (next(4)) {
      case 0:
      case 1:
        out.type = FactType::kAnswered;
        break;
      case 2:
        out.type = FactType::kAbandoned;
        out.short_abandon = wait <= 5'000;
        break;
      default:
        out.type = next(2) == 0 ? FactType::kExited : FactType::kTransferredOut;
        out.before_answer = true;
        break;
    }
    const std::vector<std::int64_t> thresholds =
        q == q1 ? std::vector<std::int64_t>{20'000, 60'000} : std::vector<std::int64_t>{20'000};
    for (std::size_t i = 0; i < thresholds.size(); ++i) {
      if (wait <= thresholds[i]) continue;
      Fact breach;
      breach.type = FactType::kSlBreached;
      breach.queue = q;
      breach.enqueue_ms = t;
      breach.time_ms = t + thresholds[i];
      breach.threshold_index = static_cast<std::uint8_t>(i);
      facts.push_back(breach);
      out.breached_mask |= 1u << i;
    }
    facts.push_back(out);
  }
  std::stable_sort(facts.begin(), facts.end(),
                   [](const Fact& a, const Fact& b) { return a.time_ms < b.time_ms; });
  for (std::size_t i = 0; i + 1 < facts.size(); ++i) {
    if (facts[i].type == FactType::kSlBreached) {
      std::swap(facts[i], facts[i + 1]);
      ++i;
    }
  }
  return facts;
}

// Feeds `facts`, calling OnAdvance(latest time) after every `batch` facts (0: only at the end).
void Replay(WindowCollector* c, const std::vector<Fact>& facts, std::size_t batch, UnixMs end) {
  UnixMs clock = 0;
  std::size_t in_batch = 0;
  for (const Fact& f : facts) {
    c->OnFact(f);
    clock = std::max(clock, f.time_ms);
    if (batch != 0 && ++in_batch >= batch) {
      c->OnAdvance(clock);
      in_batch = 0;
    }
  }
  c->OnAdvance(end);
}

TEST_F(Windows, ReplayGivesTheSameValuesWhateverTheBatchBoundariesAndMatchesARecount) {
  const std::vector<Fact> facts = RandomStream(sales_, support_);
  ASSERT_GT(facts.size(), 1000u);
  const UnixMs end = Local(25, 33);  // A whole second, 3 minutes after the last arrival.

  WindowCollector per_fact(options_, model_);
  WindowCollector batched(options_, model_);
  WindowCollector one_batch(options_, model_);
  Replay(&per_fact, facts, 1, end);
  Replay(&batched, facts, 97, end);
  Replay(&one_batch, facts, 0, end);

  const CalendarBounds at = per_fact.BoundsAt(end);
  ASSERT_EQ(at.day_start, Local(24, 0));
  ASSERT_EQ(at.interval_start, Local(25, 30));
  // Brute force: every fact's contributions, summed over the facts stamped inside each window.
  auto in_window = [&](W w, UnixMs t) {
    switch (w) {
      case W::k5m:
        return t > end - 5 * kMin && t <= end;
      case W::k15m:
        return t > end - 15 * kMin && t <= end;
      case W::k1h:
        return t > end - kHour && t <= end;
      case W::kInterval:
        return t >= at.interval_start && t < at.interval_end;
      case W::kLastInterval:
        return t >= at.last_interval_start && t < at.interval_start;
      case W::kToday:
        return t >= at.day_start && t < at.day_end;
    }
    return false;
  };
  for (const state::QueueId q : {sales_, support_}) {
    const std::vector<std::int64_t>& thresholds = model_.queues.Settings(q).sl_thresholds_ms;
    const int counters = WindowCollector::SlCounter(thresholds.size(), SlPart::kAnsweredWithin);
    for (const W w : WindowCollector::kWindows) {
      std::vector<std::int64_t> expected(static_cast<std::size_t>(counters), 0);
      for (const Fact& f : facts) {
        if (f.queue != q || !in_window(w, f.time_ms)) continue;
        auto add = [&](int c, std::int64_t d) { expected[static_cast<std::size_t>(c)] += d; };
        switch (f.type) {
          case FactType::kOffered:
            add(WindowCollector::kOffered, 1);
            break;
          case FactType::kAnswered:
            add(WindowCollector::kAnswered, 1);
            add(WindowCollector::kAnsweredWaitMs, f.wait_ms);
            break;
          case FactType::kAbandoned:
            add(WindowCollector::kAbandoned, 1);
            add(WindowCollector::kAbandonedWaitMs, f.wait_ms);
            if (f.short_abandon) add(WindowCollector::kShortAbandoned, 1);
            break;
          case FactType::kExited:
            add(WindowCollector::kExited, 1);
            break;
          case FactType::kTransferredOut:
            add(WindowCollector::kTransferredOutBeforeAnswer, 1);
            break;
          default:
            break;
        }
        ForEachSlEvent(f, thresholds.data(), thresholds.size(),
                       [&](std::size_t i, SlPart p) { add(WindowCollector::SlCounter(i, p), 1); });
      }
      for (int c = 0; c < counters; ++c) {
        const std::int64_t want = expected[static_cast<std::size_t>(c)];
        EXPECT_EQ(per_fact.value(q, w, c, end), want)
            << WindowCollector::WindowName(w) << " counter " << c << " queue " << q;
        EXPECT_EQ(batched.value(q, w, c, end), want)
            << WindowCollector::WindowName(w) << " counter " << c << " queue " << q;
        EXPECT_EQ(one_batch.value(q, w, c, end), want)
            << WindowCollector::WindowName(w) << " counter " << c << " queue " << q;
      }
    }
  }
  // The last interval and today are not empty, or the test proves little.
  EXPECT_GT(per_fact.value(sales_, W::kLastInterval, WindowCollector::kOffered, end), 0);
  EXPECT_GT(per_fact.value(sales_, W::kToday, WindowCollector::kAnswered, end), 10);
}

TEST(WindowCollectorNames, WindowLabels) {
  EXPECT_EQ(WindowCollector::WindowName(WindowCollector::Window::k5m), "5m");
  EXPECT_EQ(WindowCollector::WindowName(WindowCollector::Window::k15m), "15m");
  EXPECT_EQ(WindowCollector::WindowName(WindowCollector::Window::k1h), "1h");
  EXPECT_EQ(WindowCollector::WindowName(WindowCollector::Window::kInterval), "interval");
  EXPECT_EQ(WindowCollector::WindowName(WindowCollector::Window::kLastInterval), "last_interval");
  EXPECT_EQ(WindowCollector::WindowName(WindowCollector::Window::kToday), "today");
}

}  // namespace
}  // namespace ccmon::collectors
