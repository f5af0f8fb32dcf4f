// JsonWriter: appends well-formed JSON to a string, for the JSON API (/api/v1/...,
// wallboard_api.h).
//
// Strings are escaped whatever they hold: '"', '\\' and control characters as JSON requires,
// '<', '>', '&' and U+2028/U+2029 as \u escapes too (so the text is also safe inside HTML or a
// <script> element), and bytes that are not valid UTF-8 are replaced by U+FFFD, so the output is
// always valid UTF-8 JSON. Numbers are written as the /metrics text writes them (FormatDouble:
// the shortest text that reads back as the same double); NaN and infinities, which JSON cannot
// express, become null.
//
// A plain value type; use one writer per thread. Commas are inserted by the writer: call
// Key() before each member value, and the Begin/End calls must nest (a bug otherwise, checked by
// assertions in debug builds).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccmon::web {

// Appends `text` as a JSON string literal (quotes included), escaped as described above.
// `max_bytes` bounds the bytes of `text` taken (cut at a UTF-8 character boundary, so a cut never
// leaves half a character).
void AppendJsonString(std::string_view text, std::string* out,
                      std::size_t max_bytes = std::string_view::npos);

// Appends `value` as a JSON number, or null when it is NaN or infinite.
void AppendJsonNumber(double value, std::string* out);

class JsonWriter {
 public:
  // Appends to *out (not owned; must outlive the writer).
  explicit JsonWriter(std::string* out, std::size_t max_string_bytes = std::string_view::npos)
      : out_(out), max_string_bytes_(max_string_bytes) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // The name of the next member of the current object.
  void Key(std::string_view name);
  void String(std::string_view value);
  void Number(double value);
  // A number, or null when absent.
  void Number(std::optional<double> value);
  void Bool(bool value);
  void Null();

 private:
  void BeforeValue();

  std::string* out_;
  std::size_t max_string_bytes_;
  // Per open container: whether it has an element yet (a comma goes before the next one).
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace ccmon::web
