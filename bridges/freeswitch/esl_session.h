// The event-socket session on top of a TcpClient: authentication, the subscription to the
// mod_callcenter events, and the parsing and mapping of every frame FreeSWITCH sends.
//
// On every connection: wait for "Content-Type: auth/request", answer "auth <password>"; on
// "Reply-Text: +OK accepted" subscribe with "event plain [HEARTBEAT] CUSTOM callcenter::info";
// on its +OK the session is up (the observer is told, the backoff reset). HEARTBEAT events
// (every 20 s by default in FreeSWITCH) keep a healthy but quiet socket from hitting the client's
// idle timeout. A -ERR to the password, or a text/rude-rejection (the ACL refused our address),
// is fatal. Every frame, protocol replies included, goes through the Mapper so every input is
// counted.
//
// The client is set with Attach() (bridges::PlatformSession) before it runs.
//
// Threading: runs on the TcpClient's Run() thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bridges/core/socket_bridge.h"
#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_parser.h"
#include "common/clock.h"

namespace ccmon::freeswitch {

struct SessionOptions {
  std::string password;    // Never logged.
  bool heartbeats = true;  // Also subscribe to HEARTBEAT (for the idle timeout).
  std::int64_t login_timeout_ms = 10'000;
  std::int64_t summary_interval_ms = 60'000;
};

// The subscription command the session sends ("event plain … CUSTOM callcenter::info").
std::string SubscriptionCommand(bool heartbeats);

class Session final : public bridges::PlatformSession {
 public:
  // `mapper`, `clock` and `observer` must outlive the session.
  Session(SessionOptions options, Mapper* mapper, const Clock* clock,
          bridges::SessionObserver* observer);

  void OnConnected() override;
  void OnData(std::string_view bytes) override;
  void OnDisconnected(const std::string& reason) override;
  void OnTick() override;
  const bridges::InputCounts& input_counts() const override { return mapper_->counts(); }

  bool up() const { return state_ == State::kUp; }
  std::uint64_t logins() const { return logins_; }

 private:
  enum class State { kDisconnected, kAwaitAuthRequest, kAwaitAuthReply, kAwaitSubscribed, kUp };

  void OnFrame(Frame& frame);
  void Fatal(const std::string& message);
  void LogSummary(std::string_view when);

  SessionOptions options_;
  Mapper* mapper_;
  const Clock* clock_;
  bridges::SessionObserver* observer_;
  EslParser parser_;
  State state_ = State::kDisconnected;
  std::uint64_t logins_ = 0;
  UnixMs connected_at_ = 0;
};

}  // namespace ccmon::freeswitch
