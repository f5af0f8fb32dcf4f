// HttpServer over real loopback sockets: routing, limits, keep-alive, timeouts and shutdown.
#include "daemon/export/http_server.h"

#include <gtest/gtest.h>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <stdexcept>
#include <string>

#include "tests/unit/export/http_test_support.h"

namespace ccmon::web {
namespace {

using boost::system::error_code;
using testing::Fetch;
using testing::GetRequest;
using testing::HttpResponse;
using testing::TestClient;

namespace http = boost::beast::http;

// A closed connection shows as a clean EOF, or as a reset when the server closed with unread
// input; either way the server is gone.
bool IsClosed(const error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
}

std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  auto it = r.find(boost::beast::string_view(name.data(), name.size()));
  return it == r.end() ? std::string() : std::string(it->value());
}

class HttpServerTest : public testing::ServerFixture {
 protected:
  void StartWith(HttpServer::Options options) {
    StartServer(options, [](HttpServer& server) {
      server.Route("/hello", Methods::Get(),
                   [](const Request&) { return Response::Text(200, "hello\n"); });
      server.Route("/query", Methods::Get(),
                   [](const Request& r) { return Response::Text(200, r.path + "|" + r.query); });
      server.Route("/post", Methods{Method::kPost},
                   [](const Request& r) { return Response::Text(200, "got " + r.body); });
      server.Route("/throws", Methods::Get(),
                   [](const Request&) -> Response { throw std::runtime_error("boom"); });
    });
  }
  void Start() { StartWith(TestOptions()); }
};

TEST_F(HttpServerTest, ServesARegisteredPath) {
  Start();
  const HttpResponse r = Fetch(port(), GetRequest("/hello"));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "hello\n");
  EXPECT_EQ(HeaderOf(r, "Server"), "ccmond");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_FALSE(HeaderOf(r, "Date").empty());
  EXPECT_EQ(Stats().responses_by_class[1], 1u);
}

TEST_F(HttpServerTest, UnknownPathIsAnswered404) {
  Start();
  EXPECT_EQ(Fetch(port(), GetRequest("/nope")).result_int(), 404);
  EXPECT_EQ(Fetch(port(), GetRequest("/hello/")).result_int(), 404);
  EXPECT_EQ(Stats().responses_by_class[3], 2u);
}

