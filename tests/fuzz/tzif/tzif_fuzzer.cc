// libFuzzer target for the TZif reader (common/time_zone.h): any bytes must parse to a zone or
// an error, never crash; a zone that parses must give days and intervals that contain their
// instant and are no longer than a day plus an offset jump / one interval.
//
// Build (clang): clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//   tests/fuzz/tzif/tzif_fuzzer.cc common/time_zone.cc -o tzif_fuzzer
// Run: ./tzif_fuzzer tests/fuzz/tzif/corpus   (seeds are zone files from tzdata, public domain)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/time_zone.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const ccmon::Result<ccmon::TimeZone> zone = ccmon::TimeZone::Parse("Fuzz/Zone", bytes);
  if (!zone.ok()) return 0;
  // Instants from the last bytes of the input, plus some fixed ones around today.
  std::int64_t seed = 0;
  for (std::size_t i = size >= 8 ? size - 8 : 0; i < size; ++i) seed = (seed << 8) | data[i];
  const std::int64_t days[] = {0, 19'800, 25'000, seed % 40'000'000};
  for (const std::int64_t day : days) {
    for (const std::int64_t second : {std::int64_t{0}, std::int64_t{3'599}, std::int64_t{86'399}}) {
      const ccmon::UnixMs t = (day * 86'400 + second) * 1000;
      (void)zone->OffsetSeconds(t / 1000);
      const ccmon::TimeZone::Span day_span = zone->DayContaining(t);
      Check(day_span.start_ms <= t && t < day_span.end_ms);
      // A day is at most 24 h plus the widest possible offset jump (RFC 8536 offsets).
      Check(day_span.end_ms - day_span.start_ms <= (86'400 + 183'598) * 1000LL);
      for (const std::int64_t length : {std::int64_t{900}, std::int64_t{1'800}}) {
        const ccmon::TimeZone::Span interval = zone->IntervalContaining(t, length);
        Check(interval.start_ms <= t && t < interval.end_ms);
        Check(interval.end_ms - interval.start_ms <= length * 1000);
      }
    }
  }
  return 0;
}
