// Records → lifecycle events (bridges/records/record_mapper.h): every record outcome, the
// Technion special cases (never queued, answered without waiting, phantom, past midnight, clock
// skew between the VRU and the ACD), local time → UTC across a 1999 Israel DST change, global
// time order, torn files, and the rejects, each counted by name.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "bridges/records/record_mapper.h"
#include "common/publisher.h"

namespace ccmon::records {
namespace {

// The Technion layout (a subset of its columns) with the shipped mapping's rules, in UTC unless
// a test overrides the zone.
const std::string kMapping = R"(
contact_id: [line, call_id]
queue: {column: type, values: {PS: regular, NW: prospects}}
caller: {column: customer_id, anonymous: ["0"]}
agent: {column: server, none: [NO_SERVER]}
priority: {column: priority, values: {"0": 0, "1": 0, "2": 1}}
times:
  time_zone: UTC
  date: {column: date, format: "%y%m%d"}
  format: "%H:%M:%S"
  absent: ["0:00:00"]
  arrival: vru_entry
  enqueue: q_start
  wait: q_time
  answer: [ser_start, vru_exit]
  talk: ser_time
outcome:
  column: outcome
  values: {AGENT: answered, HANG: abandoned, PHANTOM: ignore, IVR: never_queued}
)";
const std::string kHeader =
    "line,call_id,customer_id,priority,type,date,vru_entry,vru_exit,q_start,q_time,outcome,"
    "ser_start,ser_time,server\n";

constexpr UnixMs kAug1 = 933'465'600'000;  // 1999-08-01T00:00:00Z.
constexpr UnixMs kS = 1000;
constexpr UnixMs kH = 3'600'000;

class Replay {
 public:
  explicit Replay(const std::string& csv, const std::string& mapping = kMapping,
                  const std::vector<std::string>& overrides = {})
      : hasher_(CallerKeyHasher::FromKeyHex(std::string(64, 'a')).value()) {
    auto m = ParseMapping(mapping, "test.yaml", overrides);
    EXPECT_TRUE(m.ok()) << m.status().message();
    mapping_ = std::move(m).value();
    mapper_ = std::make_unique<RecordMapper>(mapping_, hasher_);
    std::istringstream in(csv);
    status_ = ReadRecords(in, "test.csv", mapper_.get(), &counts_);
    for (const ScheduledEvent& e : mapper_->Schedule()) {
      v1::Envelope env = mapper_->MakeEnvelope(e);
      EXPECT_TRUE(sink_.Publish(env).ok());
    }
  }

  const Status& status() const { return status_; }
  const bridges::InputCounts& counts() const { return counts_; }
  const std::vector<CapturingSink::Message>& messages() const { return sink_.messages(); }
  const std::vector<ContactTimeline>& timelines() const { return mapper_->timelines(); }
  const CallerKeyHasher& hasher() const { return hasher_; }

  // "queued c1 @t" lines, for compact expectations (t in seconds after kAug1).
  std::vector<std::string> Trace() const {
    std::vector<std::string> out;
    for (const auto& m : messages()) {
      const v1::Envelope& e = m.envelope;
      std::string what;
      std::string id;
      switch (e.event_case()) {
        case v1::Envelope::kContactQueued:
          what = "queued";
          id = e.contact_queued().contact_id();
          break;
        case v1::Envelope::kContactAnswered:
          what = "answered";
          id = e.contact_answered().contact_id();
          break;
        case v1::Envelope::kContactAbandoned:
          what = "abandoned";
          id = e.contact_abandoned().contact_id();
          break;
        case v1::Envelope::kContactExited:
          what = "exited";
          id = e.contact_exited().contact_id();
          break;
        case v1::Envelope::kCallbackRequested:
          what = "callback";
          id = e.callback_requested().contact_id();
          break;
        case v1::Envelope::kContactEnded:
          what = "ended";
          id = e.contact_ended().contact_id();
          break;
        case v1::Envelope::kWrapUpEnded:
          what = "wrapup";
          id = e.wrap_up_ended().contact_id();
          break;
        default:
          what = "other";
      }
      out.push_back(what + " " + id + " @" + std::to_string((e.time_unix_ms() - kAug1) / kS));
    }
    return out;
  }

