// BridgeProcess: a `ccmon-bridge` child process run by `ccmon replay`. Its standard output and
// error go to a log file (never a pipe, so the child can never block on a reader), its standard
// input is /dev/null, and it is stopped (SIGTERM, then SIGKILL) when the object goes away.
//
// Single-threaded: the thread that started it polls and stops it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace ccmon::tools {

class BridgeProcess {
 public:
  // Starts argv[0] (a path) with arguments, output appended to `log_path` (created 0600).
  // IoError when the log cannot be opened or the program cannot be started.
  static Result<std::unique_ptr<BridgeProcess>> Start(const std::vector<std::string>& argv,
                                                      const std::string& log_path);
  ~BridgeProcess();
  BridgeProcess(const BridgeProcess&) = delete;
  BridgeProcess& operator=(const BridgeProcess&) = delete;

  // The exit status once the child has exited (128 + signal when killed by one); nullopt while it
  // runs. Does not block.
  std::optional<int> Poll();

  // SIGTERM, up to `grace_ms` for it to exit, then SIGKILL. Returns the exit status.
  int Stop(int grace_ms = 5000);

  pid_t pid() const { return pid_; }

 private:
  explicit BridgeProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  std::optional<int> status_;
};

// The last `max_lines` lines of the file at `path` ("" if unreadable).
std::string TailOfFile(const std::string& path, std::size_t max_lines);

}  // namespace ccmon::tools
