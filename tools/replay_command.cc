#include "tools/replay_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <zmq.hpp>

#include "common/clock.h"
#include "daemon/app/engine.h"
#include "daemon/config/config.h"
#include "tools/bridge_process.h"
#include "tools/envelope_text.h"
#include "tools/interval_report.h"
#include "tools/openmetrics_writer.h"
#include "tools/stop_signal.h"
#include "tools/stream_tracker.h"

namespace ccmon::tools {

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// While the bridge runs, how long one wait for messages lasts (then the child is checked).
constexpr auto kPollWhileRunning = std::chrono::milliseconds(100);
// After the bridge exited, messages still in flight arrive within this quiet time: its sockets
// flushed before it exited (ZeroMQ linger), so what is left is in this process's buffers.
constexpr auto kDrainQuiet = std::chrono::milliseconds(500);
constexpr std::size_t kMessagesPerWake = 10'000;
constexpr std::size_t kBatchSize = 4096;
constexpr auto kProgressEvery = std::chrono::milliseconds(250);

std::string BridgeNextToSelf() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "ccmon-bridge";
  return (self.parent_path() / "ccmon-bridge").string();
}

bool HasOption(const std::vector<std::string>& args, std::string_view name) {
  for (const auto& a : args) {
    if (a == name || (a.starts_with(name) && a.size() > name.size() && a[name.size()] == '=')) {
      return true;
    }
  }
  return false;
}

class Output {
 public:
  ~Output() {
    if (file_ != nullptr && file_ != stdout) std::fclose(file_);
  }
  Status Open(const std::string& path) {
    path_ = path;
    if (path == "-" || path.empty()) {
      file_ = stdout;
      return Status::Ok();
    }
    file_ = std::fopen(path.c_str(), "w");
    if (file_ == nullptr) return Status::IoError(path + ": " + std::strerror(errno));
    return Status::Ok();
  }
  void Write(const std::string& text) {
    if (ok_ && std::fwrite(text.data(), 1, text.size(), file_) != text.size()) ok_ = false;
  }
  Status Close() {
    if (std::fflush(file_) != 0) ok_ = false;
    if (file_ != stdout) {
      if (std::fclose(file_) != 0) ok_ = false;
      file_ = nullptr;
    }
    if (!ok_) return Status::IoError(path_ + ": write failed: " + std::strerror(errno));
    return Status::Ok();
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  bool ok_ = true;
};

}  // namespace

CLI::App* AddReplayCommand(CLI::App& app, ReplayOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "Replay a bridge's historical input through the daemon's engine into a per-interval report "
      "(csv, json) or OpenMetrics for promtool tsdb create-blocks-from openmetrics");
  cmd->add_option("--interval", o->interval, "Interval length (aligned to UTC), e.g. 15m, 30m, 1h")
      ->capture_default_str();
  cmd->add_option("--format", o->format, "csv, json (JSON Lines) or openmetrics")
      ->capture_default_str()
      ->check(CLI::IsMember({"csv", "json", "openmetrics"}));
  cmd->add_option("--output,-o", o->output, "Output file (- = stdout)")->capture_default_str();
  cmd->add_option("--config", o->config_path,
                  "ccmond configuration (queues, thresholds, sl_formula, windows)");
  cmd->add_option("--bridge", o->bridge_path, "ccmon-bridge binary (default: next to ccmon)");
  cmd->add_option("--bridge-log", o->bridge_log, "Keep the bridge's log output in this file");
  cmd->add_option("--wait-for-bridge", o->wait_for_bridge,
                  "How long the bridge waits for ccmon to subscribe (its --wait-for-subscriber)")
      ->capture_default_str();
  cmd->add_option("bridge", o->bridge_args,
                  "After --: the ccmon-bridge subcommand and its arguments (without --publish)")
      ->required();
  return cmd;
}

