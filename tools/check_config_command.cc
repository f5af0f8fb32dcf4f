#include "tools/check_config_command.h"

#include <iostream>

#include "daemon/app/reload.h"
#include "daemon/config/config.h"

namespace ccmon::tools {

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "nothing" : out;
}

}  // namespace

CLI::App* AddCheckConfigCommand(CLI::App& app, CheckConfigOptions* options) {
  CLI::App* cmd = app.add_subcommand("check-config",
                                     "Check ccmond configuration files as the daemon loads them");
  cmd->add_option("files", options->files, "YAML configuration files")->required();
  cmd->add_option("--running", options->running,
                  "The file the daemon runs with: also say what a reload to FILE would change "
                  "at once and what needs a restart");
  return cmd;
}

int RunCheckConfig(const CheckConfigOptions& options, std::ostream& out, std::ostream& err) {
  config::Config running;
  if (!options.running.empty()) {
    auto loaded = config::LoadConfigFile(options.running);
    if (!loaded.ok()) {
      err << options.running << ": " << loaded.status().message() << "\n";
      return 2;
    }
    running = std::move(loaded).value();
  }
  int code = 0;
  for (const auto& file : options.files) {
    auto loaded = config::LoadConfigFile(file);
    if (!loaded.ok()) {
      // The loader's messages name the file and the key already; prefix only what they lack.
      const std::string& m = loaded.status().message();
      err << (m.rfind(file, 0) == 0 ? "" : file + ": ") << m << "\n";
      code = 2;
      continue;
    }
    const config::Config& c = *loaded;
    out << file << ": OK (" << c.queues.size() << " queues, " << c.subscriptions.size()
        << " subscriptions)\n";
    if (!options.running.empty()) {
      const app::ReloadPlan plan = app::PlanReload(running, c);
      out << "  a reload from " << options.running << " applies at once: " << Join(plan.applied)
          << "\n  needs a restart: " << Join(plan.restart_required) << "\n";
    }
  }
  return code;
}

int RunCheckConfig(const CheckConfigOptions& options) {
  return RunCheckConfig(options, std::cout, std::cerr);
}

}  // namespace ccmon::tools
