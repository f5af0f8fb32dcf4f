// The JSON API of the built-in wallboard (/api/v1/wallboard; docs/http.md "JSON API") and the
// wallboard page itself (/ and its assets, compiled into the binary from daemon/web/).
//
// The API is rendered from the very metric families a /metrics scrape renders (the app passes the
// same collect callback as to MetricsEndpoint): every number in it is a sample of a family named
// in docs/http.md, or the quotient of two such samples, so the board and Prometheus cannot
// disagree. Queues appear in the order the collectors render them.
//
// Threading: Register*() before the server starts; the handlers, and `collect`, run on the
// io_context (engine) thread like a scrape. AppendWallboardJson is a pure function.
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/export/http_server.h"

namespace ccmon::web {

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";
inline constexpr std::string_view kWallboardApiPath = "/api/v1/wallboard";

struct WallboardApiOptions {
  // The sliding window (a `window` label value of the service-level and window families) that
  // the tiles' service level, contact counts, abandon rate and ASA show.
  std::string window = "15m";
  // A service level below target but within this margin of it is amber; further below, red.
  double amber_margin = 0.05;
  // Bounds on the answer: queues and agents beyond these are left out (and counted), names are
  // cut to max_name_bytes (at a character boundary). With the defaults an answer stays below
  // 8 MiB whatever the names hold.
  std::size_t max_queues = 1000;
  std::size_t max_agents = 2000;
  std::size_t max_name_bytes = 128;
  // How often the page polls the API, told to it in the answer.
  double refresh_seconds = 2;
};

// Appends the /api/v1/wallboard document (fields in docs/http.md) for one scrape's `families`.
void AppendWallboardJson(const std::vector<prometheus::MetricFamily>& families,
                         const WallboardApiOptions& options, std::string* out);

// Serves GET (and HEAD) /api/v1/wallboard from `collect` (run once per request; if it throws
// the answer is 500), and answers every other path under /api/ with 404 and a JSON error body.
// Answers carry Cache-Control: no-store.
void RegisterWallboardApi(HttpServer& server,
                          std::function<std::vector<prometheus::MetricFamily>()> collect,
                          WallboardApiOptions options = {});

// Serves the wallboard page at / (replacing the landing page) and its assets /wallboard.css,
// /wallboard.js and /favicon.png, all embedded in the binary; nothing is fetched from elsewhere
// (the page's Content-Security-Policy forbids it). GET and HEAD.
void RegisterWallboardPage(HttpServer& server);

}  // namespace ccmon::web
