#include "daemon/ingest/subscriber.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace ccmon::ingest {

namespace {

std::string_view View(const zmq::message_t& m) {
  return {static_cast<const char*>(m.data()), m.size()};
}

// Receives the remaining frames of a multipart message whose first frame is `first`.
void ReceiveRest(zmq::socket_t& s, zmq::message_t&& first, std::vector<zmq::message_t>* out) {
  out->clear();
  bool more = first.more();
  out->push_back(std::move(first));
  while (more) {
    zmq::message_t part;
    (void)s.recv(part, zmq::recv_flags::none);
    more = part.more();
    out->push_back(std::move(part));
  }
}

}  // namespace

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
    for (const auto& ep : options_.endpoints) {
      dealers_.emplace_back();
      if (ep.replay_endpoint.empty()) continue;
      zmq::socket_t d(*context_, zmq::socket_type::dealer);
      d.set(zmq::sockopt::linger, 0);
      d.set(zmq::sockopt::sndhwm, 10'000);
      d.set(zmq::sockopt::rcvhwm, 10'000);
      d.connect(ep.replay_endpoint);
      dealers_.back() = std::move(d);
      replay_ = true;
    }
    if (replay_) {
      // One channel per Subscriber in this context.
      char name[64];
      std::snprintf(name, sizeof name, "inproc://ccmon-replay-requests-%p",
                    static_cast<void*>(this));
      requests_in_ = zmq::socket_t(*context_, zmq::socket_type::pull);
      requests_in_.set(zmq::sockopt::linger, 0);
      requests_in_.bind(name);
      requests_out_ = zmq::socket_t(*context_, zmq::socket_type::push);
      requests_out_.set(zmq::sockopt::linger, 0);
      requests_out_.set(zmq::sockopt::sndhwm, 100'000);
      requests_out_.connect(name);
    }
  } catch (const zmq::error_t& e) {
    sockets_.clear();
    dealers_.clear();
    requests_in_.close();
    requests_out_.close();
    replay_ = false;
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
  dealers_.clear();
  requests_in_.close();
  requests_out_.close();
}

void Subscriber::RequestReplay(const ReplayRequest& request) {
  if (!requests_out_ || request.subscription >= dealers_.size() ||
      !dealers_[request.subscription]) {
    return;
  }
  const std::vector<std::string> frames = EncodeReplayRequest(request);
  const std::uint32_t index = request.subscription;
  try {
    if (!requests_out_.send(zmq::buffer(&index, sizeof index),
                            zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return;
    }
    for (std::size_t i = 0; i < frames.size(); ++i) {
      requests_out_.send(zmq::buffer(frames[i]),
                         i + 1 == frames.size() ? zmq::send_flags::none : zmq::send_flags::sndmore);
    }
  } catch (const zmq::error_t&) {
    // Dropped: the engine times the request out.
  }
}

bool Subscriber::ForwardRequests() {
  bool any = false;
  std::vector<zmq::message_t> frames;
  while (true) {
    zmq::message_t first;
    if (!requests_in_.recv(first, zmq::recv_flags::dontwait)) break;
    any = true;
    ReceiveRest(requests_in_, std::move(first), &frames);
    std::uint32_t index = 0;
    if (frames.size() < 2 || frames[0].size() != sizeof index) continue;
    std::memcpy(&index, frames[0].data(), sizeof index);
    if (index >= dealers_.size() || !dealers_[index]) continue;
    try {
      for (std::size_t i = 1; i < frames.size(); ++i) {
        const bool last = i + 1 == frames.size();
        // A DEALER blocks at its high-water mark (e.g. a bridge that is down): drop instead.
        auto flags =
            last ? zmq::send_flags::dontwait : zmq::send_flags::sndmore | zmq::send_flags::dontwait;
        if (!dealers_[index].send(frames[i], flags)) break;
      }
    } catch (const zmq::error_t&) {
    }
  }
  return any;
}

bool Subscriber::ReceiveReply(std::uint32_t index, zmq::socket_t& dealer, Batch** batch) {
  zmq::message_t first;
  if (!dealer.recv(first, zmq::recv_flags::dontwait)) return false;
  std::vector<zmq::message_t> frames;
  ReceiveRest(dealer, std::move(first), &frames);
  std::vector<std::string_view> views;
  views.reserve(frames.size());
  for (const auto& f : frames) views.push_back(View(f));

  ReplayAnswer answer;
  const bool ok = ParseReplayReplyHeader(views, &answer);
  if (!ok && answer.request_id == 0) return true;  // Nothing to attribute it to.
  std::size_t envelopes = ok ? views.size() - kReplayReplyHeaderFrames : 0;
  if (*batch != nullptr && (*batch)->size + envelopes > (*batch)->events.size()) Flush(batch);
  if (*batch == nullptr && (*batch = Acquire()) == nullptr) return true;
  Batch& b = **batch;
  if (envelopes > b.events.size()) {
    // More than a batch holds: not what a bridge sends (its chunks are far smaller).
    answer.status = ReplayStatus::kMalformedReply;
    envelopes = 0;
  }
  for (std::size_t i = 0; i < envelopes; ++i) {
    DecodedEvent& slot = b.events[b.size];
    state::RejectReason reason = state::RejectReason::kMalformedFrame;
    if (decoder_.Decode(answer.topic, views[kReplayReplyHeaderFrames + i], &slot, &reason)) {
      slot.subscription = index;
      slot.replay_request = answer.request_id;
      ++b.size;
    } else {
      ++b.rejected[static_cast<int>(reason)];
    }
  }
  b.answers.push_back(std::move(answer));
  return true;
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

void Subscriber::Flush(Batch** batch, bool even_empty) {
  if (*batch == nullptr) return;
  if (!even_empty && (*batch)->messages == 0 && (*batch)->size == 0 && (*batch)->answers.empty()) {
    return;
  }
  handler_(*batch);
  *batch = nullptr;
}

void Subscriber::Run() {
  std::vector<zmq::pollitem_t> items;
  for (auto& s : sockets_) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
  if (replay_) {
    items.push_back({requests_in_.handle(), 0, ZMQ_POLLIN, 0});
    for (auto& d : dealers_) {
      if (d) items.push_back({d.handle(), 0, ZMQ_POLLIN, 0});
    }
  }
  zmq::message_t topic;
  zmq::message_t payload;
  Batch* batch = nullptr;
  const auto handoff_every = std::chrono::milliseconds(options_.poll_timeout_ms);
  auto last_handoff = std::chrono::steady_clock::now();
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
      for (std::uint32_t index = 0; index < sockets_.size(); ++index) {
        zmq::socket_t& s = sockets_[index];
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
        if (two_frames && decoder_.Decode(View(topic), View(payload), &slot, &reason)) {
          slot.subscription = index;
          slot.replay_request = 0;
          ++batch->size;
        } else {
          ++batch->rejected[static_cast<int>(reason)];
        }
        if (batch->size == batch->events.size() || batch->messages >= 4 * options_.max_batch) {
          Flush(&batch);
        }
      }
      if (replay_) {
        if (ForwardRequests()) progress = true;
        for (std::uint32_t index = 0; index < dealers_.size() && !stop_; ++index) {
          if (dealers_[index] && ReceiveReply(index, dealers_[index], &batch)) progress = true;
        }
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (batch != nullptr && (batch->messages > 0 || batch->size > 0 || !batch->answers.empty())) {
      Flush(&batch);
      last_handoff = now;
    } else if (replay_ && !stop_ && now - last_handoff >= handoff_every) {
      // Nothing came: an empty batch lets the engine time out replay requests.
      if (batch == nullptr && (batch = Acquire()) == nullptr) return;
      Flush(&batch, true);
      last_handoff = now;
    }
  }
  if (batch != nullptr) Release(batch);
}

}  // namespace ccmon::ingest