 private:
  CallerKeyHasher hasher_;
  RecordMapping mapping_;
  std::unique_ptr<RecordMapper> mapper_;
  bridges::InputCounts counts_;
  CapturingSink sink_{"records", 1};
  Status status_;
};

using Trace = std::vector<std::string>;

TEST(recordsEvents, AnsweredCallIsQueuedAnsweredEndedAndWrappedUp) {
  Replay r(kHeader +
           "AA01,7,123456,2,PS,990801,10:00:00,10:00:06,10:00:06,88,AGENT,"
           "10:01:33,61,A1\n");
  ASSERT_TRUE(r.status().ok()) << r.status().message();
  EXPECT_EQ(r.counts().Summary(), "answered=1");
  // Enqueued at q_start, answered after q_time (not at ser_start, which the VRU and the ACD
  // clocks put a second off), talk = ser_time, no after-contact work in the data.
  EXPECT_EQ(r.Trace(), (Trace{"queued AA01-7 @36006", "answered AA01-7 @36094",
                              "ended AA01-7 @36155", "wrapup AA01-7 @36155"}));
  const v1::Envelope& queued = r.messages()[0].envelope;
  EXPECT_EQ(r.messages()[0].topic, "v1.default.regular.");
  EXPECT_EQ(queued.contact_queued().queue(), "regular");
  EXPECT_EQ(queued.contact_queued().channel(), v1::CHANNEL_VOICE);
  EXPECT_EQ(queued.contact_queued().priority(), 1);
  EXPECT_EQ(queued.contact_queued().caller_key(), r.hasher().Hash("123456"));
  EXPECT_EQ(queued.contact_queued().caller_key().size(), 32u);
  EXPECT_EQ(r.messages()[1].envelope.contact_answered().agent_id(), "A1");
  EXPECT_EQ(r.messages()[3].envelope.wrap_up_ended().agent_id(), "A1");
}

TEST(recordsEvents, AbandonedCallIsQueuedAndAbandonedAfterItsWait) {
  Replay r(kHeader +
           "AA02,8,0,0,NW,990801,11:00:00,11:00:05,11:00:05,30,HANG,0:00:00,0,"
           "NO_SERVER\n");
  EXPECT_EQ(r.counts().Summary(), "abandoned=1");
  EXPECT_EQ(r.Trace(), (Trace{"queued AA02-8 @39605", "abandoned AA02-8 @39635"}));
  EXPECT_EQ(r.messages()[0].envelope.contact_queued().caller_key(), "");  // customer_id 0.
  EXPECT_EQ(r.messages()[0].envelope.contact_queued().queue(), "prospects");
}

TEST(recordsEvents, HangUpWithZeroWaitAfterQueueingIsAShortAbandon) {
  // q_start is set: the caller reached the queue and hung up within the second.
  Replay r(kHeader +
           "AA02,9,0,1,PS,990801,13:20:00,13:20:06,13:20:06,0,HANG,0:00:00,0,"
           "NO_SERVER\n");
  EXPECT_EQ(r.counts().Summary(), "abandoned=1");
  EXPECT_EQ(r.Trace(), (Trace{"queued AA02-9 @48006", "abandoned AA02-9 @48006"}));
}

TEST(recordsEvents, HangUpThatNeverQueuedPublishesNothing) {
  Replay r(kHeader + "AA02,10,0,0,PS,990801,0:12:00,0:12:15,0:00:00,0,HANG,0:00:00,0,NO_SERVER\n" +
           "AA02,11,0,0,PS,990801,0:11:10,0:11:27,0:00:00,0,IVR,0:00:00,0,NO_SERVER\n");
  EXPECT_EQ(r.counts().Summary(), "never_queued=2");
  EXPECT_TRUE(r.messages().empty());
}

TEST(recordsEvents, AnsweredWithoutQueueingIsOfferedWithZeroWaitAtServiceStart) {
  Replay r(kHeader +
           "AA01,12,0,0,PS,990801,10:00:40,10:00:50,0:00:00,0,AGENT,10:00:49,99,"
           "A1\n");
  EXPECT_EQ(r.counts().Summary(), "answered_without_queue=1");
  EXPECT_EQ(r.Trace(), (Trace{"queued AA01-12 @36049", "answered AA01-12 @36049",
                              "ended AA01-12 @36148", "wrapup AA01-12 @36148"}));
}

TEST(recordsEvents, AnsweredWithoutQueueOrServiceStartFallsBackToVruExit) {
  Replay r(kHeader + "AA02,13,0,0,NE,990801,10:40:00,10:40:04,0:00:00,0,AGENT,0:00:00,0,A2\n",
           kMapping, {"queue.default=other"});
  EXPECT_EQ(r.counts().Summary(), "answered_without_queue=1");
  EXPECT_EQ(r.Trace(), (Trace{"queued AA02-13 @38404", "answered AA02-13 @38404",
                              "ended AA02-13 @38404", "wrapup AA02-13 @38404"}));
  EXPECT_EQ(r.messages()[0].envelope.contact_queued().queue(), "other");
}

TEST(recordsEvents, AnsweredWithoutQueueCanBeLeftOutOfTheOffered) {
  Replay r(kHeader +
               "AA01,12,0,0,PS,990801,10:00:40,10:00:50,0:00:00,0,AGENT,10:00:49,99,"
               "A1\n",
           kMapping, {"outcome.answered_without_queue=not_offered"});
  EXPECT_EQ(r.counts().Summary(), "answered_not_offered=1");
  EXPECT_TRUE(r.messages().empty());
}

TEST(recordsEvents, PhantomRecordsAreIgnoredWhateverTheirFieldsSay) {
  Replay r(kHeader + "AA02,14,x,y,??,bad,bad,bad,bad,bad,PHANTOM,bad,bad,\n");
  EXPECT_EQ(r.counts().Summary(), "ignored=1");
  EXPECT_TRUE(r.messages().empty());
}

TEST(recordsEvents, TimesPastMidnightRollOverToTheNextDay) {
  // Queued 23:58:36 on 1999-08-02, answered 120 s later at 00:00:36 on the 3rd; and a call
  // answered without queueing whose service starts at 00:00:02.
  Replay r(kHeader + "AA02,15,0,1,PS,990802,23:58:30,23:58:30,23:58:36,120,AGENT,0:00:35,60,A3\n" +
           "AA02,16,0,0,PS,990808,23:59:50,23:59:58,0:00:00,0,AGENT,0:00:02,19,A4\n");
  EXPECT_EQ(r.counts().Summary(), "answered=1 answered_without_queue=1");
  const UnixMs aug2 = kAug1 + 24 * kH;
  const auto& t = r.timelines();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].enqueue_ms, aug2 + (23 * 3600 + 58 * 60 + 36) * kS);
  EXPECT_EQ(t[0].dequeue_ms, aug2 + 24 * kH + 36 * kS);
  EXPECT_EQ(t[1].enqueue_ms, kAug1 + 8 * 24 * kH + 2 * kS);  // 1999-08-09 00:00:02.
}

