#include "bridges/freeswitch/freeswitch_command.h"

#include <spdlog/spdlog.h>

#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_session.h"

namespace ccmon::freeswitch {
namespace {

const bridges::SocketBridgeHelp kHelp{
    .host = "FreeSWITCH host name or address",
    .port = "Event socket port",
    .idle_timeout =
        "Reconnect when nothing arrived for this long; HEARTBEAT events are subscribed "
        "to keep a quiet socket busy (0 = never, and no HEARTBEAT)",
    .decision_hold =
        "How long a BREAK_OUT with the caller still up waits for the caller to enter "
        "another queue"};

}  // namespace

CLI::App* AddFreeswitchCommand(CLI::App& app, FreeswitchOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "freeswitch",
      "Publish the mod_callcenter events of FreeSWITCH read over the event socket (TCP 8021)");
  bridges::AddSocketTargetOptions(cmd, kHelp, o);
  cmd->add_option("--password-file", o->password_file,
                  "File holding the event socket password (never on the command line)");
  bridges::AddSocketBridgeOptions(cmd, "freeswitch", kHelp, o);
  return cmd;
}

int RunFreeswitch(const FreeswitchOptions& options) {
  auto timing = bridges::ParseSocketBridgeTiming(options);
  Status checked = timing.status();
  if (checked.ok() && options.password_file.empty()) {
    checked = Status::InvalidArgument("--password-file is required");
  }
  if (!checked.ok()) {
    spdlog::error("freeswitch: {}", checked.message());
    return 2;
  }
  auto password = bridges::ReadSecretFile(options.password_file);
  if (!password.ok()) {
    spdlog::error("freeswitch: --password-file: {}", password.status().message());
    return 2;
  }

  SessionOptions session_options;
  session_options.password = *password;
  session_options.heartbeats = timing->idle_ms > 0;
  session_options.summary_interval_ms = timing->summary_ms;

  if (options.dry_run) {
    std::string subscription = SubscriptionCommand(session_options.heartbeats);
    subscription.resize(subscription.size() - 2);  // Without the "\n\n" that ends the command.
    return bridges::FinishDryRun("freeswitch", options.output,
                                 "  connect: " + options.host + ":" + std::to_string(options.port) +
                                     " (subscription: " + subscription +
                                     ")\n  timing: " + bridges::DescribeTiming(options) + "\n");
  }

  bridges::SocketBridgeLoop loop("freeswitch", options, *timing);
  if (int code = loop.Open(); code != 0) return code;
  MapperOptions mapper_options;
  mapper_options.decision_hold_ms = timing->decision_hold_ms;
  Mapper mapper(&loop.output(), &loop.output().caller_keys(), mapper_options);
  Session session(session_options, &mapper, &loop.wall_clock(), loop.observer());
  return loop.Run(&session, "");
}

}  // namespace ccmon::freeswitch