TEST_F(HttpServerTest, WrongMethodIsAnswered405WithAllowHeader) {
  Start();
  const HttpResponse r =
      Fetch(port(), "DELETE /hello HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(HeaderOf(r, "Allow"), "GET, HEAD");
  const HttpResponse p = Fetch(port(), GetRequest("/post"));
  EXPECT_EQ(p.result_int(), 405);
  EXPECT_EQ(HeaderOf(p, "Allow"), "POST");
}

TEST_F(HttpServerTest, HeadIsAnsweredLikeGetWithoutBodyButWithItsContentLength) {
  Start();
  TestClient client;
  ASSERT_FALSE(client.Connect(port()));
  ASSERT_FALSE(
      client.Write("HEAD /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
  std::string raw;
  EXPECT_TRUE(IsClosed(client.ReadUntilClosed(&raw)));
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Length: 6\r\n"), std::string::npos) << raw;
  // Nothing follows the end of the header: no body.
  ASSERT_GE(raw.size(), 4u);
  EXPECT_EQ(raw.find("\r\n\r\n"), raw.size() - 4) << raw;
}

TEST_F(HttpServerTest, QueryStringIsRoutedByPathAndPassedToTheHandler) {
  Start();
  const HttpResponse r = Fetch(port(), GetRequest("/query?name[]=a&x=%20"));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "/query|name[]=a&x=%20");
}

TEST_F(HttpServerTest, AbsoluteFormTargetIsRoutedByItsPath) {
  Start();
  const HttpResponse r = Fetch(port(), GetRequest("http://localhost:9464/query?a=1"));
  EXPECT_EQ(r.body(), "/query|a=1");
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Start();
  TestClient client;
  ASSERT_FALSE(client.Connect(port()));
  for (int i = 0; i < 2; ++i) {
    ASSERT_FALSE(client.Write(GetRequest("/hello")));
    HttpResponse r;
    ASSERT_FALSE(client.ReadResponse(&r));
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_EQ(r.body(), "hello\n");
    EXPECT_TRUE(r.keep_alive());
  }
  EXPECT_EQ(Stats().connections_accepted, 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  TestClient client;
  ASSERT_FALSE(client.Connect(port()));
  ASSERT_FALSE(client.Write(GetRequest("/query?1") + GetRequest("/query?2")));
  HttpResponse first;
  HttpResponse second;
  ASSERT_FALSE(client.ReadResponse(&first));
  ASSERT_FALSE(client.ReadResponse(&second));
  EXPECT_EQ(first.body(), "/query|1");
  EXPECT_EQ(second.body(), "/query|2");
}

TEST_F(HttpServerTest, Http10RequestWithoutKeepAliveIsAnsweredAndClosed) {
  Start();
  TestClient client;
  ASSERT_FALSE(client.Connect(port()));
  ASSERT_FALSE(client.Write("GET /hello HTTP/1.0\r\n\r\n"));
  std::string raw;
  EXPECT_TRUE(IsClosed(client.ReadUntilClosed(&raw)));
  EXPECT_EQ(raw.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << raw;
  EXPECT_EQ(raw.substr(raw.size() - 6), "hello\n");
}

TEST_F(HttpServerTest, RequestBodyReachesThePostHandler) {
  Start();
  const HttpResponse r =
      Fetch(port(),
            "POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(r.body(), "got abc");
}

TEST_F(HttpServerTest, OversizedHeaderIsAnswered431) {
  HttpServer::Options options = TestOptions();
  options.max_request_header_bytes = 1024;
  StartWith(options);
  const std::string big(4096, 'a');
  const HttpResponse r = Fetch(port(), GetRequest("/hello", "X-Big: " + big + "\r\n"));
  EXPECT_EQ(r.result_int(), 431);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(Stats().requests_header_too_large, 1u);
}

TEST_F(HttpServerTest, OversizedBodyIsAnswered413) {
  HttpServer::Options options = TestOptions();
  options.max_body_bytes = 100;
  StartWith(options);
  const HttpResponse r =
      Fetch(port(), "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" +
                        std::string(101, 'b'));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(Stats().requests_body_too_large, 1u);
}

TEST_F(HttpServerTest, GarbageIsAnswered400AndTheServerKeepsServing) {
  Start();
  TestClient client;
  ASSERT_FALSE(client.Connect(port()));
  ASSERT_FALSE(client.Write(std::string("\x01\x02\xff garbage \x7f\r\n\r\n", 17)));
  HttpResponse r;
  ASSERT_FALSE(client.ReadResponse(&r));
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_FALSE(r.keep_alive());
  std::string rest;
  EXPECT_TRUE(IsClosed(client.ReadUntilClosed(&rest)));

  EXPECT_EQ(Fetch(port(), GetRequest("/hello")).result_int(), 200);
  EXPECT_EQ(Stats().requests_malformed, 1u);
}

TEST_F(HttpServerTest, Http11RequestWithoutHostIsAnswered400) {
  Start();
  EXPECT_EQ(Fetch(port(), "GET /hello HTTP/1.1\r\n\r\n").result_int(), 400);
}

TEST_F(HttpServerTest, HandlerExceptionIsAnswered500) {
  Start();
  EXPECT_EQ(Fetch(port(), GetRequest("/throws")).result_int(), 500);
  EXPECT_EQ(Fetch(port(), GetRequest("/hello")).result_int(), 200);
}

TEST_F(HttpServerTest, AuthorizerRefusesBeforeRouting) {
  StartServer(TestOptions(), [](HttpServer& server) {
    server.Route("/hello", Methods::Get(),
                 [](const Request&) { return Response::Text(200, "hello\n"); });
    server.SetAuthorizer([](const Request& r) -> std::optional<Response> {
      if (r.Header("x-token") == "secret") return std::nullopt;
      Response refusal = Response::Text(401, "Unauthorized\n");
      refusal.headers.emplace_back("WWW-Authenticate", "Basic realm=\"ccmond\"");
      return refusal;
    });
  });
  const HttpResponse refused = Fetch(port(), GetRequest("/hello"));
  EXPECT_EQ(refused.result_int(), 401);
  EXPECT_EQ(HeaderOf(refused, "WWW-Authenticate"), "Basic realm=\"ccmond\"");
  EXPECT_EQ(Fetch(port(), GetRequest("/nope")).result_int(), 401);
  EXPECT_EQ(Fetch(port(), GetRequest("/hello", "X-Token: secret\r\n")).result_int(), 200);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapAreAnswered503) {
  HttpServer::Options options = TestOptions();
  options.max_connections = 1;
  StartWith(options);
  TestClient first;
  ASSERT_FALSE(first.Connect(port()));
  ASSERT_FALSE(first.Write(GetRequest("/hello")));
  HttpResponse r;
  ASSERT_FALSE(first.ReadResponse(&r));  // Now the server surely holds the first connection.
  ASSERT_EQ(r.result_int(), 200);

  const HttpResponse refused = Fetch(port(), GetRequest("/hello"));
  EXPECT_EQ(refused.result_int(), 503);
  EXPECT_FALSE(refused.keep_alive());

  // The first connection is unaffected.
  ASSERT_FALSE(first.Write(GetRequest("/hello")));
  ASSERT_FALSE(first.ReadResponse(&r));
  EXPECT_EQ(r.result_int(), 200);
  const HttpStats stats = Stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.connections_rejected, 1u);
  EXPECT_EQ(stats.open_connections, 1u);
}

TEST_F(HttpServerTest, SlowClientIsDroppedAfterTheReadTimeout) {
  HttpServer::Options options = TestOptions();
  options.read_timeout = std::chrono::milliseconds(200);
  StartWith(options);
  TestClient client;
  ASSERT_FALSE(client.Connect(port()));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_FALSE(client.Write("GET /hello HTTP/1.1\r\nHost: loc"));
  std::string raw;
  const error_code ec = client.ReadUntilClosed(&raw);  // Waits for the server to give up.
  EXPECT_TRUE(IsClosed(ec)) << ec.message();
  EXPECT_EQ(raw, "");  // Dropped without an answer.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
  const HttpStats stats = Stats();
  EXPECT_EQ(stats.connections_timed_out, 1u);
  EXPECT_EQ(stats.open_connections, 0u);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  HttpServer::Options options = TestOptions();
  options.idle_timeout = std::chrono::milliseconds(200);
  StartWith(options);
  TestClient client;
  ASSERT_FALSE(client.Connect(port()));
  ASSERT_FALSE(client.Write(GetRequest("/hello")));
  HttpResponse r;
  ASSERT_FALSE(client.ReadResponse(&r));
  std::string raw;
  EXPECT_TRUE(IsClosed(client.ReadUntilClosed(&raw)));
  EXPECT_EQ(Stats().connections_idle_closed, 1u);
}

TEST_F(HttpServerTest, StopClosesOpenConnectionsAndRunReturns) {
  Start();
  // Connected in this order: the server accepts in order, so once `kept` has its answer, the
  // other two are accepted too.
  TestClient idle;  // Connected, never sends.
  ASSERT_FALSE(idle.Connect(port()));
  TestClient half;  // In the middle of a request.
  ASSERT_FALSE(half.Connect(port()));
  ASSERT_FALSE(half.Write("GET /hel"));
  TestClient kept;  // Between two keep-alive requests.
  ASSERT_FALSE(kept.Connect(port()));
  ASSERT_FALSE(kept.Write(GetRequest("/hello")));
  HttpResponse r;
  ASSERT_FALSE(kept.ReadResponse(&r));
  ASSERT_EQ(Stats().open_connections, 3u);

  EXPECT_TRUE(StopServer());
  std::string raw;
  EXPECT_TRUE(IsClosed(idle.ReadUntilClosed(&raw)));
  EXPECT_TRUE(IsClosed(kept.ReadUntilClosed(&raw)));
  EXPECT_TRUE(IsClosed(half.ReadUntilClosed(&raw)));
  TestClient late;
  EXPECT_TRUE(late.Connect(port()));  // Refused: nobody listens any more.
}

TEST_F(HttpServerTest, StartTwiceFails) {
  Start();
  const Status again = OnLoop([this] { return server_->Start(); });
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpServerTest, StartFailsWithTheAddressWhenThePortIsTaken) {
  Start();
  boost::asio::io_context other_io;
  HttpServer::Options options = TestOptions();
  options.listen_address.port = port();
  HttpServer other(other_io, options);
  const Status s = other.Start();
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(port())), std::string::npos)
      << s.message();
}

TEST_F(HttpServerTest, ListensOnAHostName) {
  HttpServer::Options options = TestOptions();
  options.listen_address = ParseListenAddress("localhost:0").value();
  StartWith(options);
  EXPECT_NE(port(), 0);
}

TEST(HttpServerLifetime, DestroyingAStartedServerBeforeTheLoopRunsIsSafe) {
  boost::asio::io_context io;
  {
    HttpServer::Options options;
    options.listen_address = ParseListenAddress("127.0.0.1:0").value();
    HttpServer server(io, options);
    ASSERT_TRUE(server.Start().ok());
  }
  io.run();  // The cancelled accept completes and finds the server's state still alive.
  SUCCEED();
}

}  // namespace
}  // namespace ccmon::web
