#include "daemon/export/metrics_endpoint.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "daemon/export/http_metrics.h"
#include "daemon/export/text_format.h"

namespace ccmon::web {
namespace {

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Links relative to the page ("metrics", not "/metrics") keep working behind a reverse proxy that
// serves the daemon under a path prefix.
std::string RelativeLink(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return EscapeHtml(path.empty() ? std::string_view(".") : path);
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(CollectFn collect, MetricsEndpointOptions options)
    : collect_(std::move(collect)), options_(options), gzip_(options.gzip_level) {}

void MetricsEndpoint::Register(HttpServer& server, std::string path) {
  if (options_.http_metrics) server_ = &server;
  server.Route(std::move(path), Methods::Get(),
               [this](const Request& request) { return Handle(request); });
}

Response MetricsEndpoint::Handle(const Request& request) {
  ++scrapes_;
  std::vector<prometheus::MetricFamily> families = collect_();
  if (server_ != nullptr) AppendHttpFamilies(server_->stats(), &families);
  text_.clear();
  AppendTextFormat(families, &text_);

  Response response;
  response.content_type = std::string(kPrometheusTextContentType);
  response.headers.emplace_back("Vary", "Accept-Encoding");
  const std::optional<std::string> accept = request.Header("Accept-Encoding");
  if (options_.allow_gzip && accept && PrefersGzip(*accept)) {
    if (Status s = gzip_.Compress(text_, &compressed_); s.ok()) {
      response.headers.emplace_back("Content-Encoding", "gzip");
      response.body.assign(compressed_);
      return response;
    } else {
      spdlog::error("http: {}; answering the scrape uncompressed", s.ToString());
    }
  }
  response.body.assign(text_);
  return response;
}

void RegisterHealthEndpoints(HttpServer& server, std::function<bool()> ready) {
  server.Route("/-/healthy", Methods::Get(),
               [](const Request&) { return Response::Text(200, "Healthy"); });
  server.Route("/-/ready", Methods::Get(), [ready = std::move(ready)](const Request&) {
    if (!ready || ready()) return Response::Text(200, "Ready");
    return Response::Text(503, "Not ready");
  });
}

void RegisterLandingPage(HttpServer& server, std::string_view metrics_path) {
  std::string page =
      "<!DOCTYPE html>\n"
      "<html lang=\"en\">\n"
      "<head><meta charset=\"utf-8\"><title>ccmond</title></head>\n"
      "<body>\n"
      "<h1>ccmond</h1>\n"
      "<p>Call-center monitoring daemon.</p>\n"
      "<ul>\n"
      "<li><a href=\"" +
      RelativeLink(metrics_path) +
      "\">Metrics</a></li>\n"
      "<li><a href=\"-/healthy\">Health</a></li>\n"
      "<li><a href=\"-/ready\">Readiness</a></li>\n"
      "</ul>\n"
      "</body>\n"
      "</html>\n";
  server.Route("/", Methods::Get(), [page = std::move(page)](const Request&) {
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = page;
    return r;
  });
}

}  // namespace ccmon::web
