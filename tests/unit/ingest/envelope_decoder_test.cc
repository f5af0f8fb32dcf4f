#include "daemon/ingest/envelope_decoder.h"

#include <gtest/gtest.h>

#include "ccmon/v1/events.pb.h"

namespace ccmon::ingest {
namespace {

using state::RejectReason;

v1::Envelope Base() {
  v1::Envelope env;
  env.set_source("ast1");
  env.set_source_epoch(7);
  env.set_seq(3);
  env.set_time_unix_ms(1'700'000'000'123);
  return env;
}

struct Outcome {
  bool ok;
  RejectReason reason;
  DecodedEvent out;
};

Outcome Decode(std::string_view topic, const std::string& payload, DecodeLimits limits = {}) {
  EnvelopeDecoder d(limits);
  Outcome o{false, RejectReason::kMalformedFrame, {}};
  o.ok = d.Decode(topic, payload, &o.out, &o.reason);
  return o;
}

TEST(EnvelopeDecoder, ContactQueuedBecomesAStateEventWithItsStreamPosition) {
  auto env = Base();
  auto* q = env.mutable_contact_queued();
  q->set_contact_id("1700000000.42");
  q->set_queue("sales");
  q->set_channel(v1::CHANNEL_CHAT);
  q->set_caller_key("ab12");
  q->set_priority(5);
  q->set_segment("vip");
  auto o = Decode("v1.acme.sales.", env.SerializeAsString());
  ASSERT_TRUE(o.ok);
  const auto& e = o.out.event;
  EXPECT_EQ(e.type, state::EventType::kContactQueued);
  EXPECT_EQ(e.time_ms, 1'700'000'000'123);
  EXPECT_EQ(e.source_name, "ast1");
  EXPECT_EQ(e.contact_id, "1700000000.42");
  EXPECT_EQ(e.queue, "sales");
  EXPECT_EQ(e.channel, state::Channel::kChat);
  EXPECT_EQ(e.caller_key, "ab12");
  EXPECT_EQ(e.priority, 5);
  EXPECT_EQ(e.segment, "vip");
  EXPECT_EQ(o.out.position.topic, "v1.acme.sales.");
  EXPECT_EQ(o.out.position.epoch, 7u);
  EXPECT_EQ(o.out.position.seq, 3u);
}

TEST(EnvelopeDecoder, QueueNamesWithOtherCharactersMatchTheirSanitisedTopic) {
  auto env = Base();
  env.mutable_contact_abandoned()->set_contact_id("c");
  env.mutable_contact_abandoned()->set_queue("Sales EU/1");
  EXPECT_TRUE(Decode("v1.acme.Sales_EU_1.", env.SerializeAsString()).ok);
  EXPECT_EQ(Decode("v1.acme.Sales.", env.SerializeAsString()).reason, RejectReason::kTopicMismatch);
}

TEST(EnvelopeDecoder, AgentAndHeartbeatEventsNeedTheirOwnTopics) {
  auto env = Base();
  auto* a = env.mutable_agent_state_changed();
  a->set_agent_id("1001");
  a->set_state(v1::AGENT_STATE_NOT_READY);
  a->set_reason("lunch");
  a->add_queues("sales");
  a->add_queues("support");
  auto o = Decode("v1.acme.~agent.", env.SerializeAsString());
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.out.event.agent_state, state::AgentState::kNotReady);
  EXPECT_EQ(o.out.event.agent_queues, (std::vector<std::string>{"sales", "support"}));
  EXPECT_EQ(Decode("v1.acme.sales.", env.SerializeAsString()).reason, RejectReason::kTopicMismatch);

