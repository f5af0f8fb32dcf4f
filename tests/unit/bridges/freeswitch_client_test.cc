// The event-socket session over the reconnecting TcpClient, against a small TCP server inside the
// test (tests/testing/script_server.h: 127.0.0.1 port 0, one thread) that speaks mod_event_socket:
// auth/request, the password, the subscription, events in plain format split into small writes, a
// disconnect notice; then a reconnection (session down then up, auth again); a wrong password and
// an ACL rejection.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bridges/core/tcp_client.h"
#include "bridges/freeswitch/cc_mapper.h"
#include "bridges/freeswitch/esl_session.h"
#include "common/caller_key.h"
#include "common/clock.h"
#include "common/publisher.h"
#include "tests/testing/esl_frames.h"
#include "tests/testing/script_server.h"
#include "tests/testing/session_client.h"

namespace ccmon::freeswitch {
namespace {

using tcp = boost::asio::ip::tcp;
using testing::EslEventFrame;
using testing::ScriptServer;
// A mod_callcenter event as the event socket sends it (tests/testing/esl_frames.h).
constexpr auto Cc = &testing::CallcenterEventFrame;

// The session, mapper and capturing sink over a TcpClient running in its own thread.
class Bridge : public testing::MappedSession<Session, Mapper, SessionOptions> {
 public:
  explicit Bridge(std::uint16_t port)
      : MappedSession(port, Options(), std::string(64, 'f'), "fs") {}

 private:
  static SessionOptions Options() {
    SessionOptions s;
    s.password = "ClueCon";
    return s;
  }
};

std::string ReadCommand(tcp::socket& s, std::string* pending) {
  return ScriptServer::ReadUntil(s, pending, "\n\n");
}

// The server side of authentication and subscription; returns the client's two commands.
std::vector<std::string> ServeAuth(tcp::socket& s, std::string* pending, bool accept) {
  ScriptServer::Write(s, "Content-Type: auth/request\n\n");
  std::vector<std::string> commands{ReadCommand(s, pending)};
  if (!accept) {
    ScriptServer::Write(s, "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n");
    ScriptServer::Write(s,
                        "Content-Type: text/disconnect-notice\nContent-Length: 67\n\n"
                        "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n");
    return commands;
  }
  ScriptServer::Write(s, "Content-Type: command/reply\nReply-Text: +OK accepted\n\n");
  commands.push_back(ReadCommand(s, pending));
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
                         EslEventFrame("Event-Name: HEARTBEAT\nCore-UUID: x\n\n") +
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
