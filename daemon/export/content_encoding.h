// Content negotiation and gzip for HTTP responses: whether a client's Accept-Encoding prefers
// gzip, and a gzip encoder that keeps its zlib state and buffers between scrapes.
//
// Used by MetricsEndpoint (and later the JSON API). PrefersGzip is a pure function. A GzipEncoder
// is owned by one endpoint and used on the io_context (engine) thread only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ccmon::web {

// True if a response to a request with this Accept-Encoding value should be gzip-encoded
// (RFC 9110 §12.5.3): gzip (or x-gzip, or "*" when gzip is not named) has a q-value above 0 and
// at least as high as that of an explicitly listed identity. An empty header means identity
// only. Malformed q-values count as 0, so a confusing header falls back to the always-safe
// identity encoding.
bool PrefersGzip(std::string_view accept_encoding);

class GzipEncoder {
 public:
  // `level` is a zlib compression level (1 fastest ... 9 smallest). Scrapes are compressed on the
  // engine thread, so the daemon uses 1: metric text compresses well even at the fastest level.
  explicit GzipEncoder(int level = 1);
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // Replaces *out with the gzip member (RFC 1952) holding `input`. *out keeps its capacity from
  // one call to the next. Fails with Internal if zlib does (out of memory); *out is then empty.
  Status Compress(std::string_view input, std::string* out);

 private:
  struct ZState;
  std::unique_ptr<ZState> z_;
  int level_;
};

}  // namespace ccmon::web
