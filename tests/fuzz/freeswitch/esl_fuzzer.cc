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
// connection-loss paths run; the rest is the stream. The driving is shared with the other socket
// bridge (tests/fuzz/bridge_fuzzing.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_parser.h"
#include "common/caller_key.h"
#include "common/publisher.h"
#include "tests/fuzz/bridge_fuzzing.h"

namespace {

using ccmon::fuzzing::Check;

std::string Describe(const ccmon::freeswitch::Frame& f) {
  std::string out(1, static_cast<char>('0' + static_cast<int>(f.kind)));
  for (const auto& h : f.headers.list) out += "|" + h.key + "=" + h.value;
  return out + "|" + f.body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const ccmon::CallerKeyHasher hasher =
      ccmon::CallerKeyHasher::FromKeyHex(std::string(64, 'e')).value();

  ccmon::CapturingSink sink("fuzz", 1);
  ccmon::freeswitch::MapperOptions options;
  options.decision_hold_ms = 1'000;
  ccmon::freeswitch::Mapper mapper(&sink, &hasher, options);
  ccmon::fuzzing::MapperDrive drive;
  drive.expire_every = (control & 0x80) != 0 ? 5 : 0;
  drive.lose_connection = (control & 0x40) != 0;
  const std::vector<std::string> whole =
      ccmon::fuzzing::MapInOneRead<ccmon::freeswitch::EslParser>(stream, mapper, drive, Describe);
  for (const auto& m : sink.messages()) {
    ccmon::fuzzing::CheckContractEnvelope(m.envelope);
    if (m.envelope.has_contact_transferred()) {
      Check(!m.envelope.contact_transferred().target_queue().empty());
    }
  }

  ccmon::fuzzing::CheckSplitReads<ccmon::freeswitch::EslParser>(stream, 1 + (control & 0x3f), whole,
                                                                Describe);
  return 0;
}
