#include "common/caller_key.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace ccmon {
namespace {

// sodium_init() is idempotent and thread-safe; it must run before randombytes and is cheap to
// repeat. A failure means the library cannot work at all (no entropy source).
bool EnsureSodium() { return sodium_init() >= 0; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

CallerKeyHasher::CallerKeyHasher(std::span<const unsigned char, kKeyBytes> key) {
  std::copy(key.begin(), key.end(), key_.begin());
}

CallerKeyHasher::~CallerKeyHasher() { sodium_memzero(key_.data(), key_.size()); }

Result<CallerKeyHasher> CallerKeyHasher::FromKeyBytes(std::span<const unsigned char> key) {
  if (key.size() != kKeyBytes) {
    return Status::InvalidArgument("caller key must be 32 bytes, got " +
                                   std::to_string(key.size()));
  }
  if (!EnsureSodium()) return Status::Internal("libsodium failed to initialise");
  return CallerKeyHasher(key.first<kKeyBytes>());
}

Result<CallerKeyHasher::Key> CallerKeyHasher::ParseKeyHex(std::string_view hex) {
  if (hex.size() != 2 * kKeyBytes) {
    return Status::InvalidArgument("caller key must be 64 hex characters, got " +
                                   std::to_string(hex.size()));
  }
  Key key{};
  for (std::size_t i = 0; i < kKeyBytes; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("caller key is not hexadecimal (character " +
                                     std::to_string(hi < 0 ? 2 * i + 1 : 2 * i + 2) + ")");
    }
    key[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return key;
}

Result<CallerKeyHasher> CallerKeyHasher::FromKeyHex(std::string_view hex) {
  auto key = ParseKeyHex(hex);
  if (!key.ok()) return key.status();
  auto hasher = FromKeyBytes(*key);
  sodium_memzero(key->data(), key->size());
  return hasher;
}

Result<CallerKeyHasher::Key> CallerKeyHasher::ReadKeyFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("caller key file " + path + ": no such file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IoError("caller key file " + path + ": cannot open: " + std::strerror(errno));
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError("caller key file " + path + ": read failed");

  Result<Key> key = Key{};
  if (content.size() == kKeyBytes) {
    std::copy(content.begin(), content.end(), key->begin());
  } else {
    std::string_view text(content);
    if (text.ends_with('\n')) text.remove_suffix(1);
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text.size() != 2 * kKeyBytes) {
      key = Status::InvalidArgument(
          "expected 32 raw bytes or 64 hex characters and an optional newline, got " +
          std::to_string(content.size()) + " bytes");
    } else {
      key = ParseKeyHex(text);
    }
  }
  sodium_memzero(content.data(), content.size());
  if (!key.ok()) return key.status().WithContext("caller key file " + path);
  return key;
}

Result<CallerKeyHasher> CallerKeyHasher::FromKeyFile(const std::string& path) {
  auto key = ReadKeyFile(path);
  if (!key.ok()) return key.status();
  auto hasher = FromKeyBytes(*key);
  sodium_memzero(key->data(), key->size());
  return hasher;
}

std::string CallerKeyHasher::GenerateKeyHex() {
  if (!EnsureSodium()) return "";
  std::array<unsigned char, kKeyBytes> key{};
  randombytes_buf(key.data(), key.size());
  std::string hex(2 * kKeyBytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  hex.pop_back();  // sodium_bin2hex writes a terminating NUL.
  sodium_memzero(key.data(), key.size());
  return hex;
}

std::string CallerKeyHasher::NormalizeCallerNumber(std::string_view caller) {
  // "sip:+15550102030@pbx.example.com;user=phone" -> "+15550102030": only the user part names
  // the caller; the host part's digits (an IP address) must not leak into the number.
  if (caller.starts_with("sip:") || caller.starts_with("sips:") || caller.starts_with("tel:")) {
    caller.remove_prefix(caller.find(':') + 1);
  }
  if (const auto at = caller.find_first_of("@;"); at != std::string_view::npos) {
    caller = caller.substr(0, at);
  }
  for (std::string_view word : {"anonymous", "unknown", "restricted", "private"}) {
    if (EqualsIgnoreCase(caller, word)) return "";
  }
  std::string digits;
  digits.reserve(caller.size());
  for (char c : caller) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

std::string CallerKeyHasher::Hash(std::string_view caller) const {
  const std::string number = NormalizeCallerNumber(caller);
  if (number.empty()) return "";
  std::array<unsigned char, kHashBytes> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(number.data()), number.size(),
                     key_.data(), key_.size());
  std::string hex(2 * kHashBytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

}  // namespace ccmon