int RunReplay(const ReplayOptions& o, std::FILE* err) {
  InstallStopSignals();
  auto fail = [&](int code, const std::string& message) {
    std::fputs(("ccmon replay: " + message + "\n").c_str(), err);
    return code;
  };

  Result<std::int64_t> interval_ms = config::ParseDurationMs(o.interval);
  if (!interval_ms.ok()) return fail(2, "--interval: " + interval_ms.status().message());
  if (*interval_ms < 1000) return fail(2, "--interval: must be at least 1s");
  if (o.bridge_args.empty()) return fail(2, "give the bridge subcommand after --");
  if (HasOption(o.bridge_args, "--publish")) {
    return fail(2, "do not give the bridge --publish: ccmon replay connects it to itself");
  }
  config::Config config;
  if (!o.config_path.empty()) {
    Result<config::Config> loaded = config::LoadConfigFile(o.config_path);
    if (!loaded.ok()) return fail(2, loaded.status().message());
    config = std::move(loaded).value();
  }
  const std::string bridge = o.bridge_path.empty() ? BridgeNextToSelf() : o.bridge_path;
  if (::access(bridge.c_str(), X_OK) != 0) {
    return fail(2, bridge + ": not an executable (use --bridge PATH)");
  }

  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::sub);
  std::string endpoint;
  try {
    // No receive limit: a fast bridge must never make ZeroMQ drop what the engine has not yet
    // taken (the queue lives in memory until then).
    socket.set(zmq::sockopt::rcvhwm, 0);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::subscribe, "v1.");
    socket.bind("tcp://127.0.0.1:*");
    endpoint = socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return fail(1, std::string("cannot bind a socket on 127.0.0.1: ") + e.what());
  }
  config::Subscription subscription;
  subscription.endpoint = endpoint;
  subscription.bind = true;
  config.subscriptions = {subscription};

  Output out;
  if (Status s = out.Open(o.output); !s.ok()) return fail(1, s.message());

  std::string log_path = o.bridge_log;
  fs::path temp_dir;
  if (log_path.empty()) {
    std::string pattern = (fs::temp_directory_path() / "ccmon-replay-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return fail(1, "cannot create a temporary directory: " + std::string(std::strerror(errno)));
    }
    temp_dir = pattern;
    log_path = (temp_dir / "bridge.log").string();
  }
  struct TempDirGuard {
    fs::path dir;
    ~TempDirGuard() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } temp_guard{temp_dir};

  std::vector<std::string> argv{bridge};
  argv.insert(argv.end(), o.bridge_args.begin(), o.bridge_args.end());
  argv.push_back("--publish");
  argv.push_back("connect:" + endpoint);
  if (!HasOption(o.bridge_args, "--wait-for-subscriber")) {
    argv.push_back("--wait-for-subscriber");
    argv.push_back(o.wait_for_bridge);
  }
  Result<std::unique_ptr<BridgeProcess>> started = BridgeProcess::Start(argv, log_path);
  if (!started.ok()) return fail(1, started.status().message());
  std::unique_ptr<BridgeProcess> child = std::move(started).value();
  auto bridge_failed = [&](const std::string& what) {
    std::string message = what;
    const std::string tail = TailOfFile(log_path, 20);
    if (!tail.empty()) message += "; its last output:\n" + tail;
    if (!message.empty() && message.back() == '\n') message.pop_back();
    return fail(1, message);
  };

  ManualClock clock(0);
  app::Engine engine(config, &clock);
  ingest::DecodeLimits limits;
  limits.max_frame_bytes = config.max_frame_bytes;
  limits.max_string_bytes = config.max_string_bytes;
  BusDecoder decoder(limits);
  StreamTracker tracker;
  IntervalClock intervals(*interval_ms);
  std::map<std::pair<std::string, std::uint64_t>,
           std::vector<std::pair<std::string, std::uint64_t>>>
      last_heartbeat;
  OpenMetricsWriter openmetrics;
  std::map<std::string, QueueTotals> previous_totals;
  std::optional<UnixMs> previous_end;
  const bool report = o.format != "openmetrics";
  if (o.format == "csv") out.Write(CsvHeader());
  std::uint64_t messages = 0, applied = 0, rejected = 0, intervals_written = 0;

  auto close_interval = [&](UnixMs end) {
    const std::vector<prometheus::MetricFamily> families = engine.Collect();
    if (report) {
      std::map<std::string, QueueTotals> totals = ExtractQueueTotals(families);
      const UnixMs start = previous_end.value_or(end - *interval_ms);
      for (const IntervalRow& row :
           ComputeRows(start, end, previous_totals, totals, config.collectors.sl_formula)) {
        out.Write(o.format == "csv" ? CsvLine(row) : JsonLine(row));
      }
      previous_totals = std::move(totals);
    } else {
      openmetrics.Add(families, end);
    }
    previous_end = end;
    ++intervals_written;
  };

  // Events go to the engine in batches, as the daemon's ingest hands them over; a batch is
  // applied before an interval is written, so every interval sees exactly its events.
  ingest::Batch batch;
  batch.events.resize(kBatchSize);
  auto flush = [&] {
    if (batch.messages == 0) return;
    engine.ApplyBatch(batch);
    batch.Clear();
  };
  auto process = [&](std::size_t frame_count, std::string_view topic, std::string_view payload) {
    ++messages;
    state::RejectReason reason{};
    if (!decoder.Decode(frame_count, topic, payload, &reason, /*keep_envelope=*/false)) {
      ++rejected;
      ++batch.messages;
      ++batch.rejected[static_cast<int>(reason)];  // Counted as the daemon counts it.
      return;
    }
    ingest::DecodedEvent& d = decoder.decoded();
    tracker.Observe({d.event.source_name, d.position.epoch, d.position.topic}, d.position.seq);
    if (d.event.type == state::EventType::kHeartbeat) {
      last_heartbeat[{d.event.source_name, d.position.epoch}] = d.heartbeat_positions;
    }
    const UnixMs t = d.event.time_ms;
    const std::vector<UnixMs> closed = intervals.Advance(t);
    if (!closed.empty()) {
      flush();
      for (UnixMs end : closed) close_interval(end);
    }
    if (t > clock.NowMs()) clock.Set(t);
    d.subscription = 0;
    d.replay_request = 0;
    std::swap(batch.events[batch.size++], d);
    ++batch.messages;
    ++applied;
    if (batch.size == batch.events.size()) flush();
  };

  const bool progress = ::isatty(::fileno(err)) != 0;
  const auto wall_start = SteadyClock::now();
  auto next_progress = wall_start + kProgressEvery;
  auto show_progress = [&](bool final) {
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - wall_start).count();
    const std::string when =
        engine.event_clock_ms() > 0 ? FormatIsoUtc(engine.event_clock_ms() / 1000 * 1000) : "-";
    std::fputs(fmt::format("\r\033[Kccmon replay: {} events, event time {}, {:.0f} events/s{}",
                           applied, when, seconds > 0 ? applied / seconds : 0.0, final ? "\n" : "")
                   .c_str(),
               err);
    std::fflush(err);
  };

  std::optional<int> exit_status;
  std::vector<zmq::message_t> frames;
  while (true) {
    if (StopRequested()) {
      child->Stop();
      if (progress) show_progress(true);
      return fail(1, "interrupted; the output is incomplete");
    }
    if (!exit_status) {
      exit_status = child->Poll();
      if (exit_status && *exit_status != 0) {
        if (progress) show_progress(true);
        return bridge_failed(fmt::format("the bridge exited with status {}", *exit_status));
      }
    }
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, exit_status ? kDrainQuiet : kPollWhileRunning);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return fail(1, std::string("receive failed: ") + e.what());
    }
    if ((item.revents & ZMQ_POLLIN) == 0) {
      flush();
      if (exit_status) break;  // The bridge is done and nothing more is in flight.
      continue;
    }
    try {
      for (std::size_t n = 0; n < kMessagesPerWake; ++n) {
        frames.clear();
        do {
          zmq::message_t frame;
          if (!socket.recv(frame, zmq::recv_flags::dontwait)) break;
          frames.push_back(std::move(frame));
        } while (frames.back().more());
        if (frames.empty()) break;
        process(frames.size(), frames[0].to_string_view(),
                frames.size() >= 2 ? frames[1].to_string_view() : std::string_view());
      }
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) return fail(1, std::string("receive failed: ") + e.what());
    }
    if (progress && SteadyClock::now() >= next_progress) {
      show_progress(false);
      next_progress = SteadyClock::now() + kProgressEvery;
    }
  }

  flush();
  if (intervals.open_end()) close_interval(*intervals.open_end());
  if (!report) out.Write(openmetrics.Text());
  if (Status s = out.Close(); !s.ok()) return fail(1, s.message());
  if (progress) show_progress(true);
  if (messages == 0) return bridge_failed("the bridge exited without publishing anything");

  std::uint64_t lost = tracker.total_missing();
  for (const auto& [source, positions] : last_heartbeat) {
    lost += tracker.Unseen(source.first, source.second, positions, {"v1."});
  }
  if (progress) {
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - wall_start).count();
    std::fputs(fmt::format("ccmon replay: {} messages, {} applied, {} rejected, {} intervals "
                           "written in {:.1f} s\n",
                           messages, applied, rejected, intervals_written, seconds)
                   .c_str(),
               err);
  }
  if (rejected > 0) {
    std::fputs(fmt::format("ccmon replay: warning: {} messages rejected (counted in "
                           "ccmond_events_rejected_total)\n",
                           rejected)
                   .c_str(),
               err);
  }
  if (lost > 0) {
    return fail(1, fmt::format("{} envelopes were lost between the bridge and ccmon; the output "
                               "is incomplete",
                               lost));
  }
  return 0;
}

}  // namespace ccmon::tools
