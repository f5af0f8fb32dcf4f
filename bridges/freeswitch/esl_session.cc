#include "bridges/freeswitch/esl_session.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace ccmon::freeswitch {

std::string SubscriptionCommand(bool heartbeats) {
  // Words after CUSTOM are subclasses, so HEARTBEAT must come first.
  return std::string("event plain ") + (heartbeats ? "HEARTBEAT " : "") +
         "CUSTOM callcenter::info\n\n";
}

Session::Session(SessionOptions options, Mapper* mapper, const Clock* clock,
                 bridges::SessionObserver* observer)
    : options_(std::move(options)), mapper_(mapper), clock_(clock), observer_(observer) {}

void Session::OnConnected() {
  parser_.Reset();
  state_ = State::kAwaitAuthRequest;
  connected_at_ = clock_->NowMs();
}

void Session::OnData(std::string_view bytes) {
  parser_.Feed(bytes, [this](Frame& frame) { OnFrame(frame); });
}

void Session::Fatal(const std::string& message) {
  spdlog::error("freeswitch: {}", message);
  state_ = State::kDisconnected;
  observer_->OnSessionFatal(Status::InvalidArgument(message));
}

void Session::OnFrame(Frame& frame) {
  if (frame.kind == FrameKind::kFrame) {
    const std::string_view type = frame.headers.Get("Content-Type");
    const std::string_view reply = frame.headers.Get("Reply-Text");
    const bool ok = reply.substr(0, 3) == "+OK";
    if (EqualsIgnoreCase(type, "auth/request") && state_ == State::kAwaitAuthRequest) {
      client_->Send("auth " + options_.password + "\n\n");
      state_ = State::kAwaitAuthReply;
    } else if (EqualsIgnoreCase(type, "command/reply") && state_ == State::kAwaitAuthReply) {
      if (!ok) {
        Fatal("event socket password rejected (" + std::string(reply) + ")");
      } else {
        client_->Send(SubscriptionCommand(options_.heartbeats));
        state_ = State::kAwaitSubscribed;
      }
    } else if (EqualsIgnoreCase(type, "command/reply") && state_ == State::kAwaitSubscribed) {
      if (!ok) {
        Fatal("event subscription refused (" + std::string(reply) + ")");
      } else {
        state_ = State::kUp;
        ++logins_;
        client_->ResetBackoff();
        spdlog::info("freeswitch: subscribed to callcenter::info on {}", client_->target());
        observer_->OnSessionUp();
      }
    } else if (EqualsIgnoreCase(type, "text/rude-rejection")) {
      std::string why = frame.body;
      while (!why.empty() && (why.back() == '\n' || why.back() == '\r' || why.back() == ' ')) {
        why.pop_back();
      }
      Fatal("the event socket refused this address (apply-inbound-acl): " + why);
    } else if (EqualsIgnoreCase(type, "text/disconnect-notice")) {
      spdlog::warn("freeswitch: the event socket says it disconnects");
    }
  }
  mapper_->Consume(frame, clock_->NowMs());
}

void Session::OnDisconnected(const std::string& reason) {
  parser_.Finish([this](Frame& frame) { mapper_->Consume(frame, clock_->NowMs()); });
  mapper_->OnConnectionLost(clock_->NowMs());
  const bool was_up = state_ == State::kUp;
  state_ = State::kDisconnected;
  LogSummary("connection closed (" + reason + ")");
  if (was_up) observer_->OnSessionDown();
}

void Session::OnTick() {
  const UnixMs now = clock_->NowMs();
  mapper_->Expire(now);
  if (state_ != State::kUp && state_ != State::kDisconnected &&
      now - connected_at_ > options_.login_timeout_ms) {
    client_->Disconnect("not subscribed within " + std::to_string(options_.login_timeout_ms) +
                        " ms");
  }
  if (PeriodicSummaryDue(now, options_.summary_interval_ms)) LogSummary("periodic");
  observer_->OnSessionTick(state_ == State::kUp);
}

void Session::LogSummary(std::string_view when) {
  const MapperStats& s = mapper_->stats();
  spdlog::info(
      "freeswitch: {}: inputs {}; envelopes={} abandons={} breaks_transferred={} "
      "breaks_by_deadline={} members={} agents={}",
      when, mapper_->counts().Summary(), s.envelopes, s.abandons, s.breaks_transferred,
      s.breaks_by_deadline, mapper_->members(), mapper_->agents());
}

}  // namespace ccmon::freeswitch
