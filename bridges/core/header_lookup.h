// Header lookup the text protocols of the socket bridges share: AMI messages and FreeSWITCH
// event-socket frames are lists of "Key: Value" headers whose keys compare ASCII
// case-insensitively.
//
// Header-only, no state; safe anywhere.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ccmon::bridges {

// ASCII case-insensitive equality (header keys, event names, reply words).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const auto lower = [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  };
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The value of the first header in `headers` (anything iterable over elements with std::string
// `key` and `value`) whose key equals `key` ignoring case; nullptr if none.
template <typename HeaderList>
const std::string* FindHeader(const HeaderList& headers, std::string_view key) {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.key, key)) return &h.value;
  }
  return nullptr;
}

}  // namespace ccmon::bridges
