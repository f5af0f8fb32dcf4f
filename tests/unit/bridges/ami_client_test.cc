// The AMI session over the reconnecting TcpClient, against a small TCP server inside the test
// (Asio acceptor on 127.0.0.1 port 0, one thread): login, what the server plays mapped in order,
// reconnection with backoff after the server closes (session down then up, login again), a
// rejected login, and the Backoff and secret-file helpers of bridges/core/tcp_client.h.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bridges/asterisk_ami/ami_mapper.h"
#include "bridges/asterisk_ami/ami_session.h"
#include "bridges/core/tcp_client.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/publisher.h"

namespace ccmon::ami {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Accepts connections on 127.0.0.1:<ephemeral> in its own thread and runs `script` on each, in
// order; the script talks to the client with blocking calls. Closing is graceful: after the
// script, the server stops sending and reads until the client closes, so nothing it wrote is
// lost to a reset.
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
          net::read(socket, net::dynamic_buffer(rest), ec);  // Until the client closes.
        } catch (const std::exception&) {
          // The client went away mid-script; the test's expectations will tell.
        }
      }
    });
  }

  // Reads one block ended by an empty line ("\r\n\r\n"); "" if the client closed.
  static std::string ReadBlock(tcp::socket& s, std::string* pending) {
    boost::system::error_code ec;
    const std::size_t n = net::read_until(s, net::dynamic_buffer(*pending), "\r\n\r\n", ec);
    if (ec) return "";
    std::string block = pending->substr(0, n);
    pending->erase(0, n);
    return block;
  }
  static void Write(tcp::socket& s, const std::string& bytes) { net::write(s, net::buffer(bytes)); }

 private:
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

std::string ValueOf(const std::string& block, const std::string& key) {
  const std::size_t at = block.find(key + ": ");
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size() + 2;
  return block.substr(start, block.find("\r\n", start) - start);
}

// Records what the session reports; the test thread waits on it.
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

// A session, mapper and capturing sink over a TcpClient running in its own thread.
class Bridge {
 public:
  explicit Bridge(std::uint16_t port)
      : hasher_(CallerKeyHasher::FromKeyHex(std::string(64, 'c')).value()),
        mapper_(&sink_, &hasher_) {
    SessionOptions s;
    s.username = "ccmon";
    s.secret = "s3cret";
    s.filters = DefaultEventFilters();
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
  // After Stop() only.
  const CapturingSink& sink() const { return sink_; }
  const Mapper& mapper() const { return mapper_; }
  const Session& session() const { return *session_; }
  const CallerKeyHasher& hasher() const { return hasher_; }

 private:
  WallClock clock_;
  CapturingSink sink_{"ami", 1};
  CallerKeyHasher hasher_;
  Mapper mapper_;
  RecordingObserver observer_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<bridges::TcpClient> client_;
  std::thread thread_;
};

// One answered call and an agent, in Asterisk 13 wire format.
std::string Capture() {
  return "Event: QueueMemberStatus\r\nQueue: q\r\nInterface: PJSIP/a\r\nStatus: 1\r\n"
         "Paused: 0\r\n\r\n"
         "Event: QueueCallerJoin\r\nUniqueid: 7.1\r\nQueue: q\r\nCallerIDNum: 5550199\r\n"
         "Position: 1\r\n\r\n"
         "Event: AgentCalled\r\nUniqueid: 7.1\r\nQueue: q\r\nInterface: PJSIP/a\r\n\r\n"
         "Event: QueueCallerLeave\r\nUniqueid: 7.1\r\nQueue: q\r\n\r\n"
         "Event: AgentConnect\r\nUniqueid: 7.1\r\nQueue: q\r\nInterface: PJSIP/a\r\n\r\n"
         "Event: AgentComplete\r\nUniqueid: 7.1\r\nQueue: q\r\nInterface: PJSIP/a\r\n"
         "Reason: caller\r\n\r\n";
}

// The server side of a login: banner, Login action checked, Success (or Error).
std::string ServeLogin(tcp::socket& s, std::string* pending, bool accept) {
  ScriptServer::Write(s, "Asterisk Call Manager/5.0.1\r\n");
  const std::string login = ScriptServer::ReadBlock(s, pending);
  const std::string reply =
      std::string("Response: ") + (accept ? "Success" : "Error") +
      "\r\nActionID: " + ValueOf(login, "ActionID") +
      "\r\nMessage: " + (accept ? "Authentication accepted" : "Authentication failed") + "\r\n\r\n";
  ScriptServer::Write(s, reply);
  return login;
}

// Writes `bytes` in small pieces so the client sees partial reads.
void WriteInPieces(tcp::socket& s, const std::string& bytes) {
  for (std::size_t i = 0; i < bytes.size(); i += 13) ScriptServer::Write(s, bytes.substr(i, 13));
}

TEST(ami_client, LogsInAndMapsWhatTheServerPlays) {
  ScriptServer server;
  std::mutex mu;
  std::vector<std::string> received;  // Blocks the client sent.
  server.Serve(1, [&](tcp::socket& s, int) {
    std::string pending;
    const std::string login = ServeLogin(s, &pending, true);
    std::vector<std::string> blocks{login};
    // After the login: two Filter actions and QueueStatus.
    for (int i = 0; i < 3; ++i) blocks.push_back(ScriptServer::ReadBlock(s, &pending));
    {
      std::lock_guard lock(mu);
      received = blocks;
    }
    WriteInPieces(s, Capture());
  });
  Bridge bridge(server.port());
  ASSERT_TRUE(bridge.observer().WaitFor(2));  // up, then down when the server closes.
  bridge.Stop();
  EXPECT_EQ(bridge.observer().events()[0], "up");
  EXPECT_EQ(bridge.observer().events()[1], "down");

  ASSERT_EQ(received.size(), 4u);
  EXPECT_EQ(ValueOf(received[0], "Action"), "Login");
  EXPECT_EQ(ValueOf(received[0], "Username"), "ccmon");
  EXPECT_EQ(ValueOf(received[0], "Secret"), "s3cret");
  EXPECT_EQ(ValueOf(received[0], "Events"), "agent,call,dialplan,dtmf");
  EXPECT_EQ(ValueOf(received[1], "Action"), "Filter");
  EXPECT_EQ(ValueOf(received[1], "Operation"), "Add");
  EXPECT_EQ(ValueOf(received[2], "Filter"), "Variable: QUEUESTATUS");
  EXPECT_EQ(ValueOf(received[3], "Action"), "QueueStatus");

  EXPECT_EQ(bridge.session().banner(), "5.0.1");
  const auto& counts = bridge.mapper().counts();
  EXPECT_EQ(counts.Get("banner"), 1u);
  EXPECT_EQ(counts.Get("response"), 1u);
  EXPECT_EQ(counts.Get("published"), 5u);
  EXPECT_EQ(counts.Get("pending"), 1u);
  EXPECT_EQ(counts.Total(), 8u);
  const auto& messages = bridge.sink().messages();
  ASSERT_EQ(messages.size(), 9u);
  EXPECT_EQ(messages[1].envelope.contact_queued().caller_key(), bridge.hasher().Hash("5550199"));
  EXPECT_TRUE(messages[6].envelope.has_contact_ended());
}

TEST(ami_client, ReconnectsWithBackoffAndLogsInAgainAfterTheServerCloses) {
  ScriptServer server;
  server.Serve(2, [&](tcp::socket& s, int connection) {
    std::string pending;
    ServeLogin(s, &pending, true);
    if (connection == 0) {
      // The first connection plays the call's start and drops in the middle of the call.
      const std::string capture = Capture();
      ScriptServer::Write(s, capture.substr(0, capture.find("Event: QueueCallerLeave")));
    } else {
      ScriptServer::Write(s, "Event: QueueCallerJoin\r\nUniqueid: 8.1\r\nQueue: q\r\n\r\n");
    }
  });
  Bridge bridge(server.port());
  ASSERT_TRUE(bridge.observer().WaitFor(4));  // up, down, up, down.
  bridge.Stop();
  EXPECT_EQ(bridge.observer().events(), (std::vector<std::string>{"up", "down", "up", "down"}));
  EXPECT_EQ(bridge.session().logins(), 2u);
  // Events of both connections, numbered without gaps per topic.
  const auto& messages = bridge.sink().messages();
  std::map<std::string, std::uint64_t> last;
  for (const auto& m : messages) {
    EXPECT_EQ(m.envelope.seq(), ++last[m.topic]) << m.topic;
  }
  EXPECT_TRUE(messages.back().envelope.has_contact_queued());
  EXPECT_EQ(messages.back().envelope.contact_queued().contact_id(), "8.1");
  EXPECT_EQ(bridge.mapper().counts().Get("banner"), 2u);
}

TEST(ami_client, RejectedLoginIsFatal) {
  ScriptServer server;
  server.Serve(1, [&](tcp::socket& s, int) {
    std::string pending;
    ServeLogin(s, &pending, false);
  });
  Bridge bridge(server.port());
  ASSERT_TRUE(bridge.observer().WaitFor(1));
  bridge.Stop();
  const auto events = bridge.observer().events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "fatal: AMI login as ccmon rejected: Authentication failed");
}

