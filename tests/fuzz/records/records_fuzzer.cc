// libFuzzer target for the records bridge (bridges/records/): mapping files, time formats and
// CSV records must parse to a mapping or an error and to counted outcomes, never crash; and
// what comes out must hold together: every record ends in one outcome, the schedule is in time
// order, each contact's own events never go back in time, and every envelope is accepted by a
// sink.
//
// Input layout: a mapping (YAML), a line "---", then the CSV. Without the "---" line the whole
// input is CSV read through a fixed Technion-style mapping, so the fuzzer also digs into record
// parsing without having to invent a valid mapping first.
// Run: build-fuzz/fuzz/records_fuzzer tests/fuzz/records/corpus -max_total_time=30
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/records/record_mapper.h"
#include "common/publisher.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kFixedMapping = R"(
contact_id: [line, call_id]
queue: {column: type, values: {PS: regular, NW: prospects}, default: other}
caller: {column: customer_id, anonymous: ["0"]}
agent: {column: server, none: [NO_SERVER]}
priority: {column: priority, values: {"0": 0, "1": 0, "2": 1}}
times:
  time_zone: Asia/Jerusalem
  date: {column: date, format: "%y%m%d"}
  format: "%H:%M:%S"
  absent: ["0:00:00"]
  arrival: vru_entry
  enqueue: q_start
  wait: q_time
  answer: [ser_start, vru_exit]
  talk: ser_time
outcome:
  column: outcome
  values: {AGENT: answered, HANG: abandoned, PHANTOM: ignore, X: "exited:timeout", C: callback}
)";

const ccmon::CallerKeyHasher& Hasher() {
  static const ccmon::CallerKeyHasher hasher =
      ccmon::CallerKeyHasher::FromKeyHex(std::string(64, '1')).value();
  return hasher;
}

const ccmon::records::RecordMapping& FixedMapping() {
  static const ccmon::records::RecordMapping mapping = [] {
    auto m = ccmon::records::ParseMapping(kFixedMapping, "fixed.yaml");
    Check(m.ok());
    return std::move(m).value();
  }();
  return mapping;
}

void Replay(const ccmon::records::RecordMapping& mapping, std::string_view csv) {
  using ccmon::records::ScheduledEvent;
  ccmon::records::RecordMapper mapper(mapping, Hasher());
  ccmon::bridges::InputCounts counts;
  std::istringstream in{std::string(csv)};
  if (!ccmon::records::ReadRecords(in, "fuzz.csv", &mapper, &counts).ok()) return;
  const auto events = mapper.Schedule();
  std::vector<ccmon::UnixMs> last(mapper.timelines().size(), INT64_MIN);
  std::vector<int> last_step(mapper.timelines().size(), -1);
  ccmon::CapturingSink sink("fuzz", 1);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const ScheduledEvent& e = events[i];
    if (i > 0) Check(events[i - 1].time_ms <= e.time_ms);
    Check(e.contact < last.size());
    Check(e.time_ms >= last[e.contact]);
    Check(static_cast<int>(e.step) > last_step[e.contact]);
    last[e.contact] = e.time_ms;
    last_step[e.contact] = static_cast<int>(e.step);
    ccmon::v1::Envelope env = mapper.MakeEnvelope(e);
    Check(sink.Publish(env).ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find("\n---\n");
  if (split == std::string_view::npos) {
    Replay(FixedMapping(), input);
    return 0;
  }
  auto mapping = ccmon::records::ParseMapping(input.substr(0, split), "fuzz.yaml");
  if (mapping.ok()) Replay(*mapping, input.substr(split + 5));
  return 0;
}
