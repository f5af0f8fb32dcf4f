#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>

namespace ccmon {

Status ConfigureLogging(std::string_view level, std::string_view format) {
  auto lvl = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only an explicit "off" may mean off.
  if (lvl == spdlog::level::off && level != "off") {
    return Status::InvalidArgument("unknown log level \"" + std::string(level) +
                                   "\" (use debug, info, warn, error or off)");
  }
  if (format != "plain" && format != "logfmt") {
    return Status::InvalidArgument("unknown log format \"" + std::string(format) +
                                   "\" (use plain or logfmt)");
  }
  spdlog::drop("ccmon");  // Configuring twice (tests, reload) replaces the logger.
  auto logger = spdlog::stderr_color_mt("ccmon");
  spdlog::set_default_logger(logger);
  spdlog::set_level(lvl);
  if (format == "logfmt") {
    spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l msg=\"%v\"",
                        spdlog::pattern_time_type::utc);
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  return Status::Ok();
}

bool LogRateLimiter::Allow(std::uint64_t* suppressed_before) {
  const UnixMs now = clock_->NowMs();
  if (now - window_start_ >= interval_ms_ || now < window_start_) {
    window_start_ = now;
    used_ = 0;
  }
  if (used_ >= burst_) {
    ++suppressed_;
    return false;
  }
  ++used_;
  if (suppressed_before != nullptr) *suppressed_before = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace ccmon
