// libFuzzer target for the bridge journal's reader (bridges/core/journal.h): whatever a segment
// file holds — torn records, flipped bytes, lying lengths, foreign headers — opening the journal
// never crashes, and when it opens, the journal it recovered is usable: every recovered stream
// reads back, one more append succeeds, and reopening finds exactly one record more and nothing
// torn (what recovery cut off stays cut off).
//
// Input: one byte of flags, then the segment's bytes. Flag bit 0 set: the bytes are the whole
// file; clear: a valid header for source "fuzz" is put in front, so the records get explored.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bridges/core/journal.h"
#include "ccmon/v1/events.pb.h"
#include "common/clock.h"

namespace {

namespace fs = std::filesystem;

void Fail(const char* what) {
  std::fprintf(stderr, "journal fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const fs::path dir =
      fs::temp_directory_path() / ("ccmon-journal-fuzz-" + std::to_string(::getpid()));
  static ccmon::ManualClock clock(1'767'254'400'000);
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "00000000000000000007-0000000001.ccj", std::ios::binary);
    if ((data[0] & 1) == 0) {
      const std::string source = "fuzz";
      out << "CCMONJ1\n" << static_cast<char>(source.size()) << '\0' << source;
    }
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }

  ccmon::bridges::JournalOptions options;
  options.directory = dir;
  std::uint64_t records = 0;
  std::uint64_t epoch = 0;
  {
    auto opened = ccmon::bridges::Journal::Open(options, "fuzz", clock);
    if (!opened.ok()) return 0;  // Refused with a reason: fine.
    auto& journal = *opened.value();
    const auto& recovery = journal.recovery();
    records = recovery.records;
    epoch = recovery.source_epoch == 0 ? 7 : recovery.source_epoch;
    std::uint64_t read_back = 0;
    for (const auto& [topic, last] : recovery.positions) {
      std::vector<std::string> envelopes;
      std::uint64_t first = 0;
      if (!journal.ReadFrom(recovery.source_epoch, topic, 0, 1'000'000, &envelopes, &first).ok()) {
        Fail("a recovered stream cannot be read");
      }
      read_back += envelopes.size();
      (void)last;
    }
    if (read_back > records) Fail("more records read back than recovered");

    ccmon::v1::Envelope env;
    env.set_source("fuzz");
    env.set_source_epoch(epoch);
    env.set_seq(1'000'000'000);
    env.set_time_unix_ms(clock.NowMs());
    env.mutable_contact_queued()->set_contact_id("c");
    env.mutable_contact_queued()->set_queue("q");
    if (!journal.Append("v1.t.contact.q", env, env.SerializeAsString()).ok()) {
      Fail("append after recovery failed");
    }
  }
  auto reopened = ccmon::bridges::Journal::Open(options, "fuzz", clock);
  if (!reopened.ok()) Fail("a journal that opened once no longer opens");
  const auto& again = reopened.value()->recovery();
  if (again.torn_tail_bytes != 0) Fail("reopening found a torn tail after a clean append");
  if (again.records < records + 1) Fail("reopening lost records");
  return 0;
}
