// The jsonl bridge's line handling: Protobuf-JSON envelopes, good and bad lines
// (bridges/jsonl/envelope_line.h), and bounded line reading from a pipe
// (bridges/jsonl/line_reader.h).
//
// Suites are named after the subcommand as typed ("jsonl…") so `ctest -R jsonl` selects them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "bridges/jsonl/envelope_line.h"
#include "bridges/jsonl/line_reader.h"
#include "common/publisher.h"

namespace ccmon::jsonl {
namespace {

std::string_view Parse(const std::string& line, v1::Envelope* env = nullptr,
                       bool ignore_unknown = false, std::string* error = nullptr) {
  v1::Envelope scratch;
  return ParseEnvelopeLine(line, EnvelopeLineOptions{ignore_unknown}, env ? env : &scratch, error);
}

TEST(jsonlLines, CanonicalJsonEnvelopeIsReadyToPublish) {
  v1::Envelope env;
  EXPECT_EQ(Parse(R"({"timeUnixMs": "933501600000", "contactQueued": {"contactId": "c1",
                      "queue": "sales", "channel": "CHANNEL_CHAT", "callerKey": "ab12",
                      "priority": 2}})",
                  &env),
            kOutcomePublished);
  EXPECT_EQ(env.time_unix_ms(), 933'501'600'000);
  EXPECT_EQ(env.contact_queued().contact_id(), "c1");
  EXPECT_EQ(env.contact_queued().channel(), v1::CHANNEL_CHAT);
  EXPECT_EQ(env.contact_queued().priority(), 2);
  // Field names as in the .proto, numbers for int64 and enums, a CRLF line end: all accepted.
  EXPECT_EQ(Parse("{\"time_unix_ms\": 933501600000, \"contact_answered\": {\"contact_id\": "
                  "\"c1\", \"queue\": \"sales\"}}\r",
                  &env),
            kOutcomePublished);
  EXPECT_EQ(env.contact_answered().agent_id(), "");  // An answer without agent id is valid.
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "contactExited": {"contactId": "c", "queue": "q",
                      "reason": 1}})",
                  &env),
            kOutcomePublished);
  EXPECT_EQ(env.contact_exited().reason(), v1::EXIT_REASON_TIMEOUT);
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "agentStateChanged": {"agentId": "a1",
                      "state": "AGENT_STATE_AVAILABLE", "queues": ["sales"]}})"),
            kOutcomePublished);
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "heartbeat": {}})"), kOutcomePublished);
}

TEST(jsonlLines, BlankLinesAreCountedApart) {
  EXPECT_EQ(Parse(""), kOutcomeBlankLine);
  EXPECT_EQ(Parse("  \t \r"), kOutcomeBlankLine);
}

TEST(jsonlLines, MalformedLinesAreNamedWithTheParserMessage) {
  std::string error;
  EXPECT_EQ(Parse("{\"timeUnixMs\": ", nullptr, false, &error), kOutcomeMalformedJson);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(Parse("not json"), kOutcomeMalformedJson);
  EXPECT_EQ(Parse("[1, 2]"), kOutcomeMalformedJson);
  EXPECT_EQ(Parse(R"({"timeUnixMs": "soon", "heartbeat": {}})"), kOutcomeMalformedJson);
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "contactQueued": {"contactId": 7}})"),
            kOutcomeMalformedJson);
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "contactExited": {"contactId": "c", "queue": "q",
                      "reason": "EXIT_REASON_BORED"}})"),
            kOutcomeMalformedJson);
  // Two events in one envelope: the oneof allows one.
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "heartbeat": {}, "contactHeld": {"contactId": "c",
                      "queue": "q"}})"),
            kOutcomeMalformedJson);
  EXPECT_EQ(Parse("{\"timeUnixMs\": 5, \"heartbeat\": {}, \"x\": \"\xff\"}"),
            kOutcomeMalformedJson);
}

TEST(jsonlLines, UnknownFieldsAreMalformedUnlessIgnored) {
  const std::string line = R"({"timeUnixMs": 5, "colour": "red", "heartbeat": {}})";
  EXPECT_EQ(Parse(line), kOutcomeMalformedJson);
  EXPECT_EQ(Parse(line, nullptr, true), kOutcomePublished);
}

TEST(jsonlLines, EnvelopesThatCannotBeAppliedAreNamed) {
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5})"), kOutcomeNoEvent);
  EXPECT_EQ(Parse("{}"), kOutcomeNoEvent);
  EXPECT_EQ(Parse(R"({"heartbeat": {}})"), kOutcomeMissingTime);
  EXPECT_EQ(Parse(R"({"timeUnixMs": -1, "heartbeat": {}})"), kOutcomeMissingTime);
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "contactQueued": {"queue": "q"}})"), kOutcomeMissingField);
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "contactAbandoned": {"contactId": "c"}})"),
            kOutcomeMissingField);
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "wrapUpEnded": {"contactId": "c"}})"), kOutcomeMissingField);
  EXPECT_EQ(Parse(R"({"timeUnixMs": 5, "agentStateChanged": {"state": 2}})"), kOutcomeMissingField);
}

