// Request and Response: the HTTP messages that route handlers see, free of any HTTP library type.
//
// HttpServer parses requests (Boost.Beast) into a Request, calls the route's Handler, and writes
// the Response it returns. Handlers live in export/ (MetricsEndpoint, health, later the JSON API
// and the wallboard). Plain values; a Request is only valid during the handler call that receives
// it, on the io_context (engine) thread.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccmon::web {

// The request methods a route can allow. kOther stands for any method ccmon does not serve.
enum class Method : std::uint8_t { kGet, kHead, kPost, kPut, kDelete, kOptions, kPatch, kOther };

// "GET", "HEAD", ...; "OTHER" for kOther.
std::string_view MethodName(Method method);

// A set of methods. A route that allows GET implicitly allows HEAD (HttpServer answers HEAD like
// GET without the body).
class Methods {
 public:
  constexpr Methods() = default;
  constexpr Methods(std::initializer_list<Method> methods) {
    for (Method m : methods) bits_ |= Bit(m);
  }
  static constexpr Methods Get() { return Methods{Method::kGet}; }

  constexpr bool Contains(Method m) const { return (bits_ & Bit(m)) != 0; }
  constexpr Methods operator|(Methods other) const {
    Methods out;
    out.bits_ = bits_ | other.bits_;
    return out;
  }
  // The value of an Allow header: "GET, HEAD" (HEAD is added when GET is present).
  std::string AllowHeader() const;

 private:
  static constexpr std::uint16_t Bit(Method m) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(m));
  }
  std::uint16_t bits_ = 0;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string method_name;  // As sent ("GET", or e.g. "PROPFIND" for kOther).
  std::string path;         // The target's path, never empty, always starting with '/'.
  std::string query;        // What follows '?', without it; empty if none.
  int version = 11;         // 10 for HTTP/1.0, 11 for HTTP/1.1.
  std::string body;
  std::string remote_address;  // "127.0.0.1:50312"; empty when unknown.
  HeaderList headers;          // In arrival order, names as sent.

  // Every value of the named header (case-insensitive), joined with ", " as RFC 9110 §5.3
  // allows; nullopt when the header is absent.
  std::optional<std::string> Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Further headers (Content-Encoding, Vary, WWW-Authenticate, ...). The server sets Server,
  // Date, Content-Type, Content-Length and Connection itself; values with CR or LF are dropped.
  HeaderList headers;

  // A plain-text response.
  static Response Text(int status, std::string body);
};

// Answers a request on a path that the route table knows.
using Handler = std::function<Response(const Request&)>;

// Runs before routing on every request. Returns nullopt to let the request through, or the
// response that refuses it (401 with WWW-Authenticate, 403). The hook for basic auth.
using Authorizer = std::function<std::optional<Response>(const Request&)>;

// Case-insensitive ASCII comparison, as header names and content codings need.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace ccmon::web
