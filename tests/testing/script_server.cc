#include "tests/testing/script_server.h"

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <utility>

namespace ccmon::testing {

namespace net = boost::asio;
using tcp = net::ip::tcp;

ScriptServer::ScriptServer() : acceptor_(io_, tcp::endpoint(net::ip::address_v4::loopback(), 0)) {}

ScriptServer::~ScriptServer() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  if (thread_.joinable()) thread_.join();
}

std::uint16_t ScriptServer::port() const { return acceptor_.local_endpoint().port(); }

void ScriptServer::Serve(int connections, Script script) {
  thread_ = std::thread([this, connections, script = std::move(script)] {
    for (int i = 0; i < connections; ++i) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec) return;
      try {
        script(socket, i);
        socket.shutdown(tcp::socket::shutdown_send, ec);
        HoldOpen(socket);
      } catch (const std::exception&) {
        // The client went away mid-script; the test's expectations will tell.
      }
    }
  });
}

std::string ScriptServer::ReadUntil(Socket& s, std::string* pending, std::string_view delimiter) {
  boost::system::error_code ec;
  const std::size_t n =
      net::read_until(s, net::dynamic_buffer(*pending), std::string(delimiter), ec);
  if (ec) return "";
  std::string block = pending->substr(0, n);
  pending->erase(0, n);
  return block;
}

void ScriptServer::Write(Socket& s, std::string_view bytes) {
  net::write(s, net::buffer(bytes.data(), bytes.size()));
}

void ScriptServer::HoldOpen(Socket& s) {
  boost::system::error_code ec;
  std::string rest;
  net::read(s, net::dynamic_buffer(rest), ec);
}

}  // namespace ccmon::testing