TEST(recordsEvents, ClockSkewOfSecondsStaysOnTheSameDayAsTheArrival) {
  // The VRU says the call left it at 12:03:30 although it arrived at 12:05:00 (the dataset has
  // such rows); a time of day a little before the arrival is the same day, not the next.
  Replay r(kHeader +
           "AA02,17,0,1,PS,990801,12:05:00,12:03:30,12:03:30,100,AGENT,12:05:09,60,"
           "A5\n");
  EXPECT_EQ(r.counts().Summary(), "answered=1");
  EXPECT_EQ(r.timelines()[0].enqueue_ms, kAug1 + (12 * 3600 + 3 * 60 + 30) * kS);
}

TEST(recordsEvents, LocalTimesAreConvertedInTheMappingZoneAcrossADstChange) {
  // 1999-04-02 in Israel: 02:00 IST became 03:00 IDT (00:00 UTC). A call queued at 01:59:50
  // local waits 20 s: its answer is at 00:00:10 UTC (03:00:10 on the wall clock), and the wait
  // stays 20 s because durations are added in UTC.
  Replay r(kHeader + "AA01,18,0,0,PS,990402,1:59:40,1:59:50,1:59:50,20,AGENT,3:00:09,30,A6\n" +
               "AA01,19,0,0,PS,990801,10:00:00,10:00:06,10:00:06,5,AGENT,10:00:10,30,A6\n",
           kMapping, {"times.time_zone=Asia/Jerusalem"});
  ASSERT_EQ(r.timelines().size(), 2u);
  const UnixMs apr2 = 923'011'200'000;  // 1999-04-02T00:00:00Z.
  EXPECT_EQ(r.timelines()[0].enqueue_ms, apr2 - 10 * kS);
  EXPECT_EQ(r.timelines()[0].dequeue_ms, apr2 + 10 * kS);
  // August is daylight time, UTC+3.
  EXPECT_EQ(r.timelines()[1].enqueue_ms, kAug1 + (7 * 3600 + 6) * kS);
}

