#include "bridges/asterisk_ami/ami_session.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace ccmon::ami {

std::vector<std::string> DefaultEventFilters() {
  // A whitelist filter matches anywhere in the event text; several are OR'ed. Responses are never
  // filtered. "Event: Agent" also admits AgentLogin/AgentLogoff (counted as ignored).
  return {
      "Event: (QueueCaller|Join|Leave|Agent|QueueMember|QueueEntry|QueueStatusComplete|"
      "HangupRequest|SoftHangupRequest|Hangup|DTMFEnd|DTMF)",
      "Variable: QUEUESTATUS",
  };
}

Session::Session(SessionOptions options, Mapper* mapper, const Clock* clock,
                 bridges::SessionObserver* observer)
    : options_(std::move(options)), mapper_(mapper), clock_(clock), observer_(observer) {}

void Session::SendAction(std::string_view action, const std::vector<Header>& headers,
                         std::string* action_id) {
  const std::string id = "ccmon-" + std::to_string(next_action_++);
  std::string text;
  text.reserve(128);
  text.append("Action: ").append(action).append("\r\n");
  text.append("ActionID: ").append(id).append("\r\n");
  for (const Header& h : headers) text.append(h.key).append(": ").append(h.value).append("\r\n");
  text.append("\r\n");
  client_->Send(std::move(text));
  if (action_id != nullptr) *action_id = id;
}

void Session::OnConnected() {
  framer_.Reset();
  banner_.clear();
  filter_actions_.clear();
  state_ = State::kAwaitLogin;
  connected_at_ = clock_->NowMs();
  // Asterisk reads actions as soon as the connection is open; the banner need not come first.
  SendAction(
      "Login",
      {{"Username", options_.username}, {"Secret", options_.secret}, {"Events", options_.events}},
      &login_action_);
}

void Session::OnData(std::string_view bytes) {
  framer_.Feed(bytes, [this](Item& item) { OnItem(item); });
}

void Session::OnItem(Item& item) {
  if (item.kind == ItemKind::kBanner) banner_ = item.text;
  if (item.kind == ItemKind::kMessage && EqualsIgnoreCase(item.message.FirstKey(), "Response")) {
    OnResponse(item.message);
  }
  mapper_->Consume(item, clock_->NowMs());
}

void Session::OnResponse(const Message& m) {
  const std::string_view id = m.Get("ActionID");
  const bool success = EqualsIgnoreCase(m.Get("Response"), "Success");
  if (state_ == State::kAwaitLogin && (id == login_action_ || id.empty())) {
    if (!success) {
      const std::string why(m.Get("Message"));
      spdlog::error("asterisk-ami: login as {} rejected: {}", options_.username,
                    why.empty() ? "no reason given" : why);
      state_ = State::kDisconnected;
      observer_->OnSessionFatal(Status::InvalidArgument(
          "AMI login as " + options_.username + " rejected" + (why.empty() ? "" : ": " + why)));
      return;
    }
    state_ = State::kLoggedIn;
    ++logins_;
    last_ping_ = clock_->NowMs();
    client_->ResetBackoff();
    spdlog::info("asterisk-ami: logged in to {} as {}{}", client_->target(), options_.username,
                 banner_.empty() ? "" : " (Asterisk Call Manager/" + banner_ + ")");
    observer_->OnSessionUp();
    for (const std::string& filter : options_.filters) {
      std::string filter_id;
      SendAction("Filter", {{"Operation", "Add"}, {"Filter", filter}}, &filter_id);
      filter_actions_.push_back(std::move(filter_id));
    }
    if (options_.queue_status) {
      std::string status_id;
      SendAction("QueueStatus", {}, &status_id);
      mapper_->BeginQueueStatus(status_id);
    }
    return;
  }
  if (!success) {
    for (const std::string& filter_id : filter_actions_) {
      if (id == filter_id) {
        spdlog::warn(
            "asterisk-ami: the event filter was refused ({}); every event the user may read "
            "arrives (grant write=system, or set eventfilter in manager.conf)",
            m.Get("Message"));
      }
    }
  }
}

void Session::OnDisconnected(const std::string& reason) {
  framer_.Finish([this](Item& item) { mapper_->Consume(item, clock_->NowMs()); });
  mapper_->OnConnectionLost(clock_->NowMs());
  const bool was_up = state_ == State::kLoggedIn;
  state_ = State::kDisconnected;
  LogSummary("connection closed (" + reason + ")");
  if (was_up) observer_->OnSessionDown();
}

void Session::OnTick() {
  const UnixMs now = clock_->NowMs();
  mapper_->Expire(now);
  if (state_ == State::kAwaitLogin && now - connected_at_ > options_.login_timeout_ms) {
    client_->Disconnect("no login response within " + std::to_string(options_.login_timeout_ms) +
                        " ms");
  }
  if (state_ == State::kLoggedIn && options_.ping_interval_ms > 0 &&
      now - last_ping_ >= options_.ping_interval_ms) {
    last_ping_ = now;
    SendAction("Ping", {}, nullptr);
  }
  if (PeriodicSummaryDue(now, options_.summary_interval_ms)) LogSummary("periodic");
  observer_->OnSessionTick(state_ == State::kLoggedIn);
}

void Session::LogSummary(std::string_view when) {
  const MapperStats& s = mapper_->stats();
  spdlog::info(
      "asterisk-ami: {}: inputs {}; envelopes={} abandons_by_hangup={} exits_by_queue_status={} "
      "exits_by_deadline={} exits_reconciled={} calls_ended_reconciled={} calls={} agents={}",
      when, mapper_->counts().Summary(), s.envelopes, s.abandons_by_hangup, s.exits_by_queue_status,
      s.exits_by_deadline, s.exits_reconciled, s.calls_ended_reconciled, mapper_->calls(),
      mapper_->agents());
}

}  // namespace ccmon::ami
