// Parsing of the FreeSWITCH event-socket stream: Content-Length framing, URL-encoded event
// headers, malformed, oversized and truncated input, and the same frames whatever the split.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bridges/freeswitch/esl_parser.h"

namespace ccmon::freeswitch {
namespace {

using Items = std::vector<std::string>;

std::string Describe(const Frame& f) {
  std::string out;
  switch (f.kind) {
    case FrameKind::kFrame:
      out = "F:";
      break;
    case FrameKind::kMalformed:
      out = "M:";
      break;
    case FrameKind::kOversized:
      return "O";
    case FrameKind::kTruncated:
      return "T";
  }
  for (std::size_t i = 0; i < f.headers.list.size(); ++i) {
    out += (i > 0 ? "," : "") + f.headers.list[i].key + "=" + f.headers.list[i].value;
  }
  if (!f.body.empty()) out += "|" + f.body;
  return out;
}

Items ParseAll(EslParser& parser, const std::vector<std::string>& chunks) {
  Items out;
  const auto emit = [&](Frame& f) { out.push_back(Describe(f)); };
  for (const std::string& c : chunks) parser.Feed(c, emit);
  parser.Finish(emit);
  return out;
}

Items ParseAll(const std::string& text, EslLimits limits = {}) {
  EslParser parser(limits);
  return ParseAll(parser, {text});
}

TEST(freeswitch_esl, FramesWithAndWithoutBody) {
  EXPECT_EQ(
      ParseAll("Content-Type: auth/request\n\n"
               "Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
               "Content-Length: 23\nContent-Type: text/event-plain\n\n"
               "Event-Name: HEARTBEAT\n\n"),
      (Items{"F:Content-Type=auth/request", "F:Content-Type=command/reply,Reply-Text=+OK accepted",
             "F:Content-Length=23,Content-Type=text/event-plain|Event-Name: HEARTBEAT\n\n"}));
}

TEST(freeswitch_esl, CrLfAndBlankLinesBetweenFramesAreTolerated) {
  EXPECT_EQ(ParseAll("\n\r\nContent-Type: auth/request\r\n\r\n\n"),
            (Items{"F:Content-Type=auth/request"}));
}

TEST(freeswitch_esl, DisconnectNoticeBodyIsKept) {
  const std::string body = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";
  EXPECT_EQ(ParseAll("Content-Type: text/disconnect-notice\nContent-Length: " +
                     std::to_string(body.size()) + "\n\n" + body),
            (Items{"F:Content-Type=text/disconnect-notice,Content-Length=67|" + body}));
}

TEST(freeswitch_esl, PlainEventValuesAreUrlDecoded) {
  Headers h;
  std::string body;
  EXPECT_TRUE(
      ParsePlainEvent("Event-Name: CUSTOM\nCC-Agent-State: In%20a%20queue%20call\n"
                      "CC-Queue: support%40default\nBad: %zz%4\nTrailing: x%20%20 \n\n",
                      &h, &body));
  EXPECT_EQ(h.Get("CC-Agent-State"), "In a queue call");
  EXPECT_EQ(h.Get("cc-queue"), "support@default");
  EXPECT_EQ(h.Get("Bad"), "%zz%4");
  EXPECT_EQ(h.Get("Trailing"), "x");  // Decoded, then stripped of blanks.
  EXPECT_TRUE(body.empty());
  EXPECT_EQ(UrlDecode("a+b%2Bc%2b"), "a+b+c+");
  EXPECT_EQ(UrlDecode("%"), "%");
  EXPECT_EQ(UrlDecode("%4"), "%4");
}

TEST(freeswitch_esl, PlainEventWithItsOwnBody) {
  Headers h;
  std::string body;
  EXPECT_TRUE(ParsePlainEvent("Event-Name: CUSTOM\nContent-Length: 5\n\nhello", &h, &body));
  EXPECT_EQ(body, "hello");
  EXPECT_FALSE(ParsePlainEvent("Event-Name: CUSTOM\nnot a header\nX: 1\n", &h, &body));
  EXPECT_EQ(h.list.size(), 2u);  // What could be read is kept.
}

TEST(freeswitch_esl, MalformedFramesAreReportedAndTheStreamGoesOn) {
  EXPECT_EQ(ParseAll("Content-Type: x\nthis is not a header\n\nContent-Type: y\n\n"),
            (Items{"M:Content-Type=x", "F:Content-Type=y"}));
  // An unusable Content-Length: the frame ends at its headers.
  EXPECT_EQ(ParseAll("Content-Length: abc\n\nContent-Length: -1\n\nContent-Type: z\n\n"),
            (Items{"M:Content-Length=abc", "M:Content-Length=-1", "F:Content-Type=z"}));
}

TEST(freeswitch_esl, OversizedInputIsSkippedInStep) {
  EslLimits limits;
  limits.max_body_bytes = 8;
  limits.max_line_bytes = 40;
  limits.max_headers = 2;
  // A body beyond the limit is skipped byte for byte; the next frame is intact.
  EXPECT_EQ(ParseAll("Content-Length: 12\n\n0123456789ab"
                     "Content-Type: next\n\n",
                     limits),
            (Items{"O", "F:Content-Type=next"}));
  // A header line beyond the limit, split over reads.
  EslParser parser(limits);
  EXPECT_EQ(ParseAll(parser, {"X-Long: " + std::string(30, 'x'), std::string(30, 'x'),
                              "\nContent-Length: 3\n\nabcContent-Type: next\n\n"}),
            (Items{"O", "F:Content-Type=next"}));
  // Too many headers.
  EXPECT_EQ(ParseAll("A: 1\nB: 2\nC: 3\n\nD: 4\n\n", limits), (Items{"O", "F:D=4"}));
}

TEST(freeswitch_esl, StreamEndingInsideAFrameIsTruncated) {
  EXPECT_EQ(ParseAll("Content-Type: auth/request\n"), (Items{"T"}));
  EXPECT_EQ(ParseAll("Content-Length: 10\n\nabc"), (Items{"T"}));
  EXPECT_EQ(ParseAll("Content-Ty"), (Items{"T"}));
  EXPECT_EQ(ParseAll(""), (Items{}));
  EslParser parser;
  EXPECT_EQ(ParseAll(parser, {"Content-Length: 10\n\nabc"}), (Items{"T"}));
  EXPECT_EQ(ParseAll(parser, {"Content-Type: fresh\n\n"}), (Items{"F:Content-Type=fresh"}));
}

TEST(freeswitch_esl, EverySplitOfTheStreamGivesTheSameFrames) {
  const std::string event =
      "Event-Name: CUSTOM\nEvent-Subclass: callcenter%3A%3Ainfo\nCC-Action: member-queue-start\n"
      "CC-Member-CID-Name: Caller%20One\n\n";
  const std::string stream =
      "Content-Type: auth/request\n\n"
      "Content-Type: command/reply\r\nReply-Text: +OK accepted\r\n\r\n"
      "Content-Length: " +
      std::to_string(event.size()) + "\nContent-Type: text/event-plain\n\n" + event +
      "Content-Type: broken\nno colon here\n\n"
      "Content-Length: 4\n\nab\n\n"
      "Content-Type: text/disconnect-notice\nContent-Length: 9";
  EslParser whole;
  const Items expected = ParseAll(whole, {stream});
  ASSERT_EQ(expected.size(), 6u);
  EXPECT_EQ(expected[4], "F:Content-Length=4|ab\n\n");
  EXPECT_EQ(expected[5], "T");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    EslParser parser;
    EXPECT_EQ(ParseAll(parser, {stream.substr(0, cut), stream.substr(cut)}), expected)
        << "split at " << cut;
  }
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  EslParser parser;
  EXPECT_EQ(ParseAll(parser, bytes), expected);
}

}  // namespace
}  // namespace ccmon::freeswitch
