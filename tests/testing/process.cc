#include "tests/testing/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

extern char** environ;

namespace ccmon::testing {

std::string BinaryPath(const std::string& name) {
  const char* dir = std::getenv("CCMON_BINARY_DIR");
#ifdef CCMON_BINARY_DIR
  if (dir == nullptr) dir = CCMON_BINARY_DIR;
#endif
  return std::string(dir == nullptr ? "." : dir) + "/bin/" + name;
}

std::vector<std::string> EnvironmentWith(const std::vector<std::string>& overrides,
                                         const std::vector<std::string>& removals) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = name_of(entry);
    bool drop = false;
    for (const auto& r : removals) drop = drop || r == name;
    for (const auto& o : overrides) drop = drop || name_of(o) == name;
    if (!drop) env.push_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

ChildProcess::ChildProcess(std::vector<std::string> argv,
                           std::optional<std::vector<std::string>> env) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> env_pointers;
  if (env) {
    for (auto& e : *env) env_pointers.push_back(e.data());
    env_pointers.push_back(nullptr);
  }
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(),
                  env ? env_pointers.data() : environ) == 0) {
    pid_ = pid;
  }
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  out_fd_ = fds[0];
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
}

std::optional<std::string> ChildProcess::WaitForLine(const std::regex& pattern, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    // Complete lines already buffered first.
    std::size_t nl;
    while ((nl = pending_.find('\n')) != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      std::smatch m;
      if (std::regex_search(line, m, pattern)) return m.size() > 1 ? m[1].str() : line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0 || out_fd_ < 0) return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    output_.append(buf, static_cast<std::size_t>(n));
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

int ChildProcess::Stop(int signo, int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, signo);
  return Wait(timeout_ms);
}

int ChildProcess::Wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      // Drain remaining output for diagnostics.
      char buf[4096];
      ssize_t n;
      while (out_fd_ >= 0 && (n = read(out_fd_, buf, sizeof buf)) > 0)
        output_.append(buf, static_cast<std::size_t>(n));
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    pollfd p{out_fd_, POLLIN, 0};
    if (out_fd_ >= 0 && poll(&p, 1, 20) > 0) {
      char buf[4096];
      const ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n > 0) output_.append(buf, static_cast<std::size_t>(n));
    } else {
      usleep(10'000);
    }
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return -1;
}

std::unique_ptr<ChildProcess> StartDaemon(const std::filesystem::path& dir,
                                          const std::string& config_yaml, std::uint16_t* port,
                                          std::string* bound_endpoint) {
  std::ofstream(dir / "ccmond.yaml") << config_yaml;
  auto daemon = std::make_unique<ChildProcess>(std::vector<std::string>{
      BinaryPath("ccmond"), "--config.file", (dir / "ccmond.yaml").string(), "--web.listen-address",
      "127.0.0.1:0"});
  if (!daemon->started()) {
    ADD_FAILURE() << "ccmond did not start";
    return nullptr;
  }
  auto listening =
      daemon->WaitForLine(std::regex(R"(listening on http://127\.0\.0\.1:(\d+)/metrics)"));
  if (!listening) {
    ADD_FAILURE() << "ccmond did not listen:\n" << daemon->output();
    return nullptr;
  }
  *port = static_cast<std::uint16_t>(std::stoi(*listening));
  if (bound_endpoint != nullptr) {
    auto endpoint = daemon->WaitForLine(std::regex(R"(subscribed to (tcp://\S+))"));
    if (!endpoint) {
      ADD_FAILURE() << "ccmond did not bind its subscription:\n" << daemon->output();
      return nullptr;
    }
    *bound_endpoint = *endpoint;
  }
  return daemon;
}

}  // namespace ccmon::testing
