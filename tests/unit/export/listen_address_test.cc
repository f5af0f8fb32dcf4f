// --web.listen-address parsing.
#include "daemon/export/listen_address.h"

#include <gtest/gtest.h>

#include <string>

namespace ccmon::web {
namespace {

using Kind = ListenAddress::HostKind;

struct GoodCase {
  const char* text;
  Kind kind;
  const char* host;
  std::uint16_t port;
  const char* canonical;
};

TEST(ParseListenAddress, AcceptsTheExporterSyntax) {
  const GoodCase cases[] = {
      {":9464", Kind::kAny, "", 9464, ":9464"},
      {"0.0.0.0:9464", Kind::kIpv4, "0.0.0.0", 9464, "0.0.0.0:9464"},
      {"127.0.0.1:0", Kind::kIpv4, "127.0.0.1", 0, "127.0.0.1:0"},
      {"localhost:0", Kind::kHostName, "localhost", 0, "localhost:0"},
      {"[::1]:9100", Kind::kIpv6, "::1", 9100, "[::1]:9100"},
      {"[::]:65535", Kind::kIpv6, "::", 65535, "[::]:65535"},
      {"[fe80::1%lo]:80", Kind::kIpv6, "fe80::1%lo", 80, "[fe80::1%lo]:80"},
      {"ccmond.example.com:443", Kind::kHostName, "ccmond.example.com", 443,
       "ccmond.example.com:443"},
      {"my_service:8080", Kind::kHostName, "my_service", 8080, "my_service:8080"},
      {":009464", Kind::kAny, "", 9464, ":9464"},
  };
  for (const auto& c : cases) {
    const Result<ListenAddress> parsed = ParseListenAddress(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->kind, c.kind) << c.text;
    EXPECT_EQ(parsed->host, c.host) << c.text;
    EXPECT_EQ(parsed->port, c.port) << c.text;
    EXPECT_EQ(parsed->ToString(), c.canonical) << c.text;
  }
}

struct BadCase {
  const char* text;
  const char* message_part;
};

TEST(ParseListenAddress, RejectsBadPortsAndHostsWithAClearMessage) {
  const BadCase cases[] = {
      {"", "empty"},
      {"9464", "missing port"},
      {"localhost", "missing port"},
      {"localhost:", "missing port"},
      {":", "missing port"},
      {":http", "not a number"},
      {":-1", "not a number"},
      {":+80", "not a number"},
      {":65536", "out of range"},
      {":99999999999999999999", "out of range"},
      {"::1:9100", "must be in brackets"},
      {"[::1]", "missing ':port'"},
      {"[::1]9100", "missing ':port'"},
      {"[::1:9100", "missing ']'"},
      {"[]:80", "not an IPv6 address"},
      {"[127.0.0.1]:80", "not an IPv6 address"},
      {"[zz::1]:80", "not an IPv6 address"},
      {"256.0.0.1:80", "not an IPv4 address"},
      {"1.2.3:80", "not an IPv4 address"},
      {"bad host:80", "not a valid host name"},
      {"-bad.example:80", "not a valid host name"},
      {"a..b:80", "not a valid host name"},
      {"http://localhost:80", "not a URL"},
  };
  for (const auto& c : cases) {
    const Result<ListenAddress> parsed = ParseListenAddress(c.text);
    ASSERT_FALSE(parsed.ok()) << "accepted \"" << c.text << "\"";
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.text;
    const std::string& message = parsed.status().message();
    EXPECT_NE(message.find(c.message_part), std::string::npos) << c.text << ": " << message;
    EXPECT_NE(message.find(std::string("\"") + c.text + "\""), std::string::npos)
        << "the message names the flag value: " << message;
  }
}

}  // namespace
}  // namespace ccmon::web
