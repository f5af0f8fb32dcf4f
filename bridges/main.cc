// ccmon-bridge: turns a contact-center event source into the canonical ccmon event stream.
//
// One program, one subcommand per source (DESIGN.md §1). Each source contributes an
// Add<Source>Command() that declares its options and a Run<Source>() that runs it; main parses
// the command line, configures logging and stop signals, and dispatches. To add a source, add its
// two calls below (declare before the parse, dispatch after it). Exit codes: 0 done, 1 runtime
// failure, 2 usage or configuration error.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "bridges/asterisk_ami/ami_command.h"
#include "bridges/asterisk_queue_log/queue_log_command.h"
#include "bridges/freeswitch/freeswitch_command.h"
#include "bridges/jsonl/jsonl_command.h"
#include "bridges/records/records_command.h"
#include "bridges/runtime.h"
#include "bridges/simulate/simulate_command.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"ccmon-bridge: publishes contact-center events on the ccmon event bus"};
  app.require_subcommand(1);
  // Every option can also come from a file: `ccmon-bridge --config bridge.toml <source>`, with the
  // subcommand's options in a [<source>] section (examples in config/bridges/).
  app.set_config("--config", "", "Read options from a TOML/INI file");
  // A misspelt key in the file is an error, not a silently ignored setting.
  app.allow_config_extras(CLI::config_extras_mode::error);
  // Global options may follow the subcommand: `ccmon-bridge simulate ... --log.level debug`.
  app.fallthrough();
  std::string log_level = "info";
  std::string log_format = "plain";
  app.add_option("--log.level", log_level, "debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--log.format", log_format, "plain or logfmt")->capture_default_str();

  ccmon::simulate::SimulateOptions simulate_options;
  CLI::App* simulate = ccmon::simulate::AddSimulateCommand(app, &simulate_options);
  ccmon::asterisk_queue_log::AsteriskQueueLogOptions queue_log_options;
  CLI::App* queue_log =
      ccmon::asterisk_queue_log::AddAsteriskQueueLogCommand(app, &queue_log_options);
  ccmon::records::RecordsOptions records_options;
  CLI::App* records = ccmon::records::AddRecordsCommand(app, &records_options);
  ccmon::jsonl::JsonlOptions jsonl_options;
  CLI::App* jsonl = ccmon::jsonl::AddJsonlCommand(app, &jsonl_options);
  ccmon::ami::AsteriskAmiOptions ami_options;
  CLI::App* ami = ccmon::ami::AddAsteriskAmiCommand(app, &ami_options);
  ccmon::freeswitch::FreeswitchOptions freeswitch_options;
  CLI::App* freeswitch = ccmon::freeswitch::AddFreeswitchCommand(app, &freeswitch_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse <section>.<key>" for a key no option takes.
    std::string message = e.what();
    const std::string unparsed = "INI was not able to parse ";
    if (message.rfind(unparsed, 0) == 0) {
      const std::string key = message.substr(unparsed.size());
      // A section no subcommand has is reported as its opening marker, "<section>.++".
      if (key.size() > 3 && key.ends_with(".++")) {
        message = "unknown section \"[" + key.substr(0, key.size() - 3) +
                  "]\" (sections are named after the source: simulate, asterisk-queue-log, "
                  "asterisk-ami, freeswitch, records, jsonl)";
      } else {
        message = "unknown key \"" + key +
                  "\" (misspelt, or not an option of that subcommand: see ccmon-bridge <source> "
                  "--help)";
      }
    }
    std::fprintf(stderr, "ccmon-bridge: --config: %s\n", message.c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; every usage error exits 2, like a bad configuration.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (ccmon::Status s = ccmon::ConfigureLogging(log_level, log_format); !s.ok()) {
    std::fprintf(stderr, "ccmon-bridge: --log.level/--log.format: %s\n", s.message().c_str());
    return 2;
  }
  ccmon::bridges::InstallStopSignalHandlers();

  if (*simulate) return ccmon::simulate::RunSimulate(simulate_options);
  if (*queue_log) return ccmon::asterisk_queue_log::RunAsteriskQueueLog(queue_log_options);
  if (*records) return ccmon::records::RunRecords(records_options);
  if (*jsonl) return ccmon::jsonl::RunJsonl(jsonl_options);
  if (*ami) return ccmon::ami::RunAsteriskAmi(ami_options);
  if (*freeswitch) return ccmon::freeswitch::RunFreeswitch(freeswitch_options);
  return 2;  // Unreachable: require_subcommand(1).
}
