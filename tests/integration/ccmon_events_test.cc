// `ccmon events` against real publishers: a ZeroMQ XPUB socket in the test sending good, broken
// and out-of-sequence messages (each shown and counted by reason, gaps per stream), and the real
// `ccmon-bridge jsonl` publishing a fixture, captured as Protobuf JSON and published again from
// that capture by a second jsonl bridge (the JSON round-trips: the second capture shows the same
// events). Hermetic: port 0 everywhere, temporary directories, no sleeps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <zmq.hpp>

#include "bridges/jsonl/envelope_line.h"
#include "ccmon/v1/events.pb.h"
#include "tests/testing/process.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class CcmonEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-events-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Starts `ccmon events ARGS` with stdout to `out` (stderr stays readable through the child).
  std::unique_ptr<testing::ChildProcess> StartEvents(const std::string& args, const fs::path& out) {
    return std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        "/bin/sh", "-c",
        "exec " + testing::BinaryPath("ccmon") + " events " + args + " > " + out.string()});
  }

  // Runs ccmon-bridge jsonl on `input`, connecting to `endpoint`; returns its exit status.
  int RunJsonlBridge(const fs::path& input, const std::string& endpoint, const std::string& source,
                     std::string* output) {
    testing::ChildProcess bridge({testing::BinaryPath("ccmon-bridge"), "jsonl", "--input",
                                  input.string(), "--source", source, "--tenant", "acme",
                                  "--publish", "connect:" + endpoint, "--wait-for-subscriber",
                                  "20s"});
    const int status = bridge.Wait(60'000);
    *output = bridge.output();
    return status;
  }

  fs::path dir_;
};

v1::Envelope Queued(std::uint64_t seq, const std::string& id) {
  v1::Envelope env;
  env.set_source("test-src");
  env.set_source_epoch(42);
  env.set_seq(seq);
  env.set_time_unix_ms(1'764'057'600'000 + static_cast<std::int64_t>(seq) * 1000);
  env.mutable_contact_queued()->set_contact_id(id);
  env.mutable_contact_queued()->set_queue("sales");
  return env;
}

