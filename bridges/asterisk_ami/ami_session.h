// The AMI session on top of a TcpClient: login, event filter, QueueStatus, keep-alive pings, and
// the framing and mapping of everything Asterisk sends.
//
// On every connection: send Login (Username, Secret, Events = the read classes wanted); on
// "Response: Success" the session is up (the observer is told, the backoff is reset), then it adds
// the session event filters (Action: Filter, needs write=system; refused filters are only logged)
// and asks QueueStatus so the Mapper learns the members and the callers already waiting. While up
// it sends a Ping every ping interval (the client's idle timeout closes a dead connection). A
// login "Response: Error" is fatal (the credentials will not fix themselves). Everything received
// goes through the Framer into the Mapper, responses included, so that every input is counted.
//
// The client is set with Attach() (bridges::PlatformSession) before it runs.
//
// Threading: runs on the TcpClient's Run() thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/asterisk_ami/ami_framer.h"
#include "bridges/asterisk_ami/ami_mapper.h"
#include "bridges/core/socket_bridge.h"
#include "common/clock.h"

namespace ccmon::ami {

struct SessionOptions {
  std::string username;
  std::string secret;  // Never logged.
  // The Login action's Events header: the read classes to receive ("on" = all the user may read).
  std::string events = "agent,call,dialplan,dtmf";
  // Session filters (regular expressions over the event text) added after the login; empty = none.
  std::vector<std::string> filters;
  bool queue_status = true;
  std::int64_t ping_interval_ms = 10'000;     // 0 = no pings.
  std::int64_t login_timeout_ms = 10'000;     // Connected but not logged in after this: reconnect.
  std::int64_t summary_interval_ms = 60'000;  // How often the input outcome counts are logged.
};

// The filters the bridge asks for by default: the queue and agent events it maps, the caller
// channel's hang-up and DTMF events, and the QUEUESTATUS variable (docs/bridges/asterisk-ami.md).
std::vector<std::string> DefaultEventFilters();

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

  bool logged_in() const { return state_ == State::kLoggedIn; }
  std::uint64_t logins() const { return logins_; }
  // The banner of the current (or last) connection, e.g. "5.0.1"; empty if none was sent.
  const std::string& banner() const { return banner_; }

 private:
  enum class State { kDisconnected, kAwaitLogin, kLoggedIn };

  void OnItem(Item& item);
  void OnResponse(const Message& m);
  void SendAction(std::string_view action, const std::vector<Header>& headers,
                  std::string* action_id);
  void LogSummary(std::string_view when);

  SessionOptions options_;
  Mapper* mapper_;
  const Clock* clock_;
  bridges::SessionObserver* observer_;
  Framer framer_;
  State state_ = State::kDisconnected;
  std::uint64_t next_action_ = 1;
  std::string login_action_;
  std::vector<std::string> filter_actions_;
  std::string banner_;
  std::uint64_t logins_ = 0;
  UnixMs connected_at_ = 0;
  UnixMs last_ping_ = 0;
};

}  // namespace ccmon::ami
