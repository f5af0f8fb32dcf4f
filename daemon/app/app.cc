#include "daemon/app/app.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/post.hpp>
#include <csignal>
#include <iostream>

#include "common/logging.h"
#include "daemon/app/reload.h"
#include "daemon/export/wallboard_api.h"

#ifndef CCMON_VERSION
#define CCMON_VERSION "dev"
#endif

namespace ccmon::app {

namespace asio = boost::asio;

namespace {

ingest::SubscriberOptions SubscriberOptionsFrom(const config::Config& c) {
  ingest::SubscriberOptions o;
  for (const auto& s : c.subscriptions) {
    o.endpoints.push_back({s.endpoint, s.bind, s.topics, s.replay.endpoint});
  }
  o.rcvhwm = c.rcvhwm;
  o.limits.max_frame_bytes = c.max_frame_bytes;
  o.limits.max_string_bytes = c.max_string_bytes;
  return o;
}

}  // namespace

App::App(config::Config config, const Clock* wall_clock)
    : config_(std::move(config)),
      wall_clock_(wall_clock),
      signals_(io_),
      systemd_(io_, SystemdNotifier::FromEnvironment()),
      reload_signals_(io_),
      last_reload_success_s_(static_cast<double>(wall_clock->NowMs()) / 1000.0) {}

App::~App() {
  if (subscriber_) subscriber_->Stop();
  if (http_) http_->Stop();
}

Status App::Start() {
  auto listen = web::ParseListenAddress(config_.listen_address);
  if (!listen.ok()) return listen.status().WithContext("--web.listen-address");

  engine_ = std::make_unique<Engine>(config_, wall_clock_);

  web::HttpServer::Options http_options;
  http_options.listen_address = *listen;
  http_options.clock = wall_clock_;
  http_ = std::make_unique<web::HttpServer>(io_, http_options);
  metrics_ = std::make_unique<web::MetricsEndpoint>([this] { return Collect(); });
  metrics_->Register(*http_);
  web::RegisterHealthEndpoints(*http_, [this] { return ready_; });
  http_->Route("/-/reload", web::Methods{web::Method::kPost, web::Method::kPut},
               [this](const web::Request&) {
                 if (!loader_ || !http_reload_) {
                   return web::Response::Text(403,
                                              "Lifecycle API is not enabled (start ccmond with "
                                              "--web.enable-lifecycle).\n");
                 }
                 const Status s = Reload("POST /-/reload");
                 if (!s.ok()) return web::Response::Text(500, s.message() + "\n");
                 return web::Response::Text(200, "configuration reloaded\n");
               });
  // The wallboard and its JSON API render from the same collect call as /metrics: one source.
  web::RegisterWallboardPage(*http_);
  web::RegisterWallboardApi(*http_, [this] { return engine_->Collect(); });
  if (auto s = http_->Start(); !s.ok()) return s.WithContext("HTTP");

  subscriber_ = std::make_unique<ingest::Subscriber>(&zmq_, SubscriberOptionsFrom(config_),
                                                     [this](ingest::Batch* batch) {
                                                       // Runs on the ingest thread: hand the batch
                                                       // to the engine thread.
                                                       asio::post(io_, [this, batch] {
                                                         engine_->ApplyBatch(*batch);
                                                         subscriber_->Release(batch);
                                                       });
                                                     });
  if (auto s = subscriber_->Start(); !s.ok()) {
    http_->Stop();
    return s;
  }
  // The Resequencer (engine thread) asks for replays; the ingest thread owns the sockets. Restored
  // checkpoint positions (Resequencer::Restore) belong before this point, once checkpoints exist.
  engine_->SetReplayRequester(
      [this](const ingest::ReplayRequest& r) { subscriber_->RequestReplay(r); });

  if (loader_) {
    reload_signals_.add(SIGHUP);
    WaitForReloadSignal();
  }
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec == asio::error::operation_aborted) return;
    spdlog::info("signal {} received, shutting down", signo);
    StopOnEngineThread();
  });
  // Ready = HTTP listens and every subscription is set up. When checkpoint restore exists
  // (DESIGN.md §5), it completes before this point: /-/ready and systemd's READY=1 both wait
  // for it (a long restore should send EXTEND_TIMEOUT_USEC through systemd_ meanwhile).
  ready_ = true;
  spdlog::info("ccmond {} listening on http://{}/metrics", CCMON_VERSION, http_->local_address());
  for (const auto& ep : subscriber_->endpoints()) spdlog::info("subscribed to {}", ep);
  systemd_.ReadyWhenRunning("serving http://" + http_->local_address() + "/metrics, " +
                            std::to_string(subscriber_->endpoints().size()) + " subscription(s)");
  return Status::Ok();
}

