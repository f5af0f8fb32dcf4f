#include "bridges/freeswitch/esl_parser.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

namespace ccmon::freeswitch {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// "Key: value" → true with key and (raw, trimmed) value. The key is everything before the first
// ':' and must be non-empty printable text without blanks.
bool SplitHeader(std::string_view line, std::string_view* key, std::string_view* value) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c <= ' ' || c == 0x7f) return false;
  }
  *key = line.substr(0, colon);
  *value = Trim(line.substr(colon + 1));
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string* Headers::Find(std::string_view key) const {
  return bridges::FindHeader(list, key);
}

std::string_view Headers::Get(std::string_view key) const {
  const std::string* v = Find(key);
  return v == nullptr ? std::string_view() : std::string_view(*v);
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

bool ParsePlainEvent(std::string_view body, Headers* headers, std::string* event_body) {
  headers->list.clear();
  event_body->clear();
  bool well_formed = true;
  while (!body.empty()) {
    const std::size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (Trim(line).empty()) {
      // The event's own body (events with a Content-Length header) follows the empty line.
      event_body->assign(body.data(), body.size());
      return well_formed;
    }
    std::string_view key;
    std::string_view value;
    if (!SplitHeader(line, &key, &value)) {
      well_formed = false;
      continue;
    }
    headers->list.push_back(Header{std::string(key), std::string(Trim(UrlDecode(value)))});
  }
  return well_formed;
}

void EslParser::Feed(std::string_view bytes, const Emit& emit) {
  while (!bytes.empty()) {
    if (state_ == State::kBody || state_ == State::kSkipBody) {
      const std::size_t n = std::min(body_left_, bytes.size());
      if (state_ == State::kBody) frame_.body.append(bytes.data(), n);
      bytes.remove_prefix(n);
      body_left_ -= n;
      if (body_left_ == 0) {
        if (state_ == State::kBody) {
          EmitFrame(frame_malformed_ ? FrameKind::kMalformed : FrameKind::kFrame, emit);
        }
        state_ = State::kHeaders;  // An oversized frame was already counted.
        frame_ = Frame();
      }
      continue;
    }
    const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
    const std::size_t chunk =
        nl == nullptr ? bytes.size()
                      : static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
    if (discarding_line_) {
      if (nl == nullptr) return;
      discarding_line_ = false;
      bytes.remove_prefix(chunk + 1);
      continue;
    }
    if (line_.size() + chunk > limits_.max_line_bytes) {
      line_.clear();
      frame_oversized_ = true;
      if (nl == nullptr) {
        discarding_line_ = true;
        return;
      }
      bytes.remove_prefix(chunk + 1);
      continue;
    }
    line_.append(bytes.data(), chunk);
    if (nl == nullptr) return;
    bytes.remove_prefix(chunk + 1);
    std::string line = std::move(line_);
    line_.clear();
    OnHeaderLine(line, emit);
  }
}

void EslParser::OnHeaderLine(std::string_view line, const Emit& emit) {
  if (Trim(line).empty()) {
    if (frame_.headers.list.empty() && !frame_malformed_ && !frame_oversized_) return;
    EndHeaders(emit);
    return;
  }
  std::string_view key;
  std::string_view value;
  if (!SplitHeader(line, &key, &value)) {
    frame_malformed_ = true;
    return;
  }
  if (frame_.headers.list.size() >= limits_.max_headers) {
    frame_oversized_ = true;
    return;
  }
  frame_.headers.list.push_back(Header{std::string(key), std::string(value)});
}

void EslParser::EndHeaders(const Emit& emit) {
  const std::string* length = frame_.headers.Find("Content-Length");
  std::size_t n = 0;
  bool length_ok = true;
  if (length != nullptr) {
    const auto r = std::from_chars(length->data(), length->data() + length->size(), n);
    length_ok = r.ec == std::errc() && r.ptr == length->data() + length->size();
  }
  if (frame_oversized_) {
    EmitFrame(FrameKind::kOversized, emit);
    if (length_ok && n > 0) {
      state_ = State::kSkipBody;
      body_left_ = n;
    }
    return;
  }
  if (!length_ok) {
    // Without a usable length the body cannot be found: the frame ends here.
    EmitFrame(FrameKind::kMalformed, emit);
    return;
  }
  if (n > limits_.max_body_bytes) {
    EmitFrame(FrameKind::kOversized, emit);
    state_ = State::kSkipBody;
    body_left_ = n;
    return;
  }
  if (n == 0) {
    EmitFrame(frame_malformed_ ? FrameKind::kMalformed : FrameKind::kFrame, emit);
    return;
  }
  state_ = State::kBody;
  body_left_ = n;
  frame_.body.reserve(n);
}

void EslParser::EmitFrame(FrameKind kind, const Emit& emit) {
  Frame frame = std::move(frame_);
  frame.kind = kind;
  frame_ = Frame();
  frame_malformed_ = false;
  frame_oversized_ = false;
  emit(frame);
}

void EslParser::Finish(const Emit& emit) {
  const bool partial = !line_.empty() || !frame_.headers.list.empty() || frame_malformed_ ||
                       (frame_oversized_ && state_ == State::kHeaders) || state_ == State::kBody;
  Reset();
  if (partial) {
    Frame frame;
    frame.kind = FrameKind::kTruncated;
    emit(frame);
  }
}

void EslParser::Reset() {
  state_ = State::kHeaders;
  line_.clear();
  discarding_line_ = false;
  frame_ = Frame();
  frame_malformed_ = false;
  frame_oversized_ = false;
  body_left_ = 0;
}

}  // namespace ccmon::freeswitch
