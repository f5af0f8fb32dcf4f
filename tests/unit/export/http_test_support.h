// Test support for the export module: a blocking HTTP client over real loopback sockets (every
// operation bounded by a guard timeout so a broken server fails a test instead of hanging it),
// and a fixture that runs an HttpServer on its own io_context thread, like the engine does.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "daemon/export/http_server.h"

namespace ccmon::web::testing {

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Long enough for a loaded CI machine, short enough to fail fast when a response never comes.
inline constexpr std::chrono::seconds kGuardTimeout{10};

class TestClient {
 public:
  TestClient();
  ~TestClient();

  boost::system::error_code Connect(std::uint16_t port);
  boost::system::error_code Write(std::string_view bytes);
  // Reads one response. For a response to HEAD pass head = true (the parser then expects no body
  // whatever Content-Length says).
  boost::system::error_code ReadResponse(HttpResponse* out, bool head = false);
  // Reads until the server closes the connection; *data gets every byte that arrived (including
  // what ReadResponse had buffered but not used). Returns the error that ended the read: eof for
  // a clean close, connection_reset for a reset, timeout if the guard expired.
  boost::system::error_code ReadUntilClosed(std::string* data);
  void Close();

 private:
  template <typename Start>
  boost::system::error_code Run(Start start);

  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

// Connects, sends `raw` and reads one response; fails the test on any transport error.
HttpResponse Fetch(std::uint16_t port, std::string_view raw);

// "GET <target> HTTP/1.1" with a Host header and the given extra header lines ("Name: value\r\n").
std::string GetRequest(std::string_view target, std::string_view extra_headers = "");

// Runs an HttpServer on a thread of its own, as the engine runs its io_context.
class ServerFixture : public ::testing::Test {
 protected:
  // Options every test starts from: loopback, port 0.
  static HttpServer::Options TestOptions();

  // Creates the server, lets `setup` add routes, starts it and runs the loop on a thread.
  void StartServer(HttpServer::Options options, const std::function<void(HttpServer&)>& setup);
  // Posts Stop() to the loop and waits for run() to return; false if it did not within the guard.
  bool StopServer();
  void TearDown() override;

  // Runs `f` on the loop thread and returns its result (stats are engine-thread state).
  template <typename F>
  auto OnLoop(F f) -> decltype(f());

  HttpStats Stats() {
    return OnLoop([this] { return server_->stats(); });
  }
  std::uint16_t port() const { return port_; }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread loop_;
  std::future<void> loop_done_;
};

template <typename F>
auto ServerFixture::OnLoop(F f) -> decltype(f()) {
  using R = decltype(f());
  auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
  std::future<R> result = task->get_future();
  boost::asio::post(io_, [task] { (*task)(); });
  if (result.wait_for(kGuardTimeout) != std::future_status::ready) {
    ADD_FAILURE() << "the io_context thread did not run a posted task";
    std::abort();  // The loop is wedged; nothing sensible can follow.
  }
  return result.get();
}

}  // namespace ccmon::web::testing
