// What `ccmon events` prints: the text line of an envelope, and Protobuf JSON that
// `ccmon-bridge jsonl` parses back into the same envelope.
#include "tools/envelope_text.h"

#include <gtest/gtest.h>

#include "bridges/jsonl/envelope_line.h"
#include "tools/stream_tracker.h"

namespace ccmon::tools {
namespace {

v1::Envelope Queued() {
  v1::Envelope env;
  env.set_source("sim1");
  env.set_source_epoch(1764057600000);
  env.set_seq(17);
  env.set_time_unix_ms(1764057601250);
  auto* q = env.mutable_contact_queued();
  q->set_contact_id("c-1");
  q->set_queue("sales");
  q->set_channel(v1::CHANNEL_VOICE);
  q->set_segment("very important");
  q->set_priority(3);
  return env;
}

TEST(EnvelopeText, ShowsTimeSourceNumberTopicTypeAndTheSetFields) {
  EXPECT_EQ(FormatEnvelopeText("v1.demo.sales.", Queued()),
            "2025-11-25T08:00:01.250Z sim1 1764057600000/17 v1.demo.sales. ContactQueued "
            "contact_id=c-1 queue=sales channel=CHANNEL_VOICE priority=3 "
            "segment=\"very important\"");
}

TEST(EnvelopeText, QuotesWhatCouldBeMistakenForSyntax) {
  EXPECT_EQ(QuoteIfNeeded("plain-name_1"), "plain-name_1");
  EXPECT_EQ(QuoteIfNeeded(""), "\"\"");
  EXPECT_EQ(QuoteIfNeeded("a=b"), "\"a=b\"");
  EXPECT_EQ(QuoteIfNeeded("say \"x\"\n"), "\"say \\\"x\\\"\\n\"");
  EXPECT_EQ(QuoteIfNeeded("\x01"), "\"\\x01\"");
}

TEST(EnvelopeText, HeartbeatPositionsAreShown) {
  v1::Envelope env;
  env.set_source("b");
  env.set_source_epoch(1);
  env.set_seq(2);
  env.set_time_unix_ms(0);
  auto* hb = env.mutable_heartbeat();
  auto* p = hb->add_positions();
  p->set_topic("v1.t.q.");
  p->set_last_seq(9);
  const std::string line = FormatEnvelopeText("v1.t.~hb.", env);
  EXPECT_NE(line.find("1970-01-01T00:00:00.000Z b 1/2 v1.t.~hb. Heartbeat positions=[{"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("last_seq: 9"), std::string::npos) << line;
}

TEST(EnvelopeText, JsonIsOneLineThatTheJsonlBridgeReadsBack) {
  const v1::Envelope env = Queued();
  const std::string json = FormatEnvelopeJson(env);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  v1::Envelope back;
  std::string error;
  EXPECT_EQ(jsonl::ParseEnvelopeLine(json, {}, &back, &error), jsonl::kOutcomePublished) << error;
  EXPECT_EQ(back.SerializeAsString(), env.SerializeAsString()) << json;
}

TEST(BusDecoder, ClassifiesMessagesAsTheDaemonDoes) {
  BusDecoder d;
  state::RejectReason reason{};
  const std::string payload = Queued().SerializeAsString();
  EXPECT_TRUE(d.Decode(2, "v1.default.sales.", payload, &reason));
  EXPECT_EQ(d.envelope().contact_queued().contact_id(), "c-1");
  EXPECT_EQ(d.decoded().position.seq, 17u);
  EXPECT_FALSE(d.Decode(3, "v1.default.sales.", payload, &reason));
  EXPECT_EQ(reason, state::RejectReason::kMalformedFrame);
  EXPECT_FALSE(d.Decode(2, "v1.default.sales.", "\xff\xff\xff", &reason));
  EXPECT_EQ(reason, state::RejectReason::kUndecodable);
  EXPECT_FALSE(d.Decode(2, "v1.default.support.", payload, &reason));
  EXPECT_EQ(reason, state::RejectReason::kTopicMismatch);
}

TEST(StreamTracker, CountsGapsAndDuplicatesPerStreamFromTheFirstNumberSeen) {
  StreamTracker t;
  const StreamKey a{"s", 1, "v1.t.a."}, b{"s", 1, "v1.t.b."};
  EXPECT_EQ(t.Observe(a, 5), SeqVerdict::kFirst) << "joining late loses nothing";
  EXPECT_EQ(t.Observe(a, 6), SeqVerdict::kNext);
  EXPECT_EQ(t.Observe(a, 9), SeqVerdict::kGap);
  EXPECT_EQ(t.Observe(a, 9), SeqVerdict::kDuplicate);
  EXPECT_EQ(t.Observe(b, 1), SeqVerdict::kFirst);
  EXPECT_EQ(t.total_gaps(), 1u);
  EXPECT_EQ(t.total_missing(), 2u);
  EXPECT_EQ(t.total_duplicates(), 1u);
  EXPECT_EQ(t.streams().at(a).missing, 2u);
  // A heartbeat saying b reached 4 and c (never seen) 2: 3 + 2 unseen; d is not subscribed.
  EXPECT_EQ(t.Unseen("s", 1, {{"v1.t.b.", 4}, {"v1.t.c.", 2}, {"v1.u.d.", 7}}, {"v1.t."}), 5u);
  EXPECT_EQ(t.Unseen("s", 1, {{"v1.t.a.", 9}}, {"v1."}), 0u);
}

}  // namespace
}  // namespace ccmon::tools
