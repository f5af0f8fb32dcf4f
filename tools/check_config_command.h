// `ccmon check-config`: checks ccmond configuration files the way the daemon loads them, and says
// what reloading one over another would change (daemon/app/reload.h).
//
//   ccmon check-config ccmond.yaml [more.yaml …]     each file: OK with a summary, or the error
//   ccmon check-config new.yaml --running old.yaml   also: applied at reload / needs a restart
//
// Exit codes (as every ccmon subcommand): 0 every file is valid, 2 a file is not (or bad usage).
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace ccmon::tools {

struct CheckConfigOptions {
  std::vector<std::string> files;
  std::string running;  // The configuration the daemon runs with ("" = no comparison).
};

CLI::App* AddCheckConfigCommand(CLI::App& app, CheckConfigOptions* options);

// Writes the report to `out` (results) and `err` (errors); returns the exit code.
int RunCheckConfig(const CheckConfigOptions& options, std::ostream& out, std::ostream& err);
int RunCheckConfig(const CheckConfigOptions& options);

}  // namespace ccmon::tools
