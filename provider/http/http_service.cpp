#include "provider/http/http_service.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <set>
#include <thread>

namespace kci::provider {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
//! An idle keep-alive connection is closed after this; a stream resets it on every chunk.
constexpr auto kIdleTimeout = std::chrono::seconds(60);

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpRequest to_request(const http::request<http::string_body>& req) {
  HttpRequest r = parse_target(std::string(req.method_string()), std::string(req.target()));
  r.body = req.body();
  return r;
}

//! One connection; Stream is a tcp_stream or an ssl_stream over one.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(HttpService::Impl& owner, Args&&... args) : owner_(owner), stream_(std::forward<Args>(args)...) {}

  void run() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->read();
      });
    }
  }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream_).close();
    if (timer_) timer_->cancel();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(HttpService::kMaxRequestBytes);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == http::error::body_limit) {
        HttpResponse r{413, "text/plain; charset=utf-8",
                       "request body exceeds " + std::to_string(HttpService::kMaxRequestBytes) + " bytes\n"};
        return self->write(std::move(r), false);
      }
      if (ec) return self->finish();
      auto req = self->parser_->release();
      const bool keep = req.keep_alive();
      HttpResponse r = self->call(to_request(req));
      self->write(std::move(r), keep);
    });
  }

  HttpResponse call(const HttpRequest& req);

  void write(HttpResponse r, bool keep) {
    auto self = this->shared_from_this();
    if (r.stream) return write_stream_head(std::move(r), keep);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, r.content_type);
    res->keep_alive(keep);
    res->body() = std::move(r.body);
    res->prepare_payload();
    http::async_write(stream_, *res, [self, res, keep](beast::error_code ec, std::size_t) {
      if (!ec && keep) return self->read();
      self->finish();
    });
  }

  void write_stream_head(HttpResponse r, bool keep) {
    auto self = this->shared_from_this();
    auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, r.content_type);
    res->keep_alive(keep);
    res->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    stream_fn_ = std::move(r.stream);
    poll_ = r.poll_interval;
    auto first = std::make_shared<std::string>(std::move(r.body));
    http::async_write_header(stream_, *sr, [self, res, sr, first, keep](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();
      self->write_chunk(first, keep);
    });
  }

  //! Writes `data` (if any) as a chunk, then waits and polls the stream for the next.
  void write_chunk(std::shared_ptr<std::string> data, bool keep) {
    auto self = this->shared_from_this();
    auto next = [self, keep](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();
      self->timer_.emplace(beast::get_lowest_layer(self->stream_).socket().get_executor());
      self->timer_->expires_after(self->poll_);
      self->timer_->async_wait([self, keep](beast::error_code wec) {
        if (wec || self->owner_stopping()) return self->finish();
        auto more = self->poll();
        if (!more) return self->write_last(keep);
        self->write_chunk(std::make_shared<std::string>(std::move(*more)), keep);
      });
    };
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    if (data->empty()) {
      asio::post(beast::get_lowest_layer(stream_).socket().get_executor(),
                 [next] { next(beast::error_code{}, 0); });
      return;
    }
    asio::async_write(stream_, http::make_chunk(asio::buffer(*data)),
                      [data, next](beast::error_code ec, std::size_t n) { next(ec, n); });
  }

  void write_last(bool keep) {
    auto self = this->shared_from_this();
    stream_fn_ = nullptr;
    asio::async_write(stream_, http::make_chunk_last(), [self, keep](beast::error_code ec, std::size_t) {
      if (!ec && keep) return self->read();
      self->finish();
    });
  }

  std::optional<std::string> poll();
  bool owner_stopping() const;
  void finish();

  HttpService::Impl& owner_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::function<std::optional<std::string>()> stream_fn_;
  std::chrono::milliseconds poll_{1000};
  std::optional<asio::steady_timer> timer_;
};

}  // namespace

