// A CSV record reader (RFC 4180 as spreadsheets and databases write it) for the bridges that read
// exports: quoted fields with doubled quotes, separators and line breaks inside quotes, LF or CRLF
// line ends, a configurable separator, and a UTF-8 byte-order mark at the start ignored.
//
// A torn file (a quote still open at the end of the input) is reported, not guessed at: Next()
// returns kTorn (the fields read so far are left in place for diagnostics, the last one cut).
// Records are returned as they are; column counts are the caller's business.
//
// Threading: not thread-safe; one reader per stream.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace ccmon::bridges {

class CsvReader {
 public:
  enum class Result { kRecord, kEnd, kTorn };

  explicit CsvReader(std::istream& in, char separator = ',') : in_(in), separator_(separator) {}

  // Reads the next record into *fields (cleared first). An empty line is a record with one empty
  // field.
  Result Next(std::vector<std::string>* fields);

  // 1-based line on which the record returned last started.
  std::uint64_t record_line() const { return record_line_; }

 private:
  std::istream& in_;
  char separator_;
  std::uint64_t line_ = 1;  // Line of the next character to read.
  std::uint64_t record_line_ = 0;
  bool at_start_ = true;
};

// Splits a single line that holds one whole record (no line breaks inside quotes); a quote left
// open runs to the end of the line.
std::vector<std::string> SplitCsvLine(std::string_view line, char separator = ',');

}  // namespace ccmon::bridges
