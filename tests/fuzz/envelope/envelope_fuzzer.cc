// libFuzzer target for the envelope decoder (daemon/ingest/envelope_decoder.h) and the engine
// behind it: any [topic][payload] must decode to an event or a counted reject, never crash, and a
// decoded event must be applied by the real Engine (one Engine across inputs, so sequences of
// events are explored) without crashing; contacts exist only through ContactQueued.
// Input layout: one byte topic length, the topic, then the payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/clock.h"
#include "daemon/app/engine.h"
#include "daemon/ingest/envelope_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t topic_len = data[0] < size - 1 ? data[0] : size - 1;
  const std::string_view topic(reinterpret_cast<const char*>(data + 1), topic_len);
  const std::string_view payload(reinterpret_cast<const char*>(data + 1 + topic_len),
                                 size - 1 - topic_len);
  static ccmon::ManualClock clock(0);
  static ccmon::app::Engine engine(ccmon::config::Config{}, &clock);
  ccmon::ingest::EnvelopeDecoder decoder;
  ccmon::ingest::DecodedEvent out;
  ccmon::state::RejectReason reason;
  if (decoder.Decode(topic, payload, &out, &reason)) engine.ApplyDecoded(out);
  const auto& m = engine.model();
  const auto queued =
      m.ingest.events_applied[static_cast<int>(ccmon::state::EventType::kContactQueued)];
  if (m.contacts.size() > queued) std::abort();
  return 0;
}
