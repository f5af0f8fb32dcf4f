// Request parsing: how a Boost.Beast request becomes a ccmon Request, with the server's limits
// and the status code each kind of malformed input is answered with.
//
// Shared by HttpServer (on the io_context thread) and by the HTTP request fuzz target and unit
// tests (ParseRequestBytes, without sockets), so both exercise the same rules. Pure functions.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "daemon/export/http_message.h"

namespace ccmon::web {

struct RequestLimits {
  std::size_t max_header_bytes = 8 * 1024;  // Request line and header fields together.
  std::size_t max_body_bytes = 64 * 1024;   // Decoded body (after chunked transfer coding).
};

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets the header and body limits on a parser that has not parsed anything yet.
void ApplyLimits(const RequestLimits& limits, RequestParser* parser);

// The status the server answers a failed request read with: 431 when the header is too large,
// 413 when the body is, 400 for any other malformed input; 0 when there is nobody to answer (the
// peer closed or reset the connection, the read timed out or was cancelled).
int StatusForReadError(const boost::system::error_code& ec);

// Turns a parsed message into a Request. Fails with InvalidArgument (to be answered with 400)
// when the target is neither origin-form ("/path?query") nor absolute-form
// ("http://host/path"), or when an HTTP/1.1 request lacks exactly one Host header.
Result<Request> ToRequest(BeastRequest&& message, std::string remote_address);

struct ParsedRequest {
  std::optional<Request> request;  // Set when the bytes hold one acceptable request.
  int error_status = 0;            // Otherwise the status the server would answer (400/413/431),
                                   // or 0 when the bytes end before the request does.
  std::string error;               // What was wrong, for logs and test messages.
};

// Parses the first request in `bytes` exactly as the server would. For the fuzz target and tests.
ParsedRequest ParseRequestBytes(std::string_view bytes, const RequestLimits& limits);

}  // namespace ccmon::web
