// ListenAddress: where the daemon's HTTP server listens, parsed from `--web.listen-address`.
//
// The syntax is the one Prometheus exporters use: "host:port", with an empty host meaning every
// interface (":9464"), and IPv6 literals in brackets ("[::1]:9100"). Port 0 asks the kernel for a
// free port (tests). Used by config/app to validate the flag and by HttpServer::Start to bind.
// Plain values and pure functions; no threading concerns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ccmon::web {

struct ListenAddress {
  enum class HostKind {
    kAny,       // Empty host: every interface, IPv6 and IPv4 where the system has both.
    kIpv4,      // An IPv4 literal such as "127.0.0.1" or "0.0.0.0".
    kIpv6,      // An IPv6 literal (given in brackets), possibly with a zone ("fe80::1%eth0").
    kHostName,  // A name such as "localhost", resolved when the server starts.
  };

  HostKind kind = HostKind::kAny;
  std::string host;  // Without brackets; empty for kAny.
  std::uint16_t port = 0;

  // The address in flag syntax: ":9464", "127.0.0.1:9464", "[::1]:9100".
  std::string ToString() const;

  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// Parses "host:port", ":port" or "[ipv6]:port". Fails with InvalidArgument naming the problem:
// a missing or non-numeric port, a port above 65535, an IPv6 literal without brackets, an invalid
// IP literal or host name.
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace ccmon::web
