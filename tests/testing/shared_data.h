// Test helper: where the real sample data of ../shared/data lives, and reading a file of it (beside
// the checkout in CI; a user's clone does not have it, and the data may not be copied into the
// repository).
//
// Tests that read it start with CCMON_REQUIRE_SHARED_DATA(path), which skips the test with a clear
// message when the file is absent. The directory is $CCMON_SHARED_DATA if set, else
// <source root>/../shared/data.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ccmon::testing {

// The shared data directory (it may not exist).
std::filesystem::path SharedDataDir();

// SharedDataDir() / relative.
inline std::filesystem::path SharedDataFile(const std::string& relative) {
  return SharedDataDir() / relative;
}

// The whole file, bytes as they are; "" if it cannot be read.
inline std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ccmon::testing

// Skips the current test unless ../shared/data/<relative> exists.
#define CCMON_REQUIRE_SHARED_DATA(relative)                                                 \
  do {                                                                                      \
    if (!std::filesystem::exists(::ccmon::testing::SharedDataFile(relative))) {             \
      GTEST_SKIP() << "shared sample data not found: "                                      \
                   << ::ccmon::testing::SharedDataFile(relative).string()                   \
                   << " (it lives beside the checkout in CI; set CCMON_SHARED_DATA to its " \
                      "directory to run this test)";                                        \
    }                                                                                       \
  } while (false)
