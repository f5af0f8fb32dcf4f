#include "daemon/export/http_metrics.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace ccmon::web {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily& Family(std::vector<MetricFamily>* out, std::string_view name, std::string_view help,
                     MetricType type) {
  MetricFamily& f = out->emplace_back();
  f.name.assign(name);
  f.help.assign(help);
  f.type = type;
  return f;
}

ClientMetric& Sample(MetricFamily* family, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric& m = family->metric.emplace_back();
  m.label = std::move(labels);
  if (family->type == MetricType::Gauge) {
    m.gauge.value = value;
  } else {
    m.counter.value = value;
  }
  return m;
}

void Counter(std::vector<MetricFamily>* out, std::string_view name, std::string_view help,
             std::uint64_t value) {
  Sample(&Family(out, name, help, MetricType::Counter), {}, static_cast<double>(value));
}

// ccmond_http_requests_total and ccmond_http_response_bytes_total.
void AppendResponseFamilies(const HttpStats& stats, std::vector<MetricFamily>* out) {
  MetricFamily& requests = Family(
      out, "ccmond_http_requests_total",
      "HTTP requests answered, by handler (the route's path; \"unmatched\": no route for the "
      "path; \"none\": refused before routing) and status code.",
      MetricType::Counter);
  std::map<std::string_view, std::uint64_t> bytes_by_handler;
  for (const auto& [key, counts] : stats.responses) {
    const auto& [handler, code] = key;
    Sample(&requests, {{"handler", handler}, {"code", std::to_string(code)}},
           static_cast<double>(counts.responses));
    bytes_by_handler[handler] += counts.bytes;
  }
  MetricFamily& bytes =
      Family(out, "ccmond_http_response_bytes_total",
             "Bytes of HTTP responses written (status line, headers and body), by handler.",
             MetricType::Counter);
  for (const auto& [handler, n] : bytes_by_handler) {
    Sample(&bytes, {{"handler", std::string(handler)}}, static_cast<double>(n));
  }
}

}  // namespace

void AppendHttpFamilies(const HttpStats& stats, std::vector<MetricFamily>* out) {
  // Like the collectors' families, these two are left out while they have no sample (before the
  // first response: a scrape's own response counts from the next scrape on).
  if (!stats.responses.empty()) AppendResponseFamilies(stats, out);

  MetricFamily& invalid =
      Family(out, "ccmond_http_requests_invalid_total",
             "HTTP requests refused before routing, by reason: malformed (400), header_too_large "
             "(431), body_too_large (413).",
             MetricType::Counter);
  Sample(&invalid, {{"reason", "malformed"}}, static_cast<double>(stats.requests_malformed));
  Sample(&invalid, {{"reason", "header_too_large"}},
         static_cast<double>(stats.requests_header_too_large));
  Sample(&invalid, {{"reason", "body_too_large"}},
         static_cast<double>(stats.requests_body_too_large));

  Counter(out, "ccmond_http_connections_accepted_total", "HTTP connections accepted and served.",
          stats.connections_accepted);
  Counter(out, "ccmond_http_connections_rejected_total",
          "HTTP connections refused because max_connections were open (answered 503 or closed).",
          stats.connections_rejected);
  Counter(out, "ccmond_http_connections_timed_out_total",
          "HTTP connections closed because a request or response was not complete in time.",
          stats.connections_timed_out);
  Counter(out, "ccmond_http_connections_idle_closed_total",
          "Keep-alive HTTP connections closed after waiting too long for their next request.",
          stats.connections_idle_closed);
  Counter(out, "ccmond_http_accept_errors_total",
          "Failed accepts on the HTTP listening socket (e.g. out of file descriptors).",
          stats.accept_errors);
  Sample(
      &Family(out, "ccmond_http_connections_open", "HTTP connections open now.", MetricType::Gauge),
      {}, static_cast<double>(stats.open_connections));
}

}  // namespace ccmon::web
