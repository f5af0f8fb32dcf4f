// MetricsEndpoint and the fixed endpoints, scraped over real HTTP.
#include "daemon/export/metrics_endpoint.h"

#include <gtest/gtest.h>
#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>
#include <zlib.h>

#include <atomic>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/unit/export/http_test_support.h"

namespace ccmon::web {
namespace {

using testing::Fetch;
using testing::GetRequest;
using testing::HttpResponse;

std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  auto it = r.find(boost::beast::string_view(name.data(), name.size()));
  return it == r.end() ? std::string() : std::string(it->value());
}

std::vector<prometheus::MetricFamily> HandBuiltFamilies() {
  prometheus::MetricFamily offered;
  offered.name = "callcenter_offered_total";
  offered.help = "Contacts offered to a queue.";
  offered.type = prometheus::MetricType::Counter;
  for (const auto& [queue, value] : {std::pair{"sales", 3.0}, std::pair{"support", 12.0}}) {
    prometheus::ClientMetric m;
    m.label.push_back({"queue", queue});
    m.counter.value = value;
    offered.metric.push_back(m);
  }

  prometheus::MetricFamily waiting;
  waiting.name = "callcenter_contacts_waiting";
  waiting.help = "Contacts waiting now.";
  waiting.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric w;
  w.label.push_back({"queue", "say \"hi\"\\now"});
  w.gauge.value = 0.5;
  waiting.metric.push_back(w);
  return {offered, waiting};
}

// The text exposition of HandBuiltFamilies(), by hand.
constexpr std::string_view kExpectedText =
    "# HELP callcenter_offered_total Contacts offered to a queue.\n"
    "# TYPE callcenter_offered_total counter\n"
    "callcenter_offered_total{queue=\"sales\"} 3\n"
    "callcenter_offered_total{queue=\"support\"} 12\n"
    "# HELP callcenter_contacts_waiting Contacts waiting now.\n"
    "# TYPE callcenter_contacts_waiting gauge\n"
    "callcenter_contacts_waiting{queue=\"say \\\"hi\\\"\\\\now\"} 0.5\n";

std::string Gunzip(const std::string& compressed) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out;
  char chunk[4096];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - zs.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << "not a complete gzip stream";
  EXPECT_EQ(zs.avail_in, 0u) << "bytes after the gzip member";
  inflateEnd(&zs);
  return out;
}

class MetricsEndpointTest : public testing::ServerFixture {
 protected:
  void Start() {
    StartServer(TestOptions(), [this](HttpServer& server) {
      endpoint_.Register(server);
      RegisterHealthEndpoints(server, [this] { return ready_.load(); });
      RegisterLandingPage(server);
    });
  }

  // The server's own ccmond_http_* change with every request; these tests compare exact text
  // (HttpMetricsTest covers them, and ServerCountersFollowTheFamilies below the default).
  static MetricsEndpointOptions WithoutHttpMetrics() {
    MetricsEndpointOptions options;
    options.http_metrics = false;
    return options;
  }

  std::atomic<bool> ready_{false};
  std::atomic<bool> collect_throws_{false};
  MetricsEndpoint endpoint_{[this] {
                              if (collect_throws_) throw std::runtime_error("collector bug");
                              return HandBuiltFamilies();
                            },
                            WithoutHttpMetrics()};
};

TEST_F(MetricsEndpointTest, MetricsReturnsTheSerializedFamiliesExactly) {
  Start();
  const HttpResponse r = Fetch(port(), GetRequest("/metrics"));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), kExpectedText);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "");
}

TEST_F(MetricsEndpointTest, ServerCountersFollowTheFamiliesByDefault) {
  MetricsEndpoint with_http([] { return HandBuiltFamilies(); });
  StartServer(TestOptions(), [&with_http](HttpServer& server) { with_http.Register(server); });
  Fetch(port(), GetRequest("/metrics"));
  const std::string body = Fetch(port(), GetRequest("/metrics")).body();
  ASSERT_EQ(body.substr(0, kExpectedText.size()), kExpectedText);
  std::istringstream rest(body.substr(kExpectedText.size()));
  int lines = 0;
  for (std::string line; std::getline(rest, line); ++lines) {
    EXPECT_TRUE(line.find("ccmond_http_") == 0 || line.find("# HELP ccmond_http_") == 0 ||
                line.find("# TYPE ccmond_http_") == 0)
        << line;
  }
  EXPECT_GT(lines, 10);
  EXPECT_NE(body.find("ccmond_http_requests_total{handler=\"/metrics\",code=\"200\"} 1\n"),
            std::string::npos)
      << body;
  ASSERT_TRUE(StopServer());  // Before with_http goes.
}

