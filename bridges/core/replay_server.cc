#include "bridges/core/replay_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "ccmon/v1/events.pb.h"

namespace ccmon::bridges {
namespace {

constexpr int kLoggedBadRequests = 5;  // Logged one by one; the rest are only counted.
constexpr std::size_t kRequestFrames = 7;

std::string U64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  return out;
}

bool ParseU64(const zmq::message_t& m, std::uint64_t* out) {
  if (m.size() != 8) return false;
  const auto* p = static_cast<const unsigned char*>(m.data());
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  *out = v;
  return true;
}

std::string_view View(const zmq::message_t& m) {
  return {static_cast<const char*>(m.data()), m.size()};
}

constexpr std::string_view kTagPrefix = "CCMON-REPLAY-";

// One reply under construction: routing prefix, header fields, envelope frames.
struct Reply {
  // The routing envelope: the peer's identity, plus whatever a proxy or a REQ client put before
  // the protocol tag (more identities, an empty delimiter). Echoed in front of the reply.
  std::vector<zmq::message_t> route;
  std::string request_id;
  std::string_view status;
  std::string topic;
  std::uint64_t first_available = 0;
  std::uint64_t next_seq = 0;
  bool more = false;
  std::vector<std::string> envelopes;
};

}  // namespace

struct ReplayServer::Socket {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::router};
};

ReplayServer::RecentEnvelopes::RecentEnvelopes(Journal* journal, std::size_t max_bytes)
    : journal_(journal), max_bytes_(max_bytes) {}

std::string ReplayServer::RecentEnvelopes::Key(std::uint64_t epoch, const std::string& topic) {
  return U64(epoch) + topic;
}

Status ReplayServer::RecentEnvelopes::Append(const std::string& topic, const v1::Envelope& env,
                                             const std::string& serialized) {
  if (Status s = journal_->Append(topic, env, serialized); !s.ok()) return s;
  if (max_bytes_ == 0) return Status::Ok();
  Stream& stream = streams_[Key(env.source_epoch(), topic)];
  if (stream.envelopes.empty() || env.seq() != stream.first_seq + stream.envelopes.size()) {
    // A new stream, or numbering that skipped (not what the Publisher does): start afresh.
    for (const std::string& e : stream.envelopes) bytes_ -= e.size();
    stream.envelopes.clear();
    stream.first_seq = env.seq();
  }
  stream.envelopes.push_back(serialized);
  bytes_ += serialized.size();
  order_.push_back(&stream);
  while (bytes_ > max_bytes_ && !order_.empty()) {
    Stream* oldest = order_.front();
    order_.pop_front();
    if (oldest->envelopes.empty()) continue;
    bytes_ -= oldest->envelopes.front().size();
    oldest->envelopes.pop_front();
    ++oldest->first_seq;
  }
  return Status::Ok();
}

bool ReplayServer::RecentEnvelopes::Read(std::uint64_t epoch, const std::string& topic,
                                         std::uint64_t from, std::uint64_t to, std::size_t max,
                                         std::vector<std::string>* out) const {
  auto it = streams_.find(Key(epoch, topic));
  if (it == streams_.end()) return false;
  const Stream& stream = it->second;
  const std::uint64_t end = stream.first_seq + stream.envelopes.size();
  if (from < stream.first_seq || from >= end) return false;
  out->clear();
  for (std::uint64_t seq = from; seq < end && (to == 0 || seq <= to) && out->size() < max; ++seq) {
    out->push_back(stream.envelopes[seq - stream.first_seq]);
  }
  return true;
}

