// The daemon's side of the replay protocol (docs/events.md "Replay"): what a replay request and
// the header of a reply carry, and their ZeroMQ frames.
//
// The Resequencer (engine thread) decides what to ask for and builds ReplayRequests; the
// Subscriber (ingest thread) sends them on the DEALER socket of the subscription's bridge and
// turns each reply into decoded events plus one ReplayAnswer, handed to the engine in a Batch.
//
// Plain values and pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ccmon::ingest {

// First frame of every request and reply; a new protocol version gets a new tag.
inline constexpr std::string_view kReplayProtocol = "CCMON-REPLAY-1";

// "Send me the events of (source, epoch, topic) with from_seq ≤ seq ≤ to_seq."
struct ReplayRequest {
  std::uint64_t id = 0;            // Unique per daemon run; echoed by the bridge.
  std::uint32_t subscription = 0;  // Index of the subscription whose bridge is asked.
  std::string source;
  std::uint64_t epoch = 0;
  std::string topic;
  std::uint64_t from_seq = 0;
  std::uint64_t to_seq = 0;  // Inclusive; 0 = up to the end of the bridge's journal.
};

// The status frame of a reply, plus kMalformedReply for a reply this daemon cannot read.
enum class ReplayStatus : std::uint8_t {
  kOk = 0,              // The journal holds the range from its start.
  kGone,                // Retention removed the start of the range (first_available says where
                        // the journal starts); what it still holds follows.
  kUnknownStream,       // The bridge has no record of (source, epoch, topic).
  kBadRequest,          // The bridge could not read the request.
  kUnsupportedVersion,  // The bridge does not speak this protocol version.
  kJournalError,        // The bridge could not read its journal.
  kMalformedReply,      // The reply's frames are not what docs/events.md describes.
};

// Parses a status frame; kMalformedReply for an unknown word.
ReplayStatus ParseReplayStatus(std::string_view word);
std::string_view ReplayStatusName(ReplayStatus status);

// A reply's header. Its envelopes reach the engine as DecodedEvents whose replay_request is
// request_id, in the same Batch and before this answer.
struct ReplayAnswer {
  std::uint64_t request_id = 0;
  ReplayStatus status = ReplayStatus::kOk;
  std::string topic;                  // The request's topic, echoed (the envelopes' topic).
  std::uint64_t first_available = 0;  // Lowest seq of the stream in the journal; 0 = none.
  std::uint64_t next_seq = 0;         // First seq the reply does not cover.
  bool more = false;                  // The chunk limit cut the reply: ask again from next_seq.
};

// An 8-byte little-endian frame.
std::string EncodeU64(std::uint64_t v);
// False unless `frame` is exactly 8 bytes.
bool DecodeU64(std::string_view frame, std::uint64_t* out);

// The 7 frames of a request, protocol tag first.
std::vector<std::string> EncodeReplayRequest(const ReplayRequest& request);

// Parses a reply's 7 header frames (its envelopes follow them). Returns false when the frames
// are too few or malformed; *answer then has status kMalformedReply and, if frame 1 was a
// valid id, its request_id.
bool ParseReplayReplyHeader(const std::vector<std::string_view>& frames, ReplayAnswer* answer);

// Number of header frames in a reply; envelopes start at this index.
inline constexpr std::size_t kReplayReplyHeaderFrames = 7;

}  // namespace ccmon::ingest
