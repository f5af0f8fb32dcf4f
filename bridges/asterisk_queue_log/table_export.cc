#include "bridges/asterisk_queue_log/table_export.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "bridges/core/csv.h"

namespace ccmon::asterisk_queue_log {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A row with its 1-based line, before it becomes a record.
struct RawRow {
  std::uint64_t line = 0;
  std::vector<std::string> values;
};

// Which column holds what, for one header.
class ColumnLayout {
 public:
  // InvalidArgument naming the missing columns when `names` is not a queue_log layout.
  static Result<ColumnLayout> FromHeader(const std::vector<std::string>& names) {
    ColumnLayout l;
    l.columns_ = names.size();
    std::vector<std::string> lower;
    for (const std::string& n : names) {
      std::string_view v = Trim(n);
      if (v.size() >= 2 && (v.front() == '`' || v.front() == '"') && v.back() == v.front()) {
        v = v.substr(1, v.size() - 2);
      }
      lower.push_back(Lower(v));
    }
    const auto find = [&](std::string_view name) {
      auto it = std::find(lower.begin(), lower.end(), name);
      return it == lower.end() ? -1 : static_cast<int>(it - lower.begin());
    };
    l.callid_ = find("callid");
    l.event_ = find("event");
    if (find("param1") >= 0 && find("htime") >= 0) {
      // Bicom PBXware's export (reference/event-formats.md §1.5).
      l.pbxware_ = true;
      l.epoch_ = find("date_time");
      l.time_ = find("time");
      l.queue_ = find("queue_name");
      l.agent_ = find("type");
      for (const char* p : {"param1", "param2", "param3"}) l.params_.push_back(find(p));
      l.entpos_ = find("entpos");
      l.expos_ = find("expos");
      l.htime_ = find("htime");
      l.ttime_ = find("ttime");
      std::string missing;
      const std::pair<const char*, int> required[] = {
          {"callid", l.callid_}, {"queue_name", l.queue_}, {"type", l.agent_}, {"event", l.event_},
          {"entpos", l.entpos_}, {"expos", l.expos_},      {"ttime", l.ttime_}};
      for (const auto& [name, index] : required) {
        if (index < 0) missing += std::string(missing.empty() ? "" : ", ") + name;
      }
      if (l.epoch_ < 0 && l.time_ < 0) missing += std::string(missing.empty() ? "" : ", ") + "time";
      if (!missing.empty()) {
        return Status::InvalidArgument("PBXware queue_log columns missing: " + missing);
      }
      return l;
    }
    // Asterisk's realtime table (reference/event-formats.md §1.1).
    l.time_ = find("time");
    l.queue_ = find("queuename");
    if (l.queue_ < 0) l.queue_ = find("queue_name");
    l.agent_ = find("agent");
    for (const char* d : {"data1", "data2", "data3", "data4", "data5"}) {
      if (const int i = find(d); i >= 0) l.data_.push_back(i);
    }
    l.joined_ = find("data");
    std::string missing;
    const std::pair<const char*, int> required[] = {{"time", l.time_},
                                                    {"callid", l.callid_},
                                                    {"queuename", l.queue_},
                                                    {"agent", l.agent_},
                                                    {"event", l.event_}};
    for (const auto& [name, index] : required) {
      if (index < 0) missing += std::string(missing.empty() ? "" : ", ") + name;
    }
    if (l.data_.empty() && l.joined_ < 0) {
      missing += std::string(missing.empty() ? "" : ", ") + "data1..data5 or data";
    }
    if (!missing.empty()) {
      return Status::InvalidArgument("not a queue_log table: columns missing: " + missing);
    }
    return l;
  }

