#include "fake-kci/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <mutex>
#include <thread>

#include "core/kci/assumptions.h"
#include "core/kci/form.h"
#include "core/kci/sigv4.h"
#include "core/kci/wire.h"
#include "core/random.h"

namespace kci::fake_kci {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace kcicloud;

namespace {
//! A request body larger than this is refused: 5 containers with every field stay far below.
constexpr std::size_t kMaxBody = 1 << 20;
//! A connection idle this long is closed, so one silent client cannot hold the server.
constexpr auto kIdleTimeout = std::chrono::seconds(30);
}  // namespace

struct KciHttpServer::Impl {
  KciApi& api;
  const Clock& clock;
  SecretLookup secrets;
  Rng rng;
  std::mutex mu;  // one call at a time into the (single-threaded) cloud
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::uint16_t port = 0;

  Impl(KciApi& a, const Clock& c, SecretLookup s, std::uint64_t seed) : api(a), clock(c), secrets(std::move(s)), rng(seed) {}

  WireReply refuse(std::string_view reason, std::string message, const std::string& request_id) {
    const Error e = kci_error(reason, std::move(message));
    return {http_status_for_reason(reason), error_envelope(request_id, e)};
  }

  WireReply handle(const http::request<http::string_body>& req) {
    std::lock_guard lock(mu);
    const std::string request_id = rng.uuid();
    if (req.method() != http::verb::get && req.method() != http::verb::post) {
      return refuse(assumed::kInvalidParameter, "HTTP method " + std::string(req.method_string()) + " is not accepted; use GET or POST", request_id);
    }
    const std::string target(req.target());
    const auto q = target.find('?');
    const std::string path = target.substr(0, q);
    const std::string raw_query = q == std::string::npos ? "" : target.substr(q + 1);
    auto query = parse_form(raw_query);
    if (!query.ok()) return refuse(assumed::kInvalidParameter, query.error().message, request_id);
    FormParams params = *query;
    if (req.method() == http::verb::post && !req.body().empty()) {
      auto body = parse_form(req.body());
      if (!body.ok()) return refuse(assumed::kInvalidParameter, body.error().message, request_id);
      params.insert(params.end(), body->begin(), body->end());
    }

    // ---- signature ----
    const auto auth_it = req.find(http::field::authorization);
    if (auth_it == req.end()) return refuse(assumed::kIncompleteSignature, "the Authorization header is missing", request_id);
    auto auth = sigv4::parse_authorization(std::string(auth_it->value()));
    if (!auth.ok()) return refuse(assumed::kIncompleteSignature, auth.error().message, request_id);
    const auto date_it = req.find("X-Amz-Date");
    if (date_it == req.end()) return refuse(assumed::kIncompleteSignature, "the X-Amz-Date header is missing", request_id);
    const std::string amz_date(date_it->value());
    auto when = sigv4::parse_amz_date(amz_date);
    if (!when.ok()) return refuse(assumed::kIncompleteSignature, when.error().message, request_id);
    if (auth->scope.service != "kci") {
      return refuse(assumed::kIncompleteSignature, "the credential scope names service \"" + auth->scope.service + "\"; expected kci", request_id);
    }
    if (auth->scope.date != amz_date.substr(0, 8)) {
      return refuse(assumed::kSignatureDoesNotMatch, "the credential scope date " + auth->scope.date +
                                                         " is not the date of X-Amz-Date " + amz_date, request_id);
    }
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    if (*when < now - assumed::kMaxClockSkewSeconds || *when > now + assumed::kMaxClockSkewSeconds) {
      return refuse(assumed::kRequestExpired, "X-Amz-Date " + amz_date + " is more than 15 minutes from the server time " +
                                                  sigv4::amz_date(now), request_id);
    }
    const auto secret = secrets(auth->access_key_id);
    if (!secret) return refuse(assumed::kInvalidAccessKeyId, "access key \"" + auth->access_key_id + "\" is not known", request_id);
    const std::string sh = auth->signed_headers;
    if (sh.find("host") == std::string::npos || sh.find("x-amz-date") == std::string::npos) {
      return refuse(assumed::kIncompleteSignature, "SignedHeaders is \"" + sh + "\"; it must include host and x-amz-date", request_id);
    }
    sigv4::Request sreq;
    sreq.method = std::string(req.method_string());
    sreq.path = path.empty() ? "/" : path;
    sreq.canonical_query = canonical_query(*query);
    for (const auto& f : req) sreq.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    sreq.body = req.body();
    const std::string expected = sigv4::signature(sreq, sh, amz_date, auth->scope, *secret);
    if (!sigv4::constant_time_equal(expected, auth->signature)) {
      return refuse(assumed::kSignatureDoesNotMatch,
                    "the request signature does not match; check the secret key and the signing method", request_id);
    }
    const CallContext ctx{auth->access_key_id, auth->scope.region};
    return serve(api, ctx, params, request_id);
  }

  void session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (true) {
      stream.expires_after(kIdleTimeout);
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxBody);
      http::read(stream, buffer, parser, ec);
      if (ec) break;
      const auto& req = parser.get();
      const WireReply reply = handle(req);
      http::response<http::string_body> res{static_cast<http::status>(reply.http_status), req.version()};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      res.body() = reply.body;
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  void accept_loop() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed: stopping
      // Connections are served one after another on this thread; the clients of the
      // fake (the product, tests) send one request per connection or keep one open.
      session(std::move(socket));
      accept_loop();
    });
  }
};

KciHttpServer::KciHttpServer(KciApi& api, const Clock& clock, SecretLookup secrets, std::uint64_t seed)
    : impl_(std::make_unique<Impl>(api, clock, std::move(secrets), seed)) {}

KciHttpServer::~KciHttpServer() { stop(); }

Status KciHttpServer::start(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) return invalid_argument("listen address \"" + host + "\" is not an IP address: " + ec.message());
  tcp::acceptor acc(impl_->ioc);
  const tcp::endpoint ep(addr, port);
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(ErrorCode::kUnavailable, "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  impl_->port = acc.local_endpoint().port();
  impl_->acceptor.emplace(std::move(acc));
  impl_->accept_loop();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
  return {};
}

std::uint16_t KciHttpServer::port() const { return impl_->port; }

void KciHttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  });
  impl_->ioc.stop();
  impl_->thread.join();
}

void KciHttpServer::with_api_locked(const std::function<void()>& f) {
  std::lock_guard lock(impl_->mu);
  f();
}

}  // namespace kci::fake_kci
