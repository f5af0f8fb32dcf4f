#include "common/publisher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/topic.h"

namespace ccmon {
namespace {

v1::Envelope Queued(const std::string& contact, const std::string& queue, UnixMs t = 1000) {
  v1::Envelope env;
  env.set_time_unix_ms(t);
  auto* e = env.mutable_contact_queued();
  e->set_contact_id(contact);
  e->set_queue(queue);
  return env;
}

v1::Envelope AgentAvailable(const std::string& agent, UnixMs t = 1000) {
  v1::Envelope env;
  env.set_time_unix_ms(t);
  auto* e = env.mutable_agent_state_changed();
  e->set_agent_id(agent);
  e->set_state(v1::AGENT_STATE_AVAILABLE);
  return env;
}

v1::Envelope Heartbeat(UnixMs t = 1000) {
  v1::Envelope env;
  env.set_time_unix_ms(t);
  env.mutable_heartbeat()->set_acd_connection(v1::ACD_CONNECTION_UP);
  return env;
}

TEST(CapturingSink, StampsSourceEpochAndTenant) {
  CapturingSink sink("sim1", 42, "acme");
  auto env = Queued("c1", "sales");
  ASSERT_TRUE(sink.Publish(env).ok());
  ASSERT_EQ(sink.messages().size(), 1u);
  const auto& m = sink.messages()[0];
  EXPECT_EQ(m.topic, "v1.acme.sales.");
  EXPECT_EQ(m.envelope.source(), "sim1");
  EXPECT_EQ(m.envelope.source_epoch(), 42u);
  EXPECT_EQ(m.envelope.tenant(), "acme");
  EXPECT_EQ(m.envelope.seq(), 1u);
}

TEST(CapturingSink, NumbersEachTopicFromOneWithoutGaps) {
  CapturingSink sink("sim1", 1, "");
  std::vector<v1::Envelope> envs = {Queued("c1", "sales"), Queued("c2", "support"),
                                    Queued("c3", "sales"), AgentAvailable("a1"),
                                    Queued("c4", "sales"), AgentAvailable("a2")};
  for (auto& env : envs) ASSERT_TRUE(sink.Publish(env).ok());
  std::vector<std::pair<std::string, std::uint64_t>> got;
  for (const auto& m : sink.messages()) got.emplace_back(m.topic, m.envelope.seq());
  const std::vector<std::pair<std::string, std::uint64_t>> want = {
      {"v1.default.sales.", 1},  {"v1.default.support.", 1}, {"v1.default.sales.", 2},
      {"v1.default.~agent.", 1}, {"v1.default.sales.", 3},   {"v1.default.~agent.", 2}};
  EXPECT_EQ(got, want);
}

TEST(CapturingSink, EveryContactEventTypeGoesToItsQueueTopic) {
  CapturingSink sink("s", 1, "t");
  std::vector<v1::Envelope> envs(13);
  envs[0].mutable_contact_queued()->set_queue("q");
  envs[1].mutable_contact_ringing()->set_queue("q");
  envs[2].mutable_contact_ring_timeout()->set_queue("q");
  envs[3].mutable_contact_answered()->set_queue("q");
  envs[4].mutable_contact_abandoned()->set_queue("q");
  envs[5].mutable_contact_exited()->set_queue("q");
  envs[6].mutable_contact_transferred()->set_queue("q");
  envs[7].mutable_contact_held()->set_queue("q");
  envs[8].mutable_contact_resumed()->set_queue("q");
  envs[9].mutable_contact_ended()->set_queue("q");
  envs[10].mutable_wrap_up_ended()->set_queue("q");
  envs[11].mutable_callback_requested()->set_queue("q");
  envs[12].mutable_survey_completed()->set_queue("q");
  for (auto& env : envs) ASSERT_TRUE(sink.Publish(env).ok());
  for (std::size_t i = 0; i < envs.size(); ++i) {
    EXPECT_EQ(sink.messages()[i].topic, "v1.t.q.") << i;
    EXPECT_EQ(sink.messages()[i].envelope.seq(), i + 1) << i;
  }
}

TEST(CapturingSink, QueueNamesThatSanitiseAlikeShareOneCounter) {
  CapturingSink sink;
  auto a = Queued("c1", "a.b");
  auto b = Queued("c2", "a_b");
  ASSERT_TRUE(sink.Publish(a).ok());
  ASSERT_TRUE(sink.Publish(b).ok());
  EXPECT_EQ(sink.messages()[1].topic, sink.messages()[0].topic);
  EXPECT_EQ(sink.messages()[1].envelope.seq(), 2u);
}

TEST(CapturingSink, HeartbeatCarriesTheLastSeqOfEveryOtherTopic) {
  CapturingSink sink("sim1", 1, "acme");
  auto q1 = Queued("c1", "sales");
  auto q2 = Queued("c2", "sales");
  auto q3 = Queued("c3", "billing");
  auto a1 = AgentAvailable("a1");
  auto hb1 = Heartbeat();
  auto hb2 = Heartbeat();
  for (auto* env : {&q1, &q2, &q3, &a1, &hb1, &hb2}) ASSERT_TRUE(sink.Publish(*env).ok());

  const auto& hb = sink.messages().back();
  EXPECT_EQ(hb.topic, "v1.acme.~hb.");
  EXPECT_EQ(hb.envelope.seq(), 2u);
  ASSERT_EQ(hb.envelope.heartbeat().positions_size(), 3);
  EXPECT_EQ(hb.envelope.heartbeat().positions(0).topic(), "v1.acme.billing.");
  EXPECT_EQ(hb.envelope.heartbeat().positions(0).last_seq(), 1u);
  EXPECT_EQ(hb.envelope.heartbeat().positions(1).topic(), "v1.acme.sales.");
  EXPECT_EQ(hb.envelope.heartbeat().positions(1).last_seq(), 2u);
  EXPECT_EQ(hb.envelope.heartbeat().positions(2).topic(), "v1.acme.~agent.");
  EXPECT_EQ(hb.envelope.heartbeat().positions(2).last_seq(), 1u);
  EXPECT_EQ(hb.envelope.heartbeat().acd_connection(), v1::ACD_CONNECTION_UP);
}

TEST(CapturingSink, EnvelopeWithoutEventIsRejectedAndUsesNoSeq) {
  CapturingSink sink;
  v1::Envelope empty;
  EXPECT_EQ(sink.Publish(empty).code(), StatusCode::kInvalidArgument);
  v1::Envelope no_queue;
  no_queue.mutable_contact_answered()->set_contact_id("c1");
  EXPECT_EQ(sink.Publish(no_queue).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(sink.messages().empty());
  EXPECT_TRUE(sink.sequencer().Positions().empty());
}

TEST(TopicSequencer, StampWithoutCommitReusesTheSeq) {
  TopicSequencer sequencer("s", 1, "");
  auto env = Queued("c1", "sales");
  auto first = sequencer.Stamp(env);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(env.seq(), 1u);
  auto again = sequencer.Stamp(env);  // The first publish failed; the retry gets the same seq.
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(env.seq(), 1u);
  sequencer.Commit(*again);
  EXPECT_EQ(sequencer.LastSeq("v1.default.sales."), 1u);
  ASSERT_TRUE(sequencer.Stamp(env).ok());
  EXPECT_EQ(env.seq(), 2u);
}

TEST(PublisherOptions, MissingSourceOrEndpointIsInvalid) {
  PublisherOptions no_source;
  no_source.endpoints = {"inproc://x"};
  EXPECT_EQ(Publisher::Create(no_source).status().code(), StatusCode::kInvalidArgument);
  PublisherOptions no_endpoint;
  no_endpoint.source = "s";
  EXPECT_EQ(Publisher::Create(no_endpoint).status().code(), StatusCode::kInvalidArgument);
}

TEST(PublisherOptions, MalformedEndpointIsNamedInTheError) {
  PublisherOptions options;
  options.source = "s";
  options.endpoints = {"bind:nonsense://x"};
  auto publisher = Publisher::Create(options);
  ASSERT_FALSE(publisher.ok());
  EXPECT_NE(publisher.status().message().find("nonsense://x"), std::string::npos)
      << publisher.status().message();
}

TEST(PublisherOptions, EpochDefaultsToTheStartTime) {
  PublisherOptions options;
  options.source = "s";
  options.endpoints = {"bind:tcp://127.0.0.1:*"};
  const UnixMs before = WallClock().NowMs();
  auto publisher = Publisher::Create(options);
  ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();
  EXPECT_GE((*publisher)->sequencer().source_epoch(), static_cast<std::uint64_t>(before));
  EXPECT_LE((*publisher)->sequencer().source_epoch(),
            static_cast<std::uint64_t>(WallClock().NowMs()));
}

// A SUB socket connected to a publisher bound on an ephemeral loopback port.
class PublisherOverTcp : public ::testing::Test {
 protected:
  void SetUp() override {
    PublisherOptions options;
    options.source = "sim1";
    options.source_epoch = 7;
    options.tenant = "acme";
    options.endpoints = {"bind:tcp://127.0.0.1:*"};
    auto publisher = Publisher::Create(options);
    ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();
    publisher_ = std::move(publisher).value();
    ASSERT_EQ(publisher_->endpoints().size(), 1u);
    const std::string& endpoint = publisher_->endpoints()[0];
    ASSERT_TRUE(endpoint.starts_with("tcp://127.0.0.1:")) << endpoint;
    ASSERT_NE(endpoint, "tcp://127.0.0.1:*");

    sub_.set(zmq::sockopt::rcvtimeo, 5000);
    sub_.set(zmq::sockopt::subscribe, "v1.acme.");
    sub_.connect(endpoint);
    WaitForSubscription();
  }

  // PUB drops messages until the subscription has arrived ("slow joiner"). Publish heartbeats
  // until one is received, then drain; no fixed sleep.
  void WaitForSubscription() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(publisher_->PublishHeartbeat(1, v1::ACD_CONNECTION_UP).ok());
      zmq::pollitem_t item{sub_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(20));
      if ((item.revents & ZMQ_POLLIN) != 0) {
        Drain();
        return;
      }
    }
    FAIL() << "subscription never arrived";
  }

