// Parsing of the FreeSWITCH event socket (mod_event_socket, "ESL") byte stream.
//
// The socket carries frames: a block of "Key: Value" lines ended by an empty line, followed by a
// body of exactly Content-Length bytes when that header is present. The frame's Content-Type says
// what it is: auth/request (the greeting), command/reply (Reply-Text: +OK … / -ERR …),
// api/response, text/event-plain (an event whose headers are the body),
// text/disconnect-notice, text/rude-rejection. In a text/event-plain body each line is
// "Key: Value" with the value URL-encoded (switch_url_encode: %XX), ended by an empty line, then
// the event's own body if it has a Content-Length header (docs/bridges/freeswitch.md, "Framing").
//
// EslParser never fails: a frame whose header block has lines that are not headers, or an
// unusable Content-Length, is a kMalformed frame; a header line or body beyond the limits is
// kOversized (an oversized body is skipped byte for byte so the stream stays in step); a stream
// that ends inside a frame ends with one kTruncated frame.
//
// Threading: an EslParser is owned by one thread. Plain values otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/core/header_lookup.h"

namespace ccmon::freeswitch {

struct Header {
  std::string key;
  std::string value;
};

// Headers in arrival order.
struct Headers {
  std::vector<Header> list;

  // The first value of `key` (ASCII case-insensitive, as switch_event_get_header), or nullptr.
  const std::string* Find(std::string_view key) const;
  // Find() or "" when absent.
  std::string_view Get(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
};

using bridges::EqualsIgnoreCase;  // Header keys and reply words compare ignoring case.

enum class FrameKind {
  kFrame,      // A complete frame: headers and body.
  kMalformed,  // A header block with non-header lines, or an unusable Content-Length.
  kOversized,  // A line, header block or body beyond the limits (dropped).
  kTruncated,  // The stream ended inside a frame.
};

struct Frame {
  FrameKind kind = FrameKind::kFrame;
  Headers headers;
  std::string body;
};

struct EslLimits {
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_headers = 4096;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
};

class EslParser {
 public:
  using Emit = std::function<void(Frame&)>;

  explicit EslParser(EslLimits limits = {}) : limits_(limits) {}

  // Consumes `bytes` (any split of the stream) and calls `emit` for each complete frame in order.
  void Feed(std::string_view bytes, const Emit& emit);
  // The stream ended: a frame being read becomes one kTruncated frame; the parser is then empty.
  void Finish(const Emit& emit);
  // Forgets any partial input.
  void Reset();

 private:
  enum class State { kHeaders, kBody, kSkipBody };

  void OnHeaderLine(std::string_view line, const Emit& emit);
  void EndHeaders(const Emit& emit);
  void EmitFrame(FrameKind kind, const Emit& emit);

  EslLimits limits_;
  State state_ = State::kHeaders;
  std::string line_;
  bool discarding_line_ = false;
  Frame frame_;
  bool frame_malformed_ = false;
  bool frame_oversized_ = false;
  std::size_t body_left_ = 0;
};

// Decodes %XX escapes (either case); anything else, including '+' and a malformed escape, is kept
// as it is.
std::string UrlDecode(std::string_view text);

// Parses the body of a text/event-plain frame: "Key: Value" lines with URL-encoded values up to an
// empty line (or the end), the rest being the event's own body. Values are decoded and stripped of
// surrounding blanks. Returns false if a line before the empty line is not a header (the headers
// read so far are kept).
bool ParsePlainEvent(std::string_view body, Headers* headers, std::string* event_body);

}  // namespace ccmon::freeswitch
