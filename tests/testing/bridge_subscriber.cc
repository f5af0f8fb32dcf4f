#include "tests/testing/bridge_subscriber.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <utility>

namespace ccmon::testing {

BridgeSubscriber::BridgeSubscriber() {
  sub_.set(zmq::sockopt::subscribe, "");
  sub_.set(zmq::sockopt::rcvtimeo, 200);
  sub_.bind("tcp://127.0.0.1:*");
  endpoint_ = sub_.get(zmq::sockopt::last_endpoint);
}

std::vector<std::string> BridgeSubscriber::BridgeArgs(const std::string& source,
                                                      std::uint64_t epoch,
                                                      bool wait_for_subscriber) const {
  std::vector<std::string> args{"--publish",
                                "connect:" + endpoint_,
                                "--source",
                                source,
                                "--source-epoch",
                                std::to_string(epoch),
                                "--heartbeat-interval",
                                "100ms",
                                "--reconnect-min",
                                "50ms",
                                "--reconnect-max",
                                "200ms"};
  if (wait_for_subscriber) {
    args.push_back("--wait-for-subscriber");
    args.push_back("20s");
  }
  return args;
}

void BridgeSubscriber::ReceiveUntil(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done() && std::chrono::steady_clock::now() < deadline) ReceiveOne();
}

bool BridgeSubscriber::ReceiveOne() {
  zmq::message_t topic;
  zmq::message_t body;
  if (!sub_.recv(topic)) return false;
  EXPECT_TRUE(sub_.recv(body));
  ReceivedEnvelope r;
  r.topic = topic.to_string();
  EXPECT_TRUE(r.envelope.ParseFromArray(body.data(), static_cast<int>(body.size())));
  received_.push_back(std::move(r));
  return true;
}

void BridgeSubscriber::ReceiveRest() {
  while (ReceiveOne()) {
  }
}

std::vector<const v1::Envelope*> BridgeSubscriber::Events() const {
  std::vector<const v1::Envelope*> out;
  for (const auto& r : received_) {
    if (!r.envelope.has_heartbeat()) out.push_back(&r.envelope);
  }
  return out;
}

std::vector<std::string> BridgeSubscriber::ConnectionStates() const {
  std::vector<std::string> out;
  for (const auto& r : received_) {
    if (!r.envelope.has_heartbeat()) continue;
    const std::string s = v1::AcdConnection_Name(r.envelope.heartbeat().acd_connection());
    if (out.empty() || out.back() != s) out.push_back(s);
  }
  if (!out.empty() && out.front() == "ACD_CONNECTION_DOWN") out.erase(out.begin());
  return out;
}

void BridgeSubscriber::ExpectGaplessNumbering(const std::string& source,
                                              std::uint64_t epoch) const {
  std::map<std::string, std::uint64_t> last;
  for (const auto& r : received_) {
    EXPECT_EQ(r.envelope.source(), source);
    EXPECT_EQ(r.envelope.source_epoch(), epoch);
    EXPECT_EQ(r.envelope.seq(), ++last[r.topic]) << r.topic;
    if (r.envelope.has_heartbeat()) {
      for (const auto& p : r.envelope.heartbeat().positions()) {
        EXPECT_EQ(p.last_seq(), last[p.topic()]) << p.topic();
      }
    }
  }
}

}  // namespace ccmon::testing
