#include "collectors/sliding_window.h"

#include <algorithm>
#include <cassert>

namespace ccmon::collectors {

namespace {

constexpr std::size_t kMinCapacity = 16;
constexpr int kLongest = static_cast<int>(SlidingWindow::Span::k1h);

}  // namespace

std::string_view SlidingWindow::SpanName(Span span) {
  switch (span) {
    case Span::k5m:
      return "5m";
    case Span::k15m:
      return "15m";
    case Span::k1h:
      return "1h";
  }
  return "1h";
}

SlidingWindow::SlidingWindow(int counters)
    : counters_(std::max(counters, 0)),
      sums_(static_cast<std::size_t>(kSpanCount * std::max(counters, 0)), 0) {}

bool SlidingWindow::Add(UnixMs t, int index, std::int64_t delta) {
  assert(index >= 0 && index < counters_ && "SlidingWindow::Add: counter index out of range");
  const std::int64_t s = SecondOf(t);
  Index i;
  if (end_ != begin_ && s == newest_second_) {
    i = end_ - 1;  // The common case: another event in the newest second.
  } else {
    if (s <= now_second_ - SpanSeconds(Span::k1h)) return false;
    i = FindOrInsert(s);
  }
  Values(i)[index] += delta;
  for (int w = 0; w < kSpanCount; ++w) {
    if (i >= tails_[w]) RunningSum(w, index) += delta;
  }
  return true;
}

SlidingWindow::Index SlidingWindow::FindOrInsert(std::int64_t s) {
  if (end_ != begin_ && newest_second_ == s) return end_ - 1;

  // First bucket at or after s (seconds ascend from begin_). Appending is the usual case.
  Index pos = end_;
  if (end_ != begin_ && newest_second_ > s) {
    Index lo = begin_;
    Index hi = end_ - 1;
    while (lo < hi) {
      const Index mid = lo + (hi - lo) / 2;
      if (Second(mid) < s) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (Second(lo) == s) return lo;
    pos = lo;
  }

  if (bucket_count() + 1 > capacity_) {
    Reallocate(std::max(kMinCapacity, capacity_ * 2));
  }
  // Shift [pos, end_) one slot towards the end. Late events are recent, so this is short.
  const auto k = static_cast<std::size_t>(counters_);
  for (Index j = end_; j > pos; --j) {
    seconds_[Slot(j)] = seconds_[Slot(j - 1)];
    std::copy_n(Values(j - 1), k, Values(j));
  }
  if (pos == end_) newest_second_ = s;
  ++end_;
  seconds_[Slot(pos)] = s;
  std::fill_n(Values(pos), k, 0);

  // Keep each tail on the same bucket it pointed to; the new bucket belongs to window w only if
  // it lies inside it.
  for (int w = 0; w < kSpanCount; ++w) {
    if (tails_[w] > pos) {
      ++tails_[w];
    } else if (tails_[w] == pos && s <= now_second_ - SpanSeconds(kSpans[w])) {
      ++tails_[w];
    }
  }
  return pos;
}

void SlidingWindow::Advance(UnixMs now) {
  const std::int64_t n = SecondOf(now);
  if (n <= now_second_) return;
  now_second_ = n;
  const auto k = static_cast<std::size_t>(counters_);
  for (int w = 0; w < kSpanCount; ++w) {
    const std::int64_t edge = n - SpanSeconds(kSpans[w]);
    Index& tail = tails_[w];
    while (tail < end_ && Second(tail) <= edge) {
      const std::int64_t* v = Values(tail);
      for (std::size_t c = 0; c < k; ++c)
        sums_[c * kSpanCount + static_cast<std::size_t>(w)] -= v[c];
      ++tail;
    }
  }
  begin_ = tails_[kLongest];
  // Give memory back once the window has emptied or shrunk well below its peak; hysteresis keeps
  // a steady queue from reallocating.
  if (begin_ == end_) {
    if (capacity_ != 0) Reallocate(0);
  } else if (capacity_ > 4 * kMinCapacity && bucket_count() * 8 < capacity_) {
    Reallocate(capacity_ / 4);
  }
}

std::int64_t SlidingWindow::Sum(Span span, int index) const {
  return SumAtSecond(span, index, now_second_);
}

std::int64_t SlidingWindow::SumAt(Span span, int index, UnixMs now) const {
  return SumAtSecond(span, index, std::max(SecondOf(now), now_second_));
}

std::int64_t SlidingWindow::SumAtSecond(Span span, int index, std::int64_t n) const {
  assert(index >= 0 && index < counters_ && "SlidingWindow::SumAt: counter index out of range");
  const int w = static_cast<int>(span);
  const std::int64_t edge = n - SpanSeconds(span);
  std::int64_t sum = sums_[SumSlot(w, index)];
  // Buckets that have left the window since the latest Advance().
  Index i = tails_[w];
  for (; i < end_ && Second(i) <= edge; ++i) sum -= Values(i)[index];
  // Buckets stamped after `now` have not entered it yet.
  for (Index j = end_; j > i && Second(j - 1) > n; --j) sum -= Values(j - 1)[index];
  return sum;
}

void SlidingWindow::Reallocate(std::size_t capacity) {
  assert(capacity >= bucket_count() && "SlidingWindow::Reallocate below the buckets held");
  const auto k = static_cast<std::size_t>(counters_);
  std::vector<std::int64_t> seconds(capacity);
  std::vector<std::int64_t> values(capacity * k);
  const std::size_t mask = capacity == 0 ? 0 : capacity - 1;
  for (Index i = begin_; i < end_; ++i) {
    const std::size_t to = static_cast<std::size_t>(i) & mask;
    seconds[to] = Second(i);
    std::copy_n(Values(i), k, &values[to * k]);
  }
  seconds_ = std::move(seconds);
  values_ = std::move(values);
  capacity_ = capacity;
}

}  // namespace ccmon::collectors
