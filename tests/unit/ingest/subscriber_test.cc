// Subscriber over real ZeroMQ sockets on loopback: a test XPUB learns when the SUB's subscription
// has arrived (no sleeping for the slow joiner), then publishes.
#include "daemon/ingest/subscriber.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include "ccmon/v1/events.pb.h"

namespace ccmon::ingest {
namespace {

class Collected {
 public:
  void Add(const Batch& b) {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < b.size; ++i) seqs_.push_back(b.events[i].position.seq);
    messages_ += b.messages;
    for (int r = 0; r < state::kRejectReasonCount; ++r) rejected_[r] += b.rejected[r];
    cv_.notify_all();
  }
  void WaitForMessages(std::uint64_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(20), [&] { return messages_ >= n; }))
        << "received " << messages_ << " of " << n;
  }
  std::vector<std::uint64_t> seqs() {
    std::lock_guard<std::mutex> lock(mu_);
    return seqs_;
  }
  std::uint64_t rejected(state::RejectReason r) {
    std::lock_guard<std::mutex> lock(mu_);
    return rejected_[static_cast<int>(r)];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::uint64_t> seqs_;
  std::uint64_t messages_ = 0;
  std::array<std::uint64_t, state::kRejectReasonCount> rejected_{};
};

std::string Answered(std::uint64_t seq) {
  v1::Envelope env;
  env.set_source("s");
  env.set_source_epoch(1);
  env.set_seq(seq);
  env.mutable_contact_answered()->set_contact_id("c" + std::to_string(seq));
  env.mutable_contact_answered()->set_queue("q");
  return env.SerializeAsString();
}

TEST(Subscriber, ReceivesDecodesAndBatchesEveryMessageInOrder) {
  zmq::context_t ctx;
  zmq::socket_t pub(ctx, zmq::socket_type::xpub);
  pub.set(zmq::sockopt::sndhwm, 0);  // Unlimited: the default 1000 would drop part of the burst.
  pub.bind("tcp://127.0.0.1:*");
  const std::string endpoint = pub.get(zmq::sockopt::last_endpoint);

  Collected got;
  Subscriber* self = nullptr;
  SubscriberOptions opts;
  opts.endpoints.push_back({endpoint, false, {"v1.t."}, ""});
  opts.max_batch = 64;
  Subscriber sub(&ctx, opts, [&](Batch* b) {
    got.Add(*b);
    self->Release(b);
  });
  self = &sub;
  ASSERT_TRUE(sub.Start().ok());

  zmq::message_t subscription;
  ASSERT_TRUE(pub.recv(subscription));  // "\x01v1.t.": the SUB is ready.
  ASSERT_EQ(subscription.to_string(), std::string("\x01v1.t.", 6));

  const int kEvents = 1000;
  for (int i = 1; i <= kEvents; ++i) {
    pub.send(zmq::buffer(std::string("v1.t.q.")), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(Answered(i)), zmq::send_flags::none);
  }
  // Two bad messages: a single frame, and three frames.
  pub.send(zmq::buffer(std::string("v1.t.q.")), zmq::send_flags::none);
  pub.send(zmq::buffer(std::string("v1.t.q.")), zmq::send_flags::sndmore);
  pub.send(zmq::buffer(Answered(1)), zmq::send_flags::sndmore);
  pub.send(zmq::buffer(std::string("extra")), zmq::send_flags::none);
  got.WaitForMessages(kEvents + 2);
  sub.Stop();

  auto seqs = got.seqs();
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(seqs[i], static_cast<std::uint64_t>(i + 1));
  EXPECT_EQ(got.rejected(state::RejectReason::kMalformedFrame), 2u);
}

TEST(Subscriber, StartFailsWithAClearStatusForABadEndpoint) {
  zmq::context_t ctx;
  SubscriberOptions opts;
  opts.endpoints.push_back({"nonsense://x", false, {"v1."}, ""});
  Subscriber sub(&ctx, opts, [](Batch*) {});
  auto s = sub.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("subscribe"), std::string::npos);
}