  auto hb = Base();
  hb.mutable_heartbeat()->set_acd_connection(v1::ACD_CONNECTION_DOWN);
  auto h = Decode("v1.acme.~hb.", hb.SerializeAsString());
  ASSERT_TRUE(h.ok);
  EXPECT_EQ(h.out.event.acd_connection, state::AcdConnection::kDown);
  EXPECT_EQ(h.out.event.heartbeat_interval_ms, 1000u) << "0 on the wire means 1 s";
  hb.mutable_heartbeat()->set_interval_ms(5000);
  EXPECT_EQ(Decode("v1.acme.~hb.", hb.SerializeAsString()).out.event.heartbeat_interval_ms, 5000u);
}

TEST(EnvelopeDecoder, EveryContactEventTypeDecodes) {
  struct Case {
    void (*fill)(v1::Envelope*);
    state::EventType type;
  };
  const Case cases[] = {
      {[](v1::Envelope* e) {
         auto* m = e->mutable_contact_ringing();
         m->set_contact_id("c");
         m->set_queue("q");
       },
       state::EventType::kContactRinging},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_contact_ring_timeout();
         m->set_contact_id("c");
         m->set_queue("q");
         m->set_ring_ms(1500);
       },
       state::EventType::kContactRingTimeout},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_contact_answered();
         m->set_contact_id("c");
         m->set_queue("q");
       },
       state::EventType::kContactAnswered},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_contact_exited();
         m->set_contact_id("c");
         m->set_queue("q");
         m->set_reason(v1::EXIT_REASON_KEY_PRESS);
       },
       state::EventType::kContactExited},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_contact_transferred();
         m->set_contact_id("c");
         m->set_queue("q");
         m->set_target_queue("r");
       },
       state::EventType::kContactTransferred},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_contact_held();
         m->set_contact_id("c");
         m->set_queue("q");
       },
       state::EventType::kContactHeld},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_contact_resumed();
         m->set_contact_id("c");
         m->set_queue("q");
       },
       state::EventType::kContactResumed},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_contact_ended();
         m->set_contact_id("c");
         m->set_queue("q");
         m->set_ended_by(v1::ENDED_BY_AGENT);
       },
       state::EventType::kContactEnded},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_wrap_up_ended();
         m->set_contact_id("c");
         m->set_queue("q");
         m->set_resolved(v1::RESOLUTION_NOT_RESOLVED);
       },
       state::EventType::kWrapUpEnded},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_callback_requested();
         m->set_contact_id("c");
         m->set_queue("q");
       },
       state::EventType::kCallbackRequested},
      {[](v1::Envelope* e) {
         auto* m = e->mutable_survey_completed();
         m->set_contact_id("c");
         m->set_queue("q");
         m->set_csat(4);
       },
       state::EventType::kSurveyCompleted},
  };
  for (const auto& c : cases) {
    auto env = Base();
    c.fill(&env);
    auto o = Decode("v1.t.q.", env.SerializeAsString());
    ASSERT_TRUE(o.ok) << state::EventTypeName(c.type);
    EXPECT_EQ(o.out.event.type, c.type);
  }
}

