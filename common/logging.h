// Logging for every ccmon program: spdlog to stderr (journald adds its own timestamps), plus a
// rate limiter for messages caused by outside input, so a flood of bad frames cannot flood the log.
//
// Thread-safety: spdlog's default logger is thread-safe. A LogRateLimiter is owned by one thread.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace ccmon {

// Configures the default logger: level name ("debug", "info", "warn", "error") and format
// ("logfmt" or "plain"). An unknown level is an InvalidArgument.
Status ConfigureLogging(std::string_view level, std::string_view format = "plain");

// Allows at most `burst` messages per `interval_ms`, then reports how many were suppressed when
// the next window opens. Use one limiter per message kind.
class LogRateLimiter {
 public:
  LogRateLimiter(const Clock* clock, std::int64_t interval_ms = 10'000, int burst = 5)
      : clock_(clock), interval_ms_(interval_ms), burst_(burst) {}

  // True if a message may be logged now. *suppressed_before receives the number of messages
  // swallowed since the last allowed one (to be mentioned in the allowed message).
  bool Allow(std::uint64_t* suppressed_before);

 private:
  const Clock* clock_;
  std::int64_t interval_ms_;
  int burst_;
  UnixMs window_start_ = 0;
  int used_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace ccmon
