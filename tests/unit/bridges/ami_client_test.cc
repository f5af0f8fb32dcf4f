// The AMI session over the reconnecting TcpClient, against a small TCP server inside the test
// (tests/testing/script_server.h: 127.0.0.1 port 0, one thread): login, what the server plays
// mapped in order, reconnection with backoff after the server closes (session down then up, login
// again), a rejected login, and the Backoff and secret-file helpers of bridges/core/tcp_client.h.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bridges/asterisk_ami/ami_mapper.h"
#include "bridges/asterisk_ami/ami_session.h"
#include "bridges/core/tcp_client.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/publisher.h"
#include "tests/testing/script_server.h"
#include "tests/testing/session_client.h"

namespace ccmon::ami {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using testing::ScriptServer;

std::string ValueOf(const std::string& block, const std::string& key) {
  const std::size_t at = block.find(key + ": ");
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size() + 2;
  return block.substr(start, block.find("\r\n", start) - start);
}

// The session, mapper and capturing sink over a TcpClient running in its own thread.
class Bridge : public testing::MappedSession<Session, Mapper, SessionOptions> {
 public:
  explicit Bridge(std::uint16_t port)
      : MappedSession(port, Options(), std::string(64, 'c'), "ami") {}

 private:
  static SessionOptions Options() {
    SessionOptions s;
    s.username = "ccmon";
    s.secret = "s3cret";
    s.filters = DefaultEventFilters();
    return s;
  }
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
  const std::string login = ScriptServer::ReadUntil(s, pending, "\r\n\r\n");
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
    for (int i = 0; i < 3; ++i) blocks.push_back(ScriptServer::ReadUntil(s, &pending, "\r\n\r\n"));
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