TEST(EnvelopeDecoder, BadInputIsRejectedWithItsReason) {
  auto good = Base();
  good.mutable_contact_answered()->set_contact_id("c");
  good.mutable_contact_answered()->set_queue("q");
  const std::string payload = good.SerializeAsString();

  EXPECT_EQ(Decode("", payload).reason, RejectReason::kMalformedFrame);
  EXPECT_EQ(Decode("v1.t.q.", "").reason, RejectReason::kMalformedFrame);
  EXPECT_EQ(Decode("v1.t.q.", "\xff\xff\xff garbage").reason, RejectReason::kUndecodable);
  EXPECT_EQ(Decode("v2.t.q.", payload).reason, RejectReason::kTopicMismatch);
  EXPECT_EQ(Decode("v1.t.q", payload).reason, RejectReason::kTopicMismatch);
  EXPECT_EQ(Decode("v1.t.r.", payload).reason, RejectReason::kTopicMismatch);

  auto no_source = good;
  no_source.clear_source();
  EXPECT_EQ(Decode("v1.t.q.", no_source.SerializeAsString()).reason, RejectReason::kMissingField);
  auto no_epoch = good;
  no_epoch.set_source_epoch(0);
  EXPECT_EQ(Decode("v1.t.q.", no_epoch.SerializeAsString()).reason, RejectReason::kMissingField);
  auto no_contact = good;
  no_contact.mutable_contact_answered()->clear_contact_id();
  EXPECT_EQ(Decode("v1.t.q.", no_contact.SerializeAsString()).reason, RejectReason::kMissingField);

  auto bad_enum = Base();
  bad_enum.mutable_contact_exited()->set_contact_id("c");
  bad_enum.mutable_contact_exited()->set_queue("q");
  bad_enum.mutable_contact_exited()->set_reason(static_cast<v1::ExitReason>(99));
  EXPECT_EQ(Decode("v1.t.q.", bad_enum.SerializeAsString()).reason, RejectReason::kInvalidValue);

  auto bad_csat = Base();
  bad_csat.mutable_survey_completed()->set_contact_id("c");
  bad_csat.mutable_survey_completed()->set_queue("q");
  bad_csat.mutable_survey_completed()->set_csat(6);
  EXPECT_EQ(Decode("v1.t.q.", bad_csat.SerializeAsString()).reason, RejectReason::kInvalidValue);

  auto huge = good;
  huge.mutable_contact_answered()->set_agent_id(std::string(5000, 'x'));
  EXPECT_EQ(Decode("v1.t.q.", huge.SerializeAsString()).reason, RejectReason::kOversized);
  DecodeLimits tiny;
  tiny.max_frame_bytes = 8;
  EXPECT_EQ(Decode("v1.t.q.", payload, tiny).reason, RejectReason::kOversized);
}

TEST(EnvelopeDecoder, AnEventTypeFromANewerSchemaIsUnknownNotUndecodable) {
  auto env = Base();
  std::string payload = env.SerializeAsString();
  // Field 99 (length-delimited, empty): an event this version does not know.
  payload += std::string("\x9a\x06\x00", 3);
  EXPECT_EQ(Decode("v1.t.q.", payload).reason, RejectReason::kUnknownEvent);
}

TEST(EnvelopeDecoder, ReusingTheOutputClearsFieldsOfThePreviousEvent) {
  EnvelopeDecoder d;
  DecodedEvent out;
  RejectReason r;
  auto q = Base();
  q.mutable_contact_queued()->set_contact_id("c1");
  q.mutable_contact_queued()->set_queue("q");
  q.mutable_contact_queued()->set_segment("vip");
  ASSERT_TRUE(d.Decode("v1.t.q.", q.SerializeAsString(), &out, &r));
  auto q2 = Base();
  q2.mutable_contact_queued()->set_contact_id("c2");
  q2.mutable_contact_queued()->set_queue("q");
  ASSERT_TRUE(d.Decode("v1.t.q.", q2.SerializeAsString(), &out, &r));
  EXPECT_EQ(out.event.segment, "");
  EXPECT_EQ(out.event.contact_id, "c2");
}

}  // namespace
}  // namespace ccmon::ingest

namespace ccmon::ingest {
namespace {

TEST(EnvelopeDecoder, InvalidUtf8InAStringFieldIsRejectedWithoutLogging) {
  auto env = Base();
  env.mutable_contact_answered()->set_contact_id("c");
  env.mutable_contact_answered()->set_queue("q");
  std::string payload = env.SerializeAsString();
  // Corrupt the source string ("ast1") into invalid UTF-8.
  const auto at = payload.find("ast1");
  ASSERT_NE(at, std::string::npos);
  payload[at] = '\xff';
  EnvelopeDecoder d;
  DecodedEvent out;
  RejectReason reason = RejectReason::kMalformedFrame;
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(d.Decode("v1.t.q.", payload, &out, &reason));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(reason, RejectReason::kUndecodable);
}

}  // namespace
}  // namespace ccmon::ingest