TEST_F(CcmonEvents, ShowsRejectsByReasonAndGapsPerStreamAndExitsAfterCount) {
  zmq::context_t ctx;
  zmq::socket_t pub(ctx, zmq::socket_type::xpub);
  pub.bind("tcp://127.0.0.1:*");
  const std::string endpoint = pub.get(zmq::sockopt::last_endpoint);
  pub.set(zmq::sockopt::rcvtimeo, 20'000);

  const fs::path out = dir_ / "events.txt";
  auto events = StartEvents("--subscribe " + endpoint + " --count 6", out);
  zmq::message_t subscription;
  ASSERT_TRUE(pub.recv(subscription)) << "ccmon events did not subscribe";
  EXPECT_EQ(subscription.to_string(), std::string("\x01v1.", 4));

  const std::string topic = "v1.default.sales.";
  auto send = [&](std::vector<std::string> frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      pub.send(zmq::buffer(frames[i]),
               i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  };
  send({topic, Queued(1, "c1").SerializeAsString()});
  send({topic, Queued(2, "c2").SerializeAsString()});
  send({topic, "\xff\xfe not a protobuf"});
  send({topic, Queued(3, "c3").SerializeAsString(), "extra frame"});
  send({"v1.default.support.", Queued(3, "c3").SerializeAsString()});  // Wrong queue's topic.
  send({topic, Queued(6, "c6").SerializeAsString()});                  // 3, 4, 5 missing.

  ASSERT_EQ(events->Wait(30'000), 0) << events->output();
  const std::vector<std::string> lines = Lines(ReadFile(out));
  ASSERT_EQ(lines.size(), 7u) << ReadFile(out);
  EXPECT_EQ(lines[0],
            "2025-11-25T08:00:01.000Z test-src 42/1 v1.default.sales. ContactQueued "
            "contact_id=c1 queue=sales");
  EXPECT_TRUE(lines[1].ends_with("42/2 v1.default.sales. ContactQueued contact_id=c2 queue=sales"));
  EXPECT_TRUE(std::regex_match(
      lines[2],
      std::regex(
          R"(\S+Z REJECTED reason=undecodable topic=v1\.default\.sales\. frames=2 bytes=\d+)")))
      << lines[2];
  EXPECT_NE(lines[3].find("REJECTED reason=malformed_frame topic=v1.default.sales. frames=3"),
            std::string::npos)
      << lines[3];
  EXPECT_NE(lines[4].find("REJECTED reason=topic_mismatch topic=v1.default.support."),
            std::string::npos)
      << lines[4];
  EXPECT_EQ(lines[5], "# gap on test-src 42/v1.default.sales.: seq 6 after 2 (3 missing)");
  EXPECT_TRUE(lines[6].ends_with("42/6 v1.default.sales. ContactQueued contact_id=c6 queue=sales"));

  const std::string& summary = events->output();
  EXPECT_NE(summary.find("ccmon events: 6 messages, 3 decoded, 3 rejected: malformed_frame=1 "
                         "undecodable=1 topic_mismatch=1, 1 gaps (3 missing), 0 duplicates, "
                         "1 streams"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("stream test-src 42/v1.default.sales.: seq 1..6, 3 received, 1 gaps "
                         "(3 missing), 0 duplicates"),
            std::string::npos)
      << summary;
}

TEST_F(CcmonEvents, DecodesARealBridgeAndItsJsonCaptureRoundTripsThroughTheJsonlBridge) {
  const fs::path fixture = dir_ / "fixture.jsonl";
  std::ofstream(fixture)
      << R"({"timeUnixMs":"1764057600000","contactQueued":{"contactId":"c1","queue":"sales","channel":"CHANNEL_VOICE","priority":2}})"
         "\n"
      << R"({"timeUnixMs":"1764057601000","contactRinging":{"contactId":"c1","queue":"sales","agentId":"a7"}})"
         "\n"
      << R"({"timeUnixMs":"1764057603500","contactAnswered":{"contactId":"c1","queue":"sales","agentId":"a7"}})"
         "\n"
      << R"({"timeUnixMs":"1764057604000","agentStateChanged":{"agentId":"a7","state":"AGENT_STATE_ON_CONTACT","queues":["sales","vip support"]}})"
         "\n"
      << R"({"timeUnixMs":"1764057700000","contactEnded":{"contactId":"c1","queue":"sales","endedBy":"ENDED_BY_CALLER"}})"
         "\n";
  // Heartbeats are left out (their number depends on timing): queue and agent topics only.
  const std::string topics = " --topic v1.acme.sales. --topic v1.acme.~agent. --count 5";

  // 1. fixture → jsonl bridge → ccmon events --format json.
  const fs::path capture = dir_ / "capture.jsonl";
  auto json_run = StartEvents("--subscribe bind:tcp://127.0.0.1:* --format json" + topics, capture);
  auto endpoint = json_run->WaitForLine(std::regex(R"(listening on (tcp://\S+))"));
  ASSERT_TRUE(endpoint) << json_run->output();
  std::string bridge_log;
  ASSERT_EQ(RunJsonlBridge(fixture, *endpoint, "j1", &bridge_log), 0) << bridge_log;
  ASSERT_EQ(json_run->Wait(30'000), 0) << json_run->output();
  EXPECT_NE(json_run->output().find("5 messages, 5 decoded, 0 rejected, 0 gaps"), std::string::npos)
      << json_run->output();

  const std::vector<std::string> json_lines = Lines(ReadFile(capture));
  ASSERT_EQ(json_lines.size(), 5u) << ReadFile(capture);
  v1::Envelope env;
  std::string error;
  for (const auto& line : json_lines) {
    EXPECT_EQ(jsonl::ParseEnvelopeLine(line, {}, &env, &error), jsonl::kOutcomePublished)
        << line << ": " << error;
    EXPECT_EQ(env.source(), "j1");
    EXPECT_EQ(env.tenant(), "acme");
  }
  ASSERT_EQ(jsonl::ParseEnvelopeLine(json_lines[3], {}, &env), jsonl::kOutcomePublished);
  EXPECT_EQ(env.agent_state_changed().queues_size(), 2);
  EXPECT_EQ(env.agent_state_changed().queues(1), "vip support");

  // 2. the capture → a second jsonl bridge → ccmon events (text): the same events.
  const fs::path text = dir_ / "capture.txt";
  auto text_run = StartEvents("--subscribe bind:tcp://127.0.0.1:*" + topics, text);
  endpoint = text_run->WaitForLine(std::regex(R"(listening on (tcp://\S+))"));
  ASSERT_TRUE(endpoint) << text_run->output();
  ASSERT_EQ(RunJsonlBridge(capture, *endpoint, "j2", &bridge_log), 0) << bridge_log;
  ASSERT_EQ(text_run->Wait(30'000), 0) << text_run->output();

  const std::vector<std::string> lines = Lines(ReadFile(text));
  ASSERT_EQ(lines.size(), 5u) << ReadFile(text);
  const std::string epoch = R"(j2 \d+/)";
  const std::vector<std::string> expected = {
      "2025-11-25T08:00:00.000Z " + epoch +
          R"(1 v1\.acme\.sales\. ContactQueued contact_id=c1 queue=sales channel=CHANNEL_VOICE priority=2)",
      "2025-11-25T08:00:01.000Z " + epoch +
          R"(2 v1\.acme\.sales\. ContactRinging contact_id=c1 queue=sales agent_id=a7)",
      "2025-11-25T08:00:03.500Z " + epoch +
          R"(3 v1\.acme\.sales\. ContactAnswered contact_id=c1 queue=sales agent_id=a7)",
      "2025-11-25T08:00:04.000Z " + epoch +
          R"(1 v1\.acme\.~agent\. AgentStateChanged agent_id=a7 state=AGENT_STATE_ON_CONTACT queues=\[sales,"vip support"\])",
      "2025-11-25T08:01:40.000Z " + epoch +
          R"(4 v1\.acme\.sales\. ContactEnded contact_id=c1 queue=sales ended_by=ENDED_BY_CALLER)",
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(std::regex_match(lines[i], std::regex(expected[i]))) << lines[i];
  }
}

}  // namespace
}  // namespace ccmon
