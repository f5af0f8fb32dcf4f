// What the integration tests of the live bridges (ccmon-bridge asterisk-ami, freeswitch) receive:
// a ZeroMQ SUB socket bound by the test on 127.0.0.1 port 0, which the bridge connects to, and
// the checks every such test makes on what arrived (events, the ACD connection states of the
// heartbeats, numbering per topic without gaps).
//
// Test-only; one thread drives a BridgeSubscriber. With --wait-for-subscriber the bridge holds its
// first event until the SUB socket has subscribed; the test must then be receiving (a bound
// ZeroMQ socket attaches a new connection only while its thread uses it).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "ccmon/v1/events.pb.h"

namespace ccmon::testing {

struct ReceivedEnvelope {
  std::string topic;
  v1::Envelope envelope;
};

class BridgeSubscriber {
 public:
  // Binds tcp://127.0.0.1:* and subscribes to everything; receives wait at most 200 ms.
  BridgeSubscriber();

  // The bound endpoint, e.g. "tcp://127.0.0.1:40123".
  const std::string& endpoint() const { return endpoint_; }

  // The options that make a live bridge publish here as `source`/`epoch`, with heartbeats every
  // 100 ms, reconnections after 50..200 ms and (if `wait_for_subscriber`) the first event held
  // until this socket has subscribed.
  std::vector<std::string> BridgeArgs(const std::string& source, std::uint64_t epoch,
                                      bool wait_for_subscriber) const;

  // Receives until `done` says so (or 30 s pass); heartbeats are recorded too.
  void ReceiveUntil(const std::function<bool()>& done);
  // Receives one envelope; false after 200 ms without one.
  bool ReceiveOne();
  // Receives until nothing comes for 200 ms (after the bridge exited).
  void ReceiveRest();

  const std::vector<ReceivedEnvelope>& received() const { return received_; }
  // The envelopes that are not heartbeats, in arrival order.
  std::vector<const v1::Envelope*> Events() const;
  // ACD connection states of the heartbeats from the first UP on, consecutive repeats collapsed
  // (heartbeats before the first login, if a tick came first, say DOWN and are left out).
  std::vector<std::string> ConnectionStates() const;
  // Every envelope is from `source`/`epoch`, every topic's seq runs 1, 2, 3, … without gaps, and
  // heartbeats carry those positions (gtest expectations).
  void ExpectGaplessNumbering(const std::string& source, std::uint64_t epoch) const;

 private:
  zmq::context_t ctx_;
  zmq::socket_t sub_{ctx_, zmq::socket_type::sub};
  std::string endpoint_;
  std::vector<ReceivedEnvelope> received_;
};

}  // namespace ccmon::testing
