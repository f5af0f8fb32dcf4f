#include "daemon/export/request_parsing.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <iterator>
#include <limits>
#include <utility>

namespace ccmon::web {
namespace {

namespace http = boost::beast::http;

Method MethodFromVerb(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return Method::kGet;
    case http::verb::head:
      return Method::kHead;
    case http::verb::post:
      return Method::kPost;
    case http::verb::put:
      return Method::kPut;
    case http::verb::delete_:
      return Method::kDelete;
    case http::verb::options:
      return Method::kOptions;
    case http::verb::patch:
      return Method::kPatch;
    default:
      return Method::kOther;
  }
}

// Beast 1.74 speaks boost::string_view.
std::string_view ToStd(boost::beast::string_view s) { return {s.data(), s.size()}; }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// Splits a request target into path and query. Absolute-form targets (RFC 9112 §3.2.2, sent to
// proxies but acceptable to origin servers) lose their scheme and authority.
Status SplitTarget(std::string_view target, std::string* path, std::string* query) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!StartsWithIgnoreCase(target, scheme)) continue;
    target.remove_prefix(scheme.size());
    const std::size_t path_start = target.find_first_of("/?");
    if (path_start == std::string_view::npos || path_start == 0) {
      if (path_start == 0 || target.empty()) {
        return Status::InvalidArgument("absolute-form target without a host");
      }
      target = "/";
    } else {
      target.remove_prefix(path_start);
      if (target.front() == '?') {
        *path = "/";
        *query = std::string(target.substr(1));
        return Status::Ok();
      }
    }
    break;
  }
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("request target must start with '/'");
  }
  // A fragment is never sent by conforming clients; drop it rather than route on it.
  target = target.substr(0, target.find('#'));
  const std::size_t q = target.find('?');
  *path = std::string(target.substr(0, q));
  *query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  return Status::Ok();
}

}  // namespace

void ApplyLimits(const RequestLimits& limits, RequestParser* parser) {
  parser->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser->body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
}

int StatusForReadError(const boost::system::error_code& ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return 0;
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow) return 413;
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) return 400;
  return 0;
}

Result<Request> ToRequest(BeastRequest&& message, std::string remote_address) {
  Request out;
  out.method = MethodFromVerb(message.method());
  out.method_name = std::string(ToStd(message.method_string()));
  out.version = static_cast<int>(message.version());
  if (Status s = SplitTarget(ToStd(message.target()), &out.path, &out.query); !s.ok()) return s;

  std::size_t hosts = 0;
  out.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    if (field.name() == http::field::host) ++hosts;
    out.headers.emplace_back(std::string(ToStd(field.name_string())),
                             std::string(ToStd(field.value())));
  }
  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without exactly one Host.
  if (out.version >= 11 && hosts != 1) {
    return Status::InvalidArgument(hosts == 0 ? "missing Host header"
                                              : "more than one Host header");
  }
  out.body = std::move(message.body());
  out.remote_address = std::move(remote_address);
  return out;
}

ParsedRequest ParseRequestBytes(std::string_view bytes, const RequestLimits& limits) {
  ParsedRequest out;
  RequestParser parser;
  ApplyLimits(limits, &parser);
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t offset = 0;
  while (!parser.is_done()) {
    if (offset == bytes.size()) {
      // The bytes end here: tell the parser the stream ended, as a socket read would.
      if (parser.got_some()) {
        parser.put_eof(ec);
      } else {
        ec = http::error::end_of_stream;
      }
      if (!ec && parser.is_done()) break;
      if (!ec) ec = http::error::partial_message;
    } else {
      const std::size_t used =
          parser.put(boost::asio::buffer(bytes.data() + offset, bytes.size() - offset), ec);
      offset += used;
      if (ec == http::error::need_more) {
        // Having consumed nothing, the parser wants more than is left (it takes a header or a
        // chunk header only whole): that is the end of the input.
        ec = {};
        if (used == 0) offset = bytes.size();
        continue;
      }
      if (!ec && used == 0) offset = bytes.size();  // No progress: never spin (fuzzing).
    }
    if (ec) {
      out.error_status = StatusForReadError(ec);
      out.error = ec.message();
      return out;
    }
  }
  Result<Request> request = ToRequest(parser.release(), "");
  if (!request.ok()) {
    out.error_status = 400;
    out.error = request.status().message();
    return out;
  }
  out.request = std::move(request).value();
  return out;
}

}  // namespace ccmon::web
