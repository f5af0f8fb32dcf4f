// 64-bit keys of first-contact resolution (collectors/fcr_tracker.h): a caller key hash and a
// contact hash, computed from the strings a Fact carries without allocating.
//
// Caller keys from the bridges are hex BLAKE2b digests (common/caller_key.h: 32 hex characters),
// already uniform: their first 16 hex digits are the key. Any other non-empty string (a bridge
// that hashes differently, a hand-written jsonl stream) is hashed with FNV-1a and mixed, so short
// or structured strings still spread over all 64 bits. Two callers share a key with probability
// about n²/2⁶⁵ (≈ 3·10⁻⁸ for a million callers); such a pair would look like one caller.
//
// Contact ids are unique per source (DESIGN §2), so the contact hash covers both.
//
// Pure functions; safe on any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace ccmon::collectors {

// The 64-bit finaliser of SplitMix64: a bijection that spreads every input bit over the output.
constexpr std::uint64_t FcrMix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// FNV-1a over `bytes`, continuing from `h` (start with kFnvOffset), not yet mixed.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t FcrFnv1a(std::string_view bytes, std::uint64_t h = kFnvOffset) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The key of a non-empty caller key: its first 16 hex digits when it starts with at least 16
// hex digits (a bridge's digest), else a mixed FNV-1a hash of the whole string.
constexpr std::uint64_t FcrCallerHash(std::string_view caller_key) {
  if (caller_key.size() >= 16) {
    std::uint64_t v = 0;
    bool hex = true;
    for (std::size_t i = 0; i < 16 && hex; ++i) {
      const char c = caller_key[i];
      std::uint64_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<std::uint64_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<std::uint64_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<std::uint64_t>(c - 'A' + 10);
      } else {
        hex = false;
      }
      v = (v << 4) | d;
    }
    if (hex) return v;
  }
  return FcrMix64(FcrFnv1a(caller_key));
}

// The key of contact `contact_id` of source `source`.
constexpr std::uint64_t FcrContactHash(std::uint32_t source, std::string_view contact_id) {
  std::uint64_t h = kFnvOffset;
  for (int i = 0; i < 4; ++i) {
    h ^= (source >> (8 * i)) & 0xffu;
    h *= 0x100000001b3ULL;
  }
  return FcrMix64(FcrFnv1a(contact_id, h));
}

}  // namespace ccmon::collectors