void App::Run() { io_.run(); }

void App::EnableReload(ConfigLoader loader, bool http_reload) {
  loader_ = std::move(loader);
  http_reload_ = http_reload;
}

void App::WaitForReloadSignal() {
  reload_signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec == asio::error::operation_aborted || stopped_) return;
    (void)Reload("SIGHUP");
    WaitForReloadSignal();
  });
}

Status App::Reload(std::string_view trigger) {
  auto loaded = loader_();
  if (loaded.ok()) {
    // Logging is the one part applied outside the engine; check it before changing anything.
    const config::Config& next = *loaded;
    if (next.log_level != config_.log_level || next.log_format != config_.log_format) {
      if (auto s = ConfigureLogging(next.log_level, next.log_format); !s.ok()) {
        loaded = Result<config::Config>(s);
      }
    }
  }
  if (!loaded.ok()) {
    last_reload_ok_ = false;
    ++reloads_failed_;
    spdlog::error("reload ({}) failed, still running the previous configuration: {}", trigger,
                  loaded.status().message());
    return loaded.status();
  }
  const ReloadPlan plan = PlanReload(config_, *loaded);
  config_ = MergeReload(config_, *loaded);
  engine_->Reconfigure(config_);
  last_reload_ok_ = true;
  ++reloads_ok_;
  last_reload_success_s_ = static_cast<double>(wall_clock_->NowMs()) / 1000.0;
  restart_required_ = !plan.restart_required.empty();
  auto join = [](const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
    return out.empty() ? std::string("nothing") : out;
  };
  spdlog::info("reload ({}): configuration reloaded, changed: {}", trigger, join(plan.applied));
  if (restart_required_) {
    spdlog::warn("reload ({}): these settings changed but take effect only after a restart: {}",
                 trigger, join(plan.restart_required));
  }
  return Status::Ok();
}

std::vector<prometheus::MetricFamily> App::Collect() const {
  std::vector<prometheus::MetricFamily> families = engine_->Collect();
  auto gauge = [&](std::string name, std::string help, double value) {
    prometheus::MetricFamily f;
    f.name = std::move(name);
    f.help = std::move(help);
    f.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric m;
    m.gauge.value = value;
    f.metric.push_back(std::move(m));
    families.push_back(std::move(f));
  };
  gauge("ccmond_config_last_reload_successful",
        "Whether the last configuration reload succeeded (1) or failed (0); 1 after start-up.",
        last_reload_ok_ ? 1 : 0);
  gauge("ccmond_config_last_reload_success_timestamp_seconds",
        "When the configuration was last loaded successfully (start-up or reload), Unix time.",
        last_reload_success_s_);
  gauge("ccmond_config_restart_required",
        "1 when the last reload changed settings that take effect only after a restart.",
        restart_required_ ? 1 : 0);
  prometheus::MetricFamily reloads;
  reloads.name = "ccmond_config_reloads_total";
  reloads.help = "Configuration reloads (SIGHUP, POST /-/reload) by result.";
  reloads.type = prometheus::MetricType::Counter;
  for (const auto& [result, n] : {std::pair<const char*, std::uint64_t>{"success", reloads_ok_},
                                  {"failure", reloads_failed_}}) {
    prometheus::ClientMetric m;
    m.label.push_back({"result", result});
    m.counter.value = static_cast<double>(n);
    reloads.metric.push_back(std::move(m));
  }
  families.push_back(std::move(reloads));
  return families;
}

