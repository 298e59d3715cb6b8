// A small HTTP/1.1 server for the product's own endpoints (the virtual kubelet's API): plain
// HTTP, or HTTPS when given a PEM certificate and key; one I/O thread; every request goes
// to one handler, which answers with a whole body or with a stream that the server polls
// and writes as chunks until it ends (what `kubectl logs -f` reads).
//
// Requests larger than kMaxRequestBytes are refused with 413; anything else the handler
// decides. Calls into the handler and the streams are made from the I/O thread, one at a
// time, and may block (the caller hops to its own loop).
// Must not: expose Boost.Asio/Beast or OpenSSL in this header (pimpl).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace kci::provider {

struct HttpRequest {
  std::string method;                        //!< "GET", "POST" ...
  std::string path;                          //!< decoded path, without the query
  std::map<std::string, std::string> query;  //!< decoded query parameters (the last wins)
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  //! When set, `body` is written first and then whatever the stream returns, polled every
  //! `poll_interval`, as chunks; std::nullopt ends the response. The client closing the
  //! connection ends it too.
  std::function<std::optional<std::string>()> stream;
  std::chrono::milliseconds poll_interval{1000};
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

//! Decodes %XX escapes and, in a query, '+' as a space. Malformed escapes stay as they are.
std::string url_decode(const std::string& s, bool plus_is_space);
//! A request for `target` ("/containerLogs/ns/p/c?tailLines=5"): path and query decoded.
HttpRequest parse_target(std::string method, const std::string& target);

class HttpService {
 public:
  static constexpr std::size_t kMaxRequestBytes = 1024 * 1024;

  explicit HttpService(HttpHandler handler);
  ~HttpService();
  HttpService(const HttpService&) = delete;
  HttpService& operator=(const HttpService&) = delete;

  //! Binds `host:port` (0 = any free port) and serves on a thread of its own; HTTPS when
  //! `cert_file` and `key_file` are given. Errors name the flag, the file or the address.
  Status start(const std::string& host, std::uint16_t port, const std::string& cert_file = {},
               const std::string& key_file = {});
  std::uint16_t port() const;
  bool tls() const;
  //! Stops serving (open streams end) and joins the thread; idempotent.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kci::provider
