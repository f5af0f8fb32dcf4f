#include "bridges/asterisk_ami/ami_framer.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ccmon::ami {
namespace {

constexpr std::string_view kBannerPrefix = "Asterisk Call Manager/";
constexpr std::string_view kGapPrefix = "[";
constexpr std::string_view kGapSuffix = " bytes missing in capture file]";

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool IsKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "Key: value" → true with key and value set.
bool SplitHeader(std::string_view line, std::string_view* key, std::string_view* value) {
  std::size_t i = 0;
  while (i < line.size() && IsKeyChar(line[i])) ++i;
  if (i == 0 || i >= line.size() || line[i] != ':') return false;
  if (i + 1 < line.size() && !IsBlank(line[i + 1])) return false;
  *key = line.substr(0, i);
  *value = Trim(line.substr(i + 1));
  return true;
}

// "Key:" at the start of `text` (the rest of the line may be missing).
bool StartsLikeHeader(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && IsKeyChar(text[i])) ++i;
  return i > 0 && i < text.size() && text[i] == ':';
}

// "[123 bytes missing in capture file]rest" → true with n and rest set.
bool SplitGapMarker(std::string_view line, std::uint64_t* n, std::string_view* rest) {
  if (line.substr(0, kGapPrefix.size()) != kGapPrefix) return false;
  std::size_t i = kGapPrefix.size();
  std::uint64_t value = 0;
  const std::size_t digits_start = i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9' && i - digits_start < 18) {
    value = value * 10 + static_cast<std::uint64_t>(line[i] - '0');
    ++i;
  }
  if (i == digits_start || line.substr(i, kGapSuffix.size()) != kGapSuffix) return false;
  *n = value;
  *rest = line.substr(i + kGapSuffix.size());
  return true;
}

}  // namespace

const std::string* Message::Find(std::string_view key) const {
  return bridges::FindHeader(headers, key);
}

std::string_view Message::Get(std::string_view key) const {
  const std::string* v = Find(key);
  return v == nullptr ? std::string_view() : std::string_view(*v);
}

void Framer::Feed(std::string_view bytes, const Emit& emit) {
  while (!bytes.empty()) {
    const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
    const std::size_t chunk =
        nl == nullptr ? bytes.size()
                      : static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
    if (discarding_) {
      if (nl == nullptr) return;  // Still inside the oversized line.
      discarding_ = false;
      bytes.remove_prefix(chunk + 1);
      continue;
    }
    if (line_.size() + chunk > limits_.max_line_bytes) {
      // The line is too long to be anything useful: drop it, and the message it belongs to. If
      // it was part of a message (or starts one), the header lines after it belong to that
      // message too.
      std::string start = line_.substr(0, 64);
      start.append(bytes.data(), std::min<std::size_t>(chunk, 64 - start.size()));
      skipping_message_ = !message_.headers.empty() || skipping_message_ || StartsLikeHeader(start);
      line_.clear();
      message_ = Message();
      message_bytes_ = 0;
      EmitSimple(ItemKind::kOversized, emit);
      if (nl == nullptr) {
        discarding_ = true;
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
    OnLine(line, emit);
  }
}

void Framer::OnLine(std::string_view line, const Emit& emit) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

  std::uint64_t missing = 0;
  std::string_view rest;
  while (SplitGapMarker(line, &missing, &rest)) {
    if (!message_.headers.empty() || skipping_message_) {
      // The end of this message (at least its blank line) is in the gap.
      const bool was_skipping = skipping_message_;
      message_ = Message();
      message_bytes_ = 0;
      skipping_message_ = false;
      if (!was_skipping) EmitSimple(ItemKind::kTruncated, emit);
    }
    Item gap;
    gap.kind = ItemKind::kCaptureGap;
    gap.missing_bytes = missing;
    emit(gap);
    if (rest.empty()) return;
    line = rest;  // The marker is glued to the next line of the stream.
  }

  if (Trim(line).empty()) {
    skipping_message_ = false;
    EndMessage(emit);
    return;
  }

  std::string_view key;
  std::string_view value;
  if (SplitHeader(line, &key, &value)) {
    if (skipping_message_) return;  // The rest of a message already counted as oversized.
    const std::size_t cost = key.size() + value.size() + 2;
    if (message_.headers.size() >= limits_.max_headers ||
        message_bytes_ + cost > limits_.max_message_bytes) {
      message_ = Message();
      message_bytes_ = 0;
      skipping_message_ = true;
      EmitSimple(ItemKind::kOversized, emit);
      return;
    }
    message_.headers.push_back(Header{std::string(key), std::string(value)});
    message_bytes_ += cost;
    return;
  }

  // Not a header: whatever was being read ends here.
  skipping_message_ = false;
  EndMessage(emit);
  if (line.substr(0, kBannerPrefix.size()) == kBannerPrefix) {
    Item banner;
    banner.kind = ItemKind::kBanner;
    banner.text = std::string(Trim(line.substr(kBannerPrefix.size())));
    emit(banner);
    return;
  }
  EmitSimple(ItemKind::kGarbageLine, emit);
}

void Framer::EndMessage(const Emit& emit) {
  if (message_.headers.empty()) return;
  Item item;
  item.kind = ItemKind::kMessage;
  item.message = std::move(message_);
  message_ = Message();
  message_bytes_ = 0;
  emit(item);
}

void Framer::EmitSimple(ItemKind kind, const Emit& emit) {
  Item item;
  item.kind = kind;
  emit(item);
}

void Framer::Finish(const Emit& emit) {
  const bool partial = !line_.empty() || !message_.headers.empty();
  Reset();
  if (partial) EmitSimple(ItemKind::kTruncated, emit);
}

void Framer::Reset() {
  line_.clear();
  discarding_ = false;
  skipping_message_ = false;
  message_ = Message();
  message_bytes_ = 0;
}

}  // namespace ccmon::ami
