#include "daemon/app/app.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/post.hpp>
#include <csignal>
#include <iostream>

#include "common/logging.h"

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
      systemd_(io_, SystemdNotifier::FromEnvironment()) {}

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
  metrics_ = std::make_unique<web::MetricsEndpoint>([this] { return engine_->Collect(); });
  metrics_->Register(*http_);
  web::RegisterHealthEndpoints(*http_, [this] { return ready_; });
  web::RegisterLandingPage(*http_);
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
}

int Main(int argc, char** argv) {
  CLI::App cli{
      "ccmond: real-time call-center monitoring daemon (ZeroMQ events in, Prometheus out)"};
  std::string config_file;
  std::string listen_address;
  std::string log_level;
  std::vector<std::string> subscribe;
  bool check_config = false;
  bool version = false;
  cli.add_option("--config.file", config_file, "YAML configuration file");
  cli.add_option("--web.listen-address", listen_address,
                 "Address to serve /metrics on (overrides web.listen_address), e.g. :9464");
  cli.add_option("--log.level", log_level, "debug, info, warn or error (overrides log.level)");
  cli.add_option("--subscribe", subscribe,
                 "Connect to this event endpoint (repeatable; replaces the configured "
                 "subscriptions), e.g. tcp://127.0.0.1:5556, or with the bridge's replay "
                 "endpoint: tcp://127.0.0.1:5556,replay=tcp://127.0.0.1:5557");
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

  config::Config config;
  if (!config_file.empty()) {
    auto loaded = config::LoadConfigFile(config_file);
    if (!loaded.ok()) {
      std::cerr << "ccmond: bad configuration: " << loaded.status().message() << "\n";
      return 1;
    }
    config = std::move(loaded).value();
  }
  if (!listen_address.empty()) config.listen_address = listen_address;
  if (!log_level.empty()) config.log_level = log_level;
  if (!subscribe.empty()) {
    config.subscriptions.clear();
    for (const auto& flag : subscribe) {
      auto sub = config::ParseSubscribeFlag(flag);
      if (!sub.ok()) {
        std::cerr << "ccmond: bad --subscribe: " << sub.status().message() << "\n";
        return 1;
      }
      config.subscriptions.push_back(std::move(sub).value());
    }
  }
  if (config.subscriptions.empty()) {
    config::Subscription fallback;
    fallback.endpoint = "tcp://127.0.0.1:5556";
    config.subscriptions.push_back(std::move(fallback));
  }
  if (auto l = web::ParseListenAddress(config.listen_address); !l.ok()) {
    std::cerr << "ccmond: bad --web.listen-address: " << l.status().message() << "\n";
    return 1;
  }
  if (check_config) {
    std::cout << "ccmond: configuration OK (" << config.queues.size() << " queues, "
              << config.subscriptions.size() << " subscriptions)\n";
    return 0;
  }
  if (auto s = ConfigureLogging(config.log_level, config.log_format); !s.ok()) {
    std::cerr << "ccmond: " << s.message() << "\n";
    return 1;
  }
  config.collectors.version = CCMON_VERSION;

  WallClock clock;
  App app(std::move(config), &clock);
  if (auto s = app.Start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return 1;
  }
  app.Run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace ccmon::app
