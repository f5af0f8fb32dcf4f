#include "bridges/simulate/simulate_command.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "bridges/runtime.h"
#include "bridges/simulate/simulator.h"
#include "common/clock.h"
#include "common/publisher.h"

namespace ccmon::simulate {
namespace {

constexpr UnixMs kNoEnd = std::numeric_limits<UnixMs>::max();
constexpr auto kPacingTick = std::chrono::milliseconds(10);
constexpr std::int64_t kFastChunkMs = 60'000;  // Check for a stop every simulated minute.

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

void LogSummary(const Simulator& sim, std::chrono::steady_clock::duration wall) {
  const SimulatorStats& s = sim.stats();
  const OutcomeCounts& t = s.total;
  const double wall_s = std::chrono::duration<double>(wall).count();
  spdlog::info(
      "simulated {:.1f} min in {:.1f} s: offered={} answered={} abandoned={} exited={} "
      "callbacks={} overflowed={} transferred={} ring_timeouts={} in_queue={} envelopes={}",
      static_cast<double>(sim.now() - sim.start_time()) / 60'000.0, wall_s, t.offered, t.answered,
      t.abandoned, t.exited(), t.callbacks_requested, t.transferred_before_answer,
      t.transferred_after_answer, t.ring_timeouts, s.in_queue, s.envelopes);
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
  cmd->add_option("--publish", o->publish,
                  "Endpoint: bind:<zmq endpoint>, connect:<zmq endpoint> (repeatable)")
      ->capture_default_str();
  cmd->add_option("--source", o->source, "Source name stamped on every event")
      ->capture_default_str();
  cmd->add_option("--tenant", o->tenant, "Tenant (default: the profile's tenant)");
  cmd->add_option("--source-epoch", o->source_epoch,
                  "Numbering epoch (default: the start time in Unix ms)");
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

  PublisherOptions publisher_options;
  publisher_options.endpoints = options.publish;
  publisher_options.source = options.source;
  publisher_options.source_epoch = options.source_epoch;
  publisher_options.tenant = options.tenant.empty() ? profile->tenant : options.tenant;
  auto publisher = Publisher::Create(publisher_options);
  if (!publisher.ok()) {
    spdlog::error("simulate: {}", publisher.status().message());
    return 2;
  }

  const std::string tenant = publisher_options.tenant;
  Simulator sim(std::move(profile).value(), options.seed);
  spdlog::info(
      "ccmon-bridge simulate: publishing on {} as source={} epoch={} tenant={}; profile={} "
      "seed={} queues={} speed={} duration={}",
      Join((*publisher)->endpoints()), options.source, (*publisher)->sequencer().source_epoch(),
      tenant.empty() ? "default" : tenant, options.profile_path, options.seed,
      sim.profile().queues.size(),
      options.fast ? std::string("fast") : fmt::format("{}x", options.speed), duration_text);

  const auto wall_start = std::chrono::steady_clock::now();
  const auto first_event = wall_start + std::chrono::milliseconds(start_delay_ms);
  while (!bridges::StopRequested() && std::chrono::steady_clock::now() < first_event) {
    std::this_thread::sleep_for(kPacingTick);
  }

  const UnixMs sim_start = sim.start_time();
  const auto pace_start = std::chrono::steady_clock::now();
  int exit_code = 0;
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
    if (Status s = sim.RunUntil(target, **publisher); !s.ok()) {
      spdlog::error("simulate: publishing failed: {}", s.message());
      exit_code = 1;
      break;
    }
    if (target >= end) break;
    if (!options.fast) std::this_thread::sleep_for(kPacingTick);
  }
  if (bridges::StopRequested()) spdlog::info("simulate: stop requested");
  LogSummary(sim, std::chrono::steady_clock::now() - wall_start);
  return exit_code;
}

}  // namespace ccmon::simulate
