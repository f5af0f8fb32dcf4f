// Parsing of one JSON line into a canonical ccmon.v1.Envelope (Protobuf's JSON mapping, e.g.
// {"timeUnixMs": "1700000000000", "contactQueued": {"contactId": "c1", "queue": "sales"}}), with
// the checks a bridge can make before publishing.
//
// The numbering fields (source, sourceEpoch, seq) and tenant are the publishing bridge's: a line
// may carry them, but the sink overwrites them. Each line ends in exactly one outcome (below;
// meanings in docs/bridges/jsonl.md), counted by the jsonl command.
//
// Used by the jsonl bridge (jsonl_command.h), its tests and fuzzer. Threading: stateless; safe
// from any thread.
#pragma once

#include <string_view>

#include "ccmon/v1/events.pb.h"

namespace ccmon::jsonl {

// Line outcomes.
inline constexpr std::string_view kOutcomePublished = "published";
inline constexpr std::string_view kOutcomeBlankLine = "blank_line";
inline constexpr std::string_view kOutcomeMalformedJson = "malformed_json";
inline constexpr std::string_view kOutcomeNoEvent = "no_event";
inline constexpr std::string_view kOutcomeMissingField = "missing_field";
inline constexpr std::string_view kOutcomeMissingTime = "missing_time";
inline constexpr std::string_view kOutcomeLineTooLong = "line_too_long";
inline constexpr std::string_view kOutcomeRejectedBySink = "rejected_by_sink";

struct EnvelopeLineOptions {
  // Unknown JSON field names are ignored instead of making the line malformed.
  bool ignore_unknown_fields = false;
};

// Parses `line` (a trailing '\r' and surrounding white space are ignored) into *env (cleared
// first). Returns kOutcomePublished when *env is ready to publish, kOutcomeBlankLine for a line
// of white space only, or the reason it is not usable: kOutcomeMalformedJson (not an Envelope
// in Protobuf JSON; *error, if given, gets the parser's message), kOutcomeNoEvent (no event set),
// kOutcomeMissingTime (timeUnixMs missing or not positive), kOutcomeMissingField (a contact event
// without contactId or queue, an agent event without agentId).
std::string_view ParseEnvelopeLine(std::string_view line, const EnvelopeLineOptions& options,
                                   v1::Envelope* env, std::string* error = nullptr);

}  // namespace ccmon::jsonl
