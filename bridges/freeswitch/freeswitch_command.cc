#include "bridges/freeswitch/freeswitch_command.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>

#include "bridges/core/tcp_client.h"
#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_session.h"
#include "bridges/runtime.h"
#include "common/caller_key.h"

namespace ccmon::freeswitch {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

// Reports the session through the output's heartbeats and stops the client on a stop request or
// a fatal error.
class HeartbeatObserver final : public bridges::SessionObserver {
 public:
  explicit HeartbeatObserver(bridges::BridgeOutput* output) : output_(output) {}
  void Attach(bridges::TcpClient* client) { client_ = client; }

  void OnSessionUp() override { Report(output_->Heartbeat(v1::ACD_CONNECTION_UP)); }
  // At once, so the daemon logs this source's agents out without waiting for the next tick.
  void OnSessionDown() override { Report(output_->Heartbeat(v1::ACD_CONNECTION_DOWN)); }
  void OnSessionTick(bool up) override {
    if (bridges::StopRequested() && !stopping_) {
      spdlog::info("freeswitch: stop requested");
      stopping_ = true;
      client_->Stop();
      return;
    }
    Report(output_->Tick(up ? v1::ACD_CONNECTION_UP : v1::ACD_CONNECTION_DOWN));
  }
  void OnSessionFatal(const Status& status) override {
    fatal_ = status;
    stopping_ = true;
    client_->Stop();
  }
  const std::optional<Status>& fatal() const { return fatal_; }

 private:
  void Report(const Status& s) {
    if (!s.ok()) spdlog::warn("freeswitch: heartbeat not published: {}", s.message());
  }

  bridges::BridgeOutput* output_;
  bridges::TcpClient* client_ = nullptr;
  bool stopping_ = false;
  std::optional<Status> fatal_;
};

struct Durations {
  std::int64_t idle = 0;
  std::int64_t connect = 0;
  std::int64_t reconnect_min = 0;
  std::int64_t reconnect_max = 0;
  std::int64_t decision_hold = 0;
  std::int64_t summary = 0;
};

Status ParseDurations(const FreeswitchOptions& o, Durations* d) {
  struct Field {
    const char* flag;
    const std::string* text;
    std::int64_t* out;
    bool positive;
  };
  const Field fields[] = {
      {"--idle-timeout", &o.idle_timeout, &d->idle, false},
      {"--connect-timeout", &o.connect_timeout, &d->connect, true},
      {"--reconnect-min", &o.reconnect_min, &d->reconnect_min, true},
      {"--reconnect-max", &o.reconnect_max, &d->reconnect_max, true},
      {"--decision-hold", &o.decision_hold, &d->decision_hold, false},
      {"--summary-interval", &o.summary_interval, &d->summary, false},
  };
  for (const Field& f : fields) {
    auto v = bridges::ParseDurationMs(*f.text);
    if (!v.ok()) return Status::InvalidArgument(std::string(f.flag) + ": " + v.status().message());
    if (f.positive && *v <= 0) return Status::InvalidArgument(std::string(f.flag) + " must be > 0");
    *f.out = *v;
  }
  if (d->reconnect_max < d->reconnect_min) {
    return Status::InvalidArgument("--reconnect-max must not be below --reconnect-min");
  }
  if (o.port == 0) return Status::InvalidArgument("--port must not be 0");
  if (o.password_file.empty()) return Status::InvalidArgument("--password-file is required");
  if (o.output.source.empty()) return Status::InvalidArgument("--source must not be empty");
  return Status::Ok();
}

}  // namespace

CLI::App* AddFreeswitchCommand(CLI::App& app, FreeswitchOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "freeswitch",
      "Publish the mod_callcenter events of FreeSWITCH read over the event socket (TCP 8021)");
  cmd->add_option("--host", o->host, "FreeSWITCH host name or address")->capture_default_str();
  cmd->add_option("--port", o->port, "Event socket port")->capture_default_str();
  cmd->add_option("--password-file", o->password_file,
                  "File holding the event socket password (never on the command line)");
  cmd->add_option("--idle-timeout", o->idle_timeout,
                  "Reconnect when nothing arrived for this long; HEARTBEAT events are subscribed "
                  "to keep a quiet socket busy (0 = never, and no HEARTBEAT)")
      ->capture_default_str();
  cmd->add_option("--connect-timeout", o->connect_timeout, "Timeout of one connection attempt")
      ->capture_default_str();
  cmd->add_option("--reconnect-min", o->reconnect_min, "First reconnection delay")
      ->capture_default_str();
  cmd->add_option("--reconnect-max", o->reconnect_max,
                  "Largest reconnection delay (the delay doubles up to it)")
      ->capture_default_str();
  cmd->add_option("--decision-hold", o->decision_hold,
                  "How long a BREAK_OUT with the caller still up waits for the caller to enter "
                  "another queue")
      ->capture_default_str();
  cmd->add_option("--summary-interval", o->summary_interval,
                  "How often the input outcome counts are logged (0 = only at exit)")
      ->capture_default_str();
  cmd->add_flag("--dry-run", o->dry_run,
                "Check the options and files, print the effective configuration and exit");
  o->output.source = "freeswitch";
  bridges::AddOutputOptions(cmd, &o->output);
  return cmd;
}