  // Fills *out from one row; false with *reason when the row is not a record.
  bool ToRecord(const RawRow& row, const TimeZone& zone, QueueLogRecord* out,
                std::string* reason) const {
    const std::vector<std::string>& v = row.values;
    if (v.size() != columns_) {
      *reason =
          std::to_string(v.size()) + " columns where the header has " + std::to_string(columns_);
      return false;
    }
    std::optional<UnixMs> time;
    if (epoch_ >= 0) time = ParseEpochTime(Trim(v[epoch_]));
    if (!time && time_ >= 0) time = ParseTableTime(Trim(v[time_]), zone);
    if (!time) {
      *reason = "bad time";
      return false;
    }
    out->time_ms = *time;
    out->callid = Trim(v[callid_]);
    out->queue = Trim(v[queue_]);
    out->agent = Trim(v[agent_]);
    out->verb = Trim(v[event_]);
    if (out->verb.empty()) {
      *reason = "empty event";
      return false;
    }
    out->data.clear();
    if (pbxware_) {
      PbxwareData(v, out);
    } else if (!data_.empty()) {
      for (const int i : data_) out->data.push_back(v[i]);
    } else {
      const std::string& joined = v[joined_];
      std::size_t start = 0;
      while (true) {
        const std::size_t bar = joined.find('|', start);
        out->data.push_back(joined.substr(start, bar == std::string::npos ? bar : bar - start));
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
    }
    return true;
  }

 private:
  // PBXware stores some parameters in named columns; put them back where Asterisk writes them
  // (data1, data2, …), so the mapper reads one layout. Inferred from the real export:
  // docs/bridges/asterisk-queue-log.md, "PBXware columns".
  void PbxwareData(const std::vector<std::string>& v, QueueLogRecord* out) const {
    const auto col = [&](int i) { return i >= 0 ? std::string(Trim(v[i])) : std::string(); };
    const std::string p1 = col(params_[0]), p2 = col(params_[1]), p3 = col(params_[2]);
    const std::string entpos = col(entpos_), expos = col(expos_), htime = col(htime_),
                      ttime = col(ttime_);
    const std::string& verb = out->verb;
    if (verb == "ENTERQUEUE") {
      out->data = {"", p1, entpos};
    } else if (verb == "RINGNOANSWER" || verb == "RINGCANCELED") {
      out->data = {htime};  // Milliseconds, as in the file.
    } else if (verb == "CONNECT") {
      out->data = {htime, p2, p3};
    } else if (verb == "COMPLETECALLER" || verb == "COMPLETEAGENT") {
      out->data = {htime, ttime, entpos};
    } else if (verb == "ABANDON" || verb == "EXITWITHTIMEOUT" || verb == "EXITEMPTY") {
      out->data = {expos, entpos, htime};
    } else if (verb == "EXITWITHKEY") {
      out->data = {p1, expos, entpos, htime};
    } else if (verb == "TRANSFER" || verb == "BLINDTRANSFER" || verb == "ATTENDEDTRANSFER") {
      out->data = {p2, p3, htime, ttime, entpos};
    } else {
      out->data = {p1, p2, p3};
    }
  }

  std::size_t columns_ = 0;
  bool pbxware_ = false;
  int time_ = -1, epoch_ = -1, callid_ = -1, queue_ = -1, agent_ = -1, event_ = -1;
  std::vector<int> data_;
  int joined_ = -1;
  std::vector<int> params_;
  int entpos_ = -1, expos_ = -1, htime_ = -1, ttime_ = -1;
};

// Turns one block of rows into records in replay order (see the header comment).
void AddBlock(const ColumnLayout& layout, const std::vector<RawRow>& rows, const TimeZone& zone,
              ExportContents* out) {
  std::vector<QueueLogRecord> block;
  for (const RawRow& row : rows) {
    QueueLogRecord r;
    std::string reason;
    if (layout.ToRecord(row, zone, &r, &reason)) {
      block.push_back(std::move(r));
    } else {
      out->malformed.push_back(RejectedRow{row.line, std::move(reason)});
    }
  }
  std::size_t ascending = 0, descending = 0;
  for (std::size_t i = 1; i < block.size(); ++i) {
    if (block[i].time_ms > block[i - 1].time_ms) ++ascending;
    if (block[i].time_ms < block[i - 1].time_ms) ++descending;
  }
  if (descending > ascending) {
    std::reverse(block.begin(), block.end());
    ++out->reversed_blocks;
  }
  std::stable_sort(
      block.begin(), block.end(),
      [](const QueueLogRecord& a, const QueueLogRecord& b) { return a.time_ms < b.time_ms; });
  std::move(block.begin(), block.end(), std::back_inserter(out->records));
  ++out->blocks;
}

bool IsBlankRow(const std::vector<std::string>& values) {
  return std::all_of(values.begin(), values.end(),
                     [](const std::string& v) { return Trim(v).empty(); });
}

Result<ExportContents> ReadCsv(std::string_view text, const TimeZone& zone) {
  std::istringstream in{std::string(text)};
  bridges::CsvReader reader(in);
  std::vector<std::string> header;
  if (reader.Next(&header) != bridges::CsvReader::Result::kRecord) {
    return Status::InvalidArgument("not a queue_log table: the CSV file is empty");
  }
  auto layout = ColumnLayout::FromHeader(header);
  if (!layout.ok()) return layout.status();
  ExportContents out;
  std::vector<RawRow> rows;
  std::vector<std::string> values;
  std::uint64_t torn_line = 0;
  while (true) {
    const bridges::CsvReader::Result r = reader.Next(&values);
    if (r == bridges::CsvReader::Result::kEnd) break;
    if (r == bridges::CsvReader::Result::kTorn) {
      torn_line = reader.record_line();  // The rest of the file is inside that quote.
      break;
    }
    if (IsBlankRow(values)) continue;
    rows.push_back(RawRow{reader.record_line(), values});
  }
  AddBlock(*layout, rows, zone, &out);
  if (torn_line > 0) out.malformed.push_back(RejectedRow{torn_line, "quote never closed"});
  return out;
}

// --- psql aligned output ---

bool IsRule(std::string_view line) {
  line = Trim(line);
  return !line.empty() && line.find_first_not_of("-+") == std::string_view::npos &&
         line.find('-') != std::string_view::npos;
}

std::vector<std::string> SplitBars(std::string_view line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = line.find('|', start);
    out.emplace_back(
        Trim(line.substr(start, bar == std::string_view::npos ? line.npos : bar - start)));
    if (bar == std::string_view::npos) return out;
    start = bar + 1;
  }
}

Result<ExportContents> ReadPsql(std::string_view text, const TimeZone& zone) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  ExportContents out;
  Status first_error = Status::Ok();
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (!IsRule(lines[i + 1]) || Trim(lines[i]).empty()) continue;
    const std::vector<std::string> names = SplitBars(lines[i]);
    std::vector<std::size_t> joints;  // Where the rule has '+': the column boundaries.
    for (std::size_t p = lines[i + 1].find('+'); p != std::string_view::npos;
         p = lines[i + 1].find('+', p + 1)) {
      joints.push_back(p);
    }
    if (names.size() != joints.size() + 1) continue;  // A rule that is not under a header.
    auto layout = ColumnLayout::FromHeader(names);
    std::vector<RawRow> rows;
    std::size_t j = i + 2;
    for (; j < lines.size(); ++j) {
      const std::string_view line = lines[j];
      const std::string_view trimmed = Trim(line);
      if (trimmed.empty() || trimmed.front() == '(') break;  // Blank line or "(N rows)".
      // psql pads every column to its width, so the separators sit under the rule's '+'. A
      // value with a multi-byte character shifts them; then split on '|' instead.
      bool aligned = true;
      for (const std::size_t p : joints) aligned = aligned && p < line.size() && line[p] == '|';
      RawRow row{j + 1, {}};
      if (aligned) {
        std::size_t start = 0;
        for (const std::size_t p : joints) {
          row.values.emplace_back(Trim(line.substr(start, p - start)));
          start = p + 1;
        }
        row.values.emplace_back(Trim(line.substr(start)));
      } else {
        row.values = SplitBars(line);
      }
      rows.push_back(std::move(row));
    }
    if (layout.ok()) {
      AddBlock(*layout, rows, zone, &out);
    } else if (first_error.ok()) {
      first_error = layout.status();
    }
    i = j;
  }
  if (out.blocks == 0) {
    return first_error.ok() ? Status::InvalidArgument("not a queue_log table: no psql table found")
                            : first_error;
  }
  return out;
}

