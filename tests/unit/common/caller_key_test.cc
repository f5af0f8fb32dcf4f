#include "common/caller_key.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>

namespace ccmon {
namespace {

constexpr std::string_view kKeyHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

CallerKeyHasher MakeHasher(std::string_view hex = kKeyHex) {
  auto hasher = CallerKeyHasher::FromKeyHex(hex);
  EXPECT_TRUE(hasher.ok()) << hasher.status().ToString();
  return std::move(hasher).value();
}

// A file in the test's temporary directory, removed at the end of the test.
class KeyFile {
 public:
  explicit KeyFile(const std::string& content) {
    path_ =
        (std::filesystem::temp_directory_path() /
         ("ccmon_caller_key_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++)))
            .string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~KeyFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

bool IsLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(CallerKey, HashIs32LowercaseHexCharacters) {
  const std::string key = MakeHasher().Hash("+15550102030");
  EXPECT_EQ(key.size(), 32u);
  EXPECT_TRUE(IsLowerHex(key)) << key;
}

TEST(CallerKey, SameNumberAndKeyGiveTheSameHash) {
  EXPECT_EQ(MakeHasher().Hash("+15550102030"), MakeHasher().Hash("+15550102030"));
}

TEST(CallerKey, DifferentKeysGiveDifferentHashes) {
  const auto other = MakeHasher("ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  EXPECT_NE(MakeHasher().Hash("+15550102030"), other.Hash("+15550102030"));
}

TEST(CallerKey, DifferentNumbersGiveDifferentHashes) {
  const auto hasher = MakeHasher();
  EXPECT_NE(hasher.Hash("+15550102030"), hasher.Hash("+15550102031"));
}

TEST(CallerKey, FormattingOfTheNumberDoesNotChangeTheHash) {
  const auto hasher = MakeHasher();
  const std::string expected = hasher.Hash("15550102030");
  EXPECT_EQ(hasher.Hash("+15550102030"), expected);
  EXPECT_EQ(hasher.Hash("+1 (555) 010-2030"), expected);
  EXPECT_EQ(hasher.Hash("sip:+15550102030@10.0.0.1;user=phone"), expected);
  EXPECT_EQ(hasher.Hash("tel:+1-555-010-2030"), expected);
}

TEST(CallerKey, AnonymousCallersHashToEmpty) {
  const auto hasher = MakeHasher();
  for (const char* caller : {"", "anonymous", "Anonymous", "UNKNOWN", "restricted", "private",
                             "<unknown>", "+", "sip:anonymous@anonymous.invalid"}) {
    EXPECT_EQ(hasher.Hash(caller), "") << caller;
  }
}

TEST(CallerKey, NormalisationKeepsDigitsOnly) {
  EXPECT_EQ(CallerKeyHasher::NormalizeCallerNumber("+44 20 7946 0958"), "442079460958");
  EXPECT_EQ(CallerKeyHasher::NormalizeCallerNumber("Restricted"), "");
}

TEST(CallerKey, HashNeverContainsTheCallerDigits) {
  const auto hasher = MakeHasher();
  for (int i = 0; i < 200; ++i) {
    const std::string digits = std::to_string(5550000000LL + i * 7919);
    const std::string key = hasher.Hash("+1" + digits);
    EXPECT_EQ(key.find(digits), std::string::npos) << key;
    EXPECT_EQ(key.find(digits.substr(3)), std::string::npos) << key;
  }
}

TEST(CallerKey, KeyFileWithRawBytesIsAccepted) {
  std::string raw(32, '\0');
  for (int i = 0; i < 32; ++i) raw[i] = static_cast<char>(i);
  KeyFile file(raw);
  auto hasher = CallerKeyHasher::FromKeyFile(file.path());
  ASSERT_TRUE(hasher.ok()) << hasher.status().ToString();
  EXPECT_EQ(hasher->Hash("+15550102030"), MakeHasher().Hash("+15550102030"));
}

TEST(CallerKey, KeyFileWithHexAndNewlineIsAccepted) {
  for (const std::string suffix : {"", "\n", "\r\n"}) {
    KeyFile file(std::string(kKeyHex) + suffix);
    auto hasher = CallerKeyHasher::FromKeyFile(file.path());
    ASSERT_TRUE(hasher.ok()) << hasher.status().ToString();
    EXPECT_EQ(hasher->Hash("+15550102030"), MakeHasher().Hash("+15550102030"));
  }
}

TEST(CallerKey, MissingKeyFileIsNotFoundAndNamesTheFile) {
  auto hasher = CallerKeyHasher::FromKeyFile("/nonexistent/ccmon.key");
  ASSERT_FALSE(hasher.ok());
  EXPECT_EQ(hasher.status().code(), StatusCode::kNotFound);
  EXPECT_NE(hasher.status().message().find("/nonexistent/ccmon.key"), std::string::npos);
}

TEST(CallerKey, KeyFileOfWrongLengthIsRejectedWithItsLength) {
  KeyFile file("abcdef\n");
  auto hasher = CallerKeyHasher::FromKeyFile(file.path());
  ASSERT_FALSE(hasher.ok());
  EXPECT_EQ(hasher.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(hasher.status().message().find(file.path()), std::string::npos);
  EXPECT_NE(hasher.status().message().find("got 7 bytes"), std::string::npos)
      << hasher.status().message();
}

TEST(CallerKey, KeyFileWithNonHexCharactersIsRejected) {
  std::string text(kKeyHex);
  text[10] = 'x';
  KeyFile file(text + "\n");
  auto hasher = CallerKeyHasher::FromKeyFile(file.path());
  ASSERT_FALSE(hasher.ok());
  EXPECT_NE(hasher.status().message().find("not hexadecimal"), std::string::npos)
      << hasher.status().message();
}

TEST(CallerKey, RawKeyMustBe32Bytes) {
  std::array<unsigned char, 16> short_key{};
  EXPECT_FALSE(CallerKeyHasher::FromKeyBytes(short_key).ok());
  std::array<unsigned char, 32> key{};
  EXPECT_TRUE(CallerKeyHasher::FromKeyBytes(key).ok());
}

TEST(CallerKey, GeneratedKeysAreValidAndDistinct) {
  const std::string a = CallerKeyHasher::GenerateKeyHex();
  const std::string b = CallerKeyHasher::GenerateKeyHex();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_TRUE(IsLowerHex(a));
  EXPECT_NE(a, b);
  EXPECT_TRUE(CallerKeyHasher::FromKeyHex(a).ok());
}

}  // namespace
}  // namespace ccmon
