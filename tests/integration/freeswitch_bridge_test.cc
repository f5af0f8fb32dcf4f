// The real `ccmon-bridge freeswitch` against a TCP server inside the test that speaks the
// FreeSWITCH event socket (port 0, one thread): auth/request, the password, the subscription,
// then mod_callcenter events in plain format; the server closes, the bridge reconnects with
// backoff and authenticates again; a SUB socket bound by the test receives what it publishes.
// Checked: the documentation's example events of ../shared/data (skips without them), a call
// that spans a reconnection, heartbeats DOWN at once on the drop and UP after the next
// subscription, numbering per topic without gaps, a wrong password (exit code 2), the example
// config file in the real binary, and that no caller number reaches the log.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "ccmon/v1/events.pb.h"
#include "tests/testing/process.h"
#include "tests/testing/shared_data.h"

namespace ccmon {
namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// An event-socket server: each connection is greeted with auth/request, must answer with the
// expected password and subscribe, and is then given what `script` writes; after the script the
// server stops sending and reads until the bridge closes.
class EslServer {
 public:
  using Script = std::function<void(tcp::socket&, int connection)>;

  EslServer() : acceptor_(io_, tcp::endpoint(net::ip::address_v4::loopback(), 0)) {}
  ~EslServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void Serve(int connections, Script script) {
    thread_ = std::thread([=, this] {
      for (int i = 0; i < connections; ++i) {
        tcp::socket s(io_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec) return;
        try {
          std::string pending;
          Write(s, "Content-Type: auth/request\n\n");
          if (ReadCommand(s, &pending) != "auth ClueCon\n\n") {
            Write(s, "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n");
          } else {
            Write(s, "Content-Type: command/reply\nReply-Text: +OK accepted\n\n");
            subscription_ = ReadCommand(s, &pending);
            Write(s,
                  "Content-Type: command/reply\nReply-Text: +OK event listener enabled "
                  "plain\n\n");
            script(s, i);
          }
          s.shutdown(tcp::socket::shutdown_send, ec);
          std::string rest;
          net::read(s, net::dynamic_buffer(rest), ec);
        } catch (const std::exception&) {
        }
      }
    });
  }

  static std::string ReadCommand(tcp::socket& s, std::string* pending) {
    const std::size_t n = net::read_until(s, net::dynamic_buffer(*pending), "\n\n");
    std::string command = pending->substr(0, n);
    pending->erase(0, n);
    return command;
  }
  static void Write(tcp::socket& s, const std::string& bytes) { net::write(s, net::buffer(bytes)); }
  static void HoldOpen(tcp::socket& s) {
    boost::system::error_code ec;
    std::string rest;
    net::read(s, net::dynamic_buffer(rest), ec);
  }
  // Written before the next connection is accepted; read after the bridge exited.
  const std::string& subscription() const { return subscription_; }

 private:
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::string subscription_;
};

std::string EventFrame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\nContent-Type: text/event-plain\n\n" +
         body;
}

std::string Cc(const std::string& fields) {
  return EventFrame("Event-Name: CUSTOM\nEvent-Subclass: callcenter%3A%3Ainfo\n" + fields + "\n");
}

// The example events of the documentation page, byte for byte (see freeswitch_replay_test).
std::vector<std::string> DocumentedEvents(const std::string& page) {
  std::vector<std::string> events;
  std::vector<std::string> paragraph;
  std::istringstream in(page);
  std::string line;
  const auto flush = [&] {
    bool all_headers = !paragraph.empty();
    bool has_name = false;
    for (const std::string& l : paragraph) {
      const std::size_t colon = l.find(": ");
      if (colon == std::string::npos || colon == 0 ||
          l.substr(0, colon).find(' ') != std::string::npos) {
        all_headers = false;
      }
      if (l.rfind("Event-Name:", 0) == 0) has_name = true;
    }
    if (all_headers && has_name) {
      std::string body;
      for (const std::string& l : paragraph) body += l + "\n";
      events.push_back(body + "\n");
    }
    paragraph.clear();
  };
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      flush();
    } else {
      paragraph.push_back(line);
    }
  }
  flush();
  return events;
}

struct Received {
  std::string topic;
  v1::Envelope envelope;
};