TEST(jsonlLines, SourceEpochSeqAndTenantOfALineAreOverwrittenByTheBridge) {
  v1::Envelope env;
  ASSERT_EQ(Parse(R"({"source": "spoof", "sourceEpoch": "99", "seq": "12345", "tenant": "other",
                      "timeUnixMs": 5, "contactHeld": {"contactId": "c", "queue": "q"}})",
                  &env),
            kOutcomePublished);
  CapturingSink sink("jsonl1", 7, "acme");
  ASSERT_TRUE(sink.Publish(env).ok());
  const auto& m = sink.messages().back();
  EXPECT_EQ(m.topic, "v1.acme.q.");
  EXPECT_EQ(m.envelope.source(), "jsonl1");
  EXPECT_EQ(m.envelope.source_epoch(), 7u);
  EXPECT_EQ(m.envelope.seq(), 1u);
  EXPECT_EQ(m.envelope.tenant(), "acme");
}

// A pipe whose write end the test feeds.
class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0); }
  ~Pipe() {
    CloseWriter();
    ::close(fds_[0]);
  }
  int reader() const { return fds_[0]; }
  void Write(const std::string& s) {
    EXPECT_EQ(::write(fds_[1], s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
  void CloseWriter() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(jsonlLineReader, ReadsLinesIdlesWhileQuietAndEndsWithTheLastUnterminatedLine) {
  Pipe pipe;
  LineReader reader(pipe.reader(), 64);
  std::string line;
  EXPECT_EQ(reader.Next(0, &line), LineReader::Result::kIdle);
  pipe.Write("one\ntwo\r\nthr");
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);
  EXPECT_EQ(line, "one");
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);
  EXPECT_EQ(line, "two\r");
  EXPECT_EQ(reader.Next(0, &line), LineReader::Result::kIdle);  // "thr" is not a line yet.
  pipe.Write("ee\n\nfour");
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);
  EXPECT_EQ(line, "three");
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);
  EXPECT_EQ(line, "");
  pipe.CloseWriter();
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);
  EXPECT_EQ(line, "four");
  EXPECT_EQ(reader.line_number(), 5u);
  EXPECT_EQ(reader.Next(1000, &line), LineReader::Result::kEnd);
  EXPECT_EQ(reader.Next(1000, &line), LineReader::Result::kEnd);
}

TEST(jsonlLineReader, TooLongLinesAreSkippedWithoutBufferingThem) {
  Pipe pipe;
  LineReader reader(pipe.reader(), 16);
  std::string line;
  pipe.Write("short\n" + std::string(16, 'x') + "\n" + std::string(17, 'y') + "\nok\n");
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);
  EXPECT_EQ(line, "short");
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);  // Exactly the limit.
  EXPECT_EQ(line, std::string(16, 'x'));
  EXPECT_EQ(reader.Next(1000, &line), LineReader::Result::kTooLong);
  EXPECT_EQ(reader.line_number(), 3u);
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);
  EXPECT_EQ(line, "ok");
  // A line far longer than a read chunk, arriving in pieces, and one cut by the end of input.
  for (int i = 0; i < 10; ++i) {
    pipe.Write(std::string(50'000, 'z'));
    EXPECT_EQ(reader.Next(0, &line), LineReader::Result::kIdle);
  }
  pipe.Write("\nafter\n" + std::string(40, 'w'));
  EXPECT_EQ(reader.Next(1000, &line), LineReader::Result::kTooLong);
  ASSERT_EQ(reader.Next(1000, &line), LineReader::Result::kLine);
  EXPECT_EQ(line, "after");
  pipe.CloseWriter();
  EXPECT_EQ(reader.Next(1000, &line), LineReader::Result::kTooLong);
  EXPECT_EQ(reader.Next(1000, &line), LineReader::Result::kEnd);
  EXPECT_EQ(reader.line_number(), 7u);
}

TEST(jsonlLineReader, ReadErrorsAreReported) {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ::close(fd);
  LineReader reader(fd, 16);
  std::string line;
  // poll() reports a closed descriptor as POLLNVAL; the read then fails with EBADF.
  EXPECT_EQ(reader.Next(0, &line), LineReader::Result::kError);
  EXPECT_EQ(reader.error(), EBADF);
}

}  // namespace
}  // namespace ccmon::jsonl
