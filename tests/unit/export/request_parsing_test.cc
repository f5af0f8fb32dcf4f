// How raw request bytes become a Request, with the server's limits (no sockets).
#include "daemon/export/request_parsing.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ccmon::web {
namespace {

ParsedRequest Parse(std::string_view bytes, RequestLimits limits = {}) {
  return ParseRequestBytes(bytes, limits);
}

TEST(ParseRequestBytes, SplitsPathAndQuery) {
  const ParsedRequest p = Parse("GET /metrics?a=1&b=%20#frag HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->method, Method::kGet);
  EXPECT_EQ(p.request->method_name, "GET");
  EXPECT_EQ(p.request->path, "/metrics");
  EXPECT_EQ(p.request->query, "a=1&b=%20");
  EXPECT_EQ(p.request->version, 11);
}

TEST(ParseRequestBytes, AcceptsAbsoluteFormTargets) {
  struct Case {
    const char* target;
    const char* path;
    const char* query;
  };
  const Case cases[] = {
      {"http://host:9464/metrics?x=1", "/metrics", "x=1"},
      {"HTTPS://host/-/ready", "/-/ready", ""},
      {"http://host", "/", ""},
      {"http://host?x", "/", "x"},
  };
  for (const auto& c : cases) {
    const ParsedRequest p =
        Parse(std::string("GET ") + c.target + " HTTP/1.1\r\nHost: host\r\n\r\n");
    ASSERT_TRUE(p.request) << c.target << ": " << p.error;
    EXPECT_EQ(p.request->path, c.path) << c.target;
    EXPECT_EQ(p.request->query, c.query) << c.target;
  }
}

TEST(ParseRequestBytes, RejectsTargetsThatAreNotPaths) {
  for (const char* target : {"*", "metrics", "http:///metrics", "example.com:443"}) {
    const ParsedRequest p =
        Parse(std::string("OPTIONS ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_FALSE(p.request) << target;
    EXPECT_EQ(p.error_status, 400) << target;
  }
}

TEST(ParseRequestBytes, Http11NeedsExactlyOneHost) {
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\n\r\n").error_status, 400);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").error_status, 400);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\n\r\n").request);
}

TEST(ParseRequestBytes, HeadersAreFoundCaseInsensitivelyAndRepeatsAreJoined) {
  const ParsedRequest p =
      Parse("GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\naccept-encoding: gzip\r\n\r\n");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->Header("ACCEPT-ENCODING"), "br, gzip");
  EXPECT_EQ(p.request->Header("Host"), "x");
  EXPECT_EQ(p.request->Header("Authorization"), std::nullopt);
}

TEST(ParseRequestBytes, MapsEachMalformationToItsStatus) {
  RequestLimits limits;
  limits.max_header_bytes = 256;
  limits.max_body_bytes = 10;
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(300, 'a') + "\r\n\r\n", limits)
                .error_status,
            431);
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", limits).error_status,
            413);
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "b\r\nhello world\r\n0\r\n\r\n",
                  limits)
                .error_status,
            413);
  EXPECT_EQ(Parse("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n").error_status,
            400);
  EXPECT_EQ(Parse("GET / HTTP/9.9\r\nHost: x\r\n\r\n").error_status, 400);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n").error_status, 400);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n").error_status, 400);
}

TEST(ParseRequestBytes, IncompleteInputIsNotAnError) {
  for (std::string_view bytes :
       {"", "GET / HT", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab"}) {
    const ParsedRequest p = Parse(bytes);
    EXPECT_FALSE(p.request) << bytes;
    EXPECT_EQ(p.error_status, 0) << bytes;
  }
}

TEST(ParseRequestBytes, DecodesAChunkedBody) {
  const ParsedRequest p = Parse(
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->method, Method::kPost);
  EXPECT_EQ(p.request->body, "abcde");
}

TEST(ParseRequestBytes, UnknownMethodsAreKeptByName) {
  const ParsedRequest p = Parse("PROPFIND /x HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->method, Method::kOther);
  EXPECT_EQ(p.request->method_name, "PROPFIND");
}

// The fuzz target's seeds double as a regression corpus: each one parses to a request or to one
// of the statuses the server answers malformed input with.
TEST(ParseRequestBytes, EverySeedOfTheFuzzCorpusIsHandled) {
  const std::filesystem::path corpus =
      std::filesystem::path(CCMON_SOURCE_DIR) / "tests/fuzz/http_request/corpus";
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const ParsedRequest p = Parse(bytes);
    if (!p.request) {
      EXPECT_TRUE(p.error_status == 0 || p.error_status == 400 || p.error_status == 413 ||
                  p.error_status == 431)
          << entry.path() << ": " << p.error_status;
    }
    ++seeds;
  }
  EXPECT_GE(seeds, 5);
}

}  // namespace
}  // namespace ccmon::web