class freeswitch_bridge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-fs-it-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "password") << "ClueCon\n";
    std::ofstream(dir_ / "wrong") << "NotClueCon\n";
    std::ofstream(dir_ / "caller.key") << std::string(64, '9') << "\n";
    sub_.set(zmq::sockopt::subscribe, "");
    sub_.set(zmq::sockopt::rcvtimeo, 200);
    sub_.bind("tcp://127.0.0.1:*");
    endpoint_ = sub_.get(zmq::sockopt::last_endpoint);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // With `wait_for_subscriber`, the bridge holds its first event until the test's SUB socket has
  // subscribed; the test must then be receiving (a bound ZeroMQ socket attaches a new connection
  // only while its thread uses it).
  std::unique_ptr<testing::ChildProcess> StartBridge(std::uint16_t port,
                                                     const std::string& password = "password",
                                                     bool wait_for_subscriber = true) {
    std::vector<std::string> args{testing::BinaryPath("ccmon-bridge"),
                                  "freeswitch",
                                  "--host",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port),
                                  "--password-file",
                                  (dir_ / password).string(),
                                  "--caller-key-file",
                                  (dir_ / "caller.key").string(),
                                  "--publish",
                                  "connect:" + endpoint_,
                                  "--source",
                                  "fs-it",
                                  "--source-epoch",
                                  "11",
                                  "--heartbeat-interval",
                                  "100ms",
                                  "--reconnect-min",
                                  "50ms",
                                  "--reconnect-max",
                                  "200ms"};
    if (wait_for_subscriber) {
      args.push_back("--wait-for-subscriber");
      args.push_back("20s");
    }
    auto bridge = std::make_unique<testing::ChildProcess>(args);
    EXPECT_TRUE(bridge->started());
    return bridge;
  }

  void ReceiveUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done() && std::chrono::steady_clock::now() < deadline) ReceiveOne();
  }
  bool ReceiveOne() {
    zmq::message_t topic;
    zmq::message_t body;
    if (!sub_.recv(topic)) return false;
    EXPECT_TRUE(sub_.recv(body));
    Received r;
    r.topic = topic.to_string();
    EXPECT_TRUE(r.envelope.ParseFromArray(body.data(), static_cast<int>(body.size())));
    received_.push_back(std::move(r));
    return true;
  }
  std::vector<const v1::Envelope*> Events() const {
    std::vector<const v1::Envelope*> out;
    for (const auto& r : received_) {
      if (!r.envelope.has_heartbeat()) out.push_back(&r.envelope);
    }
    return out;
  }
  std::vector<std::string> ConnectionStates() const {
    std::vector<std::string> out;
    for (const auto& r : received_) {
      if (!r.envelope.has_heartbeat()) continue;
      const std::string s = v1::AcdConnection_Name(r.envelope.heartbeat().acd_connection());
      if (out.empty() || out.back() != s) out.push_back(s);
    }
    if (!out.empty() && out.front() == "ACD_CONNECTION_DOWN") out.erase(out.begin());
    return out;
  }
  void ExpectGaplessNumbering() const {
    std::map<std::string, std::uint64_t> last;
    for (const auto& r : received_) {
      EXPECT_EQ(r.envelope.source(), "fs-it");
      EXPECT_EQ(r.envelope.source_epoch(), 11u);
      EXPECT_EQ(r.envelope.seq(), ++last[r.topic]) << r.topic;
    }
  }

  fs::path dir_;
  zmq::context_t ctx_;
  zmq::socket_t sub_{ctx_, zmq::socket_type::sub};
  std::string endpoint_;
  std::vector<Received> received_;
};

TEST_F(freeswitch_bridge, ReplaysTheDocumentedExamplesAcrossAReconnection) {
  const std::string file =
      "freeswitch-callcenter/signalwire-freeswitch-docs__mod_callcenter_example_events.txt";
  CCMON_REQUIRE_SHARED_DATA(file);
  std::ifstream in(testing::SharedDataFile(file), std::ios::binary);
  std::ostringstream page;
  page << in.rdbuf();
  std::string stream;
  for (const std::string& e : DocumentedEvents(page.str())) stream += EventFrame(e);

  EslServer server;
  server.Serve(2, [&](tcp::socket& s, int i) {
    EslServer::Write(s, stream);
    if (i == 1) EslServer::HoldOpen(s);
  });
  auto bridge = StartBridge(server.port());
  // First play (freeswitch_replay_test): agent available, agent reserved, queued, answered,
  // ended, wrap-up. On the new connection the agent is published again at once (the daemon logged
  // it out on DOWN) in the state the first play left it in (Available + Receiving: reserved), so
  // the second agent-state-change(Receiving) changes nothing; the member is queued afresh (its
  // first stay ended): 5 more.
  ReceiveUntil([&] { return Events().size() >= 11 && ConnectionStates().size() >= 3; });
  EXPECT_EQ(bridge->Stop(SIGTERM), 0) << bridge->output();
  while (ReceiveOne()) {
  }
  const auto events = Events();
  ASSERT_EQ(events.size(), 11u) << bridge->output();
  EXPECT_EQ(events[0]->agent_state_changed().state(), v1::AGENT_STATE_AVAILABLE);
  EXPECT_EQ(events[1]->agent_state_changed().state(), v1::AGENT_STATE_RESERVED);
  EXPECT_EQ(events[6]->agent_state_changed().state(), v1::AGENT_STATE_RESERVED);
  for (const std::size_t first : {2u, 7u}) {
    EXPECT_EQ(events[first]->contact_queued().contact_id(), "b77c49c2-a732-11df-9438-e7d9456f8886");
    EXPECT_EQ(events[first]->contact_queued().queue(), "support@default");
    EXPECT_TRUE(events[first + 1]->has_contact_answered());
    EXPECT_TRUE(events[first + 2]->has_contact_ended());
    EXPECT_TRUE(events[first + 3]->has_wrap_up_ended());
  }
  EXPECT_EQ(ConnectionStates(),
            (std::vector<std::string>{"ACD_CONNECTION_UP", "ACD_CONNECTION_DOWN",
                                      "ACD_CONNECTION_UP", "ACD_CONNECTION_DOWN"}));
  ExpectGaplessNumbering();
  EXPECT_EQ(server.subscription(), "event plain HEARTBEAT CUSTOM callcenter::info\n\n");
  // Every outcome is a documented one: 5 unknown_contact and 1 ignored_event per play.
  EXPECT_NE(bridge->output().find(
                "ignored_event=2 no_change=1 protocol=6 published=7 unknown_contact=10"),
            std::string::npos)
      << bridge->output();
}

