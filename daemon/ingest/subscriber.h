// Subscriber: the ingest thread. Receives [topic][Envelope] messages on ZeroMQ SUB sockets,
// decodes them, and hands them to the engine in batches (never one handoff per event).
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

namespace ccmon::ingest {

// Decoded events of one handoff, plus what was rejected while decoding them.
struct Batch {
  std::vector<DecodedEvent> events;  // Only the first `size` entries are valid (capacity reuse).
  std::size_t size = 0;
  std::uint64_t messages = 0;  // Messages taken off the sockets for this batch.
  std::array<std::uint64_t, state::kRejectReasonCount> rejected{};

  void Clear() {
    size = 0;
    messages = 0;
    rejected.fill(0);
  }
};

struct SubscriberEndpoint {
  std::string endpoint;
  bool bind = false;
  std::vector<std::string> topics{"v1."};
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

  // Endpoints as bound (a "tcp://127.0.0.1:*" bind resolves to its port), in options order;
  // connect endpoints are returned as given.
  const std::vector<std::string>& endpoints() const { return resolved_endpoints_; }

 private:
  void Run();
  Batch* Acquire();  // Blocks while max_in_flight batches are out; nullptr when stopping.
  void Flush(Batch** batch);

  zmq::context_t* context_;
  SubscriberOptions options_;
  BatchHandler handler_;
  EnvelopeDecoder decoder_;
  std::vector<zmq::socket_t> sockets_;
  std::vector<std::string> resolved_endpoints_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Batch>> all_batches_;  // Owned here; guarded by mu_.
  std::vector<Batch*> free_batches_;                 // Guarded by mu_.
};

}  // namespace ccmon::ingest
