#include "provider/extender/extender_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <set>
#include <thread>

namespace kci::extender {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

//! kube-scheduler's extender HTTP timeout defaults to 5 s; idle keep-alive connections are
//! closed after this.
constexpr auto kIdleTimeout = std::chrono::seconds(60);

std::string error_body(const std::string& message) { return nlohmann::json{{"Error", message}}.dump(); }

}  // namespace

class ExtenderSession;

struct ExtenderServer::Impl {
  Impl(ExtenderHandler h, std::function<bool()> r) : handler(std::move(h)), ready(std::move(r)) {}
  ExtenderHandler handler;
  std::function<bool()> ready;
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::uint16_t port = 0;
  std::set<std::shared_ptr<ExtenderSession>> sessions;  // I/O thread only

  void accept();
};

class ExtenderSession : public std::enable_shared_from_this<ExtenderSession> {
 public:
  ExtenderSession(ExtenderServer::Impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}

  void read() {
    parser_.emplace();
    parser_->body_limit(ExtenderServer::kMaxBodyBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == http::error::body_limit) {
        self->reply(413, error_body("the body exceeds " + std::to_string(ExtenderServer::kMaxBodyBytes) + " bytes"),
                    false);
        return;
      }
      if (ec) {
        self->close();
        return;
      }
      self->respond(self->parser_->release());
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    server_.sessions.erase(shared_from_this());
  }

 private:
  void respond(http::request<http::string_body> req) {
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    const bool keep = req.keep_alive();
    if (req.method() == http::verb::get && (path == "/healthz" || path == "/readyz")) {
      const bool ok = !server_.ready || server_.ready();
      return reply(ok ? 200 : 503, ok ? "ok" : "not synced yet", keep, "text/plain");
    }
    if (req.method() != http::verb::post)
      return reply(405,
                   error_body("method " + std::string(req.method_string()) + " is not accepted on " + path +
                              "; POST ExtenderArgs, or GET /healthz"),
                   keep);
    const std::string type(req[http::field::content_type]);
    if (!type.empty() && type.find("json") == std::string::npos)
      return reply(415, error_body("Content-Type " + type + " is not accepted; send application/json"), keep);
    HttpReply r = server_.handler(path, req.body());
    reply(r.status, r.body, keep);
  }

  void reply(int status, std::string body, bool keep, const char* type = "application/json") {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::content_type, type);
    res->keep_alive(keep);
    res->body() = std::move(body);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
      if (ec || !keep) {
        self->close();
        return;
      }
      self->read();
    });
  }

  ExtenderServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

void ExtenderServer::Impl::accept() {
  acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed: stopping
    auto s = std::make_shared<ExtenderSession>(*this, std::move(socket));
    sessions.insert(s);
    s->read();
    accept();
  });
}

ExtenderServer::ExtenderServer(ExtenderHandler handler, std::function<bool()> ready)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(ready))) {}

ExtenderServer::~ExtenderServer() { stop(); }

Status ExtenderServer::start(const std::string& host, std::uint16_t port) {
  if (impl_->thread.joinable()) return make_error(ErrorCode::kInternal, "the extender server is already started");
  beast::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) return invalid_argument("listen address \"" + host + "\" is not an IP address: " + ec.message());
  tcp::acceptor acc(impl_->ioc);
  const tcp::endpoint ep(addr, port);
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(ErrorCode::kUnavailable,
                      "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  impl_->port = acc.local_endpoint().port();
  impl_->acceptor.emplace(std::move(acc));
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
  return {};
}

std::uint16_t ExtenderServer::port() const { return impl_->port; }

void ExtenderServer::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
    auto sessions = impl_->sessions;
    for (const auto& s : sessions) s->close();
    impl_->ioc.stop();
  });
  impl_->thread.join();
  impl_->sessions.clear();
}

}  // namespace kci::extender
