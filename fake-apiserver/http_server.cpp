#include "fake-apiserver/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <charconv>
#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/duration.h"
#include "fake-apiserver/http_client.h"
#include "fake-apiserver/rbac.h"
#include "fake-apiserver/rest_api.h"

namespace kci::apiserver {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

//! kube-apiserver's default limit on a request body (--max-request-bytes is 3 MiB for etcd's
//! sake); a manifest larger than this is refused as it would be there.
constexpr std::size_t kMaxBody = 3 * 1024 * 1024;
//! A connection idle this long between requests is closed (Go clients reconnect).
constexpr auto kIdleTimeout = std::chrono::seconds(90);
//! How long stop() waits for the owner to release the server's watches.
constexpr auto kStopWait = std::chrono::seconds(2);

//! Hands work to the socket thread while it exists; a no-op once the server stops, so tasks
//! finishing on the owner's thread never touch a destroyed io_context.
class IoGate {
 public:
  explicit IoGate(asio::io_context& ioc) : ioc_(&ioc) {}
  template <class F>
  void post(F&& f) {
    std::lock_guard lock(mu_);
    if (ioc_) asio::post(*ioc_, std::forward<F>(f));
  }
  void close() {
    std::lock_guard lock(mu_);
    ioc_ = nullptr;
  }

 private:
  std::mutex mu_;
  asio::io_context* ioc_;
};

//! The state tasks on the owner's thread use; shared so a late task never sees it destroyed.
struct Core {
  Core(kube::KubeClient& client, const Clock& clock) : client(client), clock(clock) {}
  kube::KubeClient& client;
  const Clock& clock;
  std::unique_ptr<RestApi> api;
  //! Set with --authorization-mode RBAC: decides every request before it is served.
  std::unique_ptr<RbacAuthorizer> authorizer;
  //! Running watches by stream id; touched only on the owner's thread.
  std::map<std::uint64_t, std::unique_ptr<kube::WatchHandle>> watches;
};

//! The --token admin: the default RequestUser, in system:masters.
RequestUser admin_user() { return RequestUser(); }

std::string status_line(int status) {
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
}

std::string chunk(std::string_view data) {
  char size[32];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size, static_cast<std::size_t>(n));
  out.append(data);
  out.append("\r\n");
  return out;
}

}  // namespace

//! A connection as the server tracks it (plain or TLS).
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close() = 0;
};

struct HttpServer::Impl {
  Impl(kube::KubeClient& client, OwnerLoop& owner, const Clock& clock, HttpServerOptions o)
      : owner(owner), options(std::move(o)), core(std::make_shared<Core>(client, clock)),
        gate(std::make_shared<IoGate>(ioc)) {}

  OwnerLoop& owner;
  HttpServerOptions options;
  std::shared_ptr<Core> core;
  asio::io_context ioc{1};
  std::shared_ptr<IoGate> gate;
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::uint16_t port = 0;
  std::string host;
  std::uint64_t next_stream = 1;
  std::set<std::shared_ptr<SessionBase>> sessions;  // socket thread only
  std::optional<ssl::context> tls;                  // set when serving HTTPS

  void accept_loop();
};

