#include "daemon/export/listen_address.h"

#include <algorithm>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/system/error_code.hpp>
#include <cctype>
#include <string>

namespace ccmon::web {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status ParsePort(std::string_view text, std::uint16_t* port) {
  if (text.empty()) return Status::InvalidArgument("missing port after ':'");
  if (!std::all_of(text.begin(), text.end(), IsDigit)) {
    return Status::InvalidArgument("port \"" + std::string(text) + "\" is not a number");
  }
  // Leading zeros are harmless, but a long run of digits must not overflow the accumulator.
  std::uint32_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
    if (value > 65535) {
      return Status::InvalidArgument("port " + std::string(text) + " is out of range (0-65535)");
    }
  }
  *port = static_cast<std::uint16_t>(value);
  return Status::Ok();
}

// RFC 1123 host names, plus '_' which container platforms allow in service names.
bool IsValidHostName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.back() == '.') name.remove_suffix(1);
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

bool LooksNumeric(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) { return IsDigit(c) || c == '.'; });
}

}  // namespace

std::string ListenAddress::ToString() const {
  const std::string port_text = std::to_string(port);
  switch (kind) {
    case HostKind::kAny:
      return ":" + port_text;
    case HostKind::kIpv6:
      return "[" + host + "]:" + port_text;
    case HostKind::kIpv4:
    case HostKind::kHostName:
      break;
  }
  return host + ":" + port_text;
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  auto fail = [text](const Status& s) -> Result<ListenAddress> {
    return s.WithContext("listen address \"" + std::string(text) + "\"");
  };
  if (text.empty()) return fail(Status::InvalidArgument("empty (want host:port or :port)"));

  if (text.find("://") != std::string_view::npos) {
    return fail(Status::InvalidArgument("want host:port, not a URL"));
  }
  ListenAddress out;
  std::string_view host;
  std::string_view port_text;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return fail(Status::InvalidArgument("missing ']' after IPv6 address"));
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return fail(Status::InvalidArgument("missing ':port' after ']'"));
    }
    port_text = rest.substr(1);
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec || host.empty()) {
      return fail(Status::InvalidArgument("\"" + std::string(host) + "\" is not an IPv6 address"));
    }
    out.kind = ListenAddress::HostKind::kIpv6;
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return fail(Status::InvalidArgument("missing port (want host:port or :port)"));
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail(Status::InvalidArgument("IPv6 addresses must be in brackets, as in [::1]:9464"));
    }
    if (host.empty()) {
      out.kind = ListenAddress::HostKind::kAny;
    } else if (LooksNumeric(host)) {
      boost::system::error_code ec;
      boost::asio::ip::make_address_v4(std::string(host), ec);
      if (ec) {
        return fail(
            Status::InvalidArgument("\"" + std::string(host) + "\" is not an IPv4 address"));
      }
      out.kind = ListenAddress::HostKind::kIpv4;
    } else if (IsValidHostName(host)) {
      out.kind = ListenAddress::HostKind::kHostName;
    } else {
      return fail(
          Status::InvalidArgument("\"" + std::string(host) + "\" is not a valid host name"));
    }
  }
  if (Status s = ParsePort(port_text, &out.port); !s.ok()) return fail(s);
  out.host = std::string(host);
  return out;
}

}  // namespace ccmon::web
