// A scripted TCP server for the socket bridges' tests (AMI, the FreeSWITCH event socket): it
// accepts connections on 127.0.0.1 port 0 in its own thread and runs a script on each, in order;
// the script plays the platform with blocking reads and writes. Closing is graceful: after the
// script the server stops sending and reads until the client closes, so nothing it wrote is lost
// to a reset.
//
// Used by tests/unit/bridges/*_client_test.cc and tests/integration/*_bridge_test.cc. Threading:
// the script runs on the server's thread; port() is safe anywhere; the destructor closes the
// acceptor and joins the thread (a script still blocked in a read ends when its client closes).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace ccmon::testing {

class ScriptServer {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  // Plays one connection; `connection` counts from 0. An exception (the client went away
  // mid-script) ends that connection quietly: the test's expectations tell what was missed.
  using Script = std::function<void(Socket&, int connection)>;

  ScriptServer();
  ~ScriptServer();
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  std::uint16_t port() const;

  // Accepts `connections` connections one after the other, running `script` on each. Call once.
  void Serve(int connections, Script script);

  // Reads up to and including `delimiter` ("\r\n\r\n" for AMI, "\n\n" for the event socket),
  // keeping what came after it in *pending; "" if the client closed first.
  static std::string ReadUntil(Socket& s, std::string* pending, std::string_view delimiter);
  static void Write(Socket& s, std::string_view bytes);
  // Keeps the connection open until the client closes it (at its exit).
  static void HoldOpen(Socket& s);

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

}  // namespace ccmon::testing
