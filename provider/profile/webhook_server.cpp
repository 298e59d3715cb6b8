#include "provider/profile/webhook_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <mutex>
#include <optional>
#include <thread>

#include "core/kube/kube_client.h"
#include "core/profile/admission.h"

namespace kci::profile {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
//! A connection idle this long is closed; kube-apiserver's webhook timeout is at most 30 s.
constexpr auto kIdleTimeout = std::chrono::seconds(30);

std::string status_body(int code, const std::string& message) {
  Error e = make_error(code == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument, message);
  Json s = kube::status_of(e);
  s["code"] = code;
  return s.dump();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ssl::context& ctx, const ReviewHandler& handler, std::mutex& mu)
      : stream_(std::move(socket), ctx), handler_(handler), mu_(mu) {}

  void run() {
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxAdmissionReviewBytes);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == http::error::body_limit) {
        self->reply(413, status_body(413, "AdmissionReview body exceeds " + std::to_string(kMaxAdmissionReviewBytes) +
                                              " bytes"),
                    false);
        return;
      }
      if (ec) return;  // closed, timed out or garbled: nothing to answer
      self->respond(self->parser_->release());
    });
  }

  void respond(http::request<http::string_body> req) {
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    const bool keep = req.keep_alive();
    if (req.method() == http::verb::get && (path == "/healthz" || path == "/readyz")) return reply(200, "ok", keep, "text/plain");
    if (path != "/mutate" && path != "/")
      return reply(404, status_body(404, "path " + path + " is not served; POST AdmissionReviews to /mutate"), keep);
    if (req.method() != http::verb::post)
      return reply(405, status_body(405, "method " + std::string(req.method_string()) + " is not accepted; use POST"), keep);
    const std::string type(req[http::field::content_type]);
    if (!type.empty() && type.find("json") == std::string::npos)
      return reply(415, status_body(415, "Content-Type " + type + " is not accepted; send application/json"), keep);
    WebhookReply r;
    {
      std::lock_guard lock(mu_);
      r = handler_(req.body());
    }
    reply(r.status, std::move(r.body), keep);
  }

  void reply(int status, std::string body, bool keep, const char* type = "application/json") {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::content_type, type);
    res->keep_alive(keep);
    res->body() = std::move(body);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (keep) {
        self->read();
      } else {
        self->stream_.async_shutdown([self](beast::error_code) {});
      }
    });
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const ReviewHandler& handler_;
  std::mutex& mu_;
};

}  // namespace

struct WebhookServer::Impl {
  ReviewHandler handler;
  std::mutex mu;
  // Declared before the io_context so that sessions still queued in it are destroyed first.
  ssl::context tls{ssl::context::tls_server};
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::uint16_t port = 0;

  void accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), tls, handler, mu)->run();
      accept();
    });
  }
};

WebhookServer::WebhookServer(ReviewHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
}

WebhookServer::~WebhookServer() { stop(); }

Status WebhookServer::start(const std::string& host, std::uint16_t port, const std::string& cert_file,
                            const std::string& key_file) {
  beast::error_code ec;
  impl_->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  impl_->tls.use_certificate_chain_file(cert_file, ec);
  if (ec) return invalid_argument("--tls-cert " + cert_file + ": " + ec.message() + " (expected a PEM certificate chain)");
  impl_->tls.use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return invalid_argument("--tls-key " + key_file + ": " + ec.message() + " (expected a PEM private key)");
  auto address = asio::ip::make_address(host, ec);
  if (ec) return invalid_argument("--listen host \"" + host + "\" is not an IP address: " + ec.message());
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

std::uint16_t WebhookServer::port() const { return impl_->port; }

void WebhookServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
  });
  impl_->ioc.stop();
  impl_->thread.join();
}

}  // namespace kci::profile
