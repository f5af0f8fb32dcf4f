#include "tools/events_command.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <zmq.hpp>

#include "common/clock.h"
#include "tools/envelope_text.h"
#include "tools/stop_signal.h"
#include "tools/stream_tracker.h"

namespace ccmon::tools {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);

struct Endpoint {
  std::string address;
  bool bind = false;
};

Endpoint ParseEndpoint(const std::string& text) {
  if (text.starts_with("bind:")) return {text.substr(5), true};
  if (text.starts_with("connect:")) return {text.substr(8), false};
  return {text, false};
}

std::string StreamName(const StreamKey& k) {
  return fmt::format("{} {}/{}", QuoteIfNeeded(k.source), k.epoch, QuoteIfNeeded(k.topic));
}

}  // namespace

CLI::App* AddEventsCommand(CLI::App& app, EventsOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "events", "Tail and decode a live event bus: one line per envelope, rejects and gaps shown");
  cmd->add_option("--subscribe", o->subscribe,
                  "PUB endpoint to connect to (tcp://host:5556), or bind:ENDPOINT to bind")
      ->required();
  cmd->add_option("--topic", o->topics, "Topic prefix to subscribe to (repeatable)")
      ->capture_default_str();
  cmd->add_option("--count", o->count, "Exit after this many messages (0 = until stopped)")
      ->capture_default_str();
  cmd->add_option("--format", o->format,
                  "text, or json (Protobuf JSON lines for ccmon-bridge jsonl)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  return cmd;
}

int RunEvents(const EventsOptions& options, std::FILE* out, std::FILE* err) {
  InstallStopSignals();
  const bool json = options.format == "json";
  std::FILE* notes = json ? err : out;  // Rejects and gaps: never mixed into JSON output.
  const Endpoint endpoint = ParseEndpoint(options.subscribe);

  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::sub);
  try {
    socket.set(zmq::sockopt::rcvhwm, 1'000'000);
    socket.set(zmq::sockopt::linger, 0);
    for (const auto& t : options.topics) socket.set(zmq::sockopt::subscribe, t);
    if (endpoint.bind) {
      socket.bind(endpoint.address);
      std::fprintf(err, "ccmon events: listening on %s\n",
                   socket.get(zmq::sockopt::last_endpoint).c_str());
    } else {
      socket.connect(endpoint.address);
    }
  } catch (const zmq::error_t& e) {
    std::fprintf(err, "ccmon events: --subscribe %s: %s\n", options.subscribe.c_str(), e.what());
    return 2;
  }

  BusDecoder decoder;
  StreamTracker tracker;
  const WallClock wall_clock;
  std::uint64_t messages = 0;
  std::uint64_t decoded = 0;
  std::array<std::uint64_t, state::kRejectReasonCount> rejected{};
  std::vector<zmq::message_t> frames;
  int exit_code = 0;

  while (!StopRequested() && (options.count == 0 || messages < options.count)) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    try {
      // Flush what was printed before waiting, so a pipe reader sees lines as they come.
      std::fflush(out);
      zmq::poll(&item, 1, kPollInterval);
      if ((item.revents & ZMQ_POLLIN) == 0) continue;
      frames.clear();
      do {
        zmq::message_t frame;
        if (!socket.recv(frame, zmq::recv_flags::dontwait)) break;
        frames.push_back(std::move(frame));
      } while (frames.back().more());
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      std::fprintf(err, "ccmon events: receive failed: %s\n", e.what());
      exit_code = 1;
      break;
    }
    if (frames.empty()) continue;
    ++messages;
    const std::string_view topic = frames[0].to_string_view();
    const std::string_view payload =
        frames.size() >= 2 ? frames[1].to_string_view() : std::string_view();
    state::RejectReason reason{};
    if (!decoder.Decode(frames.size(), topic, payload, &reason)) {
      ++rejected[static_cast<int>(reason)];
      std::size_t bytes = 0;
      for (const auto& f : frames) bytes += f.size();
      std::fprintf(notes, "%s REJECTED reason=%s topic=%s frames=%zu bytes=%zu\n",
                   FormatIsoUtcMs(wall_clock.NowMs()).c_str(),
                   std::string(state::RejectReasonName(reason)).c_str(),
                   QuoteIfNeeded(topic).c_str(), frames.size(), bytes);
      continue;
    }
    ++decoded;
    const v1::Envelope& env = decoder.envelope();
    const StreamKey key{env.source(), env.source_epoch(), std::string(topic)};
    const std::uint64_t last =
        tracker.streams().contains(key) ? tracker.streams().at(key).last_seq : 0;
    const SeqVerdict verdict = tracker.Observe(key, env.seq());
    if (verdict == SeqVerdict::kGap) {
      std::fprintf(notes, "# gap on %s: seq %llu after %llu (%llu missing)\n",
                   StreamName(key).c_str(), static_cast<unsigned long long>(env.seq()),
                   static_cast<unsigned long long>(last),
                   static_cast<unsigned long long>(env.seq() - last - 1));
    } else if (verdict == SeqVerdict::kDuplicate) {
      std::fprintf(notes, "# duplicate on %s: seq %llu (last %llu)\n", StreamName(key).c_str(),
                   static_cast<unsigned long long>(env.seq()),
                   static_cast<unsigned long long>(last));
    }
    const std::string line = json ? FormatEnvelopeJson(env) : FormatEnvelopeText(topic, env);
    std::fputs(line.c_str(), out);
    std::fputc('\n', out);
  }
  std::fflush(out);

  std::uint64_t rejected_total = 0;
  std::string reasons;
  for (int r = 0; r < state::kRejectReasonCount; ++r) {
    if (rejected[r] == 0) continue;
    rejected_total += rejected[r];
    reasons += fmt::format(" {}={}", state::RejectReasonName(static_cast<state::RejectReason>(r)),
                           rejected[r]);
  }
  std::fputs(fmt::format("ccmon events: {} messages, {} decoded, {} rejected{}{}, {} gaps "
                         "({} missing), {} duplicates, {} streams{}\n",
                         messages, decoded, rejected_total, reasons.empty() ? "" : ":", reasons,
                         tracker.total_gaps(), tracker.total_missing(), tracker.total_duplicates(),
                         tracker.streams().size(), StopRequested() ? " (stopped by signal)" : "")
                 .c_str(),
             err);
  for (const auto& [key, s] : tracker.streams()) {
    if (s.gaps == 0 && s.duplicates == 0) continue;
    std::fputs(fmt::format("  stream {}: seq {}..{}, {} received, {} gaps ({} missing), "
                           "{} duplicates\n",
                           StreamName(key), s.first_seq, s.last_seq, s.received, s.gaps, s.missing,
                           s.duplicates)
                   .c_str(),
               err);
  }
  return exit_code;
}

}  // namespace ccmon::tools
