// App: wires ccmond together and owns its lifecycle — the io_context (the engine thread), the
// signals, the ingest thread, the HTTP server and the Engine (the Asio examples' pattern: one
// object owns the event loop and the signals; main is thin).
//
// Threading: construct, Start() and Run() on the main thread, which becomes the engine thread.
// Shutdown() may be called from any thread (it posts to the engine thread); SIGINT/SIGTERM call it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "daemon/app/engine.h"
#include "daemon/app/systemd_notify.h"
#include "daemon/config/config.h"
#include "daemon/export/http_server.h"
#include "daemon/export/metrics_endpoint.h"
#include "daemon/ingest/subscriber.h"

namespace ccmon::app {

class App {
 public:
  App(config::Config config, const Clock* wall_clock);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Binds HTTP, subscribes, installs signal handlers. On failure nothing keeps running.
  Status Start();

  // Runs the engine thread until Shutdown() (or a signal) and returns when everything stopped.
  void Run();

  // Stops ingest and HTTP; Run() returns once pending work is done. Any thread; idempotent.
  void Shutdown();

  // Loads the configuration again (the file and the command line's overrides), for reloads.
  using ConfigLoader = std::function<Result<config::Config>()>;
  // Enables reloads on SIGHUP and, with `http_reload`, on POST /-/reload (otherwise that answers
  // 403, as Prometheus does without --web.enable-lifecycle). Call before Start().
  void EnableReload(ConfigLoader loader, bool http_reload);

  // Reloads the configuration (daemon/app/reload.h says what changes at once and what needs a
  // restart). A file that does not load changes nothing. Engine thread.
  Status Reload(std::string_view trigger);

  // The bound HTTP address ("127.0.0.1:9464") and port, after Start().
  std::string http_address() const { return http_->local_address(); }
  std::uint16_t http_port() const { return http_->port(); }
  // Subscription endpoints as resolved (binds to port 0 give their port), after Start().
  const std::vector<std::string>& subscription_endpoints() const {
    return subscriber_->endpoints();
  }

  boost::asio::io_context& io_context() { return io_; }
  const Engine& engine() const { return *engine_; }

 private:
  void StopOnEngineThread();
  void WaitForReloadSignal();
  // Engine families plus the app's own (reload status).
  std::vector<prometheus::MetricFamily> Collect() const;

  config::Config config_;
  const Clock* wall_clock_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  SystemdNotifications systemd_;  // READY/WATCHDOG/STOPPING; no-op without $NOTIFY_SOCKET.
  zmq::context_t zmq_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ingest::Subscriber> subscriber_;
  std::unique_ptr<web::HttpServer> http_;
  std::unique_ptr<web::MetricsEndpoint> metrics_;
  bool ready_ = false;
  bool stopped_ = false;

  // Reloads (ccmond_config_* metrics).
  boost::asio::signal_set reload_signals_;
  ConfigLoader loader_;
  bool http_reload_ = false;
  bool last_reload_ok_ = true;
  double last_reload_success_s_ = 0;  // Start-up counts as the first successful load.
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
  bool restart_required_ = false;
};

// The whole of ccmond's main(): flags, config, logging, run. Returns the process exit code.
int Main(int argc, char** argv);

}  // namespace ccmon::app
