#include "bridges/runtime.h"

#include <atomic>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <string>

namespace ccmon::bridges {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers need a lock-free flag");

extern "C" void OnStopSignal(int signal_number) {
  if (g_stop.exchange(true)) std::signal(signal_number, SIG_DFL);
}

}  // namespace

void InstallStopSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool StopRequested() { return g_stop.load(std::memory_order_relaxed); }

void RequestStop() { g_stop.store(true, std::memory_order_relaxed); }

Result<std::int64_t> ParseDurationMs(std::string_view text) {
  const auto invalid = [&] {
    return Status::InvalidArgument("invalid duration \"" + std::string(text) +
                                   "\" (use e.g. 90s, 30m, 8h, 1h30m, 2d)");
  };
  if (text.empty()) return invalid();
  double total_ms = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t number_start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) != 0 || text[i] == '.')) {
      ++i;
    }
    if (i == number_start) return invalid();
    char* end = nullptr;
    const std::string number(text.substr(number_start, i - number_start));
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return invalid();
    const std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s" || (unit.empty() && number_start == 0 && i == text.size())) {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return invalid();
    }
    total_ms += value * scale;
  }
  if (!std::isfinite(total_ms) || total_ms > 1e15) return invalid();
  return static_cast<std::int64_t>(std::llround(total_ms));
}

}  // namespace ccmon::bridges
