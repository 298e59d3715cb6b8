#include "bench/beast_floor.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <thread>

namespace kci::bench {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

//! Answers every request on one connection with a two-byte body until the peer closes.
void serve_one_connection(tcp::acceptor& acceptor) {
  boost::system::error_code ec;
  tcp::socket socket = acceptor.accept(ec);
  if (ec) return;
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.body() = "ok";
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !res.keep_alive()) return;
  }
}

}  // namespace

double beast_loopback_requests_per_second(std::int64_t requests) {
  boost::system::error_code ec;
  asio::io_context io;
  tcp::acceptor acceptor(io);
  const tcp::endpoint any(asio::ip::make_address("127.0.0.1"), 0);
  if (acceptor.open(any.protocol(), ec); ec) return -1;
  if (acceptor.bind(any, ec); ec) return -1;
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return -1;
  const auto endpoint = acceptor.local_endpoint();
  std::thread server([&acceptor] { serve_one_connection(acceptor); });
  tcp::socket socket(io);
  bool ok = true;
  const auto start = std::chrono::steady_clock::now();
  if (socket.connect(endpoint, ec); ec) ok = false;
  boost::beast::flat_buffer buffer;
  for (std::int64_t i = 0; i < requests && ok; ++i) {
    http::request<http::empty_body> req{http::verb::get, "/floor", 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    http::write(socket, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(socket, buffer, res, ec);
    ok = !ec && res.result() == http::status::ok && res.body() == "ok";
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  // A failed connect leaves the server waiting in accept: closing the acceptor ends it.
  if (!ok) acceptor.close(ec);
  server.join();
  return ok && seconds > 0 ? static_cast<double>(requests) / seconds : -1;
}

}  // namespace kci::bench
