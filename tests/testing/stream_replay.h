// Replays a byte stream through a socket bridge's parser and mapper (AMI Framer + Mapper,
// event-socket EslParser + Mapper), the way the session feeds them, for the replay tests of
// captures and documented examples: in one read or in reads of a given size, each unit mapped at
// one ACD time, the stream ended, and every deadline let pass.
//
// Header-only (the tests link the bridge's library and ccmon::publisher for CapturingSink);
// not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/publisher.h"

namespace ccmon::testing {

// What a replay produced: the input outcome counts, the envelopes as the test renders them, and
// the envelopes themselves.
struct MappedReplay {
  std::map<std::string, std::uint64_t> counts;
  std::vector<std::string> envelopes;
  std::vector<CapturingSink::Message> messages;
};

// Feeds `bytes` to a fresh Parser in reads of `chunk` bytes (0 = one read), each unit into
// `mapper` at time `t`, ends the stream and expires the mapper an hour later so nothing is left
// pending. `sink` is the mapper's; `render` turns an envelope into the test's text.
template <typename Parser, typename Mapper, typename Render>
MappedReplay ReplayStream(std::string_view bytes, std::size_t chunk, Mapper& mapper,
                          const CapturingSink& sink, UnixMs t, Render render) {
  Parser parser;
  const auto emit = [&](auto& unit) { mapper.Consume(unit, t); };
  if (chunk == 0) {
    parser.Feed(bytes, emit);
  } else {
    for (std::size_t i = 0; i < bytes.size(); i += chunk) parser.Feed(bytes.substr(i, chunk), emit);
  }
  parser.Finish(emit);
  mapper.Expire(t + 3'600'000);
  MappedReplay r;
  for (const auto& [outcome, n] : mapper.counts().all()) r.counts[outcome] = n;
  for (const auto& m : sink.messages()) r.envelopes.push_back(render(m.envelope));
  r.messages = sink.messages();
  return r;
}

}  // namespace ccmon::testing
