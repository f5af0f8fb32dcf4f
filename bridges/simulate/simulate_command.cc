#include "bridges/simulate/simulate_command.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "bridges/runtime.h"
#include "bridges/simulate/simulator.h"
#include "common/caller_key.h"
#include "common/clock.h"

namespace ccmon::simulate {
namespace {

constexpr UnixMs kNoEnd = std::numeric_limits<UnixMs>::max();
constexpr int kPacingTickMs = 10;
constexpr std::int64_t kFastChunkMs = 60'000;  // Check for a stop every simulated minute.

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::string Hex(const std::array<unsigned char, 32>& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : key) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

void LogSummary(const Simulator& sim, std::chrono::steady_clock::duration wall) {
  const SimulatorStats& s = sim.stats();
  const OutcomeCounts& t = s.total;
  const double wall_s = std::chrono::duration<double>(wall).count();
  spdlog::info(
      "simulated {:.1f} min in {:.1f} s: offered={} answered={} abandoned={} exited={} "
      "callbacks={} overflowed={} transferred={} ring_timeouts={} in_queue={} envelopes={} "
      "heartbeats={}",
      static_cast<double>(sim.now() - sim.start_time()) / 60'000.0, wall_s, t.offered, t.answered,
      t.abandoned, t.exited(), t.callbacks_requested, t.transferred_before_answer,
      t.transferred_after_answer, t.ring_timeouts, s.in_queue, s.envelopes, s.heartbeats);
  for (std::size_t q = 0; q < s.per_queue.size() && q < sim.profile().queues.size(); ++q) {
    const OutcomeCounts& c = s.per_queue[q];
    spdlog::info(
        "queue {}: offered={} answered={} abandoned={} exited={} callbacks={} "
        "overflowed={}",
        sim.profile().queues[q].name, c.offered, c.answered, c.abandoned, c.exited(),
        c.callbacks_requested, c.transferred_before_answer);
  }
}

void LogReplaySummary(const bridges::BridgeOutput& output) {
  const bridges::ReplayServer* replay = output.replay_server();
  if (replay == nullptr) return;
  const bridges::ReplayServerCounts& c = replay->counts();
  spdlog::info(
      "replay: answered {} requests (ok={} gone={} unknown_stream={} bad_request={} "
      "unsupported_version={} journal_error={}) with {} events",
      c.requests(), c.ok, c.gone, c.unknown_stream, c.bad_request, c.unsupported_version,
      c.journal_error, c.events_sent);
}

}  // namespace

CLI::App* AddSimulateCommand(CLI::App& app, SimulateOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "simulate", "Publish the events of a simulated contact center described by a profile");
  cmd->add_option("--profile", o->profile_path, "Simulator profile (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--seed", o->seed, "Random seed; the same seed gives the same events")
      ->capture_default_str();
  auto* speed = cmd->add_option("--speed", o->speed, "Simulated seconds per wall-clock second")
                    ->capture_default_str()
                    ->check(CLI::PositiveNumber);
  cmd->add_flag("--fast", o->fast, "Run as fast as possible instead of pacing")->excludes(speed);
  cmd->add_option("--duration", o->duration,
                  "Simulated time to run, e.g. 8h or 1h30m (default: until stopped)");
  cmd->add_option("--start-delay", o->start_delay,
                  "Wall time to wait after opening the socket before the first event, so that "
                  "subscribers can connect (e.g. 1s)");
  cmd->add_option("--linger", o->linger,
                  "Wall time to stay after --duration was simulated, answering replay requests "
                  "and sending heartbeats (e.g. 30s; a stop signal ends it earlier)");
  o->output.source = "sim1";
  bridges::AddOutputOptions(cmd, &o->output);
  return cmd;
}

