// ingest_throughput: end-to-end ingest benchmark of the real ccmond binary.
//
// Pre-generates a realistic event stream with the simulator (config/simulator/load.yaml), so the
// publisher is never the bottleneck, starts ccmond subscribed to an XPUB socket of this process,
// publishes the whole stream flat out over ZeroMQ tcp on loopback, and measures the time until
// ccmond has applied every message (ccmond_messages_received_total). Loss is checked from the
// daemon's own sequence-gap counter. Results go to stdout as one line per run.
//
//   build/bench/ingest_throughput [--minutes 60] [--runs 3]
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "bridges/simulate/simulator.h"
#include "common/publisher.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/scrape.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Message {
  std::string topic;
  std::string payload;
};

std::vector<Message> Generate(int minutes) {
  auto profile = ccmon::simulate::LoadProfile(
      std::string(CCMON_SOURCE_DIR) + "/config/simulator/load.yaml", 0);
  if (!profile.ok()) {
    std::fprintf(stderr, "profile: %s\n", profile.status().message().c_str());
    std::exit(2);
  }
  ccmon::simulate::Simulator sim(*profile, 1);
  ccmon::CapturingSink sink("load", 1, "load");
  std::vector<Message> out;
  for (int m = 1; m <= minutes; ++m) {
    (void)sim.RunUntil(sim.start_time() + m * 60'000LL, sink);
    for (const auto& msg : sink.messages())
      out.push_back({msg.topic, msg.envelope.SerializeAsString()});
    sink.Clear();
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int minutes = 60;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--minutes") == 0) minutes = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
  }
  const auto gen_start = Clock::now();
  const std::vector<Message> messages = Generate(minutes);
  std::size_t bytes = 0;
  for (const auto& m : messages) bytes += m.topic.size() + m.payload.size();
  std::printf(
      "generated %zu events (%d simulated minutes of load.yaml, mean %.0f bytes) in %.1f s\n",
      messages.size(), minutes, static_cast<double>(bytes) / messages.size(),
      std::chrono::duration<double>(Clock::now() - gen_start).count());

  for (int run = 1; run <= runs; ++run) {
    zmq::context_t ctx;
    zmq::socket_t pub(ctx, zmq::socket_type::xpub);
    pub.set(zmq::sockopt::sndhwm, 0);
    pub.set(zmq::sockopt::sndbuf, 4 * 1024 * 1024);
    pub.bind("tcp://127.0.0.1:*");
    const std::string endpoint = pub.get(zmq::sockopt::last_endpoint);
    ccmon::testing::ChildProcess daemon({ccmon::testing::BinaryPath("ccmond"), "--subscribe",
                                         endpoint, "--web.listen-address", "127.0.0.1:0"});
    auto port = daemon.WaitForLine(std::regex(R"(listening on http://127\.0\.0\.1:(\d+)/metrics)"));
    if (!port) {
      std::fprintf(stderr, "ccmond did not start:\n%s\n", daemon.output().c_str());
      return 1;
    }
    const auto http_port = static_cast<std::uint16_t>(std::stoi(*port));
    zmq::message_t sub;
    (void)pub.recv(sub);  // The daemon's subscription has arrived.

    const auto start = Clock::now();
    for (const auto& m : messages) {
      pub.send(zmq::buffer(m.topic), zmq::send_flags::sndmore);
      pub.send(zmq::buffer(m.payload), zmq::send_flags::none);
    }
    const double send_s = std::chrono::duration<double>(Clock::now() - start).count();
    double received = 0;
    ccmon::testing::Scrape last("");
    for (;;) {
      auto r = ccmon::testing::HttpGet("127.0.0.1", http_port, "/metrics");
      last = ccmon::testing::Scrape(r.body);
      received = last.Get("ccmond_messages_received_total").value_or(0);
      if (received >= static_cast<double>(messages.size())) break;
      if (std::chrono::duration<double>(Clock::now() - start).count() > 120) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // Scrapes compete with ingest.
    }
    const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
    const double gaps = last.Get("ccmond_sequence_gaps_total").value_or(-1);
    const double missing = last.Get("ccmond_events_missing_total").value_or(-1);
    const double rejected = last.Sum("ccmond_events_rejected_total");
    std::printf(
        "run %d: %zu events in %.3f s = %.0f events/s end to end (publisher done after %.3f s); "
        "received %.0f, gaps %.0f, missing %.0f, rejected %.0f\n",
        run, messages.size(), total_s, static_cast<double>(messages.size()) / total_s, send_s,
        received, gaps, missing, rejected);
    std::fflush(stdout);
    daemon.Stop(SIGTERM);
  }
  return 0;
}