TEST(recordsEvents, EventsOfAllContactsArePublishedInGlobalTimeOrder) {
  // In file order: a long call, then two that start later but end earlier, one of them with a
  // zero wait (its queued and answered events share a time and keep their order), and an
  // abandon at the same second as an earlier record's answer (ties keep file order).
  Replay r(kHeader + "AA01,1,0,0,PS,990801,10:00:00,10:00:00,10:00:00,100,AGENT,10:01:40,300,A\n" +
           "AA01,2,0,0,PS,990801,10:00:10,10:00:10,10:00:10,5,AGENT,10:00:15,10,B\n" +
           "AA01,3,0,0,NW,990801,10:00:20,10:00:20,0:00:00,0,AGENT,10:00:20,0,C\n" +
           "AA01,4,0,0,PS,990801,10:00:05,10:00:05,10:00:05,10,HANG,0:00:00,0,NO_SERVER\n");
  EXPECT_EQ(r.Trace(),
            (Trace{"queued AA01-1 @36000", "queued AA01-4 @36005", "queued AA01-2 @36010",
                   "answered AA01-2 @36015", "abandoned AA01-4 @36015", "queued AA01-3 @36020",
                   "answered AA01-3 @36020", "ended AA01-3 @36020", "wrapup AA01-3 @36020",
                   "ended AA01-2 @36025", "wrapup AA01-2 @36025", "answered AA01-1 @36100",
                   "ended AA01-1 @36400", "wrapup AA01-1 @36400"}));
  // Numbering is per topic without gaps.
  std::uint64_t regular = 0;
  std::uint64_t prospects = 0;
  for (const auto& m : r.messages()) {
    const std::uint64_t expected = m.topic == "v1.default.regular." ? ++regular : ++prospects;
    EXPECT_EQ(m.envelope.seq(), expected) << m.topic;
  }
  EXPECT_EQ(regular, 10u);
  EXPECT_EQ(prospects, 4u);
}

