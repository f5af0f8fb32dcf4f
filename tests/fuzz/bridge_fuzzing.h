// What the fuzz targets of the socket bridges' input side share (tests/fuzz/ami/ami_fuzzer.cc,
// tests/fuzz/freeswitch/esl_fuzzer.cc): a parser (AMI Framer, event-socket EslParser) feeding a
// Mapper, driven the same way: the whole stream in one read with the deadline and
// connection-loss paths chosen by the control byte, every unit ending in exactly one outcome,
// every envelope one the contract accepts, and the same units whatever the read size.
//
// Header-only (the fuzz targets link only the bridge's library). Any failed check aborts, which
// libFuzzer reports as a crash.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ccmon/v1/events.pb.h"
#include "common/clock.h"

namespace ccmon::fuzzing {

inline void Check(bool ok) {
  if (!ok) std::abort();
}

// The contract checks every mapper's envelopes pass: an event, not a heartbeat (the bridge's
// output adds those), numbered; agent events with an agent id and a state; queued, abandoned and
// exited contacts with a contact id and a queue.
inline void CheckContractEnvelope(const v1::Envelope& e) {
  using v1::Envelope;
  switch (e.event_case()) {
    case Envelope::kAgentStateChanged:
      Check(!e.agent_state_changed().agent_id().empty());
      Check(e.agent_state_changed().state() != v1::AGENT_STATE_UNSPECIFIED);
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
    case Envelope::kHeartbeat:
    case Envelope::EVENT_NOT_SET:
      Check(false);
      break;
    default:
      break;
  }
  Check(e.seq() >= 1);
}

// When the mapper's deadline and connection-loss paths run while one stream is mapped.
struct MapperDrive {
  std::uint64_t expire_every = 0;  // Expire() after every this many units (0 = only at the end).
  bool lose_connection = false;    // OnConnectionLost() after the stream.
};

// Feeds `stream` to a fresh Parser in one read, each unit into `mapper` 250 ms after the previous
// one, ends the stream, lets every deadline pass, and checks that every unit ended in exactly one
// outcome. Returns the units as `describe` renders them.
template <typename Parser, typename Mapper, typename Describe>
std::vector<std::string> MapInOneRead(std::string_view stream, Mapper& mapper,
                                      const MapperDrive& drive, Describe describe) {
  std::vector<std::string> units;
  UnixMs now = 1'767'225'600'000;
  Parser parser;
  const auto emit = [&](auto& unit) {
    units.push_back(describe(unit));
    now += 250;
    mapper.Consume(unit, now);
    if (drive.expire_every > 0 && units.size() % drive.expire_every == 0) mapper.Expire(now);
  };
  parser.Feed(stream, emit);
  parser.Finish(emit);
  if (drive.lose_connection) mapper.OnConnectionLost(now);
  mapper.Expire(now + 10'000);
  Check(mapper.counts().Total() == units.size());
  return units;
}

// Feeds `stream` to a fresh Parser in reads of `chunk` bytes and checks that it emits the units
// of one read (`whole`, as `describe` renders them).
template <typename Parser, typename Describe>
void CheckSplitReads(std::string_view stream, std::size_t chunk,
                     const std::vector<std::string>& whole, Describe describe) {
  std::vector<std::string> split;
  Parser parser;
  const auto collect = [&](auto& unit) { split.push_back(describe(unit)); };
  for (std::size_t i = 0; i < stream.size(); i += chunk)
    parser.Feed(stream.substr(i, chunk), collect);
  parser.Finish(collect);
  Check(split == whole);
}

}  // namespace ccmon::fuzzing
