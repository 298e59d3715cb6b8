#include "fake-apiserver/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <limits>

namespace kci::apiserver {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

//! Answers larger than this are refused (an AdmissionReview or extender answer is small).
constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;

Error unavailable(const std::string& url, const std::string& step, const beast::error_code& ec) {
  const std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
  return make_error(ErrorCode::kUnavailable, "Post \"" + url + "\": " + step + ": " + why);
}

//! Runs one asynchronous operation to completion on `ioc`; returns its error.
template <class Start>
beast::error_code run_one(asio::io_context& ioc, Start&& start) {
  beast::error_code result;
  ioc.restart();
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.run();
  return result;
}

}  // namespace

Result<ParsedUrl> parse_http_url(const std::string& url) {
  ParsedUrl u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return invalid_argument("url \"" + url + "\": expected an http:// or https:// URL");
  }
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty()) return invalid_argument("url \"" + url + "\": the host is missing");
  if (authority.find('@') != std::string::npos)
    return invalid_argument("url \"" + url + "\": user information is not allowed");
  if (authority.front() == '[') {  // [::1]:443
    const auto close = authority.find(']');
    if (close == std::string::npos) return invalid_argument("url \"" + url + "\": unterminated IPv6 address");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return invalid_argument("url \"" + url + "\": garbage after the IPv6 address");
      u.port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  for (char c : u.port)
    if (c < '0' || c > '9') return invalid_argument("url \"" + url + "\": port \"" + u.port + "\" is not a number");
  if (u.host.empty()) return invalid_argument("url \"" + url + "\": the host is missing");
  return u;
}

Result<HttpAnswer> post_json(const std::string& url, const std::string& body, const std::string& ca_pem,
                             std::chrono::milliseconds timeout) {
  KCI_TRY(ParsedUrl u, parse_http_url(url));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(u.host, u.port, ec);
  if (ec) return unavailable(url, "resolve " + u.host, ec);

  http::request<http::string_body> req{http::verb::post, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json");
  req.set(http::field::user_agent, "kci-vk-fake-apiserver");
  req.body() = body;
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);

  auto exchange = [&](auto& stream, beast::tcp_stream& lowest) -> Result<HttpAnswer> {
    lowest.expires_at(deadline);
    if (auto e = run_one(ioc, [&](auto h) { http::async_write(stream, req, h); })) return unavailable(url, "write", e);
    lowest.expires_at(deadline);
    if (auto e = run_one(ioc, [&](auto h) { http::async_read(stream, buffer, parser, h); }))
      return unavailable(url, "read", e);
    return HttpAnswer{static_cast<int>(parser.get().result_int()), parser.get().body()};
  };

  if (!u.tls) {
    beast::tcp_stream stream(ioc);
    stream.expires_at(deadline);
    if (auto e = run_one(ioc, [&](auto h) { stream.async_connect(endpoints, h); })) return unavailable(url, "dial", e);
    return exchange(stream, stream);
  }

  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_peer);
  if (ca_pem.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.add_certificate_authority(asio::buffer(ca_pem), ec);
    if (ec) return invalid_argument("caBundle: not a PEM certificate bundle (" + ec.message() + ")");
  }
  ctx.set_verify_callback(ssl::host_name_verification(u.host));
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str()))
    return make_error(ErrorCode::kUnavailable, "Post \"" + url + "\": cannot set the TLS server name");
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_at(deadline);
  if (auto e = run_one(ioc, [&](auto h) { lowest.async_connect(endpoints, h); })) return unavailable(url, "dial", e);
  lowest.expires_at(deadline);
  if (auto e = run_one(ioc, [&](auto h) { stream.async_handshake(ssl::stream_base::client, h); }))
    return unavailable(url, "tls handshake (is the CA bundle the one that signed the server's certificate?)", e);
  auto answer = exchange(stream, lowest);
  lowest.expires_after(std::chrono::milliseconds(200));
  run_one(ioc, [&](auto h) { stream.async_shutdown(h); });  // best effort
  return answer;
}

Status get_stream(const std::string& url, const std::string& ca_pem, bool verify, std::chrono::milliseconds timeout,
                  const StreamHandlers& handlers) {
  KCI_TRY(ParsedUrl u, parse_http_url(url));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto fail = [&url](const std::string& step, const beast::error_code& ec) {
    const std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
    return make_error(ErrorCode::kUnavailable, "Get \"" + url + "\": " + step + ": " + why);
  };
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(u.host, u.port, ec);
  if (ec) return fail("resolve " + u.host, ec);
  http::request<http::empty_body> req{http::verb::get, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "kci-vk-fake-apiserver");

  auto exchange = [&](auto& stream, beast::tcp_stream& lowest) -> Status {
    lowest.expires_at(deadline);
    if (auto e = run_one(ioc, [&](auto h) { http::async_write(stream, req, h); })) return fail("write", e);
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    // Boost 1.74 compares a Content-Length with an empty limit as exceeding it: use the largest.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    lowest.expires_at(deadline);
    if (auto e = run_one(ioc, [&](auto h) { http::async_read_header(stream, buffer, parser, h); }))
      return fail("read", e);
    if (!handlers.head(static_cast<int>(parser.get().result_int()),
                       std::string(parser.get()[http::field::content_type])))
      return {};
    lowest.expires_never();
    std::array<char, 16 * 1024> piece;
    while (!parser.is_done()) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      auto e = run_one(ioc, [&](auto h) { http::async_read_some(stream, buffer, parser, h); });
      if (e == http::error::need_buffer) e = {};
      const std::size_t n = piece.size() - parser.get().body().size;
      if (n > 0 && !handlers.data(std::string(piece.data(), n))) return {};
      if (e == http::error::end_of_stream || e == asio::error::eof) break;
      if (e) return fail("read", e);
    }
    return {};
  };

  if (!u.tls) {
    beast::tcp_stream stream(ioc);
    stream.expires_at(deadline);
    if (auto e = run_one(ioc, [&](auto h) { stream.async_connect(endpoints, h); })) return fail("dial", e);
    return exchange(stream, stream);
  }
  ssl::context ctx(ssl::context::tls_client);
  if (verify) {
    ctx.set_verify_mode(ssl::verify_peer);
    if (ca_pem.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.add_certificate_authority(asio::buffer(ca_pem), ec);
      if (ec) return invalid_argument("kubelet CA: not a PEM certificate bundle (" + ec.message() + ")");
    }
    ctx.set_verify_callback(ssl::host_name_verification(u.host));
  } else {
    ctx.set_verify_mode(ssl::verify_none);
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str());
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_at(deadline);
  if (auto e = run_one(ioc, [&](auto h) { lowest.async_connect(endpoints, h); })) return fail("dial", e);
  lowest.expires_at(deadline);
  if (auto e = run_one(ioc, [&](auto h) { stream.async_handshake(ssl::stream_base::client, h); }))
    return fail("tls handshake", e);
  return exchange(stream, lowest);
}

}  // namespace kci::apiserver