int RunFreeswitch(const FreeswitchOptions& options) {
  Durations d;
  if (Status s = ParseDurations(options, &d); !s.ok()) {
    spdlog::error("freeswitch: {}", s.message());
    return 2;
  }
  auto password = bridges::ReadSecretFile(options.password_file);
  if (!password.ok()) {
    spdlog::error("freeswitch: --password-file: {}", password.status().message());
    return 2;
  }

  SessionOptions session_options;
  session_options.password = *password;
  session_options.heartbeats = d.idle > 0;
  session_options.summary_interval_ms = d.summary;

  bridges::TcpClientOptions client_options;
  client_options.host = options.host;
  client_options.port = options.port;
  client_options.connect_timeout_ms = d.connect;
  client_options.reconnect_initial_ms = d.reconnect_min;
  client_options.reconnect_max_ms = d.reconnect_max;
  client_options.idle_timeout_ms = d.idle;
  client_options.log_name = "freeswitch";

  if (options.dry_run) {
    std::string subscription = SubscriptionCommand(session_options.heartbeats);
    subscription.resize(subscription.size() - 2);  // Without the "\n\n" that ends the command.
    if (auto hb = bridges::ParseDurationMs(options.output.heartbeat_interval); !hb.ok()) {
      spdlog::error("freeswitch: --heartbeat-interval: {}", hb.status().message());
      return 2;
    }
    if (!options.output.caller_key_file.empty()) {
      if (auto key = CallerKeyHasher::ReadKeyFile(options.output.caller_key_file); !key.ok()) {
        spdlog::error("freeswitch: --caller-key-file: {}", key.status().message());
        return 2;
      }
    }
    std::printf(
        "freeswitch: configuration OK\n"
        "  connect: %s:%u (subscription: %s)\n"
        "  timing: idle timeout %s, connect timeout %s, reconnect %s..%s, decision hold %s\n"
        "  publish: %s as source %s (tenant %s, heartbeat %s)\n",
        options.host.c_str(), options.port, subscription.c_str(), options.idle_timeout.c_str(),
        options.connect_timeout.c_str(), options.reconnect_min.c_str(),
        options.reconnect_max.c_str(), options.decision_hold.c_str(),
        Join(options.output.publish).c_str(), options.output.source.c_str(),
        options.output.tenant.empty() ? "default" : options.output.tenant.c_str(),
        options.output.heartbeat_interval.c_str());
    return 0;
  }

  const WallClock wall_clock;
  auto output =
      bridges::BridgeOutput::Create(options.output, bridges::HeartbeatTime::kWallClock, wall_clock);
  if (!output.ok()) {
    spdlog::error("freeswitch: {}", output.status().message());
    return output.status().code() == StatusCode::kUnavailable ? 1 : 2;
  }
  bridges::BridgeOutput& out = **output;

  MapperOptions mapper_options;
  mapper_options.decision_hold_ms = d.decision_hold;
  Mapper mapper(&out, &out.caller_keys(), mapper_options);
  HeartbeatObserver observer(&out);
  Session session(session_options, &mapper, &wall_clock, &observer);
  bridges::TcpClient client(client_options, &session);
  session.Attach(&client);
  observer.Attach(&client);

  spdlog::info(
      "ccmon-bridge freeswitch: connecting to {}; publishing on {} as source={} epoch={} "
      "tenant={}",
      client.target(), Join(out.publisher().endpoints()), options.output.source,
      out.publisher().sequencer().source_epoch(),
      options.output.tenant.empty() ? "default" : options.output.tenant);
  client.Run();

  // The last heartbeat carries every topic's last seq; the connection is closed now.
  if (Status s = out.Heartbeat(v1::ACD_CONNECTION_DOWN); !s.ok()) {
    spdlog::warn("freeswitch: final heartbeat not published: {}", s.message());
  }
  spdlog::info("freeswitch: exiting: inputs {}; envelopes published {}", mapper.counts().Summary(),
               out.events_published());
  if (observer.fatal()) {
    spdlog::error("freeswitch: {}", observer.fatal()->message());
    return 2;
  }
  return 0;
}

}  // namespace ccmon::freeswitch