TEST(recordsEvents, ExitsAndCallbacksWithTimeColumnsAndFullTimestamps) {
  const std::string mapping = R"(
csv: {separator: ";"}
contact_id: id
queue: {constant: support}
channel: chat
times:
  format: "%Y-%m-%dT%H:%M:%S%z"
  enqueue: enqueued
  dequeue: dequeued
  end: ended
outcome:
  column: result
  values: {ok: answered, timeout: "exited:timeout", full: "exited:queue_full", cb: callback,
           gone: abandoned}
)";
  Replay r(
      "id;enqueued;dequeued;ended;result\n"
      "x1;1999-08-01T10:00:00Z;1999-08-01T10:05:00Z;;timeout\n"
      "x2;1999-08-01T13:00:10+03:00;1999-08-01T13:00:40+03:00;;cb\n"
      "x3;1999-08-01T10:00:20Z;1999-08-01T10:00:30Z;1999-08-01T10:02:00Z;ok\n"
      "x4;1999-08-01T10:00:30Z;1999-08-01T10:00:31Z;;full\n",
      mapping);
  ASSERT_TRUE(r.status().ok()) << r.status().message();
  EXPECT_EQ(r.counts().Summary(), "answered=1 callback_requested=1 exited=2");
  EXPECT_EQ(r.Trace(),
            (Trace{"queued x1 @36000", "queued x2 @36010", "queued x3 @36020", "answered x3 @36030",
                   "queued x4 @36030", "exited x4 @36031", "callback x2 @36040", "ended x3 @36120",
                   "wrapup x3 @36120", "exited x1 @36300"}));
  EXPECT_EQ(r.messages()[5].envelope.contact_exited().reason(), v1::EXIT_REASON_QUEUE_FULL);
  EXPECT_EQ(r.messages().back().envelope.contact_exited().reason(), v1::EXIT_REASON_TIMEOUT);
  EXPECT_EQ(r.messages()[0].envelope.contact_queued().channel(), v1::CHANNEL_CHAT);
  EXPECT_EQ(r.messages()[0].topic, "v1.default.support.");
}

TEST(recordsEvents, EveryRejectIsCountedByNameAndNothingDisappears) {
  const std::string ok = "AA01,1,0,0,PS,990801,10:00:00,10:00:06,10:00:06,5,AGENT,10:00:10,30,A";
  Replay r(kHeader + ok + "\n" + "\n" +  // blank_line
           "AA01,2,0,0,PS\n" +           // bad_column_count
           ",3,0,0,PS,990801,10:00:00,10:00:06,10:00:06,5,AGENT,10:00:10,30,A\n" +  // no line
           ok + "\n" +  // duplicate_contact_id
           "AA01,4,0,0,XX,990801,10:00:00,10:00:06,10:00:06,5,AGENT,10:00:10,30,A\n" +
           "AA01,5,0,0,PS,990801,10:00:00,10:00:06,10:00:06,5,LOST,10:00:10,30,A\n" +
           "AA01,6,0,0,PS,990832,10:00:00,10:00:06,10:00:06,5,AGENT,10:00:10,30,A\n" +
           "AA01,7,0,0,PS,990801,10:00:00,10:00:06,10:61:06,5,AGENT,10:00:10,30,A\n" +
           "AA01,8,0,0,PS,990801,10:00:00,10:00:06,10:00:06,five,AGENT,10:00:10,30,A\n" +
           "AA01,9,0,0,PS,990801,10:00:00,10:00:06,10:00:06,,HANG,10:00:10,30,A\n" +
           "AA01,10,0,0,PS,990801,10:00:00,10:00:06,10:00:06,-5,HANG,10:00:10,30,A\n" +
           "AA01,11,0,0,PS,990801,10:00:00,10:00:06,10:00:06,5,AGENT,10:00:10,-30,A\n" +
           "AA01,12,0,7,PS,990801,10:00:00,10:00:06,10:00:06,5,AGENT,10:00:10,30,A\n" +
           "AA01,13,0,0,PS,990801,10:00:00,10:00:06,0:00:00,0,AGENT,0:00:00,0,A\n");
  ASSERT_TRUE(r.status().ok()) << r.status().message();
  EXPECT_EQ(r.counts().Get("answered"), 1u);
  EXPECT_EQ(r.counts().Get("blank_line"), 1u);
  EXPECT_EQ(r.counts().Get("bad_column_count"), 1u);
  EXPECT_EQ(r.counts().Get("missing_contact_id"), 1u);
  EXPECT_EQ(r.counts().Get("duplicate_contact_id"), 1u);
  EXPECT_EQ(r.counts().Get("unknown_queue"), 1u);
  EXPECT_EQ(r.counts().Get("unknown_outcome"), 1u);
  EXPECT_EQ(r.counts().Get("bad_time"), 3u);  // Day 32, minute 61, wait "five".
  EXPECT_EQ(r.counts().Get("missing_time"), 1u);
  EXPECT_EQ(r.counts().Get("time_out_of_order"), 2u);  // Negative wait, negative talk.
  EXPECT_EQ(r.counts().Get("bad_priority"), 1u);
  // Answered without queueing, with no service start: falls back to vru_exit (present here).
  EXPECT_EQ(r.counts().Get("answered_without_queue"), 1u);
  EXPECT_EQ(r.counts().Total(), 15u);
  EXPECT_EQ(r.timelines().size(), 2u);
}

