// libFuzzer target for the FreeSWITCH bridge's input side: the event-socket parser and the
// mod_callcenter Mapper (bridges/freeswitch). Any bytes must parse and map without crashing; the
// frames must be the same whether the stream arrives in one read or in reads of any size; every
// frame must end in exactly one outcome; every envelope must be one the contract accepts.
//
// Build: CC=clang CXX=clang++ cmake -S . -B build-fuzz-ami -DCCMON_FUZZ=ON
//          -DCCMON_BUILD_BENCH=OFF -DCCMON_WERROR=OFF && cmake --build build-fuzz-ami --target
//          esl_fuzzer
// Run:   build-fuzz-ami/fuzz/esl_fuzzer tests/fuzz/freeswitch/corpus -max_total_time=30
// The first input byte chooses the read size of the split replay and when the deadline and
// connection-loss paths run; the rest is the stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_parser.h"
#include "common/caller_key.h"
#include "common/publisher.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string Describe(const ccmon::freeswitch::Frame& f) {
  std::string out(1, static_cast<char>('0' + static_cast<int>(f.kind)));
  for (const auto& h : f.headers.list) out += "|" + h.key + "=" + h.value;
  return out + "|" + f.body;
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
    case Envelope::kContactTransferred:
      Check(!e.contact_transferred().target_queue().empty());
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
      ccmon::CallerKeyHasher::FromKeyHex(std::string(64, 'e')).value();

  std::vector<std::string> whole;
  ccmon::CapturingSink sink("fuzz", 1);
  ccmon::freeswitch::MapperOptions options;
  options.decision_hold_ms = 1'000;
  ccmon::freeswitch::Mapper mapper(&sink, &hasher, options);
  ccmon::freeswitch::EslParser parser;
  std::uint64_t frames = 0;
  ccmon::UnixMs now = 1'767'225'600'000;
  const auto emit = [&](ccmon::freeswitch::Frame& f) {
    whole.push_back(Describe(f));
    ++frames;
    now += 250;
    mapper.Consume(f, now);
    if ((control & 0x80) != 0 && frames % 5 == 0) mapper.Expire(now);
  };
  parser.Feed(stream, emit);
  parser.Finish(emit);
  if ((control & 0x40) != 0) mapper.OnConnectionLost(now);
  mapper.Expire(now + 10'000);
  Check(mapper.counts().Total() == frames);
  for (const auto& m : sink.messages()) CheckEnvelope(m.envelope);

  const std::size_t chunk = 1 + (control & 0x3f);
  std::vector<std::string> split;
  ccmon::freeswitch::EslParser split_parser;
  const auto collect = [&](ccmon::freeswitch::Frame& f) { split.push_back(Describe(f)); };
  for (std::size_t i = 0; i < stream.size(); i += chunk) {
    split_parser.Feed(stream.substr(i, chunk), collect);
  }
  split_parser.Finish(collect);
  Check(split == whole);
  return 0;
}
