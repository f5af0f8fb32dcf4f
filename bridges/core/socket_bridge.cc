#include "bridges/core/socket_bridge.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "bridges/runtime.h"
#include "common/caller_key.h"

namespace ccmon::bridges {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::string TenantName(const OutputOptions& output) {
  return output.tenant.empty() ? "default" : output.tenant;
}

}  // namespace

void AddSocketTargetOptions(CLI::App* cmd, const SocketBridgeHelp& help, SocketBridgeOptions* o) {
  cmd->add_option("--host", o->host, help.host)->capture_default_str();
  cmd->add_option("--port", o->port, help.port)->capture_default_str();
}

void AddSocketBridgeOptions(CLI::App* cmd, std::string_view name, const SocketBridgeHelp& help,
                            SocketBridgeOptions* o) {
  cmd->add_option("--idle-timeout", o->idle_timeout, help.idle_timeout)->capture_default_str();
  cmd->add_option("--connect-timeout", o->connect_timeout, "Timeout of one connection attempt")
      ->capture_default_str();
  cmd->add_option("--reconnect-min", o->reconnect_min, "First reconnection delay")
      ->capture_default_str();
  cmd->add_option("--reconnect-max", o->reconnect_max,
                  "Largest reconnection delay (the delay doubles up to it)")
      ->capture_default_str();
  cmd->add_option("--decision-hold", o->decision_hold, help.decision_hold)->capture_default_str();
  cmd->add_option("--summary-interval", o->summary_interval,
                  "How often the input outcome counts are logged (0 = only at exit)")
      ->capture_default_str();
  cmd->add_flag("--dry-run", o->dry_run,
                "Check the options and files, print the effective configuration and exit");
  o->output.source = std::string(name);
  AddOutputOptions(cmd, &o->output);
}

Result<SocketBridgeTiming> ParseSocketBridgeTiming(const SocketBridgeOptions& o) {
  SocketBridgeTiming t;
  struct Field {
    const char* flag;
    const std::string* text;
    std::int64_t* out;
    bool positive;
  };
  const Field fields[] = {
      {"--idle-timeout", &o.idle_timeout, &t.idle_ms, false},
      {"--connect-timeout", &o.connect_timeout, &t.connect_ms, true},
      {"--reconnect-min", &o.reconnect_min, &t.reconnect_min_ms, true},
      {"--reconnect-max", &o.reconnect_max, &t.reconnect_max_ms, true},
      {"--decision-hold", &o.decision_hold, &t.decision_hold_ms, false},
      {"--summary-interval", &o.summary_interval, &t.summary_ms, false},
  };
  for (const Field& f : fields) {
    auto v = ParseDurationMs(*f.text);
    if (!v.ok()) return Status::InvalidArgument(std::string(f.flag) + ": " + v.status().message());
    if (f.positive && *v <= 0) return Status::InvalidArgument(std::string(f.flag) + " must be > 0");
    *f.out = *v;
  }
  if (t.reconnect_max_ms < t.reconnect_min_ms) {
    return Status::InvalidArgument("--reconnect-max must not be below --reconnect-min");
  }
  if (o.port == 0) return Status::InvalidArgument("--port must not be 0");
  if (o.output.source.empty()) return Status::InvalidArgument("--source must not be empty");
  return t;
}

int FinishDryRun(std::string_view name, const OutputOptions& output, const std::string& details) {
  if (auto hb = ParseDurationMs(output.heartbeat_interval); !hb.ok()) {
    spdlog::error("{}: --heartbeat-interval: {}", name, hb.status().message());
    return 2;
  }
  if (!output.caller_key_file.empty()) {
    if (auto key = CallerKeyHasher::ReadKeyFile(output.caller_key_file); !key.ok()) {
      spdlog::error("{}: --caller-key-file: {}", name, key.status().message());
      return 2;
    }
  }
  std::printf("%.*s: configuration OK\n%s  publish: %s as source %s (tenant %s, heartbeat %s)\n",
              static_cast<int>(name.size()), name.data(), details.c_str(),
              Join(output.publish).c_str(), output.source.c_str(), TenantName(output).c_str(),
              output.heartbeat_interval.c_str());
  return 0;
}