int RunSimulate(const SimulateOptions& options) {
  const WallClock wall_clock;
  auto profile = LoadProfile(options.profile_path, wall_clock.NowMs());
  if (!profile.ok()) {
    spdlog::error("simulate: {}", profile.status().message());
    return 2;
  }
  UnixMs end = kNoEnd;
  std::string duration_text = "until stopped";
  if (!options.duration.empty()) {
    auto duration = bridges::ParseDurationMs(options.duration);
    if (!duration.ok()) {
      spdlog::error("simulate: --duration: {}", duration.status().message());
      return 2;
    }
    end = profile->start_ms + *duration;
    duration_text = options.duration;
  }
  std::int64_t start_delay_ms = 0;
  if (!options.start_delay.empty()) {
    auto delay = bridges::ParseDurationMs(options.start_delay);
    if (!delay.ok()) {
      spdlog::error("simulate: --start-delay: {}", delay.status().message());
      return 2;
    }
    start_delay_ms = *delay;
  }
  std::int64_t linger_ms = 0;
  if (!options.linger.empty()) {
    auto linger = bridges::ParseDurationMs(options.linger);
    if (!linger.ok()) {
      spdlog::error("simulate: --linger: {}", linger.status().message());
      return 2;
    }
    linger_ms = *linger;
  }

  // The simulator hashes caller numbers itself: with --caller-key-file it uses that key (so its
  // callers match other bridges'), otherwise the profile's, which the output then shares.
  bridges::OutputOptions output_options = options.output;
  if (!output_options.caller_key_file.empty()) {
    auto key = CallerKeyHasher::ReadKeyFile(output_options.caller_key_file);
    if (!key.ok()) {
      spdlog::error("simulate: --caller-key-file: {}", key.status().message());
      return 2;
    }
    profile->caller_key = *key;
  } else {
    output_options.caller_key_hex = Hex(profile->caller_key);
  }
  if (output_options.tenant.empty()) output_options.tenant = profile->tenant;
  // Heartbeats between the simulator's own carry the last simulated time, never today's.
  auto created =
      bridges::BridgeOutput::Create(output_options, bridges::HeartbeatTime::kLastEvent, wall_clock);
  if (!created.ok()) {
    spdlog::error("simulate: {}", created.status().message());
    return created.status().code() == StatusCode::kUnavailable ? 1 : 2;
  }
  std::unique_ptr<bridges::BridgeOutput> output = std::move(created).value();

  const std::string tenant = output_options.tenant;
  Simulator sim(std::move(profile).value(), options.seed);
  spdlog::info(
      "ccmon-bridge simulate: publishing on {} as source={} epoch={} tenant={}; profile={} "
      "seed={} queues={} speed={} duration={}",
      Join(output->publisher().endpoints()), output_options.source,
      output->publisher().sequencer().source_epoch(), tenant.empty() ? "default" : tenant,
      options.profile_path, options.seed, sim.profile().queues.size(),
      options.fast ? std::string("fast") : fmt::format("{}x", options.speed), duration_text);

  const auto wall_start = std::chrono::steady_clock::now();
  const auto first_event = wall_start + std::chrono::milliseconds(start_delay_ms);
  while (!bridges::StopRequested() && std::chrono::steady_clock::now() < first_event) {
    output->Idle(kPacingTickMs);
  }

  const UnixMs sim_start = sim.start_time();
  const auto pace_start = std::chrono::steady_clock::now();
  int exit_code = 0;
  bool finished = false;
  while (!bridges::StopRequested()) {
    UnixMs target;
    if (options.fast) {
      target = sim.now() + kFastChunkMs;
    } else {
      const double elapsed_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - pace_start)
              .count();
      target = sim_start + static_cast<UnixMs>(elapsed_ms * options.speed);
    }
    target = std::min(target, end);
    if (Status s = sim.RunUntil(target, *output); !s.ok()) {
      spdlog::error("simulate: publishing failed: {}", s.message());
      exit_code = 1;
      break;
    }
    if (Status s = output->Tick(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok()) {
      spdlog::error("simulate: heartbeat failed: {}", s.message());
      exit_code = 1;
      break;
    }
    if (target >= end) {
      finished = true;
      break;
    }
    if (!options.fast) output->Idle(kPacingTickMs);
  }
  if (exit_code == 0) {
    // The final heartbeat tells subscribers the last seq of every topic (a lost tail shows).
    if (Status s = output->Heartbeat(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok()) {
      spdlog::error("simulate: final heartbeat failed: {}", s.message());
      exit_code = 1;
    }
  }
  LogSummary(sim, std::chrono::steady_clock::now() - wall_start);
  if (finished && exit_code == 0 && linger_ms > 0) {
    spdlog::info("simulate: done; lingering {} ms for replay requests", linger_ms);
    const auto linger_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(linger_ms);
    while (!bridges::StopRequested() && std::chrono::steady_clock::now() < linger_end) {
      output->Idle(kPacingTickMs * 10);
      if (Status s = output->Tick(v1::ACD_CONNECTION_UNSPECIFIED); !s.ok()) {
        spdlog::error("simulate: heartbeat failed: {}", s.message());
        exit_code = 1;
        break;
      }
    }
  }
  if (bridges::StopRequested()) spdlog::info("simulate: stop requested");
  LogReplaySummary(*output);
  return exit_code;
}

}  // namespace ccmon::simulate
