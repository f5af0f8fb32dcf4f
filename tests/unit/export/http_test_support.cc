#include "tests/unit/export/http_test_support.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <utility>

namespace ccmon::web::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = net::ip::tcp;

TestClient::TestClient() : stream_(io_) {}

TestClient::~TestClient() { Close(); }

template <typename Start>
error_code TestClient::Run(Start start) {
  error_code result = net::error::would_block;
  stream_.expires_after(kGuardTimeout);
  start([&result](const error_code& ec) { result = ec; });
  io_.restart();
  io_.run();
  return result;
}

error_code TestClient::Connect(std::uint16_t port) {
  const tcp::endpoint ep(net::ip::address_v4::loopback(), port);
  return Run(
      [&](auto done) { stream_.async_connect(ep, [done](const error_code& ec) { done(ec); }); });
}

error_code TestClient::Write(std::string_view bytes) {
  return Run([&](auto done) {
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                     [done](const error_code& ec, std::size_t) { done(ec); });
  });
}

error_code TestClient::ReadResponse(HttpResponse* out, bool head) {
  auto parser = std::make_shared<http::response_parser<http::string_body>>();
  parser->body_limit(64 * 1024 * 1024);
  parser->skip(head);
  error_code ec = Run([&](auto done) {
    http::async_read(stream_, buffer_, *parser,
                     [done](const error_code& e, std::size_t) { done(e); });
  });
  if (!ec) *out = parser->release();
  return ec;
}

error_code TestClient::ReadUntilClosed(std::string* data) {
  data->clear();
  error_code ec;
  while (true) {
    if (buffer_.size() > 0) {
      *data += beast::buffers_to_string(buffer_.data());
      buffer_.consume(buffer_.size());
    }
    std::size_t got = 0;
    ec = Run([&](auto done) {
      stream_.async_read_some(buffer_.prepare(4096),
                              [done, &got](const error_code& e, std::size_t n) {
                                got = n;
                                done(e);
                              });
    });
    buffer_.commit(got);
    if (ec) break;
  }
  *data += beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  return ec;
}

void TestClient::Close() {
  error_code ignored;
  stream_.socket().close(ignored);
}

HttpResponse Fetch(std::uint16_t port, std::string_view raw) {
  TestClient client;
  HttpResponse response;
  error_code ec = client.Connect(port);
  EXPECT_FALSE(ec) << "connect: " << ec.message();
  if (ec) return response;
  ec = client.Write(raw);
  EXPECT_FALSE(ec) << "write: " << ec.message();
  if (ec) return response;
  ec = client.ReadResponse(&response, raw.substr(0, 5) == "HEAD ");
  EXPECT_FALSE(ec) << "read: " << ec.message();
  return response;
}

std::string GetRequest(std::string_view target, std::string_view extra_headers) {
  std::string out = "GET ";
  out += target;
  out += " HTTP/1.1\r\nHost: localhost\r\n";
  out += extra_headers;
  out += "\r\n";
  return out;
}

HttpServer::Options ServerFixture::TestOptions() {
  HttpServer::Options options;
  Result<ListenAddress> address = ParseListenAddress("127.0.0.1:0");
  options.listen_address = address.value();
  return options;
}

void ServerFixture::StartServer(HttpServer::Options options,
                                const std::function<void(HttpServer&)>& setup) {
  server_ = std::make_unique<HttpServer>(io_, std::move(options));
  if (setup) setup(*server_);
  const Status started = server_->Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  port_ = server_->port();
  ASSERT_NE(port_, 0);
  std::promise<void> done;
  loop_done_ = done.get_future();
  loop_ = std::thread([this, done = std::move(done)]() mutable {
    io_.run();
    done.set_value();
  });
}

bool ServerFixture::StopServer() {
  if (!loop_.joinable()) return true;
  net::post(io_, [this] { server_->Stop(); });
  const bool exited = loop_done_.wait_for(kGuardTimeout) == std::future_status::ready;
  if (!exited) io_.stop();  // Do not hang the test binary; the caller reports the failure.
  loop_.join();
  return exited;
}

void ServerFixture::TearDown() {
  EXPECT_TRUE(StopServer()) << "io_context::run() did not return after Stop()";
  server_.reset();
}

}  // namespace ccmon::web::testing
