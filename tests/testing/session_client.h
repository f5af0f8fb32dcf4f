// A platform session (bridges/core/socket_bridge.h) run over a real TcpClient in its own thread,
// with an observer that records what the session reports, and the session with its mapper and a
// capturing sink, for the AMI and event-socket session tests against a ScriptServer
// (tests/testing/script_server.h).
//
// Header-only: the tests that use it link ccmon::bridge_core and ccmon::publisher. Threading: the
// client and the session run on the SessionClient's thread; RecordingObserver's WaitFor() and
// events() are safe from the test thread; read the session and its mapper only after Stop().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bridges/core/socket_bridge.h"
#include "bridges/core/tcp_client.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/publisher.h"
#include "common/status.h"

namespace ccmon::testing {

// Records "up", "down" and "fatal: <message>" in order; a fatal report stops the client, as the
// real command does.
class RecordingObserver final : public bridges::SessionObserver {
 public:
  void OnSessionUp() override { Note("up"); }
  void OnSessionDown() override { Note("down"); }
  void OnSessionTick(bool) override {}
  void OnSessionFatal(const Status& status) override {
    Note("fatal: " + status.message());
    if (client_ != nullptr) client_->Stop();
  }
  void Attach(bridges::TcpClient* client) { client_ = client; }

  // Waits until `n` reports arrived (or 20 s pass).
  bool WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return events_.size() >= n; });
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  void Note(std::string what) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(what));
    cv_.notify_all();
  }

  bridges::TcpClient* client_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

// Runs a session over a TcpClient connected to 127.0.0.1:<port>, with reconnection delays of tens
// of milliseconds so a test sees several connections quickly.
class SessionClient {
 public:
  // The observer to give the session before Start().
  RecordingObserver* observer() { return &observer_; }

  // `session` must outlive the client (or Stop()).
  void Start(std::uint16_t port, bridges::PlatformSession* session) {
    bridges::TcpClientOptions c;
    c.port = port;
    c.reconnect_initial_ms = 20;
    c.reconnect_max_ms = 80;
    c.reconnect_jitter = 0;
    c.tick_ms = 10;
    client_ = std::make_unique<bridges::TcpClient>(c, session);
    session->Attach(client_.get());
    observer_.Attach(client_.get());
    thread_ = std::thread([this] { client_->Run(); });
  }

  ~SessionClient() { Stop(); }

  void Stop() {
    if (!thread_.joinable()) return;
    client_->Stop();
    thread_.join();
  }

 private:
  RecordingObserver observer_;
  std::unique_ptr<bridges::TcpClient> client_;
  std::thread thread_;
};

// A platform's Session and Mapper (ami::, freeswitch::) on the wall clock, publishing into a
// CapturingSink with a fixed caller key, run by a SessionClient connected to 127.0.0.1:<port>.
template <typename Session, typename Mapper, typename SessionOptions>
class MappedSession {
 public:
  MappedSession(std::uint16_t port, SessionOptions options, const std::string& key_hex,
                const std::string& sink_source)
      : sink_(sink_source, 1),
        hasher_(CallerKeyHasher::FromKeyHex(key_hex).value()),
        mapper_(&sink_, &hasher_),
        session_(std::move(options), &mapper_, &clock_, client_.observer()) {
    client_.Start(port, &session_);
  }
  ~MappedSession() { Stop(); }
  void Stop() { client_.Stop(); }

  RecordingObserver& observer() { return *client_.observer(); }
  // After Stop() only.
  const CapturingSink& sink() const { return sink_; }
  const Mapper& mapper() const { return mapper_; }
  const Session& session() const { return session_; }
  const CallerKeyHasher& hasher() const { return hasher_; }

 private:
  WallClock clock_;
  CapturingSink sink_;
  CallerKeyHasher hasher_;
  Mapper mapper_;
  SessionClient client_;  // Stopped by ~MappedSession before the session goes.
  Session session_;
};

}  // namespace ccmon::testing
