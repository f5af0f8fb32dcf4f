#include "common/publisher.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>
#include <zmq.hpp>

#include "common/topic.h"

namespace ccmon {
namespace {

using v1::Envelope;

// The queue a contact event belongs to, or nullptr for agent events and heartbeats.
const std::string* QueueOf(const Envelope& env) {
  switch (env.event_case()) {
    case Envelope::kContactQueued:
      return &env.contact_queued().queue();
    case Envelope::kContactRinging:
      return &env.contact_ringing().queue();
    case Envelope::kContactRingTimeout:
      return &env.contact_ring_timeout().queue();
    case Envelope::kContactAnswered:
      return &env.contact_answered().queue();
    case Envelope::kContactAbandoned:
      return &env.contact_abandoned().queue();
    case Envelope::kContactExited:
      return &env.contact_exited().queue();
    case Envelope::kContactTransferred:
      return &env.contact_transferred().queue();
    case Envelope::kContactHeld:
      return &env.contact_held().queue();
    case Envelope::kContactResumed:
      return &env.contact_resumed().queue();
    case Envelope::kContactEnded:
      return &env.contact_ended().queue();
    case Envelope::kWrapUpEnded:
      return &env.wrap_up_ended().queue();
    case Envelope::kCallbackRequested:
      return &env.callback_requested().queue();
    case Envelope::kSurveyCompleted:
      return &env.survey_completed().queue();
    case Envelope::kAgentStateChanged:
    case Envelope::kHeartbeat:
    case Envelope::EVENT_NOT_SET:
      return nullptr;
  }
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// TopicSequencer

TopicSequencer::TopicSequencer(std::string source, std::uint64_t source_epoch, std::string tenant)
    : source_(std::move(source)), source_epoch_(source_epoch), tenant_(std::move(tenant)) {
  agent_ = CounterFor(AgentTopic(tenant_));
  heartbeat_ = CounterFor(HeartbeatTopic(tenant_));
}

TopicSequencer::Counters::iterator TopicSequencer::CounterFor(std::string topic) {
  return counters_.try_emplace(std::move(topic), 0).first;
}

Result<TopicSequencer::Ticket> TopicSequencer::Stamp(Envelope& env) {
  Counters::iterator counter;
  switch (env.event_case()) {
    case Envelope::EVENT_NOT_SET:
      return Status::InvalidArgument("envelope carries no event");
    case Envelope::kAgentStateChanged:
      counter = agent_;
      break;
    case Envelope::kHeartbeat: {
      counter = heartbeat_;
      auto* positions = env.mutable_heartbeat()->mutable_positions();
      positions->Clear();
      for (const auto& [topic, last_seq] : counters_) {
        if (last_seq == 0 || topic == heartbeat_->first) continue;
        auto* position = positions->Add();
        position->set_topic(topic);
        position->set_last_seq(last_seq);
      }
      break;
    }
    default: {
      const std::string* queue = QueueOf(env);
      if (queue == nullptr || queue->empty()) {
        return Status::InvalidArgument("contact event without a queue");
      }
      auto it = by_queue_.find(*queue);
      if (it == by_queue_.end()) {
        it = by_queue_.emplace(*queue, CounterFor(ContactTopic(tenant_, *queue))).first;
      }
      counter = it->second;
      break;
    }
  }
  env.set_source(source_);
  env.set_source_epoch(source_epoch_);
  env.set_tenant(tenant_);
  env.set_seq(counter->second + 1);
  return Ticket(&counter->first, &counter->second);
}

std::uint64_t TopicSequencer::LastSeq(const std::string& topic) const {
  auto it = counters_.find(topic);
  return it == counters_.end() ? 0 : it->second;
}

void TopicSequencer::Resume(const std::string& topic, std::uint64_t last_seq) {
  auto it = counters_.find(topic);
  if (it == counters_.end()) it = counters_.emplace(topic, 0).first;
  it->second = std::max(it->second, last_seq);
}

std::vector<std::pair<std::string, std::uint64_t>> TopicSequencer::Positions() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& [topic, last_seq] : counters_) {
    if (last_seq > 0) out.emplace_back(topic, last_seq);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Publisher

struct Publisher::Socket {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::xpub};
  bool subscribed = false;
};

Result<std::unique_ptr<Publisher>> Publisher::Create(PublisherOptions options) {
  if (options.source.empty()) return Status::InvalidArgument("publisher: source name is empty");
  if (options.endpoints.empty()) return Status::InvalidArgument("publisher: no endpoint given");
  if (options.sndhwm <= 0) return Status::InvalidArgument("publisher: sndhwm must be positive");
  if (options.source_epoch == 0) {
    options.source_epoch = static_cast<std::uint64_t>(WallClock().NowMs());
  }

  std::vector<std::string> resolved;
  std::unique_ptr<Socket> socket;
  std::string current;  // The endpoint being set up, for error messages.
  try {
    socket = std::make_unique<Socket>();
    socket->socket.set(zmq::sockopt::sndhwm, options.sndhwm);
    socket->socket.set(zmq::sockopt::linger, options.linger_ms);
    for (const std::string& spec : options.endpoints) {
      current = spec;
      std::string_view endpoint(spec);
      bool bind = true;
      if (endpoint.starts_with("bind:")) {
        endpoint.remove_prefix(5);
      } else if (endpoint.starts_with("connect:")) {
        endpoint.remove_prefix(8);
        bind = false;
      } else if (endpoint.find("://") == std::string_view::npos) {
        return Status::InvalidArgument("publisher: endpoint \"" + spec +
                                       "\": expected [bind:|connect:]<transport>://<address>");
      }
      if (bind) {
        socket->socket.bind(std::string(endpoint));
        // ZMQ_LAST_ENDPOINT shows the port chosen for a wildcard ("tcp://127.0.0.1:*").
        resolved.push_back(socket->socket.get(zmq::sockopt::last_endpoint));
      } else {
        socket->socket.connect(std::string(endpoint));
        resolved.emplace_back(endpoint);
      }
    }
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("publisher: endpoint \"" + current + "\": " + e.what());
  }
  return std::unique_ptr<Publisher>(
      new Publisher(std::move(options), std::move(socket), std::move(resolved)));
}

Publisher::Publisher(PublisherOptions options, std::unique_ptr<Socket> socket,
                     std::vector<std::string> endpoints)
    : socket_(std::move(socket)),
      endpoints_(std::move(endpoints)),
      journal_(options.journal),
      sequencer_(std::move(options.source), options.source_epoch, std::move(options.tenant)) {
  for (const auto& [topic, last_seq] : options.resume_positions) sequencer_.Resume(topic, last_seq);
}

Publisher::~Publisher() = default;

Status Publisher::Publish(Envelope& env) {
  auto ticket = sequencer_.Stamp(env);
  if (!ticket.ok()) return ticket.status();
  if (!env.SerializeToString(&buffer_)) {
    return Status::Internal("envelope could not be serialised");
  }
  if (journal_ != nullptr) {
    if (Status s = journal_->Append(ticket->topic(), env, buffer_); !s.ok()) return s;
    // Durable from here on: the seq is used whatever the send does (replay can deliver it).
    sequencer_.Commit(*ticket);
    ++published_;
    if (!Send(ticket->topic()).ok()) ++send_failures_;
    return Status::Ok();
  }
  if (Status s = Send(ticket->topic()); !s.ok()) return s;
  sequencer_.Commit(*ticket);
  ++published_;
  return Status::Ok();
}

Status Publisher::Send(const std::string& topic) {
  try {
    // A PUB socket never blocks: past the high-water mark ZeroMQ drops the message for that
    // subscriber (seen by the daemon as a sequence gap). dontwait only guards against surprises.
    if (!socket_->socket.send(zmq::buffer(topic),
                              zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return Status::Unavailable("publisher: send would block");
    }
    // Once the first frame is queued ZeroMQ delivers the second atomically with it.
    socket_->socket.send(zmq::buffer(buffer_), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("publisher: send failed: ") + e.what());
  }
  return Status::Ok();
}

bool Publisher::WaitForSubscriber(int timeout_ms) {
  if (socket_->subscribed) return true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  try {
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      zmq::pollitem_t item{socket_->socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, left);
      if ((item.revents & ZMQ_POLLIN) == 0) continue;
      zmq::message_t message;
      if (!socket_->socket.recv(message, zmq::recv_flags::dontwait)) continue;
      // An XPUB subscription message is 0x01 followed by the prefix (0x00 = unsubscribe).
      if (message.size() >= 1 && static_cast<const unsigned char*>(message.data())[0] == 1) {
        socket_->subscribed = true;
        return true;
      }
    }
  } catch (const zmq::error_t&) {
    return false;
  }
}

Status Publisher::PublishHeartbeat(UnixMs time, v1::AcdConnection connection,
                                   std::uint32_t interval_ms) {
  Envelope env;
  env.set_time_unix_ms(time);
  auto* heartbeat = env.mutable_heartbeat();
  heartbeat->set_acd_connection(connection);
  heartbeat->set_interval_ms(interval_ms);
  return Publish(env);
}

// ---------------------------------------------------------------------------------------------
// CapturingSink

CapturingSink::CapturingSink(std::string source, std::uint64_t source_epoch, std::string tenant)
    : sequencer_(std::move(source), source_epoch, std::move(tenant)) {}

Status CapturingSink::Publish(Envelope& env) {
  auto ticket = sequencer_.Stamp(env);
  if (!ticket.ok()) return ticket.status();
  messages_.push_back(Message{ticket->topic(), env});
  sequencer_.Commit(*ticket);
  return Status::Ok();
}

}  // namespace ccmon
