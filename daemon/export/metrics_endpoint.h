// MetricsEndpoint: the Prometheus scrape endpoint (/metrics), plus the small fixed endpoints
// every exporter has: /-/healthy, /-/ready and a landing page at /.
//
// The app wires a MetricsEndpoint to the collectors' render function and registers it on the
// HttpServer. A scrape runs on the engine thread (the server shares the engine's io_context), so
// the collect callback reads engine state directly and sees one consistent instant. The families
// are those of the collect callback followed, once Register() put the endpoint on a server, by the
// server's own ccmond_http_* counters (http_metrics.h); the text is written by
// AppendTextFormat (text_format.h, exposition format 0.0.4) and gzip-encoded when the scraper asks
// for it. Threading: construct anywhere; Register() before the server starts; everything else on
// the io_context thread.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/export/content_encoding.h"
#include "daemon/export/http_message.h"
#include "daemon/export/http_server.h"

namespace ccmon::web {

inline constexpr std::string_view kPrometheusTextContentType =
    "text/plain; version=0.0.4; charset=utf-8";

struct MetricsEndpointOptions {
  bool allow_gzip = true;  // Off: always answer identity-encoded.
  int gzip_level = 1;      // zlib level; see GzipEncoder.
  // Add the ccmond_http_* families of the server the endpoint is registered on. Off: only the
  // collect callback's families (a second endpoint on the same server; tests of exact text).
  bool http_metrics = true;
};

class MetricsEndpoint {
 public:
  using CollectFn = std::function<std::vector<prometheus::MetricFamily>()>;

  // `collect` returns the families of one scrape; it runs on the engine thread for each scrape
  // (including HEAD). If it throws, the scrape is answered 500.
  explicit MetricsEndpoint(CollectFn collect, MetricsEndpointOptions options = {});
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // Serves GET (and HEAD) on `path`, and from then on adds the server's ccmond_http_* families
  // to every scrape (unless options.http_metrics is off). The endpoint must outlive the server's
  // Stop(), the server the endpoint's last Handle().
  void Register(HttpServer& server, std::string path = "/metrics");

  // Answers one scrape: the families in the text format with the Prometheus text content type;
  // gzip with Content-Encoding: gzip when the request's Accept-Encoding prefers it (PrefersGzip);
  // always Vary: Accept-Encoding. The text and compression buffers are reused from one scrape to
  // the next.
  Response Handle(const Request& request);

  std::uint64_t scrapes() const { return scrapes_; }

 private:
  CollectFn collect_;
  MetricsEndpointOptions options_;
  const HttpServer* server_ = nullptr;  // Set by Register(): whose ccmond_http_* to add.
  std::string text_;
  std::string compressed_;
  GzipEncoder gzip_;
  std::uint64_t scrapes_ = 0;
};

// Serves GET /-/healthy (always 200 "Healthy": the engine thread answered) and GET /-/ready
// (200 "Ready" when `ready` returns true, else 503 "Not ready"; an empty `ready` means always
// ready). `ready` runs on the engine thread.
void RegisterHealthEndpoints(HttpServer& server, std::function<bool()> ready);

// Serves GET / with a small HTML page that links the metrics and health endpoints. ccmond serves
// the wallboard at / instead (RegisterWallboardPage, wallboard_api.h); this page is for servers
// without one.
void RegisterLandingPage(HttpServer& server, std::string_view metrics_path = "/metrics");

}  // namespace ccmon::web
