// The daemon's codec of the replay protocol (docs/events.md "Replay"): request frames as
// documented, reply headers parsed strictly.
#include "daemon/ingest/replay_protocol.h"

#include <gtest/gtest.h>

namespace ccmon::ingest {
namespace {

std::vector<std::string_view> Views(const std::vector<std::string>& frames) {
  return {frames.begin(), frames.end()};
}

std::vector<std::string> Reply(std::string status = "ok", std::string more = std::string(1, 0)) {
  return {"CCMON-REPLAY-1", EncodeU64(42), std::move(status), "v1.t.q.",
          EncodeU64(3),     EncodeU64(9),  std::move(more)};
}

TEST(ReplayProtocol, ARequestIsSevenFramesInTheDocumentedOrder) {
  ReplayRequest r;
  r.id = 7;
  r.source = "sim1";
  r.epoch = 0x0102030405060708;
  r.topic = "v1.t.q.";
  r.from_seq = 3;
  r.to_seq = 4;
  const auto frames = EncodeReplayRequest(r);
  ASSERT_EQ(frames.size(), 7u);
  EXPECT_EQ(frames[0], "CCMON-REPLAY-1");
  EXPECT_EQ(frames[1], std::string("\x07\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(frames[2], "sim1");
  EXPECT_EQ(frames[3], std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));  // Little-endian.
  EXPECT_EQ(frames[4], "v1.t.q.");
  std::uint64_t v = 0;
  ASSERT_TRUE(DecodeU64(frames[5], &v));
  EXPECT_EQ(v, 3u);
  ASSERT_TRUE(DecodeU64(frames[6], &v));
  EXPECT_EQ(v, 4u);
}

TEST(ReplayProtocol, AWellFormedReplyHeaderParses) {
  ReplayAnswer a;
  ASSERT_TRUE(ParseReplayReplyHeader(Views(Reply("gone", std::string(1, 1))), &a));
  EXPECT_EQ(a.request_id, 42u);
  EXPECT_EQ(a.status, ReplayStatus::kGone);
  EXPECT_EQ(a.topic, "v1.t.q.");
  EXPECT_EQ(a.first_available, 3u);
  EXPECT_EQ(a.next_seq, 9u);
  EXPECT_TRUE(a.more);
}

TEST(ReplayProtocol, MalformedRepliesKeepTheirIdWhenItCanBeRead) {
  ReplayAnswer a;
  auto unknown_status = Reply("maybe");
  EXPECT_FALSE(ParseReplayReplyHeader(Views(unknown_status), &a));
  EXPECT_EQ(a.status, ReplayStatus::kMalformedReply);
  EXPECT_EQ(a.request_id, 42u);

  auto short_reply = Reply();
  short_reply.pop_back();
  EXPECT_FALSE(ParseReplayReplyHeader(Views(short_reply), &a));
  EXPECT_EQ(a.request_id, 42u);

  auto bad_more = Reply("ok", "yes");
  EXPECT_FALSE(ParseReplayReplyHeader(Views(bad_more), &a));

  auto other_version = Reply();
  other_version[0] = "CCMON-REPLAY-2";
  EXPECT_FALSE(ParseReplayReplyHeader(Views(other_version), &a));

  auto bad_id = Reply();
  bad_id[1] = "x";
  EXPECT_FALSE(ParseReplayReplyHeader(Views(bad_id), &a));
  EXPECT_EQ(a.request_id, 0u);
}

TEST(ReplayProtocol, StatusWordsRoundTrip) {
  for (auto s : {ReplayStatus::kOk, ReplayStatus::kGone, ReplayStatus::kUnknownStream,
                 ReplayStatus::kBadRequest, ReplayStatus::kUnsupportedVersion,
                 ReplayStatus::kJournalError}) {
    EXPECT_EQ(ParseReplayStatus(ReplayStatusName(s)), s);
  }
  EXPECT_EQ(ParseReplayStatus("malformed_reply"), ReplayStatus::kMalformedReply);
}

}  // namespace
}  // namespace ccmon::ingest
