// Test helper: runs a program of this build (ccmond, ccmon-bridge) as a child process with its
// stderr captured, so a test can wait for a log line (e.g. the bound port) instead of sleeping;
// and starts ccmond on a configuration the test wrote, as every integration test does.
// Test-only; one thread drives a ChildProcess.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace ccmon::testing {

// Path of a binary built by this tree ("ccmond" → <build>/bin/ccmond).
std::string BinaryPath(const std::string& name);

// This process's environment with `overrides` ("NAME=value") replacing or adding variables and
// the variables named in `removals` dropped; for ChildProcess's `env`.
std::vector<std::string> EnvironmentWith(const std::vector<std::string>& overrides,
                                         const std::vector<std::string>& removals = {});

class ChildProcess {
 public:
  // Starts `argv[0]` with arguments; stderr (and stdout) go to a pipe read by WaitForLine.
  // `env` ("NAME=value" entries) is the child's whole environment; without it the child
  // inherits this process's (see EnvironmentWith).
  explicit ChildProcess(std::vector<std::string> argv,
                        std::optional<std::vector<std::string>> env = std::nullopt);
  ~ChildProcess();  // Kills (SIGKILL) if still running.
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // For signals other than Stop()'s (e.g. SIGHUP).

  // Reads output until a line matches `pattern`; returns the match (group 1 if any, else the
  // whole line), or nullopt after `timeout_ms` or when the child closes its output.
  std::optional<std::string> WaitForLine(const std::regex& pattern, int timeout_ms = 20'000);

  // Sends `signo` and waits for exit; returns the exit status (128 + signal if killed), or -1 if
  // it did not exit within `timeout_ms` (then it is killed).
  int Stop(int signo, int timeout_ms = 20'000);

  // Waits for the child to exit by itself; returns like Stop(), and kills it (returning -1) if it
  // is still running after `timeout_ms`. Output keeps being read so the child never blocks on it.
  int Wait(int timeout_ms = 60'000);

  // Everything read from the child's output so far.
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string output_;
  std::string pending_;
};

// A ccmond subscription that binds a free port on 127.0.0.1 for bridges to connect to (its
// endpoint is what StartDaemon's `bound_endpoint` returns).
inline const std::string kBoundSubscriptionYaml =
    "subscriptions:\n"
    "  - endpoint: tcp://127.0.0.1:*\n"
    "    bind: true\n";

// Writes `config_yaml` to <dir>/ccmond.yaml and starts ccmond on it, its HTTP server on
// 127.0.0.1 port 0; waits for the port it bound (*port) and, with `bound_endpoint`, for the
// endpoint its `bind: true` subscription resolved to ("subscribed to tcp://…"). Returns nullptr
// after a gtest failure (with the daemon's output) when the daemon does not come up.
std::unique_ptr<ChildProcess> StartDaemon(const std::filesystem::path& dir,
                                          const std::string& config_yaml, std::uint16_t* port,
                                          std::string* bound_endpoint = nullptr);

}  // namespace ccmon::testing