  void Drain() {
    zmq::message_t msg;
    while (sub_.recv(msg, zmq::recv_flags::dontwait)) {
    }
  }

  // Receives one two-frame message.
  std::pair<std::string, v1::Envelope> Receive() {
    zmq::message_t topic;
    zmq::message_t body;
    EXPECT_TRUE(sub_.recv(topic));
    EXPECT_TRUE(topic.more());
    EXPECT_TRUE(sub_.recv(body));
    EXPECT_FALSE(body.more());
    v1::Envelope env;
    EXPECT_TRUE(env.ParseFromArray(body.data(), static_cast<int>(body.size())));
    return {topic.to_string(), env};
  }

  std::unique_ptr<Publisher> publisher_;
  zmq::context_t context_{1};
  zmq::socket_t sub_{context_, zmq::socket_type::sub};
};

TEST_F(PublisherOverTcp, SubscriberReceivesTopicAndEnvelopeFrames) {
  auto env = Queued("c1", "sales", 1234);
  ASSERT_TRUE(publisher_->Publish(env).ok());
  auto [topic, got] = Receive();
  EXPECT_EQ(topic, "v1.acme.sales.");
  EXPECT_EQ(got.source(), "sim1");
  EXPECT_EQ(got.source_epoch(), 7u);
  EXPECT_EQ(got.tenant(), "acme");
  EXPECT_EQ(got.seq(), 1u);
  EXPECT_EQ(got.time_unix_ms(), 1234);
  EXPECT_EQ(got.contact_queued().contact_id(), "c1");
}

TEST_F(PublisherOverTcp, SequenceNumbersArePerTopicAndGapless) {
  std::vector<v1::Envelope> envs = {Queued("c1", "sales"), Queued("c2", "billing"),
                                    AgentAvailable("a1"), Queued("c3", "sales")};
  for (auto& env : envs) ASSERT_TRUE(publisher_->Publish(env).ok());
  std::vector<std::pair<std::string, std::uint64_t>> got;
  for (std::size_t i = 0; i < envs.size(); ++i) {
    auto [topic, env] = Receive();
    got.emplace_back(topic, env.seq());
  }
  const std::vector<std::pair<std::string, std::uint64_t>> want = {{"v1.acme.sales.", 1},
                                                                   {"v1.acme.billing.", 1},
                                                                   {"v1.acme.~agent.", 1},
                                                                   {"v1.acme.sales.", 2}};
  EXPECT_EQ(got, want);
}

TEST_F(PublisherOverTcp, HeartbeatReportsEveryTopicsLastSeq) {
  auto a = Queued("c1", "sales");
  auto b = Queued("c2", "sales");
  ASSERT_TRUE(publisher_->Publish(a).ok());
  ASSERT_TRUE(publisher_->Publish(b).ok());
  const std::uint64_t hb_before = publisher_->sequencer().LastSeq("v1.acme.~hb.");
  ASSERT_TRUE(publisher_->PublishHeartbeat(5000, v1::ACD_CONNECTION_UP, 1000).ok());
  Receive();
  Receive();
  auto [topic, hb] = Receive();
  EXPECT_EQ(topic, "v1.acme.~hb.");
  EXPECT_EQ(hb.seq(), hb_before + 1);
  EXPECT_EQ(hb.time_unix_ms(), 5000);
  EXPECT_EQ(hb.heartbeat().interval_ms(), 1000u);
  ASSERT_EQ(hb.heartbeat().positions_size(), 1);
  EXPECT_EQ(hb.heartbeat().positions(0).topic(), "v1.acme.sales.");
  EXPECT_EQ(hb.heartbeat().positions(0).last_seq(), 2u);
}

TEST(Publisher, ConnectEndpointPublishesToABoundSubscriber) {
  zmq::context_t context(1);
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::rcvtimeo, 5000);
  sub.set(zmq::sockopt::subscribe, "");
  sub.bind("tcp://127.0.0.1:*");
  const std::string endpoint = sub.get(zmq::sockopt::last_endpoint);

