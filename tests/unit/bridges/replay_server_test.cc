// The bridge's replay server over real ZeroMQ sockets (a test DEALER plays the daemon): ranges
// answered from a real journal with the documented frames, chunks, open ranges, unknown streams,
// the journal's retention, bad requests; and BridgeOutput's --replay-listen.
#include "bridges/core/replay_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "bridges/core/output.h"

namespace ccmon::bridges {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kEpoch = 1234;
const std::string kTopic = "v1.t.sales.";

std::string U64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  return out;
}

std::uint64_t FromU64(const std::string& s) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
  return v;
}

struct ReplyFrames {
  std::string status;
  std::string topic;
  std::uint64_t request_id = 0;
  std::uint64_t first_available = 0;
  std::uint64_t next_seq = 0;
  bool more = false;
  std::vector<std::uint64_t> seqs;  // Of the envelopes, decoded.
  std::size_t frames = 0;
};

class ReplayServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-replay-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void OpenJournal(JournalOptions options = {}) {
    options.directory = dir_;
    auto j = Journal::Open(options, "ast1", clock_);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    journal_ = std::move(j).value();
  }

  // Journals one envelope: straight into the journal, or through the server's recorder (as the
  // Publisher does when replay is on).
  void Append(const std::string& topic, std::uint64_t seq, std::uint64_t epoch = kEpoch,
              bool through_server = false) {
    v1::Envelope env;
    env.set_source("ast1");
    env.set_source_epoch(epoch);
    env.set_seq(seq);
    env.set_time_unix_ms(1000 + static_cast<std::int64_t>(seq));
    env.mutable_contact_queued()->set_contact_id("c" + std::to_string(seq));
    env.mutable_contact_queued()->set_queue("sales");
    PublishJournal* to = through_server ? server_->recorder() : journal_.get();
    ASSERT_TRUE(to->Append(topic, env, env.SerializeAsString()).ok());
  }

  void StartServer(std::size_t max_events = 1000, const std::string& endpoint = "",
                   std::size_t recent_bytes = 64 << 20) {
    ReplayServerOptions o;
    o.endpoint = endpoint.empty() ? "tcp://127.0.0.1:*" : endpoint;
    o.max_events_per_reply = max_events;
    o.recent_bytes = recent_bytes;
    auto s = ReplayServer::Create(o, journal_.get(), "ast1");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    client_.connect(server_->endpoint());
  }

  // Sends `frames` from the test DEALER, lets the server answer, returns the reply.
  ReplyFrames Ask(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      client_.send(zmq::buffer(frames[i]),
                   i + 1 == frames.size() ? zmq::send_flags::none : zmq::send_flags::sndmore);
    }
    const std::uint64_t before = server_->counts().requests();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (server_->counts().requests() == before && std::chrono::steady_clock::now() < deadline) {
      server_->Wait(5);
    }
    ReplyFrames r;
    zmq::pollitem_t item{client_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::seconds(20)) != 1) {
      ADD_FAILURE() << "no reply";
      return r;
    }
    std::vector<std::string> got;
    while (true) {
      zmq::message_t m;
      (void)client_.recv(m);
      got.push_back(m.to_string());
      if (!m.more()) break;
    }
    r.frames = got.size();
    if (got.size() < 7) {
      ADD_FAILURE() << "short reply: " << got.size() << " frames";
      return r;
    }
    EXPECT_EQ(got[0], "CCMON-REPLAY-1");
    if (got[1].size() == 8) r.request_id = FromU64(got[1]);
    r.status = got[2];
    r.topic = got[3];
    r.first_available = FromU64(got[4]);
    r.next_seq = FromU64(got[5]);
    EXPECT_EQ(got[6].size(), 1u);
    r.more = got[6] == std::string(1, 1);
    for (std::size_t i = 7; i < got.size(); ++i) {
      v1::Envelope env;
      EXPECT_TRUE(env.ParseFromString(got[i]));
      r.seqs.push_back(env.seq());
    }
    return r;
  }

  static std::vector<std::string> Request(std::uint64_t from, std::uint64_t to,
                                          const std::string& topic = kTopic,
                                          std::uint64_t epoch = kEpoch,
                                          const std::string& source = "ast1") {
    return {"CCMON-REPLAY-1", U64(99), source, U64(epoch), topic, U64(from), U64(to)};
  }

  static std::vector<std::uint64_t> Range(std::uint64_t a, std::uint64_t b) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t s = a; s <= b; ++s) v.push_back(s);
    return v;
  }

  fs::path dir_;
  ManualClock clock_{1'000'000};
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<ReplayServer> server_;
  zmq::context_t client_ctx_;  // The server has its own context, so tcp (not inproc).
  zmq::socket_t client_{client_ctx_, zmq::socket_type::dealer};
};

