// The HTTP server's own counters (HttpStats) as metric families: ccmond_http_* in every scrape,
// defined in docs/metrics.md ("HTTP server — ccmond_http_*").
//
// MetricsEndpoint appends them after the collectors' families when it is registered on a server.
// Pure function; call it where the stats may be read (the io_context thread).
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "daemon/export/http_server.h"

namespace ccmon::web {

// Appends the ccmond_http_* families of `stats` to *out. Counters with labels (requests by
// handler and code, bytes by handler) have a sample for each label set seen so far.
void AppendHttpFamilies(const HttpStats& stats, std::vector<prometheus::MetricFamily>* out);

}  // namespace ccmon::web