void App::Shutdown() {
  asio::post(io_, [this] { StopOnEngineThread(); });
}

void App::StopOnEngineThread() {
  if (stopped_) return;
  stopped_ = true;
  ready_ = false;
  systemd_.Stopping("stopping");
  // The ingest thread stops first; batches it already posted are still applied by run().
  subscriber_->Stop();
  http_->Stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  reload_signals_.cancel(ignored);
}

namespace {

// What the command line says about the configuration; applied again on every reload.
struct ConfigFlags {
  std::string config_file;
  std::string listen_address;
  std::string log_level;
  std::vector<std::string> subscribe;
};

// The file (if any) with the flags' overrides, checked. Errors name the file or the flag.
Result<config::Config> LoadConfiguration(const ConfigFlags& flags) {
  config::Config config;
  if (!flags.config_file.empty()) {
    auto loaded = config::LoadConfigFile(flags.config_file);
    if (!loaded.ok()) return loaded.status().WithContext("bad configuration");
    config = std::move(loaded).value();
  }
  if (!flags.listen_address.empty()) config.listen_address = flags.listen_address;
  if (!flags.log_level.empty()) config.log_level = flags.log_level;
  if (!flags.subscribe.empty()) {
    config.subscriptions.clear();
    for (const auto& flag : flags.subscribe) {
      auto sub = config::ParseSubscribeFlag(flag);
      if (!sub.ok()) return sub.status().WithContext("bad --subscribe");
      config.subscriptions.push_back(std::move(sub).value());
    }
  }
  if (config.subscriptions.empty()) {
    config::Subscription fallback;
    fallback.endpoint = "tcp://127.0.0.1:5556";
    config.subscriptions.push_back(std::move(fallback));
  }
  if (auto l = web::ParseListenAddress(config.listen_address); !l.ok()) {
    return l.status().WithContext("bad --web.listen-address");
  }
  config.collectors.version = CCMON_VERSION;
  return config;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App cli{
      "ccmond: real-time call-center monitoring daemon (ZeroMQ events in, Prometheus out)"};
  ConfigFlags flags;
  bool check_config = false;
  bool version = false;
  bool enable_lifecycle = false;
  cli.add_option("--config.file", flags.config_file, "YAML configuration file");
  cli.add_option("--web.listen-address", flags.listen_address,
                 "Address to serve /metrics on (overrides web.listen_address), e.g. :9464");
  cli.add_option("--log.level", flags.log_level,
                 "debug, info, warn or error (overrides log.level)");
  cli.add_option("--subscribe", flags.subscribe,
                 "Connect to this event endpoint (repeatable; replaces the configured "
                 "subscriptions), e.g. tcp://127.0.0.1:5556, or with the bridge's replay "
                 "endpoint: tcp://127.0.0.1:5556,replay=tcp://127.0.0.1:5557");
  cli.add_flag("--web.enable-lifecycle", enable_lifecycle,
               "Allow POST /-/reload (SIGHUP always reloads)");
  cli.add_flag("--check-config", check_config, "Check the configuration and exit");
  cli.add_flag("--version", version, "Print the version and exit");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (version) {
    std::cout << "ccmond " << CCMON_VERSION << "\n";
    return 0;
  }

  auto loaded = LoadConfiguration(flags);
  if (!loaded.ok()) {
    std::cerr << "ccmond: " << loaded.status().message() << "\n";
    return 1;
  }
  config::Config config = std::move(loaded).value();
  if (check_config) {
    std::cout << "ccmond: configuration OK (" << config.queues.size() << " queues, "
              << config.subscriptions.size() << " subscriptions)\n";
    return 0;
  }
  if (auto s = ConfigureLogging(config.log_level, config.log_format); !s.ok()) {
    std::cerr << "ccmond: " << s.message() << "\n";
    return 1;
  }

  WallClock clock;
  App app(std::move(config), &clock);
  app.EnableReload([flags] { return LoadConfiguration(flags); }, enable_lifecycle);
  if (auto s = app.Start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return 1;
  }
  app.Run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace ccmon::app