TEST_F(ReplayServerTest, AnswersARangeFromTheJournalWithTheDocumentedFrames) {
  OpenJournal();
  for (std::uint64_t s = 1; s <= 10; ++s) Append(kTopic, s);
  for (std::uint64_t s = 1; s <= 4; ++s) Append("v1.t.~agent.", s);
  StartServer(1000, "tcp://127.0.0.1:*");
  EXPECT_NE(server_->endpoint().find("tcp://127.0.0.1:"), std::string::npos);
  const ReplyFrames r = Ask(Request(3, 6));
  EXPECT_EQ(r.request_id, 99u);
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.topic, kTopic);
  EXPECT_EQ(r.first_available, 1u);
  EXPECT_EQ(r.next_seq, 7u);
  EXPECT_FALSE(r.more);
  EXPECT_EQ(r.seqs, Range(3, 6));
  EXPECT_EQ(server_->counts().ok, 1u);
  EXPECT_EQ(server_->counts().events_sent, 4u);
}

TEST_F(ReplayServerTest, LongRangesComeInChunksAndTheDaemonAsksForTheRest) {
  OpenJournal();
  for (std::uint64_t s = 1; s <= 10; ++s) Append(kTopic, s);
  StartServer(/*max_events=*/4, "tcp://127.0.0.1:*");
  ReplyFrames r = Ask(Request(2, 9));
  EXPECT_EQ(r.seqs, Range(2, 5));
  EXPECT_TRUE(r.more);
  EXPECT_EQ(r.next_seq, 6u);
  r = Ask(Request(6, 9));
  EXPECT_EQ(r.seqs, Range(6, 9));
  EXPECT_FALSE(r.more);
  EXPECT_EQ(r.next_seq, 10u);
}

TEST_F(ReplayServerTest, AnOpenRangeRunsToTheEndOfTheJournal) {
  OpenJournal();
  for (std::uint64_t s = 1; s <= 10; ++s) Append(kTopic, s);
  StartServer(/*max_events=*/6, "tcp://127.0.0.1:*");
  ReplyFrames r = Ask(Request(3, 0));
  EXPECT_EQ(r.seqs, Range(3, 8));
  EXPECT_TRUE(r.more);
  r = Ask(Request(r.next_seq, 0));
  EXPECT_EQ(r.seqs, Range(9, 10));
  EXPECT_FALSE(r.more);
  EXPECT_EQ(r.next_seq, 11u);
}

TEST_F(ReplayServerTest, UnknownTopicsEpochsAndSourcesAreUnknownStreams) {
  OpenJournal();
  for (std::uint64_t s = 1; s <= 3; ++s) Append(kTopic, s);
  StartServer(1000, "tcp://127.0.0.1:*");
  EXPECT_EQ(Ask(Request(1, 2, "v1.t.other.")).status, "unknown_stream");
  EXPECT_EQ(Ask(Request(1, 2, kTopic, kEpoch + 1)).status, "unknown_stream");
  const ReplyFrames r = Ask(Request(1, 2, kTopic, kEpoch, "someone-else"));
  EXPECT_EQ(r.status, "unknown_stream");
  EXPECT_TRUE(r.seqs.empty());
  EXPECT_EQ(server_->counts().unknown_stream, 3u);
}

TEST_F(ReplayServerTest, WhenRetentionDroppedTheStartItSaysWhereTheJournalBegins) {
  JournalOptions o;
  o.max_segment_bytes = 300;  // A few records per segment ...
  o.max_total_bytes = 900;    // ... and only a few segments kept.
  OpenJournal(o);
  for (std::uint64_t s = 1; s <= 60; ++s) Append(kTopic, s);
  ASSERT_TRUE(journal_->Sync().ok());
  StartServer(1000, "tcp://127.0.0.1:*");
  ReplyFrames r = Ask(Request(1, 60));
  EXPECT_EQ(r.status, "gone");
  ASSERT_GT(r.first_available, 1u);
  EXPECT_LE(r.first_available, 60u);
  EXPECT_EQ(r.seqs, Range(r.first_available, 60));
  EXPECT_FALSE(r.more);
  // A range entirely before the journal's start: nothing, and where it starts.
  const std::uint64_t first = r.first_available;
  r = Ask(Request(1, first - 1));
  EXPECT_EQ(r.status, "gone");
  EXPECT_TRUE(r.seqs.empty());
  EXPECT_EQ(r.first_available, first);
  EXPECT_EQ(server_->counts().gone, 2u);
}

TEST_F(ReplayServerTest, BadRequestsAreAnsweredAndCounted) {
  OpenJournal();
  Append(kTopic, 1);
  StartServer(1000, "tcp://127.0.0.1:*");
  EXPECT_EQ(Ask({"CCMON-REPLAY-1", U64(5), "ast1"}).status, "bad_request");
  EXPECT_EQ(Ask({"hello"}).status, "bad_request");
  auto zero_from = Request(0, 3);
  EXPECT_EQ(Ask(zero_from).status, "bad_request");
  auto backwards = Request(5, 3);
  EXPECT_EQ(Ask(backwards).status, "bad_request");
  auto short_epoch = Request(1, 1);
  short_epoch[3] = "1234";
  EXPECT_EQ(Ask(short_epoch).status, "bad_request");
  auto future = Request(1, 1);
  future[0] = "CCMON-REPLAY-9";
  const ReplyFrames r = Ask(future);
  EXPECT_EQ(r.status, "unsupported_version");
  EXPECT_EQ(r.request_id, 99u);  // Echoed, so the daemon can settle its request.
  EXPECT_EQ(server_->counts().bad_request, 5u);
  EXPECT_EQ(server_->counts().unsupported_version, 1u);
  EXPECT_EQ(server_->counts().ok, 0u);
}