TEST(ami_client, NoServerMeansRetriesWithoutASession) {
  // A port nobody listens on: connection attempts fail and are retried; the session never comes
  // up and stopping still works.
  std::uint16_t port = 0;
  {
    net::io_context io;
    tcp::acceptor a(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    port = a.local_endpoint().port();
  }
  Bridge bridge(port);
  bridge.Stop();
  EXPECT_TRUE(bridge.observer().events().empty());
}

TEST(ami_client, BackoffDoublesUpToTheCapAndResets) {
  bridges::Backoff b(100, 1'000);
  EXPECT_EQ(b.NextDelayMs(), 100);
  EXPECT_EQ(b.NextDelayMs(), 200);
  EXPECT_EQ(b.NextDelayMs(), 400);
  EXPECT_EQ(b.NextDelayMs(), 800);
  EXPECT_EQ(b.NextDelayMs(), 1'000);
  EXPECT_EQ(b.NextDelayMs(), 1'000);
  EXPECT_EQ(b.attempts(), 4);
  b.Reset();
  EXPECT_EQ(b.NextDelayMs(), 100);
}

TEST(ami_client, BackoffJitterStaysWithinItsFraction) {
  bridges::Backoff b(1'000, 8'000, 2.0, 0.25, 42);
  std::int64_t nominal = 1'000;
  for (int i = 0; i < 6; ++i) {
    const std::int64_t d = b.NextDelayMs();
    EXPECT_GE(d, nominal * 3 / 4);
    EXPECT_LE(d, nominal);
    nominal = std::min<std::int64_t>(nominal * 2, 8'000);
  }
}

TEST(ami_client, SecretFileIsReadWithoutItsLineBreak) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("ccmon-ami-secret-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ok") << "s3cret pass\r\n";
  std::ofstream(dir / "empty") << "\n";
  auto ok = bridges::ReadSecretFile((dir / "ok").string());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "s3cret pass");
  EXPECT_EQ(bridges::ReadSecretFile((dir / "empty").string()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bridges::ReadSecretFile((dir / "missing").string()).status().code(),
            StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ccmon::ami
