// libFuzzer target for the jsonl bridge (bridges/jsonl/): any bytes, read as lines by the
// bounded LineReader and parsed as Protobuf-JSON envelopes, must give a line or a counted
// outcome, never crash; the reader must return exactly the input's lines (or report them as too
// long), and every line judged publishable must be accepted by a sink.
// Run: build-fuzz/fuzz/jsonl_fuzzer tests/fuzz/jsonl/corpus -max_total_time=30
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bridges/jsonl/envelope_line.h"
#include "bridges/jsonl/line_reader.h"
#include "common/publisher.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::size_t kMaxLine = 256;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const int fd = ::memfd_create("jsonl-fuzz", MFD_CLOEXEC);
  Check(fd >= 0);
  Check(::write(fd, input.data(), input.size()) == static_cast<ssize_t>(input.size()));
  Check(::lseek(fd, 0, SEEK_SET) == 0);

  ccmon::jsonl::LineReader reader(fd, kMaxLine);
  ccmon::CapturingSink sink("fuzz", 1);
  const ccmon::jsonl::EnvelopeLineOptions options[2] = {{false}, {true}};
  std::size_t start = 0;  // Where the next expected line starts in the input.
  std::string line;
  while (true) {
    const auto r = reader.Next(0, &line);
    if (r == ccmon::jsonl::LineReader::Result::kEnd) break;
    Check(r == ccmon::jsonl::LineReader::Result::kLine ||
          r == ccmon::jsonl::LineReader::Result::kTooLong);
    Check(start < input.size());
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view expected = input.substr(start, end - start);
    start = end + 1;
    if (r == ccmon::jsonl::LineReader::Result::kTooLong) {
      Check(expected.size() > kMaxLine);
      continue;
    }
    Check(line == expected);
    for (const auto& o : options) {
      ccmon::v1::Envelope env;
      if (ccmon::jsonl::ParseEnvelopeLine(line, o, &env) == ccmon::jsonl::kOutcomePublished) {
        Check(sink.Publish(env).ok());
      }
    }
  }
  Check(start >= input.size());
  ::close(fd);
  return 0;
}