  PublisherOptions options;
  options.source = "s";
  options.endpoints = {"connect:" + endpoint};
  auto publisher = Publisher::Create(options);
  ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();
  EXPECT_EQ((*publisher)->endpoints()[0], endpoint);

  zmq::message_t topic;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool received = false;
  while (!received && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*publisher)->PublishHeartbeat(1, v1::ACD_CONNECTION_UP).ok());
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(20));
    received = (item.revents & ZMQ_POLLIN) != 0;
  }
  ASSERT_TRUE(received);
  ASSERT_TRUE(sub.recv(topic));
  EXPECT_EQ(topic.to_string(), "v1.default.~hb.");
}

TEST(PublisherSubscriptions, WaitForSubscriberSeesTheSubscriptionSoNothingIsDropped) {
  PublisherOptions options;
  options.source = "s";
  options.endpoints = {"bind:tcp://127.0.0.1:*"};
  auto publisher = Publisher::Create(options);
  ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();
  EXPECT_FALSE((*publisher)->WaitForSubscriber(0)) << "no subscriber connected yet";

  zmq::context_t context{1};
  zmq::socket_t sub{context, zmq::socket_type::sub};
  sub.set(zmq::sockopt::rcvtimeo, 5000);
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect((*publisher)->endpoints()[0]);
  ASSERT_TRUE((*publisher)->WaitForSubscriber(20'000));
  EXPECT_TRUE((*publisher)->WaitForSubscriber(0)) << "remembered";

  // The very first message published after the wait arrives: no retry loop needed.
  auto env = Queued("c1", "sales", 1);
  ASSERT_TRUE((*publisher)->Publish(env).ok());
  zmq::message_t topic;
  ASSERT_TRUE(sub.recv(topic));
  EXPECT_EQ(topic.to_string(), "v1.default.sales.");
}


// Records what the publisher journals, and can be told to fail.
class RecordingJournal final : public PublishJournal {
 public:
  Status Append(const std::string& topic, const v1::Envelope& env,
                const std::string& serialized) override {
    if (fail) return Status::IoError("disk full");
    v1::Envelope copy;
    EXPECT_TRUE(copy.ParseFromString(serialized));
    EXPECT_EQ(copy.seq(), env.seq());
    records.emplace_back(topic, env.seq());
    return Status::Ok();
  }
  bool fail = false;
  std::vector<std::pair<std::string, std::uint64_t>> records;
};

TEST(PublisherJournal, EveryEnvelopeIsJournaledBeforeItIsSentAndResumedNumberingContinues) {
  RecordingJournal journal;
  PublisherOptions options;
  options.source = "s";
  options.source_epoch = 3;
  options.endpoints = {"bind:tcp://127.0.0.1:*"};
  options.journal = &journal;
  options.resume_positions = {{"v1.default.sales.", 41}};
  auto publisher = Publisher::Create(options);
  ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();
  auto env = Queued("c1", "sales");
  ASSERT_TRUE((*publisher)->Publish(env).ok());
  EXPECT_EQ(env.seq(), 42u) << "numbering resumes after the recovered position";
  journal.fail = true;
  auto env2 = Queued("c2", "sales");
  EXPECT_FALSE((*publisher)->Publish(env2).ok());
  journal.fail = false;
  auto env3 = Queued("c3", "sales");
  ASSERT_TRUE((*publisher)->Publish(env3).ok());
  EXPECT_EQ(env3.seq(), 43u) << "a failed journal write uses no seq";
  EXPECT_EQ(journal.records, (std::vector<std::pair<std::string, std::uint64_t>>{
                                 {"v1.default.sales.", 42}, {"v1.default.sales.", 43}}));
}

}  // namespace
}  // namespace ccmon
