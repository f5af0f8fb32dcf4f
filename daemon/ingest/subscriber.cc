#include "daemon/ingest/subscriber.h"

#include <spdlog/spdlog.h>

namespace ccmon::ingest {

Subscriber::Subscriber(zmq::context_t* context, SubscriberOptions options, BatchHandler handler)
    : context_(context),
      options_(std::move(options)),
      handler_(std::move(handler)),
      decoder_(options_.limits) {}

Subscriber::~Subscriber() { Stop(); }

Status Subscriber::Start() {
  try {
    for (const auto& ep : options_.endpoints) {
      zmq::socket_t s(*context_, zmq::socket_type::sub);
      s.set(zmq::sockopt::rcvhwm, options_.rcvhwm);
      s.set(zmq::sockopt::linger, 0);
      // Large kernel buffers help absorb bursts while the engine is busy with a scrape.
      s.set(zmq::sockopt::rcvbuf, 4 * 1024 * 1024);
      for (const auto& topic : ep.topics) s.set(zmq::sockopt::subscribe, topic);
      if (ep.bind) {
        s.bind(ep.endpoint);
        resolved_endpoints_.push_back(s.get(zmq::sockopt::last_endpoint));
      } else {
        s.connect(ep.endpoint);
        resolved_endpoints_.push_back(ep.endpoint);
      }
      sockets_.push_back(std::move(s));
    }
  } catch (const zmq::error_t& e) {
    sockets_.clear();
    resolved_endpoints_.clear();
    return Status::Unavailable(std::string("subscribe: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < options_.max_in_flight; ++i) {
      all_batches_.push_back(std::make_unique<Batch>());
      all_batches_.back()->events.resize(options_.max_batch);
      free_batches_.push_back(all_batches_.back().get());
    }
  }
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Subscriber::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  sockets_.clear();
}

void Subscriber::Release(Batch* batch) {
  batch->Clear();
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_batches_.push_back(batch);
  }
  cv_.notify_one();
}

Batch* Subscriber::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return stop_ || !free_batches_.empty(); });
  if (stop_) return nullptr;
  Batch* b = free_batches_.back();
  free_batches_.pop_back();
  return b;
}

void Subscriber::Flush(Batch** batch) {
  if (*batch == nullptr || (*batch)->messages == 0) return;
  handler_(*batch);
  *batch = nullptr;
}

void Subscriber::Run() {
  std::vector<zmq::pollitem_t> items;
  for (auto& s : sockets_) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
  zmq::message_t topic;
  zmq::message_t payload;
  Batch* batch = nullptr;
  while (!stop_) {
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(options_.poll_timeout_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
      continue;  // EINTR: poll again.
    }
    // Drain whatever is ready, then hand it over: batches grow under load, stay small when idle.
    bool progress = true;
    while (progress && !stop_) {
      progress = false;
      for (auto& s : sockets_) {
        if (batch == nullptr && (batch = Acquire()) == nullptr) return;
        auto got = s.recv(topic, zmq::recv_flags::dontwait);
        if (!got) continue;
        progress = true;
        ++batch->messages;
        // A well-formed message is exactly two frames; drain any extra frames of a bad one.
        bool two_frames = topic.more();
        if (two_frames) {
          (void)s.recv(payload, zmq::recv_flags::none);
          if (payload.more()) {
            two_frames = false;
            while (payload.more()) (void)s.recv(payload, zmq::recv_flags::none);
          }
        }
        state::RejectReason reason = state::RejectReason::kMalformedFrame;
        DecodedEvent& slot = batch->events[batch->size];
        if (two_frames &&
            decoder_.Decode(
                std::string_view(static_cast<const char*>(topic.data()), topic.size()),
                std::string_view(static_cast<const char*>(payload.data()), payload.size()), &slot,
                &reason)) {
          ++batch->size;
        } else {
          ++batch->rejected[static_cast<int>(reason)];
        }
        if (batch->size == batch->events.size() || batch->messages >= 4 * options_.max_batch) {
          Flush(&batch);
        }
      }
    }
    Flush(&batch);
  }
  if (batch != nullptr) Release(batch);
}

}  // namespace ccmon::ingest
