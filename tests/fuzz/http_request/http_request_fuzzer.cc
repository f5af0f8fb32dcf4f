// libFuzzer target for the HTTP request path without sockets (daemon/export/request_parsing.h):
// any bytes give a request, an error status (400/413/431) or "need more", never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/export/request_parsing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto parsed = ccmon::web::ParseRequestBytes(bytes, ccmon::web::RequestLimits{});
  if (parsed.request && parsed.error_status != 0) std::abort();
  if (parsed.request && (parsed.request->path.empty() || parsed.request->path[0] != '/'))
    std::abort();
  return 0;
}