// --- SQL dumps ---

// A small scanner over a mysqldump-style script: statements, comments, quoted strings.
class SqlScanner {
 public:
  explicit SqlScanner(std::string_view text) : s_(text) {}

  bool AtEnd() const { return p_ >= s_.size(); }
  std::size_t pos() const { return p_; }

  // 1-based line of position p (p only grows between calls).
  std::uint64_t LineAt(std::size_t p) {
    for (; counted_ < p && counted_ < s_.size(); ++counted_) {
      if (s_[counted_] == '\n') ++line_;
    }
    return line_;
  }

  // Skips blanks and comments (-- …, # …, /* … */).
  void SkipSpace() {
    while (p_ < s_.size()) {
      const char c = s_[p_];
      if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        ++p_;
      } else if (c == '#' || (c == '-' && Peek(1) == '-')) {
        const std::size_t nl = s_.find('\n', p_);
        p_ = nl == std::string_view::npos ? s_.size() : nl + 1;
      } else if (c == '/' && Peek(1) == '*') {
        const std::size_t end = s_.find("*/", p_ + 2);
        p_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  // A bare word (letters, digits, _, $), lower-cased; "" if none here.
  std::string Word() {
    SkipSpace();
    const std::size_t start = p_;
    while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) != 0 ||
                              s_[p_] == '_' || s_[p_] == '$')) {
      ++p_;
    }
    return Lower(s_.substr(start, p_ - start));
  }

  // An identifier, quoted (`x`, "x") or bare, keeping the last part of db.table.
  std::string Identifier() {
    std::string name;
    while (true) {
      SkipSpace();
      if (p_ < s_.size() && (s_[p_] == '`' || s_[p_] == '"')) {
        name = QuotedString();
      } else {
        const std::size_t start = p_;
        while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) != 0 ||
                                  s_[p_] == '_' || s_[p_] == '$')) {
          ++p_;
        }
        name = std::string(s_.substr(start, p_ - start));
      }
      if (p_ < s_.size() && s_[p_] == '.') {
        ++p_;
        continue;
      }
      return name;
    }
  }

  bool Consume(char c) {
    SkipSpace();
    if (p_ < s_.size() && s_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // A string in quotes at the current position (the quote character decides the end),
  // with MySQL's backslash escapes and doubled quotes. Unterminated: the rest of the text.
  std::string QuotedString() {
    const char quote = s_[p_++];
    std::string out;
    while (p_ < s_.size()) {
      const char c = s_[p_++];
      if (c == '\\' && quote != '`' && p_ < s_.size()) {
        const char e = s_[p_++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case '0':
            out += '\0';
            break;
          case 'b':
            out += '\b';
            break;
          case 'Z':
            out += '\x1a';
            break;
          default:
            out += e;
        }
      } else if (c == quote) {
        if (p_ < s_.size() && s_[p_] == quote) {
          out += quote;
          ++p_;
        } else {
          return out;
        }
      } else {
        out += c;
      }
    }
    unterminated_ = true;
    return out;
  }

  // One value of a VALUES tuple: a quoted string, NULL (→ ""), or a bare token.
  std::string Value() {
    SkipSpace();
    if (p_ < s_.size() && (s_[p_] == '\'' || s_[p_] == '"')) return QuotedString();
    const std::size_t start = p_;
    while (p_ < s_.size() && s_[p_] != ',' && s_[p_] != ')' &&
           std::isspace(static_cast<unsigned char>(s_[p_])) == 0) {
      ++p_;
    }
    const std::string token(s_.substr(start, p_ - start));
    return Lower(token) == "null" ? std::string() : token;
  }

  // Skips to just after the next ';' outside quotes and comments (or the end).
  void SkipStatement() {
    while (p_ < s_.size()) {
      SkipSpace();
      if (p_ >= s_.size()) return;
      const char c = s_[p_];
      if (c == '\'' || c == '"' || c == '`') {
        QuotedString();
      } else {
        ++p_;
        if (c == ';') return;
      }
    }
  }

  // Skips a parenthesised group starting at '(' (nested, quotes respected).
  void SkipGroup() {
    int depth = 0;
    while (p_ < s_.size()) {
      SkipSpace();
      if (p_ >= s_.size()) return;
      const char c = s_[p_];
      if (c == '\'' || c == '"' || c == '`') {
        QuotedString();
        continue;
      }
      ++p_;
      if (c == '(') ++depth;
      if (c == ')' && --depth <= 0) return;
    }
  }

  char Peek(std::size_t ahead = 0) const { return p_ + ahead < s_.size() ? s_[p_ + ahead] : '\0'; }
  bool unterminated() const { return unterminated_; }

 private:
  std::string_view s_;
  std::size_t p_ = 0;
  std::size_t counted_ = 0;
  std::uint64_t line_ = 1;
  bool unterminated_ = false;
};

// Column names of a CREATE TABLE body; the scanner is just after "TABLE".
std::vector<std::string> ParseCreateColumns(SqlScanner& sc, std::string* table) {
  std::vector<std::string> columns;
  std::string word = sc.Word();
  if (word == "if") {  // IF NOT EXISTS
    sc.Word();
    sc.Word();
  } else if (!word.empty()) {
    // The word was the (bare) table name.
    *table = word;
  }
  if (table->empty()) *table = Lower(sc.Identifier());
  if (!sc.Consume('(')) return columns;
  static constexpr std::string_view kNotColumns[] = {
      "primary", "unique", "key", "index", "constraint", "foreign", "check", "fulltext", "spatial"};
  while (!sc.AtEnd()) {
    sc.SkipSpace();
    const char c = sc.Peek();
    std::string name;
    if (c == '`' || c == '"') {
      name = sc.QuotedString();
      columns.push_back(name);
    } else {
      name = sc.Word();
      if (!name.empty() && std::find(std::begin(kNotColumns), std::end(kNotColumns), name) ==
                               std::end(kNotColumns)) {
        columns.push_back(name);
      }
    }
    // Skip the rest of the definition up to ',' or the closing ')'.
    while (!sc.AtEnd()) {
      sc.SkipSpace();
      const char d = sc.Peek();
      if (d == '(') {
        sc.SkipGroup();
      } else if (d == '\'' || d == '"' || d == '`') {
        sc.QuotedString();
      } else if (d == ',') {
        sc.Consume(',');
        break;
      } else if (d == ')') {
        sc.Consume(')');
        sc.SkipStatement();
        return columns;
      } else {
        sc.Consume(d);
      }
    }
  }
  return columns;
}

// The realtime layout guessed from a tuple's size, for an INSERT with no column names known.
std::vector<std::string> GuessColumns(std::size_t count) {
  std::vector<std::string> base{"time", "callid", "queuename", "agent", "event"};
  if (count == 10 || count == 11) {
    for (const char* d : {"data1", "data2", "data3", "data4", "data5"}) base.emplace_back(d);
  } else if (count == 6 || count == 7) {
    base.emplace_back("data");
  } else {
    return {};
  }
  if (count == 11 || count == 7) base.insert(base.begin(), "id");
  return base;
}

Result<ExportContents> ReadSql(std::string_view text, const TimeZone& zone) {
  SqlScanner sc(text);
  std::vector<std::pair<std::string, std::vector<std::string>>> tables;  // From CREATE TABLE.
  ExportContents out;
  Status first_error = Status::Ok();
  while (true) {
    sc.SkipSpace();
    if (sc.AtEnd()) break;
    const std::string word = sc.Word();
    if (word == "create") {
      if (sc.Word() != "table") {
        sc.SkipStatement();
        continue;
      }
      std::string table;
      std::vector<std::string> columns = ParseCreateColumns(sc, &table);
      tables.emplace_back(std::move(table), std::move(columns));
      continue;
    }
    if (word != "insert" && word != "replace") {
      sc.SkipStatement();
      continue;
    }
    std::string next = sc.Word();
    while (next == "low_priority" || next == "delayed" || next == "high_priority" ||
           next == "ignore") {
      next = sc.Word();
    }
    std::string table = Lower(next == "into" ? sc.Identifier() : next);
    std::vector<std::string> columns;
    if (sc.Consume('(')) {
      do {
        columns.push_back(sc.Identifier());
      } while (sc.Consume(','));
      sc.Consume(')');
    } else {
      for (const auto& [name, cols] : tables) {
        if (name == table) columns = cols;
      }
    }
    const std::string values_word = sc.Word();
    if (values_word != "values" && values_word != "value") {
      sc.SkipStatement();
      continue;
    }
    std::vector<RawRow> rows;
    while (sc.Consume('(')) {
      RawRow row;
      row.line = sc.LineAt(sc.pos());
      if (!sc.Consume(')')) {
        do {
          row.values.push_back(sc.Value());
        } while (sc.Consume(','));
        sc.Consume(')');
      }
      rows.push_back(std::move(row));
      if (!sc.Consume(',')) break;
    }
    sc.SkipStatement();
    if (columns.empty() && !rows.empty()) columns = GuessColumns(rows.front().values.size());
    auto layout = ColumnLayout::FromHeader(columns);
    if (!layout.ok()) {
      out.skipped_rows += rows.size();
      if (first_error.ok()) first_error = layout.status().WithContext("table " + table);
      continue;
    }
    AddBlock(*layout, rows, zone, &out);
  }
  if (out.blocks == 0) {
    return first_error.ok()
               ? Status::InvalidArgument("not a queue_log table: no INSERT statement found")
               : first_error;
  }
  return out;
}

}  // namespace

