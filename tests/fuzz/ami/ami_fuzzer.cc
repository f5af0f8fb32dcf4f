// libFuzzer target for the AMI bridge's input side: the Framer and the Mapper
// (bridges/asterisk_ami). Any bytes must frame and map without crashing; the items must be the
// same whether the stream arrives in one read or in reads of any size; every item must end in
// exactly one outcome; every envelope must be one the contract accepts (contact events with a
// contact id and a queue, agent events with an agent id and a state).
//
// Build: CC=clang CXX=clang++ cmake -S . -B build-fuzz-ami -DCCMON_FUZZ=ON
//          -DCCMON_BUILD_BENCH=OFF -DCCMON_WERROR=OFF && cmake --build build-fuzz-ami --target
//          ami_fuzzer
// Run:   build-fuzz-ami/fuzz/ami_fuzzer tests/fuzz/ami/corpus -max_total_time=30
// The first input byte chooses the read size of the split replay and when the deadline and
// connection-loss paths run; the rest is the stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/asterisk_ami/ami_framer.h"
#include "bridges/asterisk_ami/ami_mapper.h"
#include "common/caller_key.h"
#include "common/publisher.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string Describe(const ccmon::ami::Item& item) {
  std::string out(1, static_cast<char>('0' + static_cast<int>(item.kind)));
  for (const auto& h : item.message.headers) out += "|" + h.key + "=" + h.value;
  return out + "|" + item.text + "|" + std::to_string(item.missing_bytes);
}

void CheckEnvelope(const ccmon::v1::Envelope& e) {
  using ccmon::v1::Envelope;
  switch (e.event_case()) {
    case Envelope::kAgentStateChanged:
      Check(!e.agent_state_changed().agent_id().empty());
      Check(e.agent_state_changed().state() != ccmon::v1::AGENT_STATE_UNSPECIFIED);
      break;
    case Envelope::kContactQueued:
      Check(!e.contact_queued().contact_id().empty() && !e.contact_queued().queue().empty());
      break;
    case Envelope::kContactAbandoned:
      Check(!e.contact_abandoned().contact_id().empty() && !e.contact_abandoned().queue().empty());
      break;
    case Envelope::kContactExited:
      Check(!e.contact_exited().contact_id().empty() && !e.contact_exited().queue().empty());
      break;
    case Envelope::kContactAnswered:
      Check(!e.contact_answered().contact_id().empty() && !e.contact_answered().queue().empty());
      break;
    case Envelope::kHeartbeat:
    case Envelope::EVENT_NOT_SET:
      Check(false);
      break;
    default:
      break;
  }
  Check(e.seq() >= 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const ccmon::CallerKeyHasher hasher =
      ccmon::CallerKeyHasher::FromKeyHex(std::string(64, 'f')).value();

  // One read.
  std::vector<std::string> whole;
  ccmon::CapturingSink sink("fuzz", 1);
  ccmon::ami::MapperOptions options;
  options.decision_hold_ms = 1'000;
  ccmon::ami::Mapper mapper(&sink, &hasher, options);
  if ((control & 0x40) != 0) mapper.BeginQueueStatus("ccmon-1");
  ccmon::ami::Framer framer;
  std::uint64_t items = 0;
  ccmon::UnixMs now = 1'767'225'600'000;
  const auto emit = [&](ccmon::ami::Item& item) {
    whole.push_back(Describe(item));
    ++items;
    now += 250;
    mapper.Consume(item, now);
    if ((control & 0x80) != 0 && items % 7 == 0) mapper.Expire(now);
  };
  framer.Feed(stream, emit);
  framer.Finish(emit);
  if ((control & 0x20) != 0) mapper.OnConnectionLost(now);
  mapper.Expire(now + 10'000);
  Check(mapper.counts().Total() == items);
  for (const auto& m : sink.messages()) CheckEnvelope(m.envelope);

  // Reads of 1..64 bytes give the same items.
  const std::size_t chunk = 1 + (control & 0x3f);
  std::vector<std::string> split;
  ccmon::ami::Framer split_framer;
  const auto collect = [&](ccmon::ami::Item& item) { split.push_back(Describe(item)); };
  for (std::size_t i = 0; i < stream.size(); i += chunk) {
    split_framer.Feed(stream.substr(i, chunk), collect);
  }
  split_framer.Finish(collect);
  Check(split == whole);
  return 0;
}
