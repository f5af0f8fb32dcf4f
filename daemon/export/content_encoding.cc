#include "daemon/export/content_encoding.h"

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <limits>

#include "daemon/export/http_message.h"

namespace ccmon::web {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), returned in thousandths so that
// comparisons are exact. Anything else is malformed: -1.
int ParseQValue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return -1;
  int value = (text[0] - '0') * 1000;
  if (text.size() == 1) return value;
  if (text[1] != '.' || text.size() > 5) return -1;
  int scale = 100;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return -1;
    value += (c - '0') * scale;
    scale /= 10;
  }
  return value <= 1000 ? value : -1;
}

}  // namespace

bool PrefersGzip(std::string_view accept_encoding) {
  // -1: the coding is not named in the header.
  int gzip_q = -1;
  int identity_q = -1;
  int star_q = -1;
  std::string_view rest = accept_encoding;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view element = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);

    const std::size_t semi = element.find(';');
    const std::string_view coding = Trim(element.substr(0, semi));
    if (coding.empty()) continue;  // "gzip,,br" and trailing commas are allowed by the list rule.
    int q = 1000;
    if (semi != std::string_view::npos) {
      std::string_view params = element.substr(semi + 1);
      while (!params.empty()) {
        const std::size_t next = params.find(';');
        const std::string_view param = Trim(params.substr(0, next));
        params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
        const std::size_t eq = param.find('=');
        if (eq == std::string_view::npos) continue;
        if (EqualsIgnoreCase(Trim(param.substr(0, eq)), "q")) {
          q = std::max(ParseQValue(Trim(param.substr(eq + 1))), 0);
        }
      }
    }
    // When a coding is listed twice, the more generous weight wins.
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip_q = std::max(gzip_q, q);
    } else if (EqualsIgnoreCase(coding, "identity")) {
      identity_q = std::max(identity_q, q);
    } else if (coding == "*") {
      star_q = std::max(star_q, q);
    }
  }
  if (gzip_q < 0) gzip_q = std::max(star_q, 0);
  // An unlisted identity stays acceptable as the fallback but is not preferred, so
  // "gzip;q=0.5" still means gzip (as client_golang's promhttp negotiates); a client that lists
  // identity with a higher weight than gzip gets identity. Ties go to gzip, the smaller answer.
  return gzip_q > 0 && gzip_q >= std::max(identity_q, 0);
}

struct GzipEncoder::ZState {
  z_stream stream{};
  bool initialized = false;
};

GzipEncoder::GzipEncoder(int level) : z_(std::make_unique<ZState>()), level_(level) {}

GzipEncoder::~GzipEncoder() {
  if (z_->initialized) deflateEnd(&z_->stream);
}

Status GzipEncoder::Compress(std::string_view input, std::string* out) {
  out->clear();
  z_stream& zs = z_->stream;
  if (!z_->initialized) {
    // windowBits 15 + 16: a gzip wrapper instead of zlib's.
    if (deflateInit2(&zs, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return Status::Internal("gzip: deflateInit2 failed");
    }
    z_->initialized = true;
  } else if (deflateReset(&zs) != Z_OK) {
    return Status::Internal("gzip: deflateReset failed");
  }

  constexpr std::size_t kMaxChunk = std::numeric_limits<uInt>::max();
  const auto* next = reinterpret_cast<const Bytef*>(input.data());
  std::size_t remaining = input.size();
  out->resize(deflateBound(&zs, static_cast<uLong>(std::min(input.size(), kMaxChunk))));
  std::size_t produced = 0;
  zs.avail_in = 0;
  zs.avail_out = 0;
  while (true) {
    if (zs.avail_in == 0 && remaining > 0) {
      const std::size_t chunk = std::min(remaining, kMaxChunk);
      zs.next_in = next;
      zs.avail_in = static_cast<uInt>(chunk);
      next += chunk;
      remaining -= chunk;
    }
    if (produced == out->size()) out->resize(out->size() * 2);
    const std::size_t room = std::min(out->size() - produced, kMaxChunk);
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    zs.avail_out = static_cast<uInt>(room);
    const int flush = remaining == 0 ? Z_FINISH : Z_NO_FLUSH;
    const int rc = deflate(&zs, flush);
    produced += room - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      out->clear();
      return Status::Internal("gzip: deflate failed with code " + std::to_string(rc));
    }
  }
  out->resize(produced);
  return Status::Ok();
}

}  // namespace ccmon::web
