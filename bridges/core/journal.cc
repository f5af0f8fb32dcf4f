#include "bridges/core/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace ccmon::bridges {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[] = "CCMONJ1\n";
constexpr std::size_t kMagicBytes = 8;
constexpr std::size_t kRecordHeaderBytes = 8;  // u32 length + u32 CRC.
constexpr std::uint32_t kMaxPayloadBytes = 64u << 20;

void PutU16(std::string* out, std::uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}
void PutU32(std::string* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutU64(std::string* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
std::uint64_t GetLE(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint32_t Crc32(const char* data, std::size_t n) {
  return static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

std::string SegmentName(std::uint64_t epoch, std::uint64_t index) {
  char name[64];
  std::snprintf(name, sizeof name, "%020llu-%010llu.ccj", static_cast<unsigned long long>(epoch),
                static_cast<unsigned long long>(index));
  return name;
}

// Parses "<epoch>-<index>.ccj"; false for any other name.
bool ParseSegmentName(const std::string& name, std::uint64_t* epoch, std::uint64_t* index) {
  if (name.size() != 20 + 1 + 10 + 4 || name.substr(31) != ".ccj" || name[20] != '-') return false;
  for (std::size_t i = 0; i < 31; ++i) {
    if (i != 20 && (name[i] < '0' || name[i] > '9')) return false;
  }
  *epoch = std::stoull(name.substr(0, 20));
  *index = std::stoull(name.substr(21, 10));
  return true;
}

std::string Header(const std::string& source) {
  std::string h(kMagic, kMagicBytes);
  PutU16(&h, static_cast<std::uint16_t>(source.size()));
  h += source;
  return h;
}

Status WriteAll(int fd, const std::string& data, const fs::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("journal: write " + path.string() + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

// One decoded record of a segment.
struct Record {
  std::uint64_t seq = 0;
  std::string topic;
  std::string envelope;
};

// Reads records from a segment stream positioned after the header. Returns false at a clean end
// of file; sets *bad when the bytes at the current offset are not a whole, intact record.
bool NextRecord(std::istream& in, Record* record, bool* bad) {
  *bad = false;
  char head[kRecordHeaderBytes];
  in.read(head, kRecordHeaderBytes);
  if (in.gcount() == 0) return false;
  if (in.gcount() != static_cast<std::streamsize>(kRecordHeaderBytes)) {
    *bad = true;
    return false;
  }
  const auto length = static_cast<std::uint32_t>(GetLE(head, 4));
  const auto crc = static_cast<std::uint32_t>(GetLE(head + 4, 4));
  if (length < 10 || length > kMaxPayloadBytes) {
    *bad = true;
    return false;
  }
  std::string payload(length, '\0');
  in.read(payload.data(), length);
  if (in.gcount() != static_cast<std::streamsize>(length) || Crc32(payload.data(), length) != crc) {
    *bad = true;
    return false;
  }
  const std::size_t topic_len = GetLE(payload.data() + 8, 2);
  if (10 + topic_len > length) {
    *bad = true;
    return false;
  }
  record->seq = GetLE(payload.data(), 8);
  record->topic.assign(payload, 10, topic_len);
  record->envelope.assign(payload, 10 + topic_len, std::string::npos);
  return true;
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::Open(JournalOptions options, std::string source,
                                               const Clock& clock) {
  if (source.empty() || source.size() > 0xFFFF) {
    return Status::InvalidArgument("journal: bad source name");
  }
  std::error_code ec;
  fs::create_directories(options.directory, ec);
  if (ec) {
    return Status::IoError("journal: cannot create " + options.directory.string() + ": " +
                           ec.message());
  }
  std::unique_ptr<Journal> journal(new Journal(std::move(options), std::move(source), clock));
  if (Status s = journal->Recover(); !s.ok()) return s;
  return journal;
}

Journal::Journal(JournalOptions options, std::string source, const Clock& clock)
    : options_(std::move(options)), source_(std::move(source)), clock_(clock) {}

Journal::~Journal() {
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
}

Status Journal::Recover() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.directory, ec)) {
    Segment s;
    if (!entry.is_regular_file() ||
        !ParseSegmentName(entry.path().filename().string(), &s.epoch, &s.index)) {
      continue;
    }
    s.path = entry.path();
    segments_.push_back(std::move(s));
  }
  if (ec) {
    return Status::IoError("journal: cannot list " + options_.directory.string() + ": " +
                           ec.message());
  }
  std::sort(segments_.begin(), segments_.end(), [](const Segment& a, const Segment& b) {
    return std::tie(a.epoch, a.index) < std::tie(b.epoch, b.index);
  });
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (Status s = ScanSegment(&segments_[i], i + 1 == segments_.size()); !s.ok()) return s;
  }
  if (segments_.empty()) return Status::Ok();
  recovery_.source_epoch = segments_.back().epoch;
  std::map<std::string, std::uint64_t> last;
  for (const Segment& s : segments_) {
    if (s.epoch != recovery_.source_epoch) continue;
    for (const auto& [topic, range] : s.topics) last[topic] = std::max(last[topic], range.second);
  }
  recovery_.positions.assign(last.begin(), last.end());
  return Status::Ok();
}

Status Journal::ScanSegment(Segment* segment, bool newest) {
  std::ifstream in(segment->path, std::ios::binary);
  if (!in) return Status::IoError("journal: cannot read " + segment->path.string());
  const std::string expected = Header(source_);
  std::string header(expected.size(), '\0');
  in.read(header.data(), static_cast<std::streamsize>(header.size()));
  const bool header_ok =
      in.gcount() == static_cast<std::streamsize>(header.size()) && header == expected;
  if (!header_ok) {
    if (header.compare(0, kMagicBytes, kMagic, kMagicBytes) == 0 &&
        in.gcount() >= static_cast<std::streamsize>(kMagicBytes + 2)) {
      return Status::InvalidArgument("journal: " + segment->path.string() +
                                     " belongs to another source; use another --journal-dir");
    }
    if (!newest || in.gcount() >= static_cast<std::streamsize>(kMagicBytes)) {
      return Status::InvalidArgument("journal: " + segment->path.string() +
                                     " is not a ccmon journal segment");
    }
    // The newest segment torn inside its header: nothing in it was ever acknowledged.
    in.close();
    recovery_.torn_tail_bytes += fs::file_size(segment->path);
    fs::resize_file(segment->path, 0);
    std::ofstream(segment->path, std::ios::binary | std::ios::trunc) << expected;
    segment->bytes = expected.size();
    return Status::Ok();
  }
  std::uint64_t good_end = expected.size();
  Record record;
  bool bad = false;
  while (NextRecord(in, &record, &bad)) {
    auto [it, inserted] = segment->topics.try_emplace(record.topic, record.seq, record.seq);
    if (!inserted) it->second.second = record.seq;
    good_end += kRecordHeaderBytes + 10 + record.topic.size() + record.envelope.size();
    ++recovery_.records;
  }
  const std::uint64_t size = fs::file_size(segment->path);
  if (bad) {
    if (newest) {
      recovery_.torn_tail_bytes += size - good_end;
      fs::resize_file(segment->path, good_end);
    } else {
      ++recovery_.corrupt_records;
    }
  }
  segment->bytes = newest && bad ? good_end : size;
  struct stat st {};
  if (::stat(segment->path.c_str(), &st) == 0) {
    segment->newest_ms =
        static_cast<UnixMs>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
  }
  return Status::Ok();
}

Status Journal::StartSegment(std::uint64_t epoch) {
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  Segment s;
  s.epoch = epoch;
  s.index = 0;
  for (const Segment& old : segments_) {
    if (old.epoch == epoch) s.index = std::max(s.index, old.index + 1);
  }
  s.path = options_.directory / SegmentName(epoch, s.index);
  fd_ = ::open(s.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    return Status::IoError("journal: cannot create " + s.path.string() + ": " +
                           std::strerror(errno));
  }
  const std::string header = Header(source_);
  if (Status st = WriteAll(fd_, header, s.path); !st.ok()) return st;
  s.bytes = header.size();
  s.newest_ms = clock_.NowMs();
  segments_.push_back(std::move(s));
  ApplyRetention();
  return Status::Ok();
}

Status Journal::Append(const std::string& topic, const v1::Envelope& env,
                       const std::string& serialized) {
  const std::uint64_t epoch = env.source_epoch();
  if (fd_ < 0 || segments_.back().epoch != epoch ||
      segments_.back().bytes >= options_.max_segment_bytes) {
    // After a restart the newest segment is reopened for appending when it still has room.
    if (fd_ < 0 && !segments_.empty() && segments_.back().epoch == epoch &&
        segments_.back().bytes < options_.max_segment_bytes) {
      fd_ = ::open(segments_.back().path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd_ < 0) {
        return Status::IoError("journal: cannot open " + segments_.back().path.string() + ": " +
                               std::strerror(errno));
      }
    } else if (Status s = StartSegment(epoch); !s.ok()) {
      return s;
    }
  }
  record_.clear();
  std::string payload;
  payload.reserve(10 + topic.size() + serialized.size());
  PutU64(&payload, env.seq());
  PutU16(&payload, static_cast<std::uint16_t>(topic.size()));
  payload += topic;
  payload += serialized;
  PutU32(&record_, static_cast<std::uint32_t>(payload.size()));
  PutU32(&record_, Crc32(payload.data(), payload.size()));
  record_ += payload;
  Segment& active = segments_.back();
  if (Status s = WriteAll(fd_, record_, active.path); !s.ok()) {
    // Leave no partial record behind: cut the file back to its last good size.
    if (::ftruncate(fd_, static_cast<off_t>(active.bytes)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    return s;
  }
  active.bytes += record_.size();
  active.newest_ms = clock_.NowMs();
  auto [it, inserted] = active.topics.try_emplace(topic, env.seq(), env.seq());
  if (!inserted) it->second.second = env.seq();
  return Status::Ok();
}

Status Journal::Sync() {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) {
    return Status::IoError(std::string("journal: fdatasync: ") + std::strerror(errno));
  }
  ApplyRetention();
  return Status::Ok();
}

void Journal::ApplyRetention() {
  const UnixMs now = clock_.NowMs();
  std::uint64_t total = bytes();
  // Never the active (last) segment.
  while (segments_.size() > 1) {
    const Segment& oldest = segments_.front();
    const bool too_big = total > options_.max_total_bytes;
    const bool too_old = now - oldest.newest_ms > options_.max_age_ms;
    if (!too_big && !too_old) break;
    std::error_code ec;
    fs::remove(oldest.path, ec);
    total -= oldest.bytes;
    segments_.erase(segments_.begin());
  }
}

std::uint64_t Journal::bytes() const {
  std::uint64_t total = 0;
  for (const Segment& s : segments_) total += s.bytes;
  return total;
}

Status Journal::ReadFrom(std::uint64_t epoch, const std::string& topic, std::uint64_t from_seq,
                         std::size_t max_records, std::vector<std::string>* envelopes,
                         std::uint64_t* first_available) const {
  envelopes->clear();
  *first_available = 0;
  for (const Segment& s : segments_) {
    if (s.epoch != epoch) continue;
    auto it = s.topics.find(topic);
    if (it == s.topics.end()) continue;
    if (*first_available == 0) *first_available = it->second.first;
    if (it->second.second < from_seq) continue;
    std::ifstream in(s.path, std::ios::binary);
    if (!in) return Status::IoError("journal: cannot read " + s.path.string());
    in.seekg(static_cast<std::streamoff>(Header(source_).size()));
    Record record;
    bool bad = false;
    while (envelopes->size() < max_records && NextRecord(in, &record, &bad)) {
      if (record.topic == topic && record.seq >= from_seq) {
        envelopes->push_back(std::move(record.envelope));
      }
    }
    if (envelopes->size() >= max_records) break;
  }
  return Status::Ok();
}

}  // namespace ccmon::bridges