TEST_F(freeswitch_bridge, ReconnectsWithBackoffAndGoesOnWithTheCall) {
  EslServer server;
  server.Serve(2, [&](tcp::socket& s, int i) {
    if (i == 0) {
      EslServer::Write(s, Cc("CC-Action: member-queue-start\nCC-Queue: sales\n"
                             "CC-Member-Session-UUID: call-7\n"
                             "CC-Member-CID-Number: %2B15550199888\n") +
                              Cc("CC-Action: agent-offering\nCC-Queue: sales\nCC-Agent: 1000\n"
                                 "CC-Member-Session-UUID: call-7\n"));
    } else {
      EslServer::Write(s, Cc("CC-Action: bridge-agent-start\nCC-Queue: sales\nCC-Agent: 1000\n"
                             "CC-Member-Session-UUID: call-7\n") +
                              Cc("CC-Action: bridge-agent-end\nCC-Queue: sales\nCC-Agent: 1000\n"
                                 "CC-Member-Session-UUID: call-7\n"));
      EslServer::HoldOpen(s);
    }
  });
  auto bridge = StartBridge(server.port());
  ReceiveUntil([&] { return Events().size() >= 5; });
  EXPECT_EQ(bridge->Stop(SIGTERM), 0) << bridge->output();
  while (ReceiveOne()) {
  }
  const auto events = Events();
  ASSERT_EQ(events.size(), 5u) << bridge->output();
  EXPECT_TRUE(events[0]->has_contact_queued());
  EXPECT_TRUE(events[1]->has_contact_ringing());
  EXPECT_EQ(events[2]->contact_answered().contact_id(), "call-7");
  EXPECT_EQ(events[2]->contact_answered().agent_id(), "1000");
  EXPECT_TRUE(events[3]->has_contact_ended());
  EXPECT_TRUE(events[4]->has_wrap_up_ended());
  const auto states = ConnectionStates();
  ASSERT_GE(states.size(), 3u);
  EXPECT_EQ(states[0], "ACD_CONNECTION_UP");
  EXPECT_EQ(states[1], "ACD_CONNECTION_DOWN");
  EXPECT_EQ(states[2], "ACD_CONNECTION_UP");
  ExpectGaplessNumbering();
  EXPECT_NE(bridge->output().find("reconnecting in"), std::string::npos);
  EXPECT_EQ(bridge->output().find("5550199888"), std::string::npos) << bridge->output();
}

TEST_F(freeswitch_bridge, WrongPasswordExitsWithAConfigurationError) {
  EslServer server;
  server.Serve(1, [](tcp::socket&, int) {});
  auto bridge = StartBridge(server.port(), "wrong", /*wait_for_subscriber=*/false);
  EXPECT_EQ(bridge->Wait(30'000), 2) << bridge->output();
  EXPECT_NE(bridge->output().find("password rejected (-ERR invalid)"), std::string::npos)
      << bridge->output();
  EXPECT_EQ(bridge->output().find("NotClueCon"), std::string::npos);
}

TEST_F(freeswitch_bridge, ExampleConfigFileParsesInTheRealBinary) {
  testing::ChildProcess bridge({testing::BinaryPath("ccmon-bridge"), "--config",
                                std::string(CCMON_SOURCE_DIR) + "/config/bridges/freeswitch.toml",
                                "freeswitch", "--password-file", (dir_ / "password").string(),
                                "--caller-key-file", (dir_ / "caller.key").string(), "--dry-run"});
  EXPECT_EQ(bridge.Wait(30'000), 0) << bridge.output();
  EXPECT_NE(bridge.output().find("connect: 127.0.0.1:8021"), std::string::npos) << bridge.output();
  EXPECT_NE(bridge.output().find("as source fs-eu1"), std::string::npos) << bridge.output();
}

}  // namespace
}  // namespace ccmon
