// MetricsEndpoint: the Prometheus scrape endpoint (/metrics), plus the small fixed endpoints
// every exporter has: /-/healthy, /-/ready and a landing page at /.
//
// The app wires a MetricsEndpoint to the collectors' render function and registers it on the
// HttpServer. A scrape runs on the engine thread (the server shares the engine's io_context), so
// the collect callback reads engine state directly and sees one consistent instant. The text is
// prometheus-cpp's TextSerializer output (exposition format 0.0.4), gzip-encoded when the scraper
// asks for it. Threading: construct anywhere; Register() before the server starts; everything else
// on the io_context thread.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <streambuf>
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
};

class MetricsEndpoint {
 public:
  using CollectFn = std::function<std::vector<prometheus::MetricFamily>()>;

  // `collect` returns the families of one scrape; it runs on the engine thread for each scrape
  // (including HEAD). If it throws, the scrape is answered 500.
  explicit MetricsEndpoint(CollectFn collect, MetricsEndpointOptions options = {});
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // Serves GET (and HEAD) on `path`. The endpoint must outlive the server's Stop().
  void Register(HttpServer& server, std::string path = "/metrics");

  // Answers one scrape: the serialized families with the Prometheus text content type; gzip
  // with Content-Encoding: gzip when the request's Accept-Encoding prefers it (PrefersGzip);
  // always Vary: Accept-Encoding. The serialization and compression buffers are reused from one
  // scrape to the next.
  Response Handle(const Request& request);

  std::uint64_t scrapes() const { return scrapes_; }

 private:
  // A streambuf that appends to a std::string, so the serializer writes straight into a buffer
  // whose capacity survives between scrapes (an ostringstream would start from empty each time).
  class StringSink : public std::streambuf {
   public:
    explicit StringSink(std::string* out) : out_(out) {}

   protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;

   private:
    std::string* out_;
  };

  CollectFn collect_;
  MetricsEndpointOptions options_;
  prometheus::TextSerializer serializer_;
  std::string text_;
  std::string compressed_;
  StringSink sink_{&text_};
  GzipEncoder gzip_;
  std::uint64_t scrapes_ = 0;
};

// Serves GET /-/healthy (always 200 "Healthy": the engine thread answered) and GET /-/ready
// (200 "Ready" when `ready` returns true, else 503 "Not ready"; an empty `ready` means always
// ready). `ready` runs on the engine thread.
void RegisterHealthEndpoints(HttpServer& server, std::function<bool()> ready);

// Serves GET / with a small HTML page that links the metrics and health endpoints. The wallboard
// replaces it later by routing "/" itself.
void RegisterLandingPage(HttpServer& server, std::string_view metrics_path = "/metrics");

}  // namespace ccmon::web
