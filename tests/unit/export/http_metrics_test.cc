// The server's own counters as ccmond_http_* in /metrics, after real HTTP requests over loopback:
// answered, unknown path (404), wrong method (405), refused before routing (400), HEAD.
#include "daemon/export/http_metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "daemon/export/metrics_endpoint.h"
#include "daemon/export/text_format.h"
#include "tests/testing/scrape.h"
#include "tests/unit/export/http_test_support.h"

namespace ccmon::web {
namespace {

using testing::Fetch;
using testing::GetRequest;
using testing::HttpResponse;
using testing::TestClient;

class HttpMetricsTest : public testing::ServerFixture {
 protected:
  void Start() {
    StartServer(TestOptions(), [this](HttpServer& server) {
      endpoint_.Register(server);
      RegisterHealthEndpoints(server, nullptr);
    });
  }

  ccmon::testing::Scrape ScrapeMetrics() {
    const HttpResponse r = Fetch(port(), GetRequest("/metrics"));
    EXPECT_EQ(r.result_int(), 200);
    ccmon::testing::Scrape scrape(r.body());
    EXPECT_TRUE(scrape.errors().empty()) << r.body();
    return scrape;
  }

  // Sends `raw` on a connection of its own and returns every byte the server sent back before
  // closing (the request asks for close, or the server closes after an error).
  std::string Exchange(std::string_view raw) {
    TestClient client;
    EXPECT_FALSE(client.Connect(port()));
    EXPECT_FALSE(client.Write(raw));
    std::string received;
    client.ReadUntilClosed(&received);
    return received;
  }

  MetricsEndpoint endpoint_{[] { return std::vector<prometheus::MetricFamily>{}; }};
};

TEST_F(HttpMetricsTest, RequestsAreCountedByHandlerAndCodeWithTheirBytes) {
  Start();
  // Every Fetch and Exchange is a connection of its own.
  EXPECT_EQ(Fetch(port(), GetRequest("/metrics")).result_int(), 200);
  EXPECT_EQ(Fetch(port(), GetRequest("/-/healthy")).result_int(), 200);
  EXPECT_EQ(Fetch(port(), "HEAD /-/healthy HTTP/1.1\r\nHost: localhost\r\n\r\n").result_int(), 200);
  const std::string not_found =
      Exchange("GET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(not_found.rfind("HTTP/1.1 404 ", 0), 0u) << not_found;
  const std::string not_allowed = Exchange(
      "POST /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: "
      "close\r\n\r\nhi");
  EXPECT_EQ(not_allowed.rfind("HTTP/1.1 405 ", 0), 0u) << not_allowed;
  const std::string malformed = Exchange("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n");
  EXPECT_EQ(malformed.rfind("HTTP/1.1 400 ", 0), 0u) << malformed;

  const ccmon::testing::Scrape s = ScrapeMetrics();  // The 7th connection.
  auto requests = [&s](const std::string& handler, const std::string& code) {
    return s.Value("ccmond_http_requests_total", {{"handler", handler}, {"code", code}});
  };
  // The scrape's own response is not counted yet.
  EXPECT_EQ(requests("/metrics", "200"), 1);
  EXPECT_EQ(requests("/-/healthy", "200"), 2);  // GET and HEAD.
  EXPECT_EQ(requests("unmatched", "404"), 1);
  EXPECT_EQ(requests("/metrics", "405"), 1);
  EXPECT_EQ(requests("none", "400"), 1);
  EXPECT_EQ(s.All("ccmond_http_requests_total").size(), 5u);
  EXPECT_EQ(s.Value("ccmond_http_requests_invalid_total", {{"reason", "malformed"}}), 1);
  EXPECT_EQ(s.Value("ccmond_http_requests_invalid_total", {{"reason", "header_too_large"}}), 0);
  EXPECT_EQ(s.Value("ccmond_http_requests_invalid_total", {{"reason", "body_too_large"}}), 0);

  // Bytes are what went out on the wire: exactly what the clients received.
  EXPECT_EQ(s.Value("ccmond_http_response_bytes_total", {{"handler", "unmatched"}}),
            static_cast<double>(not_found.size()));
  EXPECT_EQ(s.Value("ccmond_http_response_bytes_total", {{"handler", "none"}}),
            static_cast<double>(malformed.size()));
  EXPECT_GT(s.Value("ccmond_http_response_bytes_total", {{"handler", "/metrics"}}),
            static_cast<double>(not_allowed.size()));  // The 405 plus the first scrape.

  EXPECT_EQ(s.Value("ccmond_http_connections_accepted_total"), 7);
  EXPECT_EQ(s.Value("ccmond_http_connections_rejected_total"), 0);
  EXPECT_EQ(s.Value("ccmond_http_connections_timed_out_total"), 0);
  EXPECT_EQ(s.Value("ccmond_http_connections_idle_closed_total"), 0);
  EXPECT_EQ(s.Value("ccmond_http_accept_errors_total"), 0);
  // At least the scrape's own; the server may not have seen the earlier clients leave yet.
  EXPECT_GE(s.Value("ccmond_http_connections_open"), 1);

  // The next scrape counts this one.
  EXPECT_EQ(ScrapeMetrics().Value("ccmond_http_requests_total",
                                  {{"handler", "/metrics"}, {"code", "200"}}),
            2);
}

TEST_F(HttpMetricsTest, TheFirstScrapeHasTheConnectionCountersButNoRequestFamilies) {
  Start();
  const ccmon::testing::Scrape s = ScrapeMetrics();
  EXPECT_TRUE(s.All("ccmond_http_requests_total").empty());
  EXPECT_TRUE(s.All("ccmond_http_response_bytes_total").empty());
  EXPECT_EQ(s.Value("ccmond_http_connections_accepted_total"), 1);
  EXPECT_EQ(s.Value("ccmond_http_connections_open"), 1);
}

TEST(HttpMetrics, FamiliesAreCountersWithTotalAndOneGauge) {
  HttpStats stats;
  stats.connections_accepted = 3;
  stats.requests_body_too_large = 2;
  stats.open_connections = 1;
  stats.responses[{"/metrics", 200}] = {5, 1000};
  stats.responses[{"/metrics", 405}] = {1, 120};
  stats.responses[{"unmatched", 404}] = {2, 300};
  std::vector<prometheus::MetricFamily> families;
  AppendHttpFamilies(stats, &families);
  std::string text;
  AppendTextFormat(families, &text);
  for (const auto& f : families) {
    const bool total = f.name.size() > 6 && f.name.substr(f.name.size() - 6) == "_total";
    EXPECT_EQ(f.type == prometheus::MetricType::Counter, total) << f.name;
    EXPECT_EQ(f.name.rfind("ccmond_http_", 0), 0u) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
  }
  const ccmon::testing::Scrape s(text);
  EXPECT_EQ(s.Value("ccmond_http_requests_total", {{"handler", "/metrics"}, {"code", "405"}}), 1);
  EXPECT_EQ(s.Value("ccmond_http_response_bytes_total", {{"handler", "/metrics"}}), 1120);
  EXPECT_EQ(s.Value("ccmond_http_response_bytes_total", {{"handler", "unmatched"}}), 300);
  EXPECT_EQ(s.Value("ccmond_http_requests_invalid_total", {{"reason", "body_too_large"}}), 2);
  EXPECT_EQ(s.Value("ccmond_http_connections_accepted_total"), 3);
  EXPECT_EQ(s.Value("ccmond_http_connections_open"), 1);
}

}  // namespace
}  // namespace ccmon::web
