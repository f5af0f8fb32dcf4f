// The event-socket session over the reconnecting TcpClient, against a small TCP server inside the
// test (127.0.0.1 port 0, one thread) that speaks mod_event_socket: auth/request, the password,
// the subscription, events in plain format split into small writes, a disconnect notice; then a
// reconnection (session down then up, auth again); a wrong password and an ACL rejection.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bridges/core/tcp_client.h"
#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_session.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/publisher.h"

namespace ccmon::freeswitch {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Accepts connections on 127.0.0.1:<ephemeral> in its own thread and runs `script` on each; then
// stops sending and reads until the client closes (a graceful close, no reset).
class ScriptServer {
 public:
  using Script = std::function<void(tcp::socket&, int connection)>;

  ScriptServer() : acceptor_(io_, tcp::endpoint(net::ip::address_v4::loopback(), 0)) {}
  ~ScriptServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void Serve(int connections, Script script) {
    thread_ = std::thread([this, connections, script = std::move(script)] {
      for (int i = 0; i < connections; ++i) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec) return;
        try {
          script(socket, i);
          socket.shutdown(tcp::socket::shutdown_send, ec);
          std::string rest;
          net::read(socket, net::dynamic_buffer(rest), ec);
        } catch (const std::exception&) {
        }
      }
    });
  }

  // Reads one command ended by an empty line ("\n\n"); "" if the client closed.
  static std::string ReadCommand(tcp::socket& s, std::string* pending) {
    boost::system::error_code ec;
    const std::size_t n = net::read_until(s, net::dynamic_buffer(*pending), "\n\n", ec);
    if (ec) return "";
    std::string command = pending->substr(0, n);
    pending->erase(0, n);
    return command;
  }
  static void Write(tcp::socket& s, const std::string& bytes) { net::write(s, net::buffer(bytes)); }

 private:
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

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

class Bridge {
 public:
  explicit Bridge(std::uint16_t port)
      : hasher_(CallerKeyHasher::FromKeyHex(std::string(64, 'f')).value()),
        mapper_(&sink_, &hasher_) {
    SessionOptions s;
    s.password = "ClueCon";
    session_ = std::make_unique<Session>(s, &mapper_, &clock_, &observer_);
    bridges::TcpClientOptions c;
    c.port = port;
    c.reconnect_initial_ms = 20;
    c.reconnect_max_ms = 80;
    c.reconnect_jitter = 0;
    c.tick_ms = 10;
    client_ = std::make_unique<bridges::TcpClient>(c, session_.get());
    session_->Attach(client_.get());
    observer_.Attach(client_.get());
    thread_ = std::thread([this] { client_->Run(); });
  }
  ~Bridge() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    client_->Stop();
    thread_.join();
  }
  RecordingObserver& observer() { return observer_; }
  const CapturingSink& sink() const { return sink_; }
  const Mapper& mapper() const { return mapper_; }
  const Session& session() const { return *session_; }

 private:
  WallClock clock_;
  CapturingSink sink_{"fs", 1};
  CallerKeyHasher hasher_;
  Mapper mapper_;
  RecordingObserver observer_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<bridges::TcpClient> client_;
  std::thread thread_;
};

std::string EventFrame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\nContent-Type: text/event-plain\n\n" +
         body;
}

std::string Cc(const std::string& fields) {
  return EventFrame("Event-Name: CUSTOM\nEvent-Subclass: callcenter%3A%3Ainfo\n" + fields + "\n");
}

// The server side of authentication and subscription; returns the client's two commands.
std::vector<std::string> ServeAuth(tcp::socket& s, std::string* pending, bool accept) {
  ScriptServer::Write(s, "Content-Type: auth/request\n\n");
  std::vector<std::string> commands{ScriptServer::ReadCommand(s, pending)};
  if (!accept) {
    ScriptServer::Write(s, "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n");
    ScriptServer::Write(s,
                        "Content-Type: text/disconnect-notice\nContent-Length: 67\n\n"
                        "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n");
    return commands;
  }
  ScriptServer::Write(s, "Content-Type: command/reply\nReply-Text: +OK accepted\n\n");
  commands.push_back(ScriptServer::ReadCommand(s, pending));
  ScriptServer::Write(
      s, "Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n");
  return commands;
}

void WriteInPieces(tcp::socket& s, const std::string& bytes) {
  for (std::size_t i = 0; i < bytes.size(); i += 11) ScriptServer::Write(s, bytes.substr(i, 11));
}

