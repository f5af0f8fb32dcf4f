#include "daemon/ingest/replay_protocol.h"

#include <array>

namespace ccmon::ingest {

namespace {

constexpr std::array<std::pair<ReplayStatus, std::string_view>, 7> kStatusNames{{
    {ReplayStatus::kOk, "ok"},
    {ReplayStatus::kGone, "gone"},
    {ReplayStatus::kUnknownStream, "unknown_stream"},
    {ReplayStatus::kBadRequest, "bad_request"},
    {ReplayStatus::kUnsupportedVersion, "unsupported_version"},
    {ReplayStatus::kJournalError, "journal_error"},
    {ReplayStatus::kMalformedReply, "malformed_reply"},
}};

}  // namespace

ReplayStatus ParseReplayStatus(std::string_view word) {
  for (const auto& [status, name] : kStatusNames) {
    if (name == word && status != ReplayStatus::kMalformedReply) return status;
  }
  return ReplayStatus::kMalformedReply;
}

std::string_view ReplayStatusName(ReplayStatus status) {
  for (const auto& [s, name] : kStatusNames) {
    if (s == status) return name;
  }
  return "malformed_reply";
}

std::string EncodeU64(std::uint64_t v) {
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

bool DecodeU64(std::string_view frame, std::uint64_t* out) {
  if (frame.size() != 8) return false;
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(frame[static_cast<std::size_t>(i)]);
  }
  *out = v;
  return true;
}

std::vector<std::string> EncodeReplayRequest(const ReplayRequest& r) {
  return {std::string(kReplayProtocol), EncodeU64(r.id),    r.source, EncodeU64(r.epoch), r.topic,
          EncodeU64(r.from_seq),        EncodeU64(r.to_seq)};
}

bool ParseReplayReplyHeader(const std::vector<std::string_view>& frames, ReplayAnswer* answer) {
  *answer = ReplayAnswer{};
  answer->status = ReplayStatus::kMalformedReply;
  if (frames.size() < 2 || !DecodeU64(frames[1], &answer->request_id)) return false;
  if (frames.size() < kReplayReplyHeaderFrames || frames[0] != kReplayProtocol) return false;
  const ReplayStatus status = ParseReplayStatus(frames[2]);
  if (status == ReplayStatus::kMalformedReply || !DecodeU64(frames[4], &answer->first_available) ||
      !DecodeU64(frames[5], &answer->next_seq) || frames[6].size() != 1 ||
      static_cast<unsigned char>(frames[6][0]) > 1) {
    return false;
  }
  answer->topic.assign(frames[3]);
  answer->more = frames[6][0] == 1;
  answer->status = status;
  return true;
}

}  // namespace ccmon::ingest
