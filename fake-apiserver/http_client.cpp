#include "fake-apiserver/http_client.h"

#include <openssl/ssl.h>
#include <poll.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

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

// ---- Keep-alive connections for post_json ------------------------------------------------
//
// kube-apiserver and kube-scheduler keep their connections to webhooks and extenders open
// (Go's net/http Transport) and so does post_json: a new TCP connection and a full TLS
// handshake for every review were most of what admission cost on the loopback burst. A
// connection is keyed by scheme, host, port and, for HTTPS, the CA bundle's text: one
// verified against a bundle is never lent to a caller that trusts another.

//! Idle connections kept per endpoint; one coming back to a full endpoint is closed.
constexpr std::size_t kMaxIdlePerEndpoint = 4;
//! An idle connection older than this is closed rather than reused (Go's IdleConnTimeout).
constexpr auto kIdleTimeout = std::chrono::seconds(90);
//! Endpoints remembered (TLS context, idle connections); the least recently used
//! one is forgotten beyond this.
constexpr std::size_t kMaxEndpoints = 64;

using SteadyClock = std::chrono::steady_clock;

//! One connection and the io_context that drives it (run by whichever thread holds it; the
//! pool hands a connection to one caller at a time).
struct Connection {
  asio::io_context ioc;
  std::shared_ptr<ssl::context> tls;  // declared before `secure`: outlives it
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  SteadyClock::time_point idle_since;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

//! True when an idle connection has something to read: the server closed it (EOF, reset, a
//! TLS close_notify) or sent bytes no request asked for. Such a connection is not reused.
bool peer_spoke(Connection& c) {
  pollfd p{c.lowest().socket().native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

//! What post_json keeps per endpoint.
struct Endpoint {
  std::shared_ptr<ssl::context> tls;  // built once: the CA bundle is parsed once
  std::vector<std::unique_ptr<Connection>> idle;  // the most recently used last
  SteadyClock::time_point last_used;
};

//! Thread-safe: the admission helper thread and the API server's loop (the scheduler's
//! extender calls) may post at once. The lock covers the maps only, never network I/O.
class Pool {
 public:
  //! The TLS context for `key`, built from `ca_pem` (the system's roots when empty) once.
  Result<std::shared_ptr<ssl::context>> context(const std::string& key, const std::string& ca_pem) {
    {
      std::lock_guard lock(mu_);
      if (auto& e = endpoint(key); e.tls) return e.tls;
    }
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (ca_pem.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->add_certificate_authority(asio::buffer(ca_pem), ec);
      if (ec) return invalid_argument("caBundle: not a PEM certificate bundle (" + ec.message() + ")");
    }
    std::lock_guard lock(mu_);
    auto& e = endpoint(key);
    if (!e.tls) e.tls = std::move(ctx);
    return e.tls;
  }

  //! An idle connection to `key` the server has not closed, or null.
  std::unique_ptr<Connection> take(const std::string& key) {
    std::vector<std::unique_ptr<Connection>> dropped;  // closed after the lock is released
    std::unique_ptr<Connection> found;
    {
      std::lock_guard lock(mu_);
      auto& idle = endpoint(key).idle;
      const auto now = SteadyClock::now();
      while (!idle.empty() && !found) {
        auto c = std::move(idle.back());
        idle.pop_back();
        if (now - c->idle_since < kIdleTimeout && !peer_spoke(*c))
          found = std::move(c);
        else
          dropped.push_back(std::move(c));
      }
    }
    return found;
  }

  //! Keeps `c` for the next call to `key`, the oldest idle one closed if the endpoint is full.
  void put(const std::string& key, std::unique_ptr<Connection> c) {
    c->lowest().expires_never();
    c->idle_since = SteadyClock::now();
    std::unique_ptr<Connection> dropped;
    std::lock_guard lock(mu_);
    auto& idle = endpoint(key).idle;
    if (idle.size() >= kMaxIdlePerEndpoint) {
      dropped = std::move(idle.front());
      idle.erase(idle.begin());
    }
    idle.push_back(std::move(c));
  }

 private:
  //! mu_ held.
  Endpoint& endpoint(const std::string& key) {
    auto [it, added] = endpoints_.try_emplace(key);
    it->second.last_used = SteadyClock::now();
    if (added && endpoints_.size() > kMaxEndpoints) {
      auto oldest = endpoints_.end();
      for (auto i = endpoints_.begin(); i != endpoints_.end(); ++i)
        if (i != it && (oldest == endpoints_.end() || i->second.last_used < oldest->second.last_used)) oldest = i;
      endpoints_.erase(oldest);  // its connections still in use stay with their callers
    }
    return it->second;
  }

  std::mutex mu_;
  std::map<std::string, Endpoint> endpoints_;
};

//! Never destroyed: idle connections close with the process, and no SSL object outlives
//! OpenSSL's own cleanup at exit.
Pool& pool() {
  static Pool* const p = new Pool;
  return *p;
}

//! A new connection to `u`, connected and, for HTTPS, handshaken before `deadline`.
Result<std::unique_ptr<Connection>> dial(const ParsedUrl& u, const std::string& url,
                                         const std::shared_ptr<ssl::context>& tls, SteadyClock::time_point deadline) {
  auto c = std::make_unique<Connection>();
  tcp::resolver resolver(c->ioc);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(u.host, u.port, ec);
  if (ec) return unavailable(url, "resolve " + u.host, ec);
  if (!tls) {
    c->plain.emplace(c->ioc);
  } else {
    c->tls = tls;
    c->secure.emplace(c->ioc, *tls);
    c->secure->set_verify_callback(ssl::host_name_verification(u.host));
    if (!SSL_set_tlsext_host_name(c->secure->native_handle(), u.host.c_str()))
      return make_error(ErrorCode::kUnavailable, "Post \"" + url + "\": cannot set the TLS server name");
  }
  auto& lowest = c->lowest();
  lowest.expires_at(deadline);
  if (auto e = run_one(c->ioc, [&](auto h) { lowest.async_connect(endpoints, h); })) return unavailable(url, "dial", e);
  if (c->secure) {
    lowest.expires_at(deadline);
    if (auto e = run_one(c->ioc, [&](auto h) { c->secure->async_handshake(ssl::stream_base::client, h); }))
      return unavailable(url, "tls handshake (is the CA bundle the one that signed the server's certificate?)", e);
  }
  return c;
}

//! One request and its answer on `c`.
struct Exchanged {
  beast::error_code ec;
  std::string step;
  bool answer_started = false;  // some byte of an answer arrived
  bool keep_alive = false;
  HttpAnswer answer;
};

Exchanged exchange(Connection& c, const http::request<http::string_body>& req, SteadyClock::time_point deadline) {
  auto run = [&](auto& stream) {
    Exchanged x;
    c.lowest().expires_at(deadline);
    x.ec = run_one(c.ioc, [&](auto h) { http::async_write(stream, req, h); });
    if (x.ec) {
      x.step = "write";
      return x;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    c.lowest().expires_at(deadline);
    x.ec = run_one(c.ioc, [&](auto h) { http::async_read(stream, c.buffer, parser, h); });
    x.answer_started = parser.got_some() || c.buffer.size() > 0;
    if (x.ec) {
      x.step = "read";
      return x;
    }
    x.keep_alive = parser.get().keep_alive();
    x.answer = HttpAnswer{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
    return x;
  };
  return c.secure ? run(*c.secure) : run(*c.plain);
}

//! How a connection the server closed while it sat idle fails: on write, or on read before
//! any byte of an answer.
bool closed_by_peer(const beast::error_code& ec) {
  return ec == asio::error::eof || ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == ssl::error::stream_truncated;
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
  const auto deadline = SteadyClock::now() + timeout;
  std::string key = (u.tls ? "https\n" : "http\n") + u.host + "\n" + u.port + "\n";
  std::shared_ptr<ssl::context> tls;
  if (u.tls) {
    key += ca_pem;
    KCI_TRY(tls, pool().context(key, ca_pem));
  }

  http::request<http::string_body> req{http::verb::post, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json");
  req.set(http::field::user_agent, "kci-vk-fake-apiserver");
  req.body() = body;
  req.prepare_payload();

  // A reused connection the server closed while it sat idle (its idle timeout raced this
  // call) fails on write, or on read before any byte of an answer: the server never took
  // the request, so it goes once more on a new connection, as Go's net/http does. Only
  // then: a POST is not idempotent in general (a webhook may count reviews, an extender may
  // reserve room), so a new connection's failure, a timeout, or a failure once the answer
  // began is the caller's to retry or not.
  std::unique_ptr<Connection> conn = pool().take(key);
  for (;;) {
    const bool reused = conn != nullptr;
    if (!reused) {
      KCI_TRY(conn, dial(u, url, tls, deadline));
    }
    Exchanged x = exchange(*conn, req, deadline);
    if (x.ec) {
      if (reused && !x.answer_started && closed_by_peer(x.ec)) {
        conn.reset();
        continue;
      }
      return unavailable(url, x.step, x.ec);
    }
    // `Connection: close` (or HTTP/1.0) ends the connection; so do bytes past the answer.
    if (x.keep_alive && conn->buffer.size() == 0) pool().put(key, std::move(conn));
    return std::move(x.answer);
  }
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
