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
// connection-loss paths run; the rest is the stream. The driving is shared with the other socket
// bridge (tests/fuzz/bridge_fuzzing.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/asterisk_ami/ami_framer.h"
#include "bridges/asterisk_ami/ami_mapper.h"
#include "common/caller_key.h"
#include "common/publisher.h"
#include "tests/fuzz/bridge_fuzzing.h"

namespace {

using ccmon::fuzzing::Check;

std::string Describe(const ccmon::ami::Item& item) {
  std::string out(1, static_cast<char>('0' + static_cast<int>(item.kind)));
  for (const auto& h : item.message.headers) out += "|" + h.key + "=" + h.value;
  return out + "|" + item.text + "|" + std::to_string(item.missing_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const ccmon::CallerKeyHasher hasher =
      ccmon::CallerKeyHasher::FromKeyHex(std::string(64, 'f')).value();

  // One read.
  ccmon::CapturingSink sink("fuzz", 1);
  ccmon::ami::MapperOptions options;
  options.decision_hold_ms = 1'000;
  ccmon::ami::Mapper mapper(&sink, &hasher, options);
  if ((control & 0x40) != 0) mapper.BeginQueueStatus("ccmon-1");
  ccmon::fuzzing::MapperDrive drive;
  drive.expire_every = (control & 0x80) != 0 ? 7 : 0;
  drive.lose_connection = (control & 0x20) != 0;
  const std::vector<std::string> whole =
      ccmon::fuzzing::MapInOneRead<ccmon::ami::Framer>(stream, mapper, drive, Describe);
  for (const auto& m : sink.messages()) {
    ccmon::fuzzing::CheckContractEnvelope(m.envelope);
    if (m.envelope.has_contact_answered()) {
      Check(!m.envelope.contact_answered().contact_id().empty() &&
            !m.envelope.contact_answered().queue().empty());
    }
  }

  // Reads of 1..64 bytes give the same items.
  ccmon::fuzzing::CheckSplitReads<ccmon::ami::Framer>(stream, 1 + (control & 0x3f), whole,
                                                      Describe);
  return 0;
}
