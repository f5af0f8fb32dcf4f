#include "daemon/export/json_writer.h"

#include <cassert>
#include <cmath>
#include <cstdint>

#include "daemon/export/text_format.h"

namespace ccmon::web {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(std::uint32_t code, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(code >> shift) & 0xF]);
}

// The length of the valid UTF-8 sequence at the start of `s` (1-4), or 0 if it is not one
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). *code gets its value.
std::size_t Utf8Sequence(std::string_view s, std::uint32_t* code) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) {
    *code = c;
    return 1;
  }
  std::size_t n;
  std::uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, *code = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, *code = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, *code = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    *code = (*code << 6) | (b(i) & 0x3F);
  }
  if (*code < min || *code > 0x10FFFF || (*code >= 0xD800 && *code <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out, std::size_t max_bytes) {
  out->push_back('"');
  std::size_t taken = 0;
  while (!text.empty()) {
    std::uint32_t code = 0;
    std::size_t n = Utf8Sequence(text, &code);
    const std::size_t consumed = n == 0 ? 1 : n;
    if (taken + consumed > max_bytes) break;
    taken += consumed;
    if (n == 0) {
      out->append("\\ufffd");  // Not UTF-8: one replacement character per bad byte.
    } else if (code == '"') {
      out->append("\\\"");
    } else if (code == '\\') {
      out->append("\\\\");
    } else if (code == '\n') {
      out->append("\\n");
    } else if (code == '\r') {
      out->append("\\r");
    } else if (code == '\t') {
      out->append("\\t");
    } else if (code < 0x20 || code == 0x7F || code == '<' || code == '>' || code == '&' ||
               code == 0x2028 || code == 0x2029) {
      AppendUnicodeEscape(code, out);
    } else {
      out->append(text.substr(0, n));
    }
    text.remove_prefix(consumed);
  }
  out->push_back('"');
}

void AppendJsonNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    out->append("null");
    return;
  }
  if (value == 0) value = 0;  // "-0" is valid JSON but reads oddly on a board.
  char buffer[kMaxDoubleChars];
  out->append(buffer, FormatDouble(value, buffer));
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back()) out_->push_back(',');
    has_element_.back() = true;
  }
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  has_element_.push_back(false);
}

void JsonWriter::EndObject() {
  assert(!has_element_.empty() && !after_key_);
  has_element_.pop_back();
  out_->push_back('}');
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  has_element_.push_back(false);
}

void JsonWriter::EndArray() {
  assert(!has_element_.empty() && !after_key_);
  has_element_.pop_back();
  out_->push_back(']');
}

void JsonWriter::Key(std::string_view name) {
  assert(!has_element_.empty() && !after_key_);
  BeforeValue();
  AppendJsonString(name, out_);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(value, out_, max_string_bytes_);
}

void JsonWriter::Number(double value) {
  BeforeValue();
  AppendJsonNumber(value, out_);
}

void JsonWriter::Number(std::optional<double> value) {
  if (value) {
    Number(*value);
  } else {
    Null();
  }
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
}

}  // namespace ccmon::web
