// Framing of the Asterisk Manager Interface byte stream into messages.
//
// On the wire an AMI message is a block of "Key: Value" lines (CRLF, LF tolerated) ended by an
// empty line; the server greets with one "Asterisk Call Manager/x.y" line. The Framer also reads
// what real captures of that stream contain besides messages (docs/bridges/asterisk-ami.md,
// "Framing"): console and debug lines between messages (`<-- Examining AMI event: -->`,
// `    -- Executing [...]`), capture-tool markers `[N bytes missing in capture file]` glued to the
// next line, whitespace-only separator lines, and a stream cut in the middle of a message. Each
// of those becomes one Item with its own kind, so the caller can count every input and nothing
// disappears unexplained; nothing is ever fatal.
//
// Rules (one line at a time, a trailing CR removed):
//   - A line that is empty or only blanks ends the message being read.
//   - A header line is `Key:` followed by the end of the line or a blank, where Key is letters,
//     digits, '_', '-' or '.'; the value is the rest without surrounding blanks.
//   - `[N bytes missing in capture file]` is a kCaptureGap; the message being read (its end is in
//     the gap) becomes kTruncated, and the rest of the line is read as a line of its own.
//   - A line starting "Asterisk Call Manager/" is the kBanner.
//   - Any other line is a kGarbageLine. It also ends the message being read (emitted as it is):
//     Asterisk never writes anything else inside a message, and in the ViStepRU capture the only
//     non-header lines next to header lines are console output between messages.
//   - Lines longer than max_line_bytes, and messages beyond max_message_bytes or max_headers, are
//     dropped as one kOversized item each (memory stays bounded whatever the peer sends).
//
// Threading: a Framer is owned by one thread. It holds no reference to the fed bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/core/header_lookup.h"

namespace ccmon::ami {

struct Header {
  std::string key;
  std::string value;
};

// One AMI message: its headers in arrival order (a key may repeat, e.g. ChanVariable).
struct Message {
  std::vector<Header> headers;

  // The value of the first header named `key` (ASCII case-insensitive, as Asterisk compares
  // them), or nullptr.
  const std::string* Find(std::string_view key) const;
  // Find() or "" when absent.
  std::string_view Get(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // The first header's key ("Event", "Response", "Action" for real messages).
  std::string_view FirstKey() const {
    return headers.empty() ? std::string_view() : std::string_view(headers.front().key);
  }
};

// ASCII case-insensitive equality (AMI keys and event names).
using bridges::EqualsIgnoreCase;

enum class ItemKind {
  kMessage,      // A complete message.
  kBanner,       // "Asterisk Call Manager/<version>"; text = the version.
  kGarbageLine,  // A line that is neither a header nor blank (console output, debug markers).
  kCaptureGap,   // "[N bytes missing in capture file]"; missing_bytes = N.
  kTruncated,  // A message (or line) whose end never came: cut by a capture gap or the stream end.
  kOversized,  // A line or message beyond the limits, dropped.
};

struct Item {
  ItemKind kind = ItemKind::kMessage;
  Message message;                  // kMessage only.
  std::string text;                 // kBanner: the version.
  std::uint64_t missing_bytes = 0;  // kCaptureGap only.
};

struct FramerLimits {
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_message_bytes = 1024 * 1024;
  std::size_t max_headers = 4096;
};

class Framer {
 public:
  using Emit = std::function<void(Item&)>;

  explicit Framer(FramerLimits limits = {}) : limits_(limits) {}

  // Consumes `bytes` (any split of the stream) and calls `emit` for each complete item, in
  // stream order. The Item passed to `emit` may be moved from.
  void Feed(std::string_view bytes, const Emit& emit);

  // The stream ended: a message or line still being read becomes one kTruncated item. The framer
  // is then empty, ready for a new stream.
  void Finish(const Emit& emit);

  // Forgets any partial input without emitting it.
  void Reset();

 private:
  void OnLine(std::string_view line, const Emit& emit);
  void EndMessage(const Emit& emit);
  void EmitSimple(ItemKind kind, const Emit& emit);

  FramerLimits limits_;
  std::string line_;               // Bytes of the line being read (no newline yet).
  bool discarding_ = false;        // Inside an oversized line: drop until the next newline.
  bool skipping_message_ = false;  // Headers of a message already reported as kOversized.
  Message message_;                // The message being read.
  std::size_t message_bytes_ = 0;
};

}  // namespace ccmon::ami
