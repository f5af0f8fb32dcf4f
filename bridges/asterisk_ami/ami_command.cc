#include "bridges/asterisk_ami/ami_command.h"

#include <spdlog/spdlog.h>

#include <cstdint>

#include "bridges/asterisk_ami/ami_mapper.h"
#include "bridges/asterisk_ami/ami_session.h"
#include "bridges/runtime.h"

namespace ccmon::ami {
namespace {

// The AMI options beyond the shared ones; InvalidArgument names the option.
Status CheckAmiOptions(const AsteriskAmiOptions& o, std::int64_t* ping_ms) {
  auto ping = bridges::ParseDurationMs(o.ping_interval);
  if (!ping.ok()) return Status::InvalidArgument("--ping-interval: " + ping.status().message());
  *ping_ms = *ping;
  if (o.username.empty()) return Status::InvalidArgument("--username is required");
  if (o.secret_file.empty()) return Status::InvalidArgument("--secret-file is required");
  return Status::Ok();
}

const bridges::SocketBridgeHelp kHelp{
    .host = "Asterisk host name or address",
    .port = "AMI port",
    .idle_timeout = "Reconnect when nothing arrived for this long (0 = never)",
    .decision_hold =
        "How long a QueueCallerAbandon/QueueCallerLeave waits for the event that "
        "tells an abandon from an exit"};

}  // namespace

CLI::App* AddAsteriskAmiCommand(CLI::App& app, AsteriskAmiOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "asterisk-ami", "Publish the queue and agent events of Asterisk read over AMI (TCP 5038)");
  bridges::AddSocketTargetOptions(cmd, kHelp, o);
  cmd->add_option("--username", o->username, "AMI user (manager.conf section)");
  cmd->add_option("--secret-file", o->secret_file,
                  "File holding the AMI user's secret (never on the command line)");
  cmd->add_option("--events", o->events,
                  "Events header of the Login action: read classes to receive (agent,call,... or "
                  "on)")
      ->capture_default_str();
  cmd->add_flag("--no-event-filter", o->no_event_filter,
                "Do not add session event filters after the login (Filter needs write=system)");
  cmd->add_flag("--no-queue-status", o->no_queue_status,
                "Do not ask QueueStatus after the login (members and waiting callers)");
  cmd->add_option("--ping-interval", o->ping_interval, "Keep-alive Ping interval (0 = none)")
      ->capture_default_str();
  bridges::AddSocketBridgeOptions(cmd, "asterisk-ami", kHelp, o);
  return cmd;
}

int RunAsteriskAmi(const AsteriskAmiOptions& options) {
  auto timing = bridges::ParseSocketBridgeTiming(options);
  std::int64_t ping_ms = 0;
  Status checked = timing.ok() ? CheckAmiOptions(options, &ping_ms) : timing.status();
  if (!checked.ok()) {
    spdlog::error("asterisk-ami: {}", checked.message());
    return 2;
  }
  auto secret = bridges::ReadSecretFile(options.secret_file);
  if (!secret.ok()) {
    spdlog::error("asterisk-ami: --secret-file: {}", secret.status().message());
    return 2;
  }

  if (options.dry_run) {
    return bridges::FinishDryRun(
        "asterisk-ami", options.output,
        "  connect: " + options.host + ":" + std::to_string(options.port) + " as " +
            options.username + " (events " + options.events + "; event filter " +
            (options.no_event_filter ? "off" : "on") + "; QueueStatus at login " +
            (options.no_queue_status ? "off" : "on") + ")\n  timing: ping " +
            options.ping_interval + ", " + bridges::DescribeTiming(options) + "\n");
  }

  bridges::SocketBridgeLoop loop("asterisk-ami", options, *timing);
  if (int code = loop.Open(); code != 0) return code;

  SessionOptions session_options;
  session_options.username = options.username;
  session_options.secret = *secret;
  session_options.events = options.events;
  if (!options.no_event_filter) session_options.filters = DefaultEventFilters();
  session_options.queue_status = !options.no_queue_status;
  session_options.ping_interval_ms = ping_ms;
  session_options.summary_interval_ms = timing->summary_ms;
  MapperOptions mapper_options;
  mapper_options.decision_hold_ms = timing->decision_hold_ms;
  Mapper mapper(&loop.output(), &loop.output().caller_keys(), mapper_options);
  Session session(session_options, &mapper, &loop.wall_clock(), loop.observer());
  return loop.Run(&session, " as " + options.username);
}

}  // namespace ccmon::ami
