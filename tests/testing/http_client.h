// Test helper: a blocking HTTP/1.1 client over Boost.Beast for talking to a daemon under test.
// Test-only; each call opens its own connection.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ccmon::testing {

struct HttpResult {
  int status = 0;  // 0: connection failed.
  std::string body;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::string error;
};

// GET http://host:port/target with optional extra request headers. Times out after `timeout_ms`.
HttpResult HttpGet(const std::string& host, std::uint16_t port, const std::string& target,
                   const std::map<std::string, std::string>& headers = {}, int timeout_ms = 10'000);

// Any method ("POST", "DELETE", …) with an optional body; otherwise as HttpGet.
HttpResult HttpRequest(const std::string& method, const std::string& host, std::uint16_t port,
                       const std::string& target, const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {},
                       int timeout_ms = 10'000);

}  // namespace ccmon::testing
