// libFuzzer target for the configuration loader (daemon/config/config.h): any bytes must give a
// Config or an InvalidArgument naming the file, never crash or throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = ccmon::config::ParseConfig(text, "fuzz.yaml");
  if (!c.ok() && c.status().message().rfind("fuzz.yaml", 0) != 0) std::abort();
  return 0;
}
