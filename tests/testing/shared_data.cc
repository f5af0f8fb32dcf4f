#include "tests/testing/shared_data.h"

#include <cstdlib>

namespace ccmon::testing {

std::filesystem::path SharedDataDir() {
  if (const char* dir = std::getenv("CCMON_SHARED_DATA"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::filesystem::path(CCMON_SOURCE_DIR) / ".." / "shared" / "data";
}

}  // namespace ccmon::testing