// The replay transport: a request from the engine's thread leaves on the subscription's DEALER
// with the documented frames; the reply's envelopes come back decoded and marked with the
// request id, followed by its answer, in one batch. A test ROUTER plays the bridge.
TEST(Subscriber, SendsReplayRequestsAndHandsRepliesToTheEngine) {
  zmq::context_t ctx;
  zmq::socket_t pub(ctx, zmq::socket_type::xpub);
  pub.bind("tcp://127.0.0.1:*");
  zmq::socket_t bridge(ctx, zmq::socket_type::router);
  bridge.bind("tcp://127.0.0.1:*");

  std::mutex mu;
  std::condition_variable cv;
  std::vector<DecodedEvent> replayed;
  std::vector<ReplayAnswer> answers;
  int empty_batches = 0;
  Subscriber* self = nullptr;
  SubscriberOptions opts;
  opts.endpoints.push_back({pub.get(zmq::sockopt::last_endpoint),
                            false,
                            {"v1."},
                            bridge.get(zmq::sockopt::last_endpoint)});
  opts.poll_timeout_ms = 20;
  Subscriber sub(&ctx, opts, [&](Batch* b) {
    {
      std::lock_guard<std::mutex> lock(mu);
      for (std::size_t i = 0; i < b->size; ++i) replayed.push_back(b->events[i]);
      answers.insert(answers.end(), b->answers.begin(), b->answers.end());
      if (b->size == 0 && b->messages == 0 && b->answers.empty()) ++empty_batches;
    }
    cv.notify_all();
    self->Release(b);
  });
  self = &sub;
  ASSERT_TRUE(sub.Start().ok());

  // Idle, the ingest thread still hands over (empty) batches, so the engine can time out.
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return empty_batches >= 2; }));
  }

  ReplayRequest request;
  request.id = 77;
  request.subscription = 0;
  request.source = "s";
  request.epoch = 1;
  request.topic = "v1.t.q.";
  request.from_seq = 2;
  request.to_seq = 3;
  sub.RequestReplay(request);

  std::vector<zmq::message_t> frames;
  zmq::pollitem_t item{bridge.handle(), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&item, 1, std::chrono::seconds(20)), 1);
  while (true) {
    zmq::message_t m;
    ASSERT_TRUE(bridge.recv(m));
    const bool more = m.more();
    frames.push_back(std::move(m));
    if (!more) break;
  }
  ASSERT_EQ(frames.size(), 8u);  // Identity + 7.
  EXPECT_EQ(frames[1].to_string(), "CCMON-REPLAY-1");
  EXPECT_EQ(frames[3].to_string(), "s");
  EXPECT_EQ(frames[5].to_string(), "v1.t.q.");

  const std::vector<std::string> reply{
      "CCMON-REPLAY-1", EncodeU64(77),     "ok",        "v1.t.q.",   EncodeU64(1),
      EncodeU64(4),     std::string(1, 0), Answered(2), Answered(3), "not an envelope"};
  bridge.send(frames[0], zmq::send_flags::sndmore);
  for (std::size_t i = 0; i < reply.size(); ++i) {
    bridge.send(zmq::buffer(reply[i]),
                i + 1 == reply.size() ? zmq::send_flags::none : zmq::send_flags::sndmore);
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return !answers.empty(); }));
    ASSERT_EQ(replayed.size(), 2u);
    EXPECT_EQ(replayed[0].position.seq, 2u);
    EXPECT_EQ(replayed[1].position.seq, 3u);
    EXPECT_EQ(replayed[0].replay_request, 77u);
    EXPECT_EQ(replayed[0].position.topic, "v1.t.q.");
    EXPECT_EQ(answers[0].request_id, 77u);
    EXPECT_EQ(answers[0].status, ReplayStatus::kOk);
    EXPECT_EQ(answers[0].next_seq, 4u);
  }
  sub.Stop();
}

}  // namespace
}  // namespace ccmon::ingest