TEST_F(MetricsEndpointTest, RepeatedScrapesGiveTheSameText) {
  Start();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Fetch(port(), GetRequest("/metrics", "Accept-Encoding: gzip\r\n")).body().empty(),
              false);
    EXPECT_EQ(Fetch(port(), GetRequest("/metrics")).body(), kExpectedText);
  }
  EXPECT_EQ(OnLoop([this] { return endpoint_.scrapes(); }), 6u);
}

TEST_F(MetricsEndpointTest, GzipIsUsedWhenTheScraperAcceptsIt) {
  Start();
  const HttpResponse r = Fetch(
      port(), GetRequest("/metrics", "Accept-Encoding: gzip, deflate\r\n"));  // As curl/Prometheus.
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(r, "Vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(Gunzip(r.body()), kExpectedText);
}

TEST_F(MetricsEndpointTest, GzipWithQZeroMeansNoGzip) {
  Start();
  const HttpResponse r = Fetch(port(), GetRequest("/metrics", "Accept-Encoding: gzip;q=0\r\n"));
  EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "");
  EXPECT_EQ(r.body(), kExpectedText);
  const HttpResponse spaced =
      Fetch(port(), GetRequest("/metrics", "Accept-Encoding: identity, gzip ; Q=0.000\r\n"));
  EXPECT_EQ(spaced.body(), kExpectedText);
}

TEST_F(MetricsEndpointTest, HeadOnMetricsHasTheLengthButNoBody) {
  Start();
  const HttpResponse r = Fetch(port(), "HEAD /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "");
  EXPECT_EQ(HeaderOf(r, "Content-Length"), std::to_string(kExpectedText.size()));
}

TEST_F(MetricsEndpointTest, ACollectorThatThrowsFailsTheScrapeWith500) {
  Start();
  collect_throws_ = true;
  EXPECT_EQ(Fetch(port(), GetRequest("/metrics")).result_int(), 500);
  collect_throws_ = false;
  EXPECT_EQ(Fetch(port(), GetRequest("/metrics")).result_int(), 200);
}

TEST_F(MetricsEndpointTest, HealthyAlwaysAndReadyFollowsTheCallback) {
  Start();
  const HttpResponse healthy = Fetch(port(), GetRequest("/-/healthy"));
  EXPECT_EQ(healthy.result_int(), 200);
  EXPECT_EQ(healthy.body(), "Healthy");

  const HttpResponse not_ready = Fetch(port(), GetRequest("/-/ready"));
  EXPECT_EQ(not_ready.result_int(), 503);
  EXPECT_EQ(not_ready.body(), "Not ready");
  ready_ = true;
  const HttpResponse ready = Fetch(port(), GetRequest("/-/ready"));
  EXPECT_EQ(ready.result_int(), 200);
  EXPECT_EQ(ready.body(), "Ready");
}

TEST_F(MetricsEndpointTest, LandingPageLinksTheMetrics) {
  Start();
  const HttpResponse r = Fetch(port(), GetRequest("/"));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body().find("<a href=\"metrics\">"), std::string::npos) << r.body();
}

TEST(MetricsEndpointDirect, HandleWithoutAServerGzipsOnlyWhenAsked) {
  MetricsEndpoint endpoint([] { return HandBuiltFamilies(); });
  Request plain;
  plain.path = "/metrics";
  EXPECT_EQ(endpoint.Handle(plain).body, kExpectedText);
  Request gzip = plain;
  gzip.headers.emplace_back("accept-encoding", "br;q=1, gzip;q=0.8");
  const Response r = endpoint.Handle(gzip);
  EXPECT_EQ(Gunzip(r.body), kExpectedText);

  MetricsEndpointOptions options;
  options.allow_gzip = false;
  MetricsEndpoint no_gzip([] { return HandBuiltFamilies(); }, options);
  EXPECT_EQ(no_gzip.Handle(gzip).body, kExpectedText);
}

}  // namespace
}  // namespace ccmon::web
