#include "tools/curve_certificate.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

namespace ccmon::tools {

namespace {

constexpr std::size_t kZ85KeyChars = 40;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Writes all of `text` to a new file at `path` with `mode` (exactly, whatever the umask).
Status WriteFile(const std::string& path, const std::string& text, mode_t mode, bool overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) return Status::IoError(fmt::format("{}: {}", path, std::strerror(errno)));
  Status status;
  if (::fchmod(fd, mode) != 0) {
    status = Status::IoError(fmt::format("{}: chmod: {}", path, std::strerror(errno)));
  }
  std::size_t done = 0;
  while (status.ok() && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = Status::IoError(fmt::format("{}: write: {}", path, std::strerror(errno)));
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (status.ok() && ::fsync(fd) != 0) {
    status = Status::IoError(fmt::format("{}: fsync: {}", path, std::strerror(errno)));
  }
  ::close(fd);
  return status;
}

}  // namespace

Result<CurveKeyPair> GenerateCurveKeyPair() {
  std::array<char, kZ85KeyChars + 1> public_key{};
  std::array<char, kZ85KeyChars + 1> secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0) {
    return Status::Unavailable(
        fmt::format("zmq_curve_keypair: {} (libzmq without CURVE?)", zmq_strerror(zmq_errno())));
  }
  return CurveKeyPair{public_key.data(), secret_key.data()};
}

bool IsZ85Key(std::string_view key) {
  if (key.size() != kZ85KeyChars) return false;
  const std::string text(key);
  std::array<std::uint8_t, 32> bytes{};
  return zmq_z85_decode(bytes.data(), text.c_str()) != nullptr;
}

Result<std::string> CurvePublicKeyOf(std::string_view secret_key) {
  if (!IsZ85Key(secret_key)) {
    return Status::InvalidArgument("secret key: not 40 characters of Z85");
  }
  const std::string secret(secret_key);
  std::array<char, kZ85KeyChars + 1> public_key{};
  if (zmq_curve_public(public_key.data(), secret.c_str()) != 0) {
    return Status::Unavailable(fmt::format("zmq_curve_public: {}", zmq_strerror(zmq_errno())));
  }
  return std::string(public_key.data());
}

std::string FormatCurveCertificate(const CurveKeyPair& keys, std::string_view generated_at) {
  const bool secret = !keys.secret_key.empty();
  std::string out = fmt::format("#   ****  Generated on {} by ccmon keygen  ****\n", generated_at);
  if (secret) {
    out +=
        "#   ZeroMQ CURVE **Secret** Certificate\n"
        "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n";
  } else {
    out +=
        "#   ZeroMQ CURVE Public Certificate\n"
        "#   Exchange securely, or use a secure mechanism to verify the contents\n"
        "#   of this file after exchange.\n";
  }
  out += "\nmetadata\ncurve\n";
  out += fmt::format("    public-key = \"{}\"\n", keys.public_key);
  if (secret) out += fmt::format("    secret-key = \"{}\"\n", keys.secret_key);
  return out;
}

Result<CurveKeyPair> ParseCurveCertificate(std::string_view text, std::string_view origin) {
  CurveKeyPair keys;
  bool in_curve = false;
  int line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    const bool indented = !line.empty() && (line.front() == ' ' || line.front() == '\t');
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (!indented) {  // A section name.
      in_curve = line == "curve";
      continue;
    }
    if (!in_curve) continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = Trim(line.substr(0, eq));
    std::string_view value = Trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    std::string* key = name == "public-key"   ? &keys.public_key
                       : name == "secret-key" ? &keys.secret_key
                                              : nullptr;
    if (key == nullptr) continue;
    if (!IsZ85Key(value)) {
      return Status::InvalidArgument(fmt::format("{}:{}: curve/{}: not a Z85 key of 40 characters",
                                                 origin, line_number, name));
    }
    *key = std::string(value);
  }
  if (keys.public_key.empty()) {
    return Status::InvalidArgument(fmt::format("{}: no curve/public-key", origin));
  }
  if (!keys.secret_key.empty()) {
    Result<std::string> derived = CurvePublicKeyOf(keys.secret_key);
    if (!derived.ok()) return derived.status().WithContext(std::string(origin));
    if (*derived != keys.public_key) {
      return Status::InvalidArgument(
          fmt::format("{}: curve/secret-key does not belong to curve/public-key", origin));
    }
  }
  return keys;
}

Status WriteCurveCertificates(const std::string& dir, const std::string& name,
                              const CurveKeyPair& keys, std::string_view generated_at,
                              bool overwrite) {
  const std::string secret_path = (std::filesystem::path(dir) / (name + ".key")).string();
  const std::string public_path = (std::filesystem::path(dir) / (name + ".pub")).string();
  if (!overwrite) {
    for (const auto& p : {secret_path, public_path}) {
      std::error_code ec;
      if (std::filesystem::exists(std::filesystem::symlink_status(p, ec))) {
        return Status::InvalidArgument(p + ": already exists (--force replaces it)");
      }
    }
  }
  if (Status s =
          WriteFile(secret_path, FormatCurveCertificate(keys, generated_at), 0600, overwrite);
      !s.ok()) {
    return s;
  }
  return WriteFile(public_path, FormatCurveCertificate({keys.public_key, ""}, generated_at), 0644,
                   overwrite);
}

}  // namespace ccmon::tools