//! One connection: requests one after another; a watch turns it into a chunked stream that
//! ends the connection when it ends. `Stream` is beast::tcp_stream or an ssl_stream over it.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(HttpServer::Impl& server, Args&&... args)
      : server_(server), stream_(std::forward<Args>(args)...), timer_(server.ioc) {}

  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) {
          self->close();
          return;
        }
        self->read_request();
      });
    } else {
      read_request();
    }
  }

  //! True when the client presented a certificate the client CA verified (the handshake
  //! already refused one it could not verify).
  bool client_certificate_verified() {
    if constexpr (kTls) {
      if (server_.options.client_ca_file.empty()) return false;
      X509* cert = SSL_get_peer_certificate(stream_.native_handle());
      if (!cert) return false;
      X509_free(cert);
      return SSL_get_verify_result(stream_.native_handle()) == X509_V_OK;
    } else {
      return false;
    }
  }

  //! The user a verified client certificate names (CN; O entries as groups), if any.
  std::optional<RequestUser> certificate_user_of_peer() {
    if (!client_certificate_verified()) return std::nullopt;
    if constexpr (kTls) {
      X509* cert = SSL_get_peer_certificate(stream_.native_handle());
      if (!cert) return std::nullopt;
      X509_NAME* subject = X509_get_subject_name(cert);
      auto text = [](X509_NAME_ENTRY* e) {
        const ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
        return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                           static_cast<std::size_t>(ASN1_STRING_length(data)));
      };
      std::string cn;
      std::vector<std::string> orgs;
      for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
        X509_NAME_ENTRY* e = X509_NAME_get_entry(subject, i);
        const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        if (nid == NID_commonName) cn = text(e);
        if (nid == NID_organizationName) orgs.push_back(text(e));
      }
      X509_free(cert);
      return certificate_user(std::move(cn), std::move(orgs));
    } else {
      return std::nullopt;
    }
  }

  //! Who sent the request: a verified certificate, the admin token, a token of the token
  //! file; anonymous when the server asks for no credentials; nullopt = 401.
  std::optional<RequestUser> authenticate(const http::request<http::string_body>& msg) {
    if (auto user = certificate_user_of_peer()) return user;
    const auto& o = server_.options;
    if (const auto it = msg.find(http::field::authorization); it != msg.end()) {
      const std::string_view value(it->value().data(), it->value().size());
      constexpr std::string_view kBearer = "Bearer ";
      if (value.substr(0, kBearer.size()) == kBearer) {
        const std::string_view token = value.substr(kBearer.size());
        if (!o.bearer_token.empty() && token == o.bearer_token) return admin_user();
        if (const auto u = o.token_users.find(token); u != o.token_users.end()) return u->second;
      }
    }
    const bool need_auth = !o.bearer_token.empty() || !o.client_ca_file.empty() || !o.token_users.empty();
    if (need_auth) return std::nullopt;
    return anonymous_user();
  }

  //! Closes the socket and releases the watch, if any (socket thread).
  void close() override {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    timer_.cancel();
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    release_watch();
    server_.sessions.erase(this->shared_from_this());
  }

  //! Starts a chunked answer: a watch's (id > 0) or a proxied kubelet answer's (id 0).
  void begin_stream(std::uint64_t id, std::optional<std::chrono::seconds> timeout,
                    const std::string& content_type = "application/json") {
    if (closed_) {
      stream_id_ = id;
      release_watch();
      return;
    }
    stream_id_ = id;
    streaming_ = true;
    beast::get_lowest_layer(stream_).expires_never();
    send(status_line(200) + "Content-Type: " + content_type +
         "\r\nCache-Control: no-cache, private\r\n"
         "Transfer-Encoding: chunked\r\n\r\n");
    if (timeout) {
      timer_.expires_after(*timeout);
      timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->end_stream();
      });
    }
    // Any byte or error from the client while streaming ends the stream (no pipelining).
    auto self = this->shared_from_this();
    stream_.async_read_some(asio::buffer(probe_), [self](beast::error_code, std::size_t) {
      self->close();
    });
  }

  void stream_line(std::string line) {
    if (closed_ || !streaming_) return;
    send(chunk(line));
  }

  void end_stream() {
    if (closed_ || !streaming_ || ending_) return;
    ending_ = true;
    send("0\r\n\r\n");
    close_after_write_ = true;
    release_watch();
  }

  void respond(const HttpResponse& r, bool keep_alive) {
    if (closed_) return;
    std::string head = status_line(r.status);
    head += "Content-Type: " + r.content_type + "\r\n";
    head += "Cache-Control: no-cache, private\r\n";
    head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (!keep_alive) head += "Connection: close\r\n";
    head += "\r\n";
    send(head + r.body);
    if (!keep_alive) {
      close_after_write_ = true;
    } else {
      read_after_write_ = true;
    }
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(kMaxBody);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_request(ec);
                     });
  }

  void on_request(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::body_limit) {
        HttpResponse r = error_response(make_error(
            ErrorCode::kInvalidArgument, "the request is larger than the 3 MiB the server accepts",
            "RequestEntityTooLarge"));
        r.status = 413;
        respond(r, false);
        return;
      }
      close();
      return;
    }
    const auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    if (auto it = msg.find(http::field::accept); it != msg.end()) req.accept = std::string(it->value());
    if (auto it = msg.find(http::field::content_type); it != msg.end())
      req.content_type = std::string(it->value());
    req.body = msg.body();
    const bool keep_alive = msg.keep_alive();

    std::optional<RequestUser> user = authenticate(msg);
    if (!user) {
      respond(error_response(make_error(ErrorCode::kUnauthorized, "Unauthorized", "Unauthorized")), keep_alive);
      return;
    }
    // Decided on the owner's thread, where the roles are read, just before the request runs.
    std::optional<RequestAttributes> attributes;
    if (server_.core->authorizer) attributes = request_attributes(req);
    const HttpServerOptions* opts = &server_.options;
    auto refusal = [user = *user, attributes, opts](Core& core) -> std::optional<HttpResponse> {
      if (!attributes) return std::nullopt;
      const Status decision = core.authorizer->authorize(user, *attributes);
      if (decision.ok()) return std::nullopt;
      if (opts->on_forbidden) opts->on_forbidden(decision.error().message);
      return forbidden_response(user, *attributes);
    };

    auto core = server_.core;
    auto gate = server_.gate;
    std::weak_ptr<Session> weak = this->shared_from_this();
    if (req.method == "POST" && split_target(req.target).first == kSelfSubjectAccessReviews) {
      // `kubectl auth can-i`: any authenticated user may ask about itself.
      server_.owner.submit_read([core, gate, weak, user = *user, body = std::move(req.body), keep_alive] {
        HttpResponse r = self_subject_access_review(core->authorizer.get(), user, body);
        gate->post([weak, r = std::move(r), keep_alive] {
          if (auto s = weak.lock()) s->respond(r, keep_alive);
        });
      });
      return;
    }
    if (is_watch_request(req)) {
      const std::uint64_t id = server_.next_stream++;
      std::optional<std::chrono::seconds> timeout = watch_timeout(req);
      OwnerLoop* owner = &server_.owner;
      server_.owner.submit([core, gate, weak, id, timeout, owner, req = std::move(req), keep_alive, refusal] {
        if (auto r = refusal(*core)) {
          gate->post([weak, r = std::move(*r), keep_alive] {
            if (auto s = weak.lock()) s->respond(r, keep_alive);
          });
          return;
        }
        RestApi::WatchSink sink;
        sink.line = [gate, weak](std::string line) {
          gate->post([weak, line = std::move(line)]() mutable {
            if (auto s = weak.lock()) s->stream_line(std::move(line));
          });
        };
        sink.end = [gate, weak] {
          gate->post([weak] {
            if (auto s = weak.lock()) s->end_stream();
          });
        };
        auto handle = core->api->watch(req, owner->executor(), std::move(sink));
        if (!handle.ok()) {
          HttpResponse r = error_response(handle.error());
          gate->post([weak, r = std::move(r), keep_alive] {
            if (auto s = weak.lock()) s->respond(r, keep_alive);
          });
          return;
        }
        core->watches[id] = std::move(*handle);
        gate->post([weak, id, timeout, core, owner] {
          if (auto s = weak.lock()) {
            s->begin_stream(id, timeout);
          } else {
            // The client went away before the stream began: release the watch at once.
            owner->submit([core, id] { core->watches.erase(id); });
          }
        });
      });
      return;
    }
    const HttpServerOptions* options = &server_.options;
    const bool read = req.method == "GET" || req.method == "HEAD";
    auto task = [core, gate, weak, req = std::move(req), keep_alive, options, refusal] {
      std::optional<HttpResponse> refused = refusal(*core);
      HttpResponse r = refused ? std::move(*refused) : core->api->handle(req);
      if (!r.proxy_url.empty())
        return proxy(gate, weak, r.proxy_url, r.proxy_verbatim, keep_alive, options->kubelet_ca_pem);
      gate->post([weak, r = std::move(r), keep_alive] {
        if (auto s = weak.lock()) s->respond(r, keep_alive);
      });
    };
    if (read) server_.owner.submit_read(std::move(task));
    else server_.owner.submit(std::move(task));
  }

  //! Relays a GET of `url` (a kubelet's /containerLogs) on a thread of its own: the answer's
  //! body is streamed to the client as it arrives, until the kubelet ends it or the client
  //! goes away; a kubelet error is passed on with its status (as a Status, or as it came when
  //! `verbatim`), an unreachable kubelet is a 500.
  static void proxy(std::shared_ptr<IoGate> gate, std::weak_ptr<Session> weak, std::string url, bool verbatim,
                    bool keep_alive, std::string ca_pem) {
    std::thread([gate, weak, url = std::move(url), verbatim, keep_alive, ca_pem = std::move(ca_pem)] {
      bool streaming = false;
      int status = 0;
      std::string content_type, body;
      StreamHandlers h;
      h.head = [&](int st, const std::string& ct) {
        status = st;
        content_type = ct.empty() ? "text/plain" : ct;
        if (st != 200) return true;
        streaming = true;
        gate->post([weak, content_type] {
          if (auto s = weak.lock()) s->begin_stream(0, std::nullopt, content_type);
        });
        return true;
      };
      h.data = [&](std::string d) {
        if (!streaming) {
          body += d;
          return true;
        }
        if (weak.expired()) return false;
        gate->post([weak, d = std::move(d)]() mutable {
          if (auto s = weak.lock()) s->stream_line(std::move(d));
        });
        return true;
      };
      const Status st = get_stream(url, ca_pem, !ca_pem.empty(), std::chrono::seconds(10), h);
      if (streaming) {
        gate->post([weak] {
          if (auto s = weak.lock()) s->end_stream();
        });
        return;
      }
      HttpResponse r;
      if (!st.ok()) {
        r = error_response(make_error(ErrorCode::kInternal, st.error().message, "InternalError"));
        r.status = 500;
      } else if (verbatim) {
        r.status = status;
        r.content_type = content_type;
        r.body = std::move(body);
      } else {
        r = error_response(make_error(status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument, body,
                                      status == 404 ? "NotFound" : "BadRequest"));
        r.status = status;
      }
      gate->post([weak, r = std::move(r), keep_alive] {
        if (auto s = weak.lock()) s->respond(r, keep_alive);
      });
    }).detach();
  }

  //! timeoutSeconds, else the client's request timeout (?timeout=30s); none = no limit.
  static std::optional<std::chrono::seconds> watch_timeout(const HttpRequest& req) {
    const auto q = parse_query(split_target(req.target).second);
    if (auto it = q.find("timeoutSeconds"); it != q.end()) {
      long long s = 0;
      const char* end = it->second.data() + it->second.size();
      const auto [p, ec] = std::from_chars(it->second.data(), end, s);
      if (ec == std::errc() && p == end && s > 0) return std::chrono::seconds(s);
    }
    if (auto it = q.find("timeout"); it != q.end()) {
      auto d = parse_duration(it->second);
      if (d.ok() && d->count() > 0)
        return std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(*d));
    }
    return std::nullopt;
  }

  void release_watch() {
    if (stream_id_ == 0) return;
    const std::uint64_t id = stream_id_;
    stream_id_ = 0;
    auto core = server_.core;
    server_.owner.submit([core, id] { core->watches.erase(id); });
  }

  void send(std::string data) {
    out_.push_back(std::move(data));
    if (!writing_) write_next();
  }

  void write_next() {
    if (out_.empty()) {
      writing_ = false;
      if (close_after_write_) {
        close();
      } else if (read_after_write_) {
        read_after_write_ = false;
        read_request();
      }
      return;
    }
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_.front()),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->out_.pop_front();
                        if (ec) {
                          self->close();
                          return;
                        }
                        self->write_next();
                      });
  }

  HttpServer::Impl& server_;
  Stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> out_;
  std::array<char, 256> probe_{};
  bool writing_ = false;
  bool closed_ = false;
  bool streaming_ = false;
  bool ending_ = false;
  bool close_after_write_ = false;
  bool read_after_write_ = false;
  std::uint64_t stream_id_ = 0;
};

