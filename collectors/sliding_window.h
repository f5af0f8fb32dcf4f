// SlidingWindow: exact sliding-window sums of K counters over the last 5 minutes, 15 minutes and
// 1 hour of event time (DESIGN §3 "Windows"), at 1-second resolution.
//
// Collectors keep one SlidingWindow per queue (e.g. the service-level parts of each threshold)
// and read the window values at scrape time next to their monotonic counters.
//
// Time grid. Event time is cut into whole seconds; second s holds the events stamped in
// ((s − 1)·1000, s·1000] ms. A window of length W at time `now` covers the seconds
// (N − W, N] where N = ⌈now / 1000 s⌉, i.e. the event times (now − W, now] when `now` is a whole
// second: an event exactly W old is out, one 1 ms younger is in. When `now` is inside a second,
// the window's far edge is rounded up to the next whole second too, so the window holds between
// W − 1 s and W of history (never more than W).
//
// Storage. A sparse ring of per-second buckets holds only the seconds that had data (memory is
// proportional to active seconds in the last hour, and an idle window frees its ring), plus one
// running sum per window and counter. Add() is O(1) for events in the newest second and O(log n)
// plus a short shift for events stamped in the recent past; Advance() touches only the buckets
// that leave a window. The ring grows by doubling, so a warmed-up window does not allocate.
//
// Events 1 hour old or older at the latest Advance() are ignored (Add returns false);
// the caller's monotonic counters still count them. Events stamped after the latest Advance()
// are kept and enter the windows when time reaches them.
//
// Not thread-safe: one writer (the engine thread). The const readers may run concurrently with
// each other but not with a writer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace ccmon::collectors {

class SlidingWindow {
 public:
  enum class Span : std::uint8_t { k5m = 0, k15m, k1h };
  static constexpr int kSpanCount = 3;
  static constexpr std::array<Span, kSpanCount> kSpans{Span::k5m, Span::k15m, Span::k1h};

  // Length of a span in seconds (300, 900, 3600).
  static constexpr std::int64_t SpanSeconds(Span span) {
    constexpr std::array<std::int64_t, kSpanCount> kSeconds{300, 900, 3600};
    return kSeconds[static_cast<int>(span)];
  }
  // Label value of a span ("5m", "15m", "1h").
  static std::string_view SpanName(Span span);

  // The whole second (on the grid above) that event time t falls in: ⌈t / 1000⌉.
  static constexpr std::int64_t SecondOf(UnixMs t) {
    // Floor division of (t + 999) by 1000, correct for negative times too.
    const std::int64_t n = t + 999;
    return n >= 0 ? n / 1000 : -((-n + 999) / 1000);
  }

  // A window of `counters` independent counters (0 is allowed: an inert window).
  explicit SlidingWindow(int counters = 0);

  int counters() const { return counters_; }

  // Adds `delta` to counter `index` (0 ≤ index < counters()) at event time t. Returns false, and
  // changes nothing, when t is older than the longest window at the latest Advance().
  bool Add(UnixMs t, int index, std::int64_t delta);

  // Moves the windows' right edge to `now` (event clock). Calls with an earlier second than a
  // previous call are ignored. Buckets older than the longest window are dropped.
  void Advance(UnixMs now);

  // Sum of counter `index` over `span` as of the latest Advance() (0 before the first one).
  std::int64_t Sum(Span span, int index) const;

  // Sum of counter `index` over `span` as of `now`, which may be later than the latest Advance()
  // (scrape time) without mutating anything. A `now` earlier than the latest Advance() is read
  // as the latest Advance().
  std::int64_t SumAt(Span span, int index, UnixMs now) const;

  // Seconds with data currently held (for tests and memory accounting).
  std::size_t bucket_count() const { return static_cast<std::size_t>(end_ - begin_); }
  // Buckets allocated.
  std::size_t capacity() const { return capacity_; }

 private:
  // Logical bucket indices grow without bound; a bucket's slot in the ring is index & mask.
  using Index = std::uint64_t;

  std::size_t Slot(Index i) const { return static_cast<std::size_t>(i) & (capacity_ - 1); }
  std::int64_t Second(Index i) const { return seconds_[Slot(i)]; }
  std::int64_t* Values(Index i) {
    return values_.data() + Slot(i) * static_cast<std::size_t>(counters_);
  }
  const std::int64_t* Values(Index i) const {
    return values_.data() + Slot(i) * static_cast<std::size_t>(counters_);
  }
  // Running sums are laid out counter-major, so one Add touches one cache line of them.
  std::int64_t& RunningSum(int span, int index) { return sums_[SumSlot(span, index)]; }
  static std::size_t SumSlot(int span, int index) {
    return static_cast<std::size_t>(index) * kSpanCount + static_cast<std::size_t>(span);
  }
  // Sum of counter `index` over `span` with the window's right edge at second n ≥ now_second_.
  std::int64_t SumAtSecond(Span span, int index, std::int64_t n) const;
  // Index of the bucket of second s, inserting an empty one in order if there is none.
  Index FindOrInsert(std::int64_t s);
  // Reallocates the ring to `capacity` slots (a power of two ≥ bucket_count(), or 0 if empty).
  void Reallocate(std::size_t capacity);

  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min() / 4;

  int counters_;
  std::int64_t now_second_ = kNever;  // N of the latest Advance().
  std::size_t capacity_ = 0;          // 0 or a power of two.
  Index begin_ = 0;                   // Oldest bucket held.
  Index end_ = 0;                     // One past the newest bucket.
  std::int64_t newest_second_ = 0;    // Second of bucket end_ − 1 when not empty (kept inline).
  // tails_[w]: oldest bucket inside window w; buckets [tails_[w], end_) are in sums_ of w.
  // begin_ ≤ tails_[1h] ≤ tails_[15m] ≤ tails_[5m] ≤ end_.
  std::array<Index, kSpanCount> tails_{};
  std::vector<std::int64_t> seconds_;  // capacity_ entries, ascending from begin_.
  std::vector<std::int64_t> values_;   // capacity_ × counters_.
  std::vector<std::int64_t> sums_;     // counters_ × kSpanCount (see SumSlot).
};

}  // namespace ccmon::collectors