std::string DescribeTiming(const SocketBridgeOptions& o) {
  return "idle timeout " + o.idle_timeout + ", connect timeout " + o.connect_timeout +
         ", reconnect " + o.reconnect_min + ".." + o.reconnect_max + ", decision hold " +
         o.decision_hold;
}

// Reports the session through the output's heartbeats and stops the client on a stop request or
// a fatal error.
class SocketBridgeLoop::Observer final : public SessionObserver {
 public:
  Observer(const std::string& name, BridgeOutput* output) : name_(name), output_(output) {}
  void Attach(TcpClient* client) { client_ = client; }

  void OnSessionUp() override { Report(output_->Heartbeat(v1::ACD_CONNECTION_UP)); }
  // At once, so the daemon logs this source's agents out without waiting for the next tick.
  void OnSessionDown() override { Report(output_->Heartbeat(v1::ACD_CONNECTION_DOWN)); }
  void OnSessionTick(bool up) override {
    if (StopRequested() && !stopping_) {
      spdlog::info("{}: stop requested", name_);
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
    if (!s.ok()) spdlog::warn("{}: heartbeat not published: {}", name_, s.message());
  }

  const std::string& name_;
  BridgeOutput* output_;
  TcpClient* client_ = nullptr;
  bool stopping_ = false;
  std::optional<Status> fatal_;
};

SocketBridgeLoop::SocketBridgeLoop(std::string name, const SocketBridgeOptions& options,
                                   const SocketBridgeTiming& timing)
    : name_(std::move(name)), options_(options), timing_(timing) {}

SocketBridgeLoop::~SocketBridgeLoop() = default;

int SocketBridgeLoop::Open() {
  auto output = BridgeOutput::Create(options_.output, HeartbeatTime::kWallClock, wall_clock_);
  if (!output.ok()) {
    spdlog::error("{}: {}", name_, output.status().message());
    return output.status().code() == StatusCode::kUnavailable ? 1 : 2;
  }
  output_ = std::move(output).value();
  observer_ = std::make_unique<Observer>(name_, output_.get());
  return 0;
}

SessionObserver* SocketBridgeLoop::observer() { return observer_.get(); }

int SocketBridgeLoop::Run(PlatformSession* session, std::string_view login) {
  TcpClientOptions client_options;
  client_options.host = options_.host;
  client_options.port = options_.port;
  client_options.connect_timeout_ms = timing_.connect_ms;
  client_options.reconnect_initial_ms = timing_.reconnect_min_ms;
  client_options.reconnect_max_ms = timing_.reconnect_max_ms;
  client_options.idle_timeout_ms = timing_.idle_ms;
  client_options.log_name = name_;
  TcpClient client(client_options, session);
  session->Attach(&client);
  observer_->Attach(&client);

  spdlog::info(
      "ccmon-bridge {}: connecting to {}{}; publishing on {} as source={} epoch={} tenant={}",
      name_, client.target(), login, Join(output_->publisher().endpoints()), options_.output.source,
      output_->publisher().sequencer().source_epoch(), TenantName(options_.output));
  client.Run();

  // The last heartbeat carries every topic's last seq; the connection is closed now.
  if (Status s = output_->Heartbeat(v1::ACD_CONNECTION_DOWN); !s.ok()) {
    spdlog::warn("{}: final heartbeat not published: {}", name_, s.message());
  }
  spdlog::info("{}: exiting: inputs {}; envelopes published {}", name_,
               session->input_counts().Summary(), output_->events_published());
  if (observer_->fatal()) {
    spdlog::error("{}: {}", name_, observer_->fatal()->message());
    return 2;
  }
  return 0;
}

}  // namespace ccmon::bridges
