#include "bridges/core/csv.h"

#include <sstream>

namespace ccmon::bridges {

CsvReader::Result CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  if (at_start_) {
    at_start_ = false;
    // Skip a UTF-8 byte-order mark.
    if (in_.peek() == 0xEF) {
      char bom[3];
      in_.read(bom, 3);
      if (in_.gcount() != 3 || bom[1] != '\xBB' || bom[2] != '\xBF') {
        in_.clear();
        for (std::streamsize i = in_.gcount(); i > 0; --i) in_.unget();
      }
    }
  }
  int c = in_.get();
  if (c == std::char_traits<char>::eof()) return Result::kEnd;
  record_line_ = line_;
  std::string field;
  bool quoted = false;      // Inside a quoted section.
  bool was_quoted = false;  // The field started with a quote.
  while (true) {
    if (c == std::char_traits<char>::eof()) {
      fields->push_back(std::move(field));
      return quoted ? Result::kTorn : Result::kRecord;
    }
    const char ch = static_cast<char>(c);
    if (quoted) {
      if (ch == '"') {
        if (in_.peek() == '"') {
          in_.get();
          field += '"';
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++line_;
        field += ch;
      }
    } else if (ch == '"' && field.empty() && !was_quoted) {
      quoted = true;
      was_quoted = true;
    } else if (ch == separator_) {
      fields->push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && in_.peek() == '\n') in_.get();
      ++line_;
      fields->push_back(std::move(field));
      return Result::kRecord;
    } else {
      field += ch;  // Includes a stray quote inside an unquoted field, kept as text.
    }
    c = in_.get();
  }
}

std::vector<std::string> SplitCsvLine(std::string_view line, char separator) {
  std::istringstream in{std::string(line)};
  CsvReader reader(in, separator);
  std::vector<std::string> fields;
  // A quote left open at the end of the line: the rest of the line is the last field.
  if (reader.Next(&fields) == CsvReader::Result::kEnd) fields.emplace_back();
  return fields;
}

}  // namespace ccmon::bridges
