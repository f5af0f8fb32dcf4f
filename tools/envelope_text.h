// How `ccmon events` shows envelopes of the event bus: one text line per envelope, or Protobuf
// JSON (the format `ccmon-bridge jsonl` reads back), plus BusDecoder, which classifies a received
// ZeroMQ message exactly as the daemon does (daemon/ingest/envelope_decoder.h) and keeps the
// parsed Envelope for display.
//
// Text line (fields separated by one space; docs/cli.md "ccmon events"):
//   2026-11-25T08:00:01.250Z sim1 1764057600000/17 v1.demo.sales. ContactQueued contact_id=c1 ...
// time (the event's time_unix_ms, ISO-8601 UTC with milliseconds), source, epoch/seq, topic, the
// event type, then every field the event sets as name=value (strings quoted with C escapes when
// empty or not plain; enums by name; repeated fields in [..]; nested messages in {..}).
//
// Pure functions and a single-thread decoder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ccmon/v1/events.pb.h"
#include "daemon/ingest/envelope_decoder.h"
#include "daemon/state/ingest_stats.h"

namespace ccmon::tools {

// "2026-11-25T08:00:01.250Z" for Unix milliseconds (negative times too).
std::string FormatIsoUtcMs(std::int64_t unix_ms);

// The name of the event an envelope carries ("ContactQueued"), or "none".
std::string_view EventTypeName(const v1::Envelope& env);

// The text line of an envelope received on `topic` (no trailing newline).
std::string FormatEnvelopeText(std::string_view topic, const v1::Envelope& env);

// The envelope as one line of Protobuf JSON (camelCase names, 64-bit integers as strings, no
// whitespace), which ccmon-bridge jsonl parses back into the same Envelope.
std::string FormatEnvelopeJson(const v1::Envelope& env);

// Quotes `s` for a name=value field when it is empty or holds anything but printable ASCII other
// than space, '"', '=' and '\\'; returns it as is otherwise.
std::string QuoteIfNeeded(std::string_view s);

// Decodes messages of the event bus like the daemon's ingest: a message that is not exactly two
// non-empty frames is kMalformedFrame; otherwise EnvelopeDecoder decides. One per thread.
class BusDecoder {
 public:
  explicit BusDecoder(ingest::DecodeLimits limits = {});

  // Decodes [topic][payload] (frame_count = how many frames the message had). True when the
  // daemon would accept it: decoded() and, with `keep_envelope`, envelope() then describe it.
  // Otherwise *reason says why. Without `keep_envelope` envelope() is left empty (one parse
  // instead of two, for callers that only need the decoded event).
  bool Decode(std::size_t frame_count, std::string_view topic, std::string_view payload,
              state::RejectReason* reason, bool keep_envelope = true);

  ingest::DecodedEvent& decoded() { return decoded_; }
  const v1::Envelope& envelope() const { return envelope_; }

 private:
  ingest::EnvelopeDecoder decoder_;
  ingest::DecodedEvent decoded_;
  v1::Envelope envelope_;
};

}  // namespace ccmon::tools