void HttpServer::Impl::accept_loop() {
  acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed: stopping
    if (tls) {
      auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(socket), *tls);
      sessions.insert(s);
      s->start();
    } else {
      auto s = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket));
      sessions.insert(s);
      s->start();
    }
    accept_loop();
  });
}

HttpServer::HttpServer(kube::KubeClient& client, OwnerLoop& owner, const Clock& clock,
                       HttpServerOptions options)
    : impl_(std::make_unique<Impl>(client, owner, clock, std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start(const std::string& host, std::uint16_t port) {
  if (impl_->thread.joinable()) return make_error(ErrorCode::kInternal, "the server is already started");
  beast::error_code ec;
  const auto& o = impl_->options;
  if (!o.client_ca_file.empty() && o.tls_cert_file.empty())
    return invalid_argument("a client CA file needs TLS (a certificate and a key file)");
  if (o.authorization_mode != "AlwaysAllow" && o.authorization_mode != "RBAC")
    return invalid_argument("authorization mode \"" + o.authorization_mode + "\": expected AlwaysAllow or RBAC");
  if (o.tls_cert_file.empty() != o.tls_key_file.empty())
    return invalid_argument(std::string("TLS needs both a certificate and a key file; only the ") +
                            (o.tls_cert_file.empty() ? "key" : "certificate") + " was given");
  if (!o.tls_cert_file.empty()) {
    ssl::context ctx(ssl::context::tls_server);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) return invalid_argument("TLS certificate file \"" + o.tls_cert_file + "\": " + ec.message());
    ctx.use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
    if (ec) return invalid_argument("TLS key file \"" + o.tls_key_file + "\": " + ec.message());
    if (!o.client_ca_file.empty()) {
      ctx.load_verify_file(o.client_ca_file, ec);
      if (ec) return invalid_argument("client CA file \"" + o.client_ca_file + "\": " + ec.message());
      // Asked for, verified when given; a request without one may still bring the token.
      ctx.set_verify_mode(ssl::verify_peer);
    }
    impl_->tls.emplace(std::move(ctx));
  }
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
  impl_->host = host;
  impl_->core->api = std::make_unique<RestApi>(impl_->core->client, impl_->core->clock,
                                               host + ":" + std::to_string(impl_->port));
  impl_->core->api->set_kubelet_scheme(impl_->options.kubelet_scheme);
  if (impl_->options.authorization_mode == "RBAC")
    impl_->core->authorizer = std::make_unique<RbacAuthorizer>(impl_->core->client);
  impl_->acceptor.emplace(std::move(acc));
  impl_->accept_loop();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
  return {};
}

std::uint16_t HttpServer::port() const { return impl_->port; }

std::string HttpServer::url() const {
  return std::string(impl_->tls ? "https://" : "http://") + impl_->host + ":" + std::to_string(impl_->port);
}

void HttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->gate->close();
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
    auto sessions = impl_->sessions;
    for (const auto& s : sessions) s->close();
  });
  // Let the closing handlers run, then stop.
  asio::post(impl_->ioc, [this] { impl_->ioc.stop(); });
  impl_->thread.join();
  // Watches live on the owner's thread: release them there (FIFO: after every request task
  // already submitted). Bounded, in case the owner no longer runs.
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  auto core = impl_->core;
  impl_->owner.submit([core, done] {
    core->watches.clear();
    done->set_value();
  });
  future.wait_for(kStopWait);
}

}  // namespace kci::apiserver