Result<std::unique_ptr<ReplayServer>> ReplayServer::Create(const ReplayServerOptions& options,
                                                           Journal* journal, std::string source) {
  if (options.endpoint.empty()) return Status::InvalidArgument("replay: no endpoint given");
  if (journal == nullptr) return Status::InvalidArgument("replay: needs a journal");
  if (options.max_events_per_reply == 0 || options.max_bytes_per_reply == 0) {
    return Status::InvalidArgument("replay: reply limits must be positive");
  }
  auto socket = std::make_unique<Socket>();
  std::string endpoint;
  try {
    socket->socket.set(zmq::sockopt::linger, 0);
    // A daemon that vanished must not make the ROUTER block or grow without bound: past the
    // high-water mark ZeroMQ drops the reply, and the daemon's timeout takes over.
    socket->socket.set(zmq::sockopt::sndhwm, 10'000);
    socket->socket.set(zmq::sockopt::router_mandatory, false);
    socket->socket.bind(options.endpoint);
    endpoint = socket->socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("replay: endpoint \"" + options.endpoint + "\": " + e.what());
  }
  return std::unique_ptr<ReplayServer>(new ReplayServer(options, journal, std::move(source),
                                                        std::move(socket), std::move(endpoint)));
}

ReplayServer::ReplayServer(const ReplayServerOptions& options, Journal* journal, std::string source,
                           std::unique_ptr<Socket> socket, std::string endpoint)
    : options_(options),
      journal_(journal),
      recent_(journal, options.recent_bytes),
      source_(std::move(source)),
      socket_(std::move(socket)),
      endpoint_(std::move(endpoint)) {}

ReplayServer::~ReplayServer() = default;

std::size_t ReplayServer::Poll() {
  std::size_t handled = 0;
  while (HandleOne()) ++handled;
  return handled;
}

std::size_t ReplayServer::Wait(int timeout_ms) {
  std::size_t handled = Poll();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    zmq::pollitem_t item{socket_->socket.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, left);
    } catch (const zmq::error_t&) {
      break;  // EINTR (a stop signal): let the caller look at its stop flag.
    }
    handled += Poll();
  }
  return handled;
}

