// The OpenMetrics output of `ccmon replay --format openmetrics`: families grouped, counters
// named per OpenMetrics, histograms complete, timestamps in seconds, hostile label values escaped.
#include "tools/openmetrics_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ccmon::tools {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Counter(double value, std::string queue = "sales") {
  MetricFamily f;
  f.name = "callcenter_contacts_offered_total";
  f.help = "Contacts offered.";
  f.type = MetricType::Counter;
  ClientMetric m;
  m.label = {{"queue", std::move(queue)}};
  m.counter.value = value;
  f.metric.push_back(m);
  return f;
}

MetricFamily Gauge(double value) {
  MetricFamily f;
  f.name = "callcenter_queue_contacts_waiting";
  f.help = "Waiting \"now\"\nsecond line \\ end";
  f.type = MetricType::Gauge;
  ClientMetric m;
  m.label = {{"queue", "sales"}};
  m.gauge.value = value;
  f.metric.push_back(m);
  return f;
}

MetricFamily Histogram(std::uint64_t count, double sum) {
  MetricFamily f;
  f.name = "callcenter_contact_wait_seconds";
  f.type = MetricType::Histogram;
  ClientMetric m;
  m.label = {{"queue", "sales"}};
  m.histogram.sample_count = count;
  m.histogram.sample_sum = sum;
  m.histogram.bucket = {{count / 2, 0.5}, {count, 20}};
  f.metric.push_back(m);
  return f;
}

TEST(OpenMetricsWriter, GroupsEachFamilyAndOrdersSamplesInTime) {
  OpenMetricsWriter w;
  w.Add({Counter(1), Gauge(2)}, 1'700'000'000'000);
  w.Add({Counter(5), Gauge(0)}, 1'700'000'900'500);
  EXPECT_EQ(w.Text(),
            "# HELP callcenter_contacts_offered Contacts offered.\n"
            "# TYPE callcenter_contacts_offered counter\n"
            "callcenter_contacts_offered_total{queue=\"sales\"} 1 1700000000.000\n"
            "callcenter_contacts_offered_total{queue=\"sales\"} 5 1700000900.500\n"
            "# HELP callcenter_queue_contacts_waiting Waiting \\\"now\\\"\\nsecond line \\\\ end\n"
            "# TYPE callcenter_queue_contacts_waiting gauge\n"
            "callcenter_queue_contacts_waiting{queue=\"sales\"} 2 1700000000.000\n"
            "callcenter_queue_contacts_waiting{queue=\"sales\"} 0 1700000900.500\n"
            "# EOF\n");
  EXPECT_EQ(w.samples(), 4u);
}

TEST(OpenMetricsWriter, HistogramsGetAnInfBucketCountAndSum) {
  OpenMetricsWriter w;
  w.Add({Histogram(4, 30.5)}, 1000);
  EXPECT_EQ(w.Text(),
            "# TYPE callcenter_contact_wait_seconds histogram\n"
            "callcenter_contact_wait_seconds_bucket{queue=\"sales\",le=\"0.5\"} 2 1.000\n"
            "callcenter_contact_wait_seconds_bucket{queue=\"sales\",le=\"20\"} 4 1.000\n"
            "callcenter_contact_wait_seconds_bucket{queue=\"sales\",le=\"+Inf\"} 4 1.000\n"
            "callcenter_contact_wait_seconds_count{queue=\"sales\"} 4 1.000\n"
            "callcenter_contact_wait_seconds_sum{queue=\"sales\"} 30.5 1.000\n"
            "# EOF\n");
}

TEST(OpenMetricsWriter, HostileLabelValuesAreEscaped) {
  OpenMetricsWriter w;
  w.Add({Counter(1, "a\"b\\c\nd}e,f=g")}, 0);
  EXPECT_NE(w.Text().find("callcenter_contacts_offered_total{queue=\"a\\\"b\\\\c\\nd}e,f=g\"} 1 "
                          "0.000\n"),
            std::string::npos)
      << w.Text();
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
}

TEST(OpenMetricsWriter, SeriesThatComeAndGoKeepTheirOwnSamples) {
  OpenMetricsWriter w;
  w.Add({Counter(1, "a")}, 1000);
  w.Add({Counter(2, "b")}, 2000);
  w.Add({Counter(3, "a"), Counter(4, "b")}, 3000);
  const std::string text = w.Text();
  const auto a1 = text.find("queue=\"a\"} 1 1.000");
  const auto a3 = text.find("queue=\"a\"} 3 3.000");
  const auto b2 = text.find("queue=\"b\"} 2 2.000");
  ASSERT_NE(a1, std::string::npos);
  ASSERT_NE(a3, std::string::npos);
  ASSERT_NE(b2, std::string::npos);
  EXPECT_LT(a1, a3);
  EXPECT_LT(a3, b2) << "a series' samples are together:\n" << text;
  EXPECT_EQ(text.find("# TYPE", text.find("# TYPE") + 1), std::string::npos)
      << "one family, one TYPE line";
}

TEST(OpenMetricsWriter, NumbersAreWrittenAsTheDaemonWritesThem) {
  OpenMetricsWriter w;
  MetricFamily g = Gauge(std::numeric_limits<double>::quiet_NaN());
  g.help.clear();
  w.Add({g}, 1);
  EXPECT_NE(w.Text().find("} NaN 0.001\n"), std::string::npos) << w.Text();
  OpenMetricsWriter w2;
  w2.Add({Gauge(0.1 + 0.2)}, -1500);
  EXPECT_NE(w2.Text().find("} 0.30000000000000004 -1.500\n"), std::string::npos) << w2.Text();
}

TEST(OpenMetricsWriter, EmptyInputIsJustEof) {
  OpenMetricsWriter w;
  EXPECT_EQ(w.Text(), "# EOF\n");
}

}  // namespace
}  // namespace ccmon::tools