TEST(freeswitch_client, AuthenticatesSubscribesAndMapsEvents) {
  ScriptServer server;
  std::mutex mu;
  std::vector<std::string> commands;
  server.Serve(1, [&](tcp::socket& s, int) {
    std::string pending;
    auto c = ServeAuth(s, &pending, true);
    {
      std::lock_guard lock(mu);
      commands = c;
    }
    WriteInPieces(s, Cc("CC-Action: member-queue-start\nCC-Queue: support%40default\n"
                        "CC-Member-Session-UUID: call-1\nCC-Member-CID-Number: 5550199\n") +
                         EventFrame("Event-Name: HEARTBEAT\nCore-UUID: x\n\n") +
                         Cc("CC-Action: member-queue-end\nCC-Queue: support%40default\n"
                            "CC-Member-Session-UUID: call-1\nCC-Cause: Cancel\n"
                            "CC-Cancel-Reason: NO_AGENT_TIMEOUT\n"));
  });
  Bridge bridge(server.port());
  ASSERT_TRUE(bridge.observer().WaitFor(2));
  bridge.Stop();
  EXPECT_EQ(bridge.observer().events(), (std::vector<std::string>{"up", "down"}));
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0], "auth ClueCon\n\n");
  EXPECT_EQ(commands[1], "event plain HEARTBEAT CUSTOM callcenter::info\n\n");
  const auto& c = bridge.mapper().counts();
  EXPECT_EQ(c.Get("protocol"), 3u);
  EXPECT_EQ(c.Get("published"), 2u);
  EXPECT_EQ(c.Get("ignored_event"), 1u);
  EXPECT_EQ(c.Total(), 6u);
  ASSERT_EQ(bridge.sink().messages().size(), 2u);
  EXPECT_EQ(bridge.sink().messages()[1].envelope.contact_exited().reason(),
            v1::EXIT_REASON_NO_AGENTS);
}

TEST(freeswitch_client, ReconnectsWithBackoffAndAuthenticatesAgain) {
  ScriptServer server;
  server.Serve(2, [&](tcp::socket& s, int connection) {
    std::string pending;
    ServeAuth(s, &pending, true);
    ScriptServer::Write(s, Cc("CC-Action: member-queue-start\nCC-Queue: q\n"
                              "CC-Member-Session-UUID: call-" +
                              std::to_string(connection) + "\n"));
    if (connection == 0) {
      // FreeSWITCH shutting down: a notice, then the close.
      ScriptServer::Write(s, "Content-Type: text/disconnect-notice\nContent-Length: 3\n\nbye");
    }
  });
  Bridge bridge(server.port());
  ASSERT_TRUE(bridge.observer().WaitFor(4));
  bridge.Stop();
  EXPECT_EQ(bridge.observer().events(), (std::vector<std::string>{"up", "down", "up", "down"}));
  EXPECT_EQ(bridge.session().logins(), 2u);
  const auto& messages = bridge.sink().messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].envelope.seq(), 1u);
  EXPECT_EQ(messages[1].envelope.seq(), 2u);  // Same topic, numbering goes on.
  EXPECT_EQ(bridge.mapper().counts().Get("disconnect_notice"), 1u);
}

TEST(freeswitch_client, WrongPasswordIsFatal) {
  ScriptServer server;
  server.Serve(1, [&](tcp::socket& s, int) {
    std::string pending;
    ServeAuth(s, &pending, false);
  });
  Bridge bridge(server.port());
  ASSERT_TRUE(bridge.observer().WaitFor(1));
  bridge.Stop();
  EXPECT_EQ(bridge.observer().events()[0], "fatal: event socket password rejected (-ERR invalid)");
}

TEST(freeswitch_client, AclRejectionIsFatal) {
  ScriptServer server;
  server.Serve(1, [&](tcp::socket& s, int) {
    ScriptServer::Write(s,
                        "Content-Type: text/rude-rejection\nContent-Length: 25\n\n"
                        "Access Denied, go away.\n\n");
  });
  Bridge bridge(server.port());
  ASSERT_TRUE(bridge.observer().WaitFor(1));
  bridge.Stop();
  EXPECT_EQ(bridge.observer().events()[0],
            "fatal: the event socket refused this address (apply-inbound-acl): Access Denied, go "
            "away.");
}

}  // namespace
}  // namespace ccmon::freeswitch
