// Caller-key hashing: turns a caller's phone number into a keyed BLAKE2b digest (DESIGN.md §6).
//
// Every bridge hashes caller identities before publishing, so raw numbers never leave it; the
// daemon only ever sees the hex digest in ContactQueued.caller_key and uses it for first-contact
// resolution. The key is a 32-byte secret shared by the bridges of one deployment (the same caller
// must get the same key from every bridge), kept in a file (`ccmon keygen` / GenerateKeyHex).
//
// Thread-safety: a CallerKeyHasher is immutable after creation; Hash() is safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ccmon {

class CallerKeyHasher {
 public:
  static constexpr std::size_t kKeyBytes = 32;   // BLAKE2b key length used by ccmon.
  static constexpr std::size_t kHashBytes = 16;  // Digest length; 32 hex characters.
  using Key = std::array<unsigned char, kKeyBytes>;

  // Reads a key file holding either exactly 32 raw bytes, or 64 hexadecimal characters
  // optionally followed by a newline ("\n" or "\r\n"). Failures: NotFound (no such file), IoError
  // (unreadable), InvalidArgument (wrong length or not hexadecimal); the message names the file.
  static Result<Key> ReadKeyFile(const std::string& path);

  // Parses 64 hexadecimal characters (either case). InvalidArgument otherwise.
  static Result<Key> ParseKeyHex(std::string_view hex);

  // Uses the key in a file (see ReadKeyFile for the format and failures).
  static Result<CallerKeyHasher> FromKeyFile(const std::string& path);

  // Uses `key` as the secret. InvalidArgument unless it is exactly 32 bytes.
  static Result<CallerKeyHasher> FromKeyBytes(std::span<const unsigned char> key);

  // Uses a key given as 64 hexadecimal characters (either case). InvalidArgument otherwise.
  static Result<CallerKeyHasher> FromKeyHex(std::string_view hex);

  // A fresh random key (libsodium randombytes) as 64 lowercase hex characters; "" only if
  // libsodium cannot initialise (no entropy source).
  static std::string GenerateKeyHex();

  // Reduces a caller identity to the digits that identify it: a SIP URI is reduced to its user
  // part, every non-digit is dropped (so "+1 (555) 010-2030" and "15550102030" are the same
  // caller). Returns "" for an anonymous caller: empty, "anonymous", "unknown", "restricted",
  // "private", or anything without a digit.
  static std::string NormalizeCallerNumber(std::string_view caller);

  // The caller key: keyed BLAKE2b-128 of the normalised number as 32 lowercase hex characters,
  // or "" when the caller is anonymous.
  std::string Hash(std::string_view caller) const;

  CallerKeyHasher(const CallerKeyHasher&) = default;
  CallerKeyHasher& operator=(const CallerKeyHasher&) = default;
  ~CallerKeyHasher();

 private:
  explicit CallerKeyHasher(std::span<const unsigned char, kKeyBytes> key);

  Key key_;
};

}  // namespace ccmon