std::optional<InputFormat> ParseInputFormat(std::string_view name) {
  if (name == "file") return InputFormat::kQueueLogFile;
  if (name == "csv") return InputFormat::kCsv;
  if (name == "sql") return InputFormat::kSql;
  if (name == "psql") return InputFormat::kPsql;
  return std::nullopt;
}

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kQueueLogFile:
      return "file";
    case InputFormat::kCsv:
      return "csv";
    case InputFormat::kSql:
      return "sql";
    case InputFormat::kPsql:
      return "psql";
  }
  return "file";
}

InputFormat SniffInputFormat(std::string_view head) {
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  std::vector<std::string_view> lines;
  for (std::string_view rest = head; !rest.empty();) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  }
  std::string_view first;
  for (const std::string_view line : lines) {
    if (!Trim(line).empty()) {
      first = Trim(line);
      break;
    }
  }
  if (first.empty()) return InputFormat::kQueueLogFile;
  const std::size_t bar = first.find('|');
  if (bar != std::string_view::npos && bar > 0 &&
      ParseEpochTime(first.substr(0, bar)).has_value()) {
    return InputFormat::kQueueLogFile;
  }
  const std::string lower = Lower(head);
  if (lower.find("insert into") != std::string::npos ||
      lower.find("create table") != std::string::npos) {
    return InputFormat::kSql;
  }
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].find('|') != std::string_view::npos && IsRule(lines[i + 1])) {
      return InputFormat::kPsql;
    }
  }
  if (first.find(',') != std::string_view::npos) return InputFormat::kCsv;
  return InputFormat::kQueueLogFile;
}

Result<ExportContents> ReadTableExport(std::string_view text, InputFormat format,
                                       const TimeZone& zone) {
  switch (format) {
    case InputFormat::kCsv:
      return ReadCsv(text, zone);
    case InputFormat::kSql:
      return ReadSql(text, zone);
    case InputFormat::kPsql:
      return ReadPsql(text, zone);
    case InputFormat::kQueueLogFile:
      break;
  }
  return Status::InvalidArgument("a queue_log file is not a table export");
}

Result<ExportContents> ReadTableExportFile(const std::string& path, InputFormat format,
                                           const TimeZone& zone) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError(path + ": read failed");
  auto contents = ReadTableExport(text, format, zone);
  if (!contents.ok()) return contents.status().WithContext(path);
  return contents;
}

}  // namespace ccmon::asterisk_queue_log