TEST(recordsEvents, AnsweredWithoutQueueAndNoTimeAtAllIsMissingTime) {
  Replay r(kHeader + "AA01,1,0,0,PS,990801,0:00:00,0:00:00,0:00:00,0,AGENT,0:00:00,0,A\n");
  EXPECT_EQ(r.counts().Summary(), "missing_time=1");
}

TEST(recordsEvents, DequeueBeforeEnqueueIsOutOfOrder) {
  const std::string mapping = R"(
contact_id: id
queue: {column: q}
times: {format: "%Y-%m-%d %H:%M:%S", enqueue: in, dequeue: out}
outcome: {column: o, values: {A: abandoned}}
)";
  Replay r(
      "id,q,in,out,o\n"
      "1,s,1999-08-01 10:00:10,1999-08-01 10:00:00,A\n"
      "2,s,1999-08-01 10:00:00,,A\n"
      "3,s,1999-08-01 10:00:00,1999-08-01 10:00:09,A\n",
      mapping);
  EXPECT_EQ(r.counts().Summary(), "abandoned=1 missing_time=1 time_out_of_order=1");
  // Queue values without a translation are used as they are.
  EXPECT_EQ(r.messages()[0].envelope.contact_queued().queue(), "s");
}

TEST(recordsEvents, TornFileCountsItsLastRecordAsTorn) {
  Replay r(kHeader + "AA01,1,0,0,PS,990801,10:00:00,10:00:06,10:00:06,5,AGENT,10:00:10,30,A\n" +
           "AA01,2,0,0,PS,990801,10:00:00,10:00:06,10:00:06,5,AGENT,\"10:00:10,30,A\n");
  ASSERT_TRUE(r.status().ok());
  EXPECT_EQ(r.counts().Summary(), "answered=1 torn_record=1");
}

TEST(recordsEvents, HeaderWithoutAMappedColumnIsAnErrorNamingKeyAndColumn) {
  Replay r("line,call_id,customer_id\nAA01,1,0\n");
  ASSERT_FALSE(r.status().ok());
  EXPECT_EQ(r.status().message(),
            "test.csv: test.yaml: queue.column: column \"type\" is not in the header");
  Replay empty("");
  EXPECT_NE(empty.status().message().find("test.csv: no header record"), std::string::npos);
}

TEST(recordsEvents, FilesWithoutHeaderUseColumnNumbers) {
  const std::string mapping = R"(
csv: {header: false, separator: "|"}
contact_id: "1"
queue: {constant: q}
times: {format: unix_s, enqueue: "2", wait: "3", talk: "4"}
outcome: {column: "5", values: {A: answered}}
)";
  Replay r("c1|933501600|12|60|A\nc2|933501601|1\n", mapping);
  EXPECT_EQ(r.counts().Summary(), "answered=1 bad_column_count=1");
  EXPECT_EQ(r.Trace(), (Trace{"queued c1 @36000", "answered c1 @36012", "ended c1 @36072",
                              "wrapup c1 @36072"}));
  Replay named("c1|1\n", R"(
csv: {header: false}
contact_id: id
queue: {constant: q}
times: {format: unix_s, enqueue: "2", wait: "3"}
outcome: {column: "5", values: {A: abandoned}}
)");
  EXPECT_NE(named.status().message().find("test.yaml: contact_id: \"id\": without a header"),
            std::string::npos);
}

}  // namespace
}  // namespace ccmon::records
