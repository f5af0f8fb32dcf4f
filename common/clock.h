// Clock: the injected source of "now".
//
// Production code never reads the system clock directly; it asks a Clock. The daemon uses
// WallClock live; replay and tests use ManualClock, which moves only when told to, so tests never
// sleep to wait for time. Thread-safety: WallClock is safe anywhere; ManualClock is safe to read
// from any thread and should be advanced by one thread (the test).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ccmon {

// Milliseconds since the Unix epoch. All event times and durations in ccmon are in milliseconds.
using UnixMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current time in Unix milliseconds.
  virtual UnixMs NowMs() const = 0;
};

class WallClock final : public Clock {
 public:
  UnixMs NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixMs start = 0) : now_(start) {}
  UnixMs NowMs() const override { return now_.load(std::memory_order_acquire); }
  void Set(UnixMs t) { now_.store(t, std::memory_order_release); }
  void Advance(UnixMs delta) { now_.fetch_add(delta, std::memory_order_acq_rel); }

 private:
  std::atomic<UnixMs> now_;
};

}  // namespace ccmon