std::string url_decode(const std::string& s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

HttpRequest parse_target(std::string method, const std::string& target) {
  HttpRequest r;
  r.method = std::move(method);
  const auto q = target.find('?');
  r.path = url_decode(target.substr(0, q), false);
  if (q == std::string::npos) return r;
  const std::string query = target.substr(q + 1);
  std::size_t start = 0;
  while (start <= query.size()) {
    const auto amp = std::min(query.find('&', start), query.size());
    const std::string part = query.substr(start, amp - start);
    if (!part.empty()) {
      const auto eq = part.find('=');
      r.query[url_decode(part.substr(0, eq), true)] =
          eq == std::string::npos ? std::string() : url_decode(part.substr(eq + 1), true);
    }
    start = amp + 1;
  }
  return r;
}

struct HttpService::Impl {
  HttpHandler handler;
  // Declared before the io_context so that sessions still queued in it are destroyed first.
  std::optional<ssl::context> tls;
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::uint16_t port = 0;
  bool stopping = false;  // I/O thread only
  //! Open sessions, so stop() can close them (I/O thread only).
  std::set<std::shared_ptr<void>> sessions;
  std::map<void*, std::function<void()>> closers;

  void accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) {
        if (tls) {
          auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(socket), *tls);
          track(s);
          s->run();
        } else {
          auto s = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket));
          track(s);
          s->run();
        }
      }
      accept();
    });
  }

  template <class S>
  void track(const std::shared_ptr<S>& s) {
    sessions.insert(s);
    closers[s.get()] = [w = std::weak_ptr<S>(s)] {
      if (auto p = w.lock()) p->close();
    };
  }
  void untrack(void* p) {
    closers.erase(p);
    for (auto it = sessions.begin(); it != sessions.end(); ++it)
      if (it->get() == p) {
        sessions.erase(it);
        break;
      }
  }
};

namespace {
template <class Stream>
HttpResponse Session<Stream>::call(const HttpRequest& req) {
  return owner_.handler(req);
}
template <class Stream>
std::optional<std::string> Session<Stream>::poll() {
  if (!stream_fn_) return std::nullopt;
  return stream_fn_();
}
template <class Stream>
bool Session<Stream>::owner_stopping() const {
  return owner_.stopping;
}
template <class Stream>
void Session<Stream>::finish() {
  stream_fn_ = nullptr;
  owner_.untrack(this);
}
}  // namespace

HttpService::HttpService(HttpHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
}

HttpService::~HttpService() { stop(); }

Status HttpService::start(const std::string& host, std::uint16_t port, const std::string& cert_file,
                          const std::string& key_file) {
  beast::error_code ec;
  if (cert_file.empty() != key_file.empty())
    return invalid_argument(cert_file.empty() ? "a private key was given without a certificate; give both or neither"
                                              : "a certificate was given without a private key; give both or neither");
  if (!cert_file.empty()) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(cert_file, ec);
    if (ec) return invalid_argument("certificate " + cert_file + ": " + ec.message() + " (expected a PEM certificate chain)");
    impl_->tls->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) return invalid_argument("private key " + key_file + ": " + ec.message() + " (expected a PEM private key)");
  }
  auto address = asio::ip::make_address(host, ec);
  if (ec) return invalid_argument("listen host \"" + host + "\" is not an IP address: " + ec.message());
  tcp::endpoint ep(address, port);
  impl_->acceptor.emplace(impl_->ioc);
  impl_->acceptor->open(ep.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(ep, ec);
  if (!ec) impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(ErrorCode::kUnavailable, "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  impl_->port = impl_->acceptor->local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
  return {};
}

std::uint16_t HttpService::port() const { return impl_->port; }
bool HttpService::tls() const { return impl_->tls.has_value(); }

void HttpService::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  asio::post(impl_->ioc, [this] {
    impl_->stopping = true;
    beast::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
    auto closers = impl_->closers;
    for (auto& [p, close] : closers) close();
  });
  // Give the closed sessions a moment to unwind, then stop the loop.
  asio::post(impl_->ioc, [this] { impl_->ioc.stop(); });
  impl_->thread.join();
  impl_->sessions.clear();
  impl_->closers.clear();
}

}  // namespace kci::provider