bool ReplayServer::HandleOne() {
  std::vector<zmq::message_t> frames;
  try {
    zmq::message_t first;
    if (!socket_->socket.recv(first, zmq::recv_flags::dontwait)) return false;
    bool more = first.more();
    frames.push_back(std::move(first));
    while (more) {
      zmq::message_t part;
      (void)socket_->socket.recv(part, zmq::recv_flags::none);
      more = part.more();
      frames.push_back(std::move(part));
    }
  } catch (const zmq::error_t&) {
    return false;
  }

  Reply reply;
  // frames[0] is the peer's identity (ROUTER); the request starts at the protocol tag.
  std::size_t at = 1;
  while (at < frames.size() && !View(frames[at]).starts_with(kTagPrefix)) ++at;
  if (at == frames.size()) at = std::min<std::size_t>(1, frames.size());  // No tag at all.
  for (std::size_t i = 0; i < at; ++i) reply.route.push_back(std::move(frames[i]));
  const std::size_t n = frames.size() - at;
  auto frame = [&](std::size_t i) -> zmq::message_t& { return frames[at + i]; };
  if (n >= 2) reply.request_id = std::string(View(frame(1)));
  if (n >= 5) reply.topic = std::string(View(frame(4)));

  auto bad = [&](std::string_view status, std::string_view why) {
    reply.status = status;
    if (status == "unsupported_version") {
      ++counts_.unsupported_version;
    } else {
      ++counts_.bad_request;
    }
    if (bad_requests_logged_ < kLoggedBadRequests) {
      spdlog::warn("replay: {} request: {}", status, why);
      if (++bad_requests_logged_ == kLoggedBadRequests) {
        spdlog::warn("replay: further bad requests are counted without a log line");
      }
    }
  };

  std::uint64_t epoch = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  if (n == 0) {
    bad("bad_request", "no frames");
  } else if (!View(frame(0)).starts_with(kTagPrefix)) {
    bad("bad_request", "no protocol tag");
  } else if (View(frame(0)) != kProtocol) {
    bad("unsupported_version", "protocol \"" + std::string(View(frame(0)).substr(0, 32)) + "\"");
  } else if (n < kRequestFrames) {
    bad("bad_request", std::to_string(n) + " frames instead of 7");
  } else if (frame(1).size() != 8 || !ParseU64(frame(3), &epoch) || !ParseU64(frame(5), &from) ||
             !ParseU64(frame(6), &to)) {
    bad("bad_request", "request id, epoch, from or to is not 8 bytes");
  } else if (epoch == 0 || from == 0 || (to != 0 && to < from) || frame(4).size() == 0) {
    bad("bad_request", "epoch or from is 0, to is below from, or the topic is empty");
  } else if (View(frame(2)) != source_) {
    reply.status = "unknown_stream";
    ++counts_.unknown_stream;
  } else {
    const std::string topic(View(frame(4)));
    // Where the journal starts (metadata only: no record is read), then the records from there,
    // from memory when they are recent.
    std::vector<std::string> envelopes;
    std::uint64_t first_available = 0;
    Status s = journal_->ReadFrom(epoch, topic, from, 0, &envelopes, &first_available);
    const std::uint64_t start = std::max(from, first_available);
    std::size_t want = 0;
    if (s.ok() && first_available != 0 && (to == 0 || start <= to)) {
      want = to == 0 ? options_.max_events_per_reply
                     : static_cast<std::size_t>(
                           std::min<std::uint64_t>(options_.max_events_per_reply, to - start + 1));
      if (recent_.Read(epoch, topic, start, to, want, &envelopes)) {
        counts_.events_from_memory += envelopes.size();
      } else {
        std::uint64_t ignored = 0;
        s = journal_->ReadFrom(epoch, topic, start, want, &envelopes, &ignored);
      }
    }
    if (!s.ok()) {
      reply.status = "journal_error";
      ++counts_.journal_error;
      spdlog::error("replay: {}", s.message());
    } else if (first_available == 0) {
      reply.status = "unknown_stream";
      ++counts_.unknown_stream;
    } else {
      reply.first_available = first_available;
      // Keep what lies in [start, to], within the byte limit (at least one envelope).
      bool cut = false;
      std::uint64_t last = 0;
      std::size_t bytes = 0;
      v1::Envelope env;
      for (std::string& e : envelopes) {
        if (!env.ParseFromString(e)) continue;  // Cannot happen: journaled envelopes parsed.
        if (to != 0 && env.seq() > to) break;
        if (!reply.envelopes.empty() && bytes + e.size() > options_.max_bytes_per_reply) {
          cut = true;
          break;
        }
        bytes += e.size();
        last = env.seq();
        reply.envelopes.push_back(std::move(e));
      }
      const bool full = want > 0 && envelopes.size() == want;
      reply.more = cut || (full && !reply.envelopes.empty() && (to == 0 || last < to));
      if (reply.more) {
        reply.next_seq = last + 1;
      } else if (to != 0) {
        reply.next_seq = to + 1;
      } else {
        reply.next_seq = reply.envelopes.empty() ? start : last + 1;
      }
      reply.status = first_available > from ? "gone" : "ok";
      ++(first_available > from ? counts_.gone : counts_.ok);
      counts_.events_sent += reply.envelopes.size();
    }
  }

  try {
    auto& sock = socket_->socket;
    for (auto& r : reply.route) sock.send(r, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    sock.send(zmq::buffer(std::string_view(kProtocol)), zmq::send_flags::sndmore);
    sock.send(zmq::buffer(reply.request_id), zmq::send_flags::sndmore);
    sock.send(zmq::buffer(reply.status), zmq::send_flags::sndmore);
    sock.send(zmq::buffer(reply.topic), zmq::send_flags::sndmore);
    sock.send(zmq::buffer(U64(reply.first_available)), zmq::send_flags::sndmore);
    sock.send(zmq::buffer(U64(reply.next_seq)), zmq::send_flags::sndmore);
    const char more = reply.more ? 1 : 0;
    sock.send(zmq::buffer(&more, 1),
              reply.envelopes.empty() ? zmq::send_flags::none : zmq::send_flags::sndmore);
    for (std::size_t i = 0; i < reply.envelopes.size(); ++i) {
      sock.send(zmq::buffer(reply.envelopes[i]),
                i + 1 == reply.envelopes.size() ? zmq::send_flags::none : zmq::send_flags::sndmore);
    }
  } catch (const zmq::error_t& e) {
    // The peer is gone or its queue is full: the reply is dropped and the daemon times out.
    spdlog::debug("replay: reply not sent: {}", e.what());
  }
  return true;
}

}  // namespace ccmon::bridges
