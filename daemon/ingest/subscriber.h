// Subscriber: the ingest thread. Receives [topic][Envelope] messages on ZeroMQ SUB sockets,
// decodes them, and hands them to the engine in batches (never one handoff per event).
//
// Replay transport: a subscription with a replay endpoint also gets a DEALER socket connected to
// its bridge's replay server. The engine's Resequencer decides what to ask for and calls
// RequestReplay(); the request travels to the ingest thread over an inproc PUSH/PULL pair (ZeroMQ
// sockets are not thread-safe, so the DEALERs stay on the ingest thread), which sends it. Each
// reply's envelopes are decoded like live ones, marked with their request id, and handed to the
// engine in the next batch followed by the reply's ReplayAnswer. While any subscription has
// replay, a batch (possibly empty) is handed over at least every poll_timeout_ms, so the engine
// can time requests out without a timer of its own.
//
// Threading: Start() and Stop() are called from the engine (main) thread; the sockets are used
// only by the ingest thread after Start(). The BatchHandler runs on the ingest thread and must only
// hand the batch over (e.g. asio::post to the engine); the engine returns each batch with
// Release() from its own thread. At most `max_in_flight` batches exist: when the engine falls
// behind, the ingest thread waits and ZeroMQ's receive queue (RCVHWM) absorbs the burst.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/status.h"
#include "daemon/ingest/envelope_decoder.h"
#include "daemon/ingest/replay_protocol.h"

namespace ccmon::ingest {

// Decoded events of one handoff, plus what was rejected while decoding them.
struct Batch {
  std::vector<DecodedEvent> events;  // Only the first `size` entries are valid (capacity reuse).
  std::size_t size = 0;
  std::uint64_t messages = 0;  // Messages taken off the sockets for this batch.
  std::array<std::uint64_t, state::kRejectReasonCount> rejected{};
  // Replay replies received for this batch; each one's events are among `events` (marked with
  // its request id) and come before it.
  std::vector<ReplayAnswer> answers;

  void Clear() {
    size = 0;
    messages = 0;
    rejected.fill(0);
    answers.clear();
  }
};

struct SubscriberEndpoint {
  std::string endpoint;
  bool bind = false;
  std::vector<std::string> topics{"v1."};
  std::string replay_endpoint;  // The bridge's replay server ("" = no replay).
};

struct SubscriberOptions {
  std::vector<SubscriberEndpoint> endpoints;
  int rcvhwm = 1'000'000;
  DecodeLimits limits;
  std::size_t max_batch = 4096;
  std::size_t max_in_flight = 8;
  int poll_timeout_ms = 100;
};

class Subscriber {
 public:
  using BatchHandler = std::function<void(Batch*)>;

  Subscriber(zmq::context_t* context, SubscriberOptions options, BatchHandler handler);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Creates the sockets, binds/connects and subscribes, then starts the ingest thread. Fails
  // (without starting) if an endpoint is invalid or cannot be bound.
  Status Start();

  // Stops the ingest thread and closes the sockets. Batches not yet released stay valid until
  // released or the Subscriber is destroyed. Idempotent.
  void Stop();

  // Returns a batch handed out by the BatchHandler. Any thread.
  void Release(Batch* batch);

  // Queues a replay request for the ingest thread to send to the replay endpoint of subscription
  // request.subscription. Only the thread that called Start() (the engine thread); fire and
  // forget: a request that cannot be queued or sent is dropped and times out in the engine.
  void RequestReplay(const ReplayRequest& request);

  // Endpoints as bound (a "tcp://127.0.0.1:*" bind resolves to its port), in options order;
  // connect endpoints are returned as given.
  const std::vector<std::string>& endpoints() const { return resolved_endpoints_; }

 private:
  void Run();
  Batch* Acquire();  // Blocks while max_in_flight batches are out; nullptr when stopping.
  // Hands the batch over if it holds anything (or always, with `even_empty`).
  void Flush(Batch** batch, bool even_empty = false);
  // Sends the requests queued by RequestReplay(); true if there were any.
  bool ForwardRequests();
  // Reads one reply from `dealer` (subscription `index`) into the batch; false if none waited.
  // Returns through *batch = nullptr only when stopping.
  bool ReceiveReply(std::uint32_t index, zmq::socket_t& dealer, Batch** batch);

  zmq::context_t* context_;
  SubscriberOptions options_;
  BatchHandler handler_;
  EnvelopeDecoder decoder_;
  std::vector<zmq::socket_t> sockets_;
  std::vector<std::string> resolved_endpoints_;
  std::vector<zmq::socket_t> dealers_;  // By subscription; an empty socket = no replay.
  zmq::socket_t requests_in_;           // PULL, ingest thread.
  zmq::socket_t requests_out_;          // PUSH, engine thread (RequestReplay).
  bool replay_ = false;                 // Some subscription has replay.
  std::thread thread_;
  std::atomic<bool> stop_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Batch>> all_batches_;  // Owned here; guarded by mu_.
  std::vector<Batch*> free_batches_;                 // Guarded by mu_.
};

}  // namespace ccmon::ingest
