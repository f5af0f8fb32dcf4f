// EnvelopeDecoder: turns one ZeroMQ message ([topic][Envelope]) into a state::Event plus the
// stream position it claims (source, epoch, topic, seq), or a RejectReason.
//
// This is the only place where the wire contract (proto/ccmon/v1/events.proto) meets the state's
// types. It validates everything the state relies on: required fields, enum values, string sizes,
// and that the topic matches the event (a contact event's topic names its queue). It never throws.
//
// One decoder per thread (it reuses one Envelope); it runs on the ingest thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/state/event.h"
#include "daemon/state/ingest_stats.h"

namespace ccmon::v1 {
class Envelope;
}

namespace ccmon::ingest {

struct DecodeLimits {
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_string_bytes = 1024;
  std::size_t max_agent_queues = 256;
};

// Where an event sits in its stream. Numbering is per (source, epoch, topic) (DESIGN §5).
struct StreamPosition {
  std::string topic;
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;
};

struct DecodedEvent {
  state::Event event;  // event.source_name set; event.source (the id) is set by the engine.
  StreamPosition position;
  // A Heartbeat's positions: the last seq of every other topic the bridge published on in this
  // epoch (empty for other events). Reveals a lost tail (daemon/ingest/resequencer.h).
  std::vector<std::pair<std::string, std::uint64_t>> heartbeat_positions;
  std::uint32_t subscription = 0;    // Index of the subscription it came through.
  std::uint64_t replay_request = 0;  // The replay request it answers; 0 = live from the bus.
  // Set by the Resequencer once it checked another topic for lost predecessors of this event
  // (daemon/ingest/resequencer.h, "Cross-topic predecessors"); it is then applied as it is.
  bool predecessors_checked = false;
};

class EnvelopeDecoder {
 public:
  explicit EnvelopeDecoder(DecodeLimits limits = {});
  ~EnvelopeDecoder();
  EnvelopeDecoder(const EnvelopeDecoder&) = delete;
  EnvelopeDecoder& operator=(const EnvelopeDecoder&) = delete;

  // Decodes a message. On success fills *out (reusing its strings' capacity) and returns true;
  // otherwise sets *reason and returns false. Leaves out->subscription and out->replay_request
  // to the caller.
  bool Decode(std::string_view topic, std::string_view payload, DecodedEvent* out,
              state::RejectReason* reason);

 private:
  DecodeLimits limits_;
  std::unique_ptr<v1::Envelope> envelope_;
};

}  // namespace ccmon::ingest
