#include "daemon/export/http_message.h"

#include <array>

namespace ccmon::web {
namespace {

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr std::array<Method, 7> kServedMethods = {Method::kGet,  Method::kHead,   Method::kPost,
                                                  Method::kPut,  Method::kDelete, Method::kOptions,
                                                  Method::kPatch};

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kPatch:
      return "PATCH";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

std::string Methods::AllowHeader() const {
  std::string out;
  for (Method m : kServedMethods) {
    const bool allowed = Contains(m) || (m == Method::kHead && Contains(Method::kGet));
    if (!allowed) continue;
    if (!out.empty()) out += ", ";
    out += MethodName(m);
  }
  return out;
}

std::optional<std::string> Request::Header(std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, name)) continue;
    if (out) {
      *out += ", ";
      *out += value;
    } else {
      out = value;
    }
  }
  return out;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

}  // namespace ccmon::web