TEST_F(ReplayServerTest, RecentEnvelopesComeFromMemoryAndOlderOnesFromTheJournal) {
  OpenJournal();
  StartServer(1000, "", /*recent_bytes=*/300);  // Room for the last few envelopes only.
  for (std::uint64_t s = 1; s <= 40; ++s) Append(kTopic, s, kEpoch, /*through_server=*/true);
  ReplyFrames r = Ask(Request(38, 40));
  EXPECT_EQ(r.seqs, Range(38, 40));
  EXPECT_EQ(server_->counts().events_from_memory, 3u);
  r = Ask(Request(2, 5));  // Evicted from memory: read from the journal.
  EXPECT_EQ(r.seqs, Range(2, 5));
  EXPECT_EQ(server_->counts().events_from_memory, 3u);
  EXPECT_EQ(server_->counts().events_sent, 7u);
}

TEST_F(ReplayServerTest, RoutingFramesBeforeTheTagAreEchoedSoProxiesWork) {
  OpenJournal();
  Append(kTopic, 1);
  StartServer();
  // What a ROUTER/DEALER proxy adds: the daemon's identity in front of the request.
  auto request = Request(1, 1);
  request.insert(request.begin(), "daemon-7");
  for (std::size_t i = 0; i < request.size(); ++i) {
    client_.send(zmq::buffer(request[i]),
                 i + 1 == request.size() ? zmq::send_flags::none : zmq::send_flags::sndmore);
  }
  while (server_->counts().requests() == 0) server_->Wait(5);
  std::vector<std::string> got;
  zmq::pollitem_t item{client_.handle(), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&item, 1, std::chrono::seconds(20)), 1);
  while (true) {
    zmq::message_t m;
    ASSERT_TRUE(client_.recv(m));
    got.push_back(m.to_string());
    if (!m.more()) break;
  }
  ASSERT_EQ(got.size(), 1u + 7u + 1u);
  EXPECT_EQ(got[0], "daemon-7");
  EXPECT_EQ(got[1], "CCMON-REPLAY-1");
  EXPECT_EQ(got[3], "ok");
  EXPECT_EQ(server_->counts().ok, 1u);
}

TEST_F(ReplayServerTest, BridgeOutputNeedsAJournalForReplay) {
  OutputOptions o;
  o.source = "ast1";
  o.publish = {"bind:inproc://replay-output-1"};
  o.replay_listen = "tcp://127.0.0.1:*";
  o.caller_key_hex = std::string(64, 'a');
  auto created = BridgeOutput::Create(o, HeartbeatTime::kLastEvent, clock_);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find("--journal-dir"), std::string::npos);
}

TEST_F(ReplayServerTest, BridgeOutputAnswersWhatItPublishedWhenItTicks) {
  OutputOptions o;
  o.source = "ast1";
  o.source_epoch = kEpoch;
  o.publish = {"bind:inproc://replay-output-2"};
  o.journal_dir = dir_.string();
  o.replay_listen = "tcp://127.0.0.1:*";
  o.caller_key_hex = std::string(64, 'a');
  auto created = BridgeOutput::Create(o, HeartbeatTime::kLastEvent, clock_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto output = std::move(created).value();
  ASSERT_NE(output->replay_server(), nullptr);
  for (int i = 1; i <= 5; ++i) {
    v1::Envelope env;
    env.set_time_unix_ms(1000 + i);
    env.mutable_contact_queued()->set_contact_id("c" + std::to_string(i));
    env.mutable_contact_queued()->set_queue("sales");
    ASSERT_TRUE(output->Publish(env).ok());
  }
  client_.connect(output->replay_server()->endpoint());
  const auto request = Request(2, 4, "v1.default.sales.");
  for (std::size_t i = 0; i < request.size(); ++i) {
    client_.send(zmq::buffer(request[i]),
                 i + 1 == request.size() ? zmq::send_flags::none : zmq::send_flags::sndmore);
  }
  // The bridge's loop ticks; the request is answered on its own thread, no thread of its own.
  zmq::pollitem_t item{client_.handle(), 0, ZMQ_POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (zmq::poll(&item, 1, std::chrono::milliseconds(0)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(output->Tick(v1::ACD_CONNECTION_UP).ok());
    output->Idle(5);
  }
  std::vector<std::string> got;
  while (true) {
    zmq::message_t m;
    ASSERT_TRUE(client_.recv(m, zmq::recv_flags::dontwait));
    got.push_back(m.to_string());
    if (!m.more()) break;
  }
  ASSERT_EQ(got.size(), 7u + 3u);
  EXPECT_EQ(got[2], "ok");
  EXPECT_EQ(output->replay_server()->counts().events_sent, 3u);
  EXPECT_EQ(output->replay_server()->counts().events_from_memory, 3u);
}

}  // namespace
}  // namespace ccmon::bridges
