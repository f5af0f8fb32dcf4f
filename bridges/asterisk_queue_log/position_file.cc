#include "bridges/asterisk_queue_log/position_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace ccmon::asterisk_queue_log {
namespace {

constexpr std::string_view kMagic = "ccmon-asterisk-queue-log-position 1";

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

// Writes all of `data` to fd.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::uint64_t Fingerprint(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

Status SavePosition(const std::string& path, const SavedPosition& saved) {
  std::ostringstream text;
  const FilePosition& f = saved.file;
  text << kMagic << "\n"
       << "file " << f.device << " " << f.inode << " " << f.offset << " " << f.fingerprint_bytes
       << " " << f.fingerprint << "\n"
       << saved.mapper_state << "end\n";
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Errno(tmp);
  const std::string data = text.str();
  if (!WriteAll(fd, data) || ::fsync(fd) != 0) {
    const Status s = Errno(tmp);
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Errno(tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename to " + path);
  // The rename is durable once the directory is synced.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // Best effort: some filesystems refuse fsync on directories.
    ::close(dfd);
  }
  return Status::Ok();
}

Result<SavedPosition> LoadPosition(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return Status::NotFound(path + ": no position saved");
    return Status::IoError(path + ": cannot open");
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError(path + ": read failed");
  const auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument(path + ": not a position file of this bridge (" + why +
                                   "); remove it to start afresh");
  };
  std::string_view rest = text;
  const auto next_line = [&]() {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    return line;
  };
  if (next_line() != kMagic) return invalid("bad first line");
  SavedPosition saved;
  std::istringstream file_line{std::string(next_line())};
  std::string word;
  FilePosition& f = saved.file;
  if (!(file_line >> word >> f.device >> f.inode >> f.offset >> f.fingerprint_bytes >>
        f.fingerprint) ||
      word != "file") {
    return invalid("bad file line");
  }
  constexpr std::string_view kEnd = "end\n";
  if (rest.size() < kEnd.size() || rest.substr(rest.size() - kEnd.size()) != kEnd) {
    return invalid("no end line");
  }
  saved.mapper_state = std::string(rest.substr(0, rest.size() - kEnd.size()));
  return saved;
}

}  // namespace ccmon::asterisk_queue_log
