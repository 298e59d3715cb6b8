#include "provider/kube_http/http_kube_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/runtime/token_bucket.h"
#include "provider/system_clock.h"

namespace kci::provider {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using kube::Json;
using kube::Object;

namespace {

//! The largest non-watch answer accepted (a list of every pod of a large cluster).
constexpr std::uint64_t kMaxResponse = 512ull * 1024 * 1024;

struct ServerUrl {
  bool tls = false;
  std::string host;    //!< without brackets
  std::string port;
  std::string prefix;  //!< "" or "/some/prefix" (no trailing slash)
  std::string host_header;
};

Result<ServerUrl> parse_server(const RestConfig& cfg) {
  const std::string& s = cfg.server;
  auto bad = [&](const std::string& why) {
    return invalid_argument(cfg.origin + ": server \"" + s + "\": " + why);
  };
  ServerUrl u;
  std::string rest;
  if (s.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = s.substr(8);
  } else if (s.rfind("http://", 0) == 0) {
    rest = s.substr(7);
  } else {
    return bad("expected an http:// or https:// URL");
  }
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    u.prefix = rest.substr(slash);
    while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
    if (u.prefix.find_first_of("?#") != std::string::npos) return bad("a query or fragment is not allowed");
  }
  if (authority.find('@') != std::string::npos) return bad("user information in the URL is not supported");
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return bad("unterminated IPv6 address");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("unexpected text after the IPv6 address");
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return bad("no host");
  if (port.empty()) port = u.tls ? "443" : "80";
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535 ||
      std::stoi(port) == 0)
    return bad("port \"" + port + "\" is not a number in 1-65535");
  u.port = port;
  u.host_header = authority;
  return u;
}

bool is_ip(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

//! Runs one asynchronous operation on `ioc` to completion: `start(handler)` begins it.
//! Other handlers queued on the context (a watch's interruption) run too.
template <class Start>
beast::error_code await(asio::io_context& ioc, Start&& start) {
  std::optional<beast::error_code> out;
  start([&out](beast::error_code ec, auto&&...) { out = ec; });
  ioc.restart();
  while (!out)
    if (ioc.run_one() == 0) break;
  return out.value_or(asio::error::operation_aborted);
}

//! One connection to the server, with the I/O context that drives it.
struct Connection {
  asio::io_context ioc{1};
  tcp::resolver resolver{ioc};
  asio::steady_timer timer{ioc};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  bool open() const { return plain || tls; }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <class F>
  beast::error_code with_stream(F&& f) {
    if (tls) return f(*tls);
    return f(*plain);
  }
  //! Closes the socket and cancels what waits (runs on the connection's thread).
  void interrupt() {
    resolver.cancel();
    timer.cancel();
    if (open()) {
      beast::error_code ec;
      lowest().socket().close(ec);
    }
  }
  void reset() {
    plain.reset();
    tls.reset();
    buffer.clear();
  }
};

struct Response {
  int status = 0;
  std::string body;
};

std::string snippet(const std::string& body) {
  std::string s = body.substr(0, 200);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return body.size() > 200 ? s + "..." : s;
}

//! The Error of a non-2xx answer: its Status body, or one made from the HTTP status.
Error error_of_response(int status, const std::string& body, const std::string& what) {
  const Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.value("kind", "") == "Status") {
    Error e = kube::error_of_status(j);
    if (e.message.empty()) e.message = what + ": HTTP " + std::to_string(status);
    return e;
  }
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  std::string r(reason);
  r.erase(std::remove(r.begin(), r.end(), ' '), r.end());
  Json synth = {{"code", status},
                {"reason", status == 422 ? "Invalid" : status == 410 ? "Expired" : r},
                {"message", what + ": HTTP " + std::to_string(status) + " " + std::string(reason) +
                                (body.empty() ? "" : ": " + snippet(body))}};
  return kube::error_of_status(synth);
}

Result<Object> object_of(const Response& r, const std::string& what) {
  if (r.status < 200 || r.status > 299) return error_of_response(r.status, r.body, what);
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(ErrorCode::kInternal, what + ": the answer is not a JSON object: " + snippet(r.body));
  return std::make_shared<const Json>(std::move(j));
}

std::string describe(const kube::ResourceRef& ref) {
  std::string s = ref.resource;
  if (!ref.group.empty()) s += "." + ref.group;
  if (!ref.namespace_.empty()) s += " in " + ref.namespace_;
  if (!ref.name.empty()) s += " \"" + ref.name + "\"";
  return s;
}

std::string write_query(const kube::WriteOptions& o) {
  std::string q;
  if (o.dryRun) q += "&dryRun=All";
  if (!o.fieldManager.empty()) q += "&fieldManager=" + query_escape(o.fieldManager);
  if (!q.empty()) q[0] = '?';
  return q;
}

//! Fills name and namespace of `ref` from the object's metadata when the ref leaves them out.
kube::ResourceRef with_object_identity(kube::ResourceRef ref, const Json& object, bool name_too) {
  if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
    if (ref.namespace_.empty())
      if (auto ns = m->find("namespace"); ns != m->end() && ns->is_string()) ref.namespace_ = *ns;
    if (name_too && ref.name.empty())
      if (auto n = m->find("name"); n != m->end() && n->is_string()) ref.name = *n;
  }
  return ref;
}

}  // namespace

std::string query_escape(std::string_view value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string rest_path(const kube::ResourceRef& ref, std::string_view subresource) {
  std::string p = ref.group.empty() ? "/api/" + ref.version : "/apis/" + ref.group + "/" + ref.version;
  if (!ref.namespace_.empty()) p += "/namespaces/" + query_escape(ref.namespace_);
  p += "/" + ref.resource;
  if (!ref.name.empty()) p += "/" + query_escape(ref.name);
  if (!ref.name.empty() && !subresource.empty()) p += "/" + std::string(subresource);
  return p;
}

// ---- the shared state of a client --------------------------------------------------------

struct HttpKubeClient::Impl {
  RestConfig config;
  HttpKubeClientOptions options;
  ServerUrl url;
  std::optional<ssl::context> tls;
  SystemClock clock;
  std::mutex rate_mu;
  TokenBucket bucket;
  std::mutex pool_mu;
  std::vector<std::unique_ptr<Connection>> idle;
  std::atomic<std::size_t> opened{0};

  Impl(RestConfig c, HttpKubeClientOptions o, ServerUrl u)
      : config(std::move(c)), options(std::move(o)), url(std::move(u)), bucket(clock, config.qps, config.burst) {}

  //! Waits for a token of the client-side rate limit.
  void rate_limit() {
    std::unique_lock lock(rate_mu);
    while (true) {
      const Duration wait = bucket.wait_time();
      if (wait.count() <= 0 && bucket.try_take()) return;
      lock.unlock();
      std::this_thread::sleep_for(std::max(wait, Duration(1)));
      lock.lock();
    }
  }

  Error unavailable(const std::string& what, const beast::error_code& ec) const {
    return make_error(ErrorCode::kUnavailable, what + " " + config.server + ": " + ec.message());
  }

  //! Opens `c` (TCP, then TLS for https): errors name the server and, for TLS, why the
  //! certificate was refused.
  Status connect(Connection& c) {
    c.reset();
    tcp::resolver::results_type endpoints;
    auto ec = await(c.ioc, [&](auto handler) {
      c.resolver.async_resolve(url.host, url.port,
                               [handler, &endpoints](beast::error_code e, tcp::resolver::results_type r) mutable {
                                 endpoints = std::move(r);
                                 handler(e);
                               });
    });
    if (ec) return unavailable("cannot resolve", ec);
    // In c.plain while connecting, so that a watch's interrupt() can close it.
    c.plain.emplace(c.ioc);
    c.plain->expires_after(config.timeout);
    ec = await(c.ioc, [&](auto handler) { c.plain->async_connect(endpoints, handler); });
    if (ec) {
      c.reset();
      return unavailable("cannot connect to", ec);
    }
    opened++;
    if (!url.tls) return {};
    c.tls.emplace(std::move(*c.plain), *tls);
    c.plain.reset();
    const std::string name = config.tls_server_name.empty() ? url.host : config.tls_server_name;
    if (!is_ip(name)) SSL_set_tlsext_host_name(c.tls->native_handle(), name.c_str());
    if (!config.insecure_skip_tls_verify) {
      c.tls->set_verify_mode(ssl::verify_peer);
      c.tls->set_verify_callback(ssl::host_name_verification(name));
    } else {
      c.tls->set_verify_mode(ssl::verify_none);
    }
    c.lowest().expires_after(config.timeout);
    ec = await(c.ioc, [&](auto handler) { c.tls->async_handshake(ssl::stream_base::client, handler); });
    if (ec) {
      std::string why = ec.message();
      const long verify = SSL_get_verify_result(c.tls->native_handle());
      if (verify != X509_V_OK) {
        why = std::string("the server's certificate was refused: ") + X509_verify_cert_error_string(verify) +
              " (check certificate-authority" + (config.tls_server_name.empty() ? "" : " and tls-server-name") + ")";
      } else if (why.find("certificate verify failed") != std::string::npos) {
        why = "the server's certificate does not name \"" + name + "\" (certificate verify failed)";
      }
      c.reset();
      return make_error(ErrorCode::kUnavailable, "TLS handshake with " + config.server + " failed: " + why);
    }
    return {};
  }

  std::unique_ptr<Connection> take_idle() {
    std::lock_guard lock(pool_mu);
    if (idle.empty()) return nullptr;
    auto c = std::move(idle.back());
    idle.pop_back();
    return c;
  }
  void put_idle(std::unique_ptr<Connection> c) {
    std::lock_guard lock(pool_mu);
    if (idle.size() < options.max_idle_connections) idle.push_back(std::move(c));
  }

  void set_headers(http::request<http::string_body>& req) const {
    req.set(http::field::host, url.host_header);
    req.set(http::field::user_agent, options.user_agent);
    req.set(http::field::accept, "application/json");
    if (!config.token.empty()) req.set(http::field::authorization, "Bearer " + config.token);
  }

  //! One request and its answer over a pooled (or new) keep-alive connection.
  Result<Response> round_trip(http::verb verb, const std::string& target, const std::string& body = {},
                              const std::string& content_type = {}) {
    rate_limit();
    const std::string what = std::string(http::to_string(verb)) + " " + target;
    for (int attempt = 0;; ++attempt) {
      auto conn = take_idle();
      const bool reused = conn != nullptr;
      if (!conn) {
        conn = std::make_unique<Connection>();
        KCI_TRY_STATUS(connect(*conn));
      }
      http::request<http::string_body> req{verb, url.prefix + target, 11};
      set_headers(req);
      if (!content_type.empty()) req.set(http::field::content_type, content_type);
      req.body() = body;
      req.keep_alive(true);
      req.prepare_payload();
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponse);
      conn->lowest().expires_after(config.timeout);
      auto ec = conn->with_stream([&](auto& s) { return await(conn->ioc, [&](auto h) { http::async_write(s, req, h); }); });
      if (!ec)
        ec = conn->with_stream(
            [&](auto& s) { return await(conn->ioc, [&](auto h) { http::async_read(s, conn->buffer, parser, h); }); });
      if (ec) {
        // A kept-alive connection the server closed meanwhile: once more on a fresh one.
        if (reused && attempt == 0 && !parser.got_some()) continue;
        if (ec == beast::error::timeout)
          return make_error(ErrorCode::kUnavailable, what + ": no answer from " + config.server + " within " +
                                                         std::to_string(config.timeout.count() / 1000) + " ms");
        return unavailable(what + ": talking to", ec);
      }
      auto res = parser.release();
      Response out{static_cast<int>(res.result_int()), std::move(res.body())};
      if (res.keep_alive()) put_idle(std::move(conn));
      return out;
    }
  }
};

// ---- watch -------------------------------------------------------------------------------

namespace {

struct WatchState {
  std::shared_ptr<HttpKubeClient::Impl> client;
  kube::ResourceRef ref;
  kube::WatchOptions options;
  Executor* executor = nullptr;
  kube::WatchCallback on_event;
  kube::WatchErrorCallback on_error;
  std::atomic<bool> stopped{false};
  Connection conn;  //!< touched only by the watch thread (interrupt runs there too)
  std::string rv;
  bool initial_done = false;
  std::thread thread;

  enum class End { kStopped, kClosed, kBroken, kFinished };

  void dispatch(std::shared_ptr<WatchState> self, Executor::Task task) {
    (void)self;
    if (client->options.dispatch)
      client->options.dispatch(*executor, std::move(task));
    else
      executor->post(std::move(task));
  }

  std::string target() const {
    kube::ResourceRef collection = ref;
    collection.name.clear();
    std::string field = options.fieldSelector;
    if (!ref.name.empty()) field = (field.empty() ? "" : field + ",") + "metadata.name=" + ref.name;
    std::string q = "?watch=1&allowWatchBookmarks=true";
    if (!rv.empty()) q += "&resourceVersion=" + query_escape(rv);
    if (!options.labelSelector.empty()) q += "&labelSelector=" + query_escape(options.labelSelector);
    if (!field.empty()) q += "&fieldSelector=" + query_escape(field);
    if (options.sendInitialEvents && !initial_done)
      q += "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan";
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(client->options.watch_timeout).count();
    q += "&timeoutSeconds=" + std::to_string(std::max<long long>(1, secs));
    return rest_path(collection) + q;
  }
};

//! Reads one watch stream until it ends. `last` receives the error of a broken stream.
WatchState::End stream_once(const std::shared_ptr<WatchState>& self, Error& last, bool& got_event) {
  WatchState& w = *self;
  auto& client = *w.client;
  client.rate_limit();
  if (w.stopped) return WatchState::End::kStopped;
  if (auto st = client.connect(w.conn); !st.ok()) {
    last = st.error();
    return w.stopped ? WatchState::End::kStopped : WatchState::End::kBroken;
  }
  const std::string target = w.target();
  http::request<http::string_body> req{http::verb::get, client.url.prefix + target, 11};
  client.set_headers(req);
  req.keep_alive(true);
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  // A stream has no length; boost::none is mishandled by Beast 1.74 (it compares as a 0 limit).
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  std::string pending;
  auto on_chunk = [&pending](std::uint64_t, beast::string_view body, beast::error_code&) {
    pending.append(body.data(), body.size());
    return body.size();
  };
  parser.on_chunk_body(on_chunk);
  Connection& c = w.conn;
  c.lowest().expires_after(client.config.timeout);
  auto ec = c.with_stream([&](auto& s) { return await(c.ioc, [&](auto h) { http::async_write(s, req, h); }); });
  if (!ec) ec = c.with_stream([&](auto& s) { return await(c.ioc, [&](auto h) { http::async_read_header(s, c.buffer, parser, h); }); });
  if (w.stopped) return WatchState::End::kStopped;
  if (ec) {
    last = client.unavailable("watch " + describe(w.ref) + ": opening the stream at", ec);
    return WatchState::End::kBroken;
  }
  const int status = static_cast<int>(parser.get().result_int());
  if (status != 200) {
    ec = c.with_stream([&](auto& s) { return await(c.ioc, [&](auto h) { http::async_read(s, c.buffer, parser, h); }); });
    if (w.stopped) return WatchState::End::kStopped;
    Error e = error_of_response(status, parser.get().body(), "watch " + describe(w.ref));
    last = e;
    // The server is busy or restarting: try again; anything else is for the caller.
    if (status == 429 || status >= 500) return WatchState::End::kBroken;
    auto on_error = w.on_error;
    w.dispatch(self, [self, e] {
      if (!self->stopped && self->on_error) self->on_error(e);
    });
    return WatchState::End::kFinished;
  }
  // Idle streams are normal; the server ends the stream at timeoutSeconds.
  const Duration idle = client.options.watch_timeout + std::chrono::seconds(30);
  while (true) {
    c.lowest().expires_after(idle);
    ec = c.with_stream([&](auto& s) { return await(c.ioc, [&](auto h) { http::async_read_some(s, c.buffer, parser, h); }); });
    if (w.stopped) return WatchState::End::kStopped;
    if (!ec && parser.is_done() && !parser.get().body().empty()) {
      pending += parser.get().body();  // an answer that was not chunked
      parser.get().body().clear();
    }
    // Deliver every complete line.
    std::size_t start = 0;
    while (true) {
      const auto nl = pending.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(pending.data() + start, nl - start);
      start = nl + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      if (line.empty()) continue;
      Json j = Json::parse(line, nullptr, false);
      const Json* type = j.is_object() ? &j["type"] : nullptr;
      if (!type || !type->is_string() || !j["object"].is_object()) {
        Error e = make_error(ErrorCode::kInternal,
                             "watch " + describe(w.ref) + ": the server sent a line that is not a watch event: " +
                                 snippet(std::string(line)));
        w.dispatch(self, [self, e] {
          if (!self->stopped && self->on_error) self->on_error(e);
        });
        return WatchState::End::kFinished;
      }
      const std::string t = type->get<std::string>();
      kube::WatchEvent ev;
      if (t == "ADDED") ev.type = kube::WatchEventType::kAdded;
      else if (t == "MODIFIED") ev.type = kube::WatchEventType::kModified;
      else if (t == "DELETED") ev.type = kube::WatchEventType::kDeleted;
      else if (t == "BOOKMARK") ev.type = kube::WatchEventType::kBookmark;
      else ev.type = kube::WatchEventType::kError;
      if (ev.type == kube::WatchEventType::kError) {
        Error e = kube::error_of_status(j["object"]);
        if (e.message.empty()) e.message = "watch " + describe(w.ref) + ": ERROR event " + snippet(std::string(line));
        w.dispatch(self, [self, e] {
          if (!self->stopped && self->on_error) self->on_error(e);
        });
        return WatchState::End::kFinished;
      }
      const Json& meta = j["object"].contains("metadata") ? j["object"]["metadata"] : Json();
      if (meta.is_object()) {
        if (auto r = meta.find("resourceVersion"); r != meta.end() && r->is_string() && !r->get<std::string>().empty())
          w.rv = *r;
        if (ev.type == kube::WatchEventType::kBookmark)
          if (auto a = meta.find("annotations"); a != meta.end() && a->is_object() &&
                                                 a->value("k8s.io/initial-events-end", "") == "true")
            w.initial_done = true;
      }
      got_event = true;
      if (ev.type == kube::WatchEventType::kBookmark && !w.options.allowWatchBookmarks) continue;
      ev.object = std::make_shared<const Json>(std::move(j["object"]));
      w.dispatch(self, [self, ev = std::move(ev)] {
        if (!self->stopped && self->on_event) self->on_event(ev);
      });
    }
    pending.erase(0, start);
    if (ec) {
      last = client.unavailable("watch " + describe(w.ref) + ": the stream broke at", ec);
      return WatchState::End::kBroken;
    }
    if (parser.is_done()) return WatchState::End::kClosed;
  }
}

void run_watch(std::shared_ptr<WatchState> self) {
  WatchState& w = *self;
  const auto& o = w.client->options;
  int failures = 0;
  Duration backoff = o.watch_backoff_initial;
  Error last = make_error(ErrorCode::kUnavailable, "watch " + describe(w.ref) + " failed");
  while (!w.stopped) {
    bool got_event = false;
    const auto end = stream_once(self, last, got_event);
    w.conn.reset();
    if (end == WatchState::End::kStopped || end == WatchState::End::kFinished) return;
    if (got_event) {
      failures = 0;
      backoff = o.watch_backoff_initial;
    }
    if (end == WatchState::End::kClosed) continue;
    if (++failures > o.watch_max_failures) {
      Error e = last;
      e.message = "watch " + describe(w.ref) + " gave up after " + std::to_string(failures) +
                  " failed attempts: " + last.message;
      w.dispatch(self, [self, e] {
        if (!self->stopped && self->on_error) self->on_error(e);
      });
      return;
    }
    w.conn.timer.expires_after(backoff);
    (void)await(w.conn.ioc, [&](auto h) { w.conn.timer.async_wait(h); });
    backoff = std::min(backoff * 2, o.watch_backoff_max);
  }
}

class HttpWatchHandle final : public kube::WatchHandle {
 public:
  explicit HttpWatchHandle(std::shared_ptr<WatchState> state) : state_(std::move(state)) {}
  ~HttpWatchHandle() override { stop(); }
  void stop() override {
    if (!state_) return;
    state_->stopped = true;
    WatchState* raw = state_.get();
    asio::post(raw->conn.ioc, [raw] { raw->conn.interrupt(); });
    if (raw->thread.joinable() && raw->thread.get_id() != std::this_thread::get_id()) raw->thread.join();
    state_.reset();
  }

 private:
  std::shared_ptr<WatchState> state_;
};

}  // namespace

// ---- the client ---------------------------------------------------------------------------

HttpKubeClient::HttpKubeClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpKubeClient::~HttpKubeClient() = default;

Result<std::unique_ptr<HttpKubeClient>> HttpKubeClient::create(RestConfig config, HttpKubeClientOptions options) {
  KCI_TRY(ServerUrl url, parse_server(config));
  auto impl = std::make_shared<Impl>(std::move(config), std::move(options), url);
  const RestConfig& c = impl->config;
  if (url.tls) {
    impl->tls.emplace(ssl::context::tls_client);
    auto& ctx = *impl->tls;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    if (!c.ca_pem.empty()) {
      ctx.add_certificate_authority(asio::buffer(c.ca_pem), ec);
      if (ec) return invalid_argument(c.origin + ": certificate-authority: not a PEM certificate (" + ec.message() + ")");
    } else {
      ctx.set_default_verify_paths(ec);
    }
    if (!c.client_cert_pem.empty()) {
      ctx.use_certificate_chain(asio::buffer(c.client_cert_pem), ec);
      if (ec) return invalid_argument(c.origin + ": client-certificate: not a PEM certificate (" + ec.message() + ")");
      ctx.use_private_key(asio::buffer(c.client_key_pem), ssl::context::pem, ec);
      if (ec) return invalid_argument(c.origin + ": client-key: not a PEM private key matching client-certificate (" +
                                      ec.message() + ")");
    }
  } else if (!c.client_cert_pem.empty()) {
    return invalid_argument(c.origin + ": server \"" + c.server + "\" is plain HTTP but a client certificate is configured");
  }
  return std::unique_ptr<HttpKubeClient>(new HttpKubeClient(std::move(impl)));
}

const RestConfig& HttpKubeClient::config() const { return impl_->config; }
std::size_t HttpKubeClient::connections_opened() const { return impl_->opened.load(); }

Result<std::string> HttpKubeClient::get_raw(const std::string& path) {
  KCI_TRY(Response r, impl_->round_trip(http::verb::get, path));
  if (r.status < 200 || r.status > 299) return error_of_response(r.status, r.body, "GET " + path);
  return std::move(r.body);
}

Result<std::pair<int, std::string>> HttpKubeClient::get_raw_any_status(const std::string& path) {
  KCI_TRY(Response r, impl_->round_trip(http::verb::get, path));
  return std::pair<int, std::string>{r.status, std::move(r.body)};
}

Result<Object> HttpKubeClient::get(const kube::ResourceRef& ref) {
  if (ref.name.empty()) return invalid_argument("get " + describe(ref) + ": the ref names no object");
  const std::string path = rest_path(ref);
  KCI_TRY(Response r, impl_->round_trip(http::verb::get, path));
  return object_of(r, "GET " + path);
}

Result<Object> HttpKubeClient::get_subresource(const kube::ResourceRef& ref, std::string_view subresource) {
  if (ref.name.empty()) return invalid_argument("get " + describe(ref) + "/" + std::string(subresource) + ": the ref names no object");
  const std::string path = rest_path(ref, subresource);
  KCI_TRY(Response r, impl_->round_trip(http::verb::get, path));
  return object_of(r, "GET " + path);
}

Result<kube::ObjectList> HttpKubeClient::list(const kube::ResourceRef& ref, const kube::ListOptions& o) {
  kube::ResourceRef collection = ref;
  collection.name.clear();
  std::string q;
  if (!o.labelSelector.empty()) q += "&labelSelector=" + query_escape(o.labelSelector);
  if (!o.fieldSelector.empty()) q += "&fieldSelector=" + query_escape(o.fieldSelector);
  if (!o.resourceVersion.empty()) q += "&resourceVersion=" + query_escape(o.resourceVersion);
  if (o.limit > 0) q += "&limit=" + std::to_string(o.limit);
  if (!o.continue_.empty()) q += "&continue=" + query_escape(o.continue_);
  if (!q.empty()) q[0] = '?';
  const std::string path = rest_path(collection) + q;
  KCI_TRY(Response r, impl_->round_trip(http::verb::get, path));
  KCI_TRY(Object body, object_of(r, "GET " + path));
  kube::ObjectList out;
  if (auto m = body->find("metadata"); m != body->end() && m->is_object()) {
    out.resourceVersion = m->value("resourceVersion", "");
    out.continue_ = m->value("continue", "");
  }
  // kube-apiserver leaves kind and apiVersion out of list items: put them back.
  std::string kind = body->value("kind", "");
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
  const std::string api_version = body->value("apiVersion", ref.api_version());
  if (auto items = body->find("items"); items != body->end() && items->is_array()) {
    out.items.reserve(items->size());
    for (const auto& item : *items) {
      if (!kind.empty() && (!item.contains("kind") || !item.contains("apiVersion"))) {
        Json copy = item;
        if (!copy.contains("kind")) copy["kind"] = kind;
        if (!copy.contains("apiVersion")) copy["apiVersion"] = api_version;
        out.items.push_back(std::make_shared<const Json>(std::move(copy)));
      } else {
        out.items.push_back(std::make_shared<const Json>(item));
      }
    }
  }
  return out;
}

Result<std::unique_ptr<kube::WatchHandle>> HttpKubeClient::watch(const kube::ResourceRef& ref,
                                                                 const kube::WatchOptions& options, Executor& executor,
                                                                 kube::WatchCallback on_event,
                                                                 kube::WatchErrorCallback on_error) {
  if (options.sendInitialEvents && !options.allowWatchBookmarks)
    return invalid_argument("watch " + describe(ref) + ": sendInitialEvents needs allowWatchBookmarks");
  auto state = std::make_shared<WatchState>();
  state->client = impl_;
  state->ref = ref;
  state->options = options;
  state->executor = &executor;
  state->on_event = std::move(on_event);
  state->on_error = std::move(on_error);
  state->rv = options.resourceVersion;
  WatchState* raw = state.get();
  auto handle = std::make_unique<HttpWatchHandle>(state);
  // The thread holds the state through `state` until it returns; the handle joins it.
  raw->thread = std::thread([state]() mutable {
    run_watch(state);
    state.reset();
  });
  return std::unique_ptr<kube::WatchHandle>(std::move(handle));
}

Result<Object> HttpKubeClient::create(const kube::ResourceRef& ref, Json object, const kube::WriteOptions& o) {
  kube::ResourceRef target = with_object_identity(ref, object, false);
  target.name.clear();
  const std::string path = rest_path(target) + write_query(o);
  KCI_TRY(Response r, impl_->round_trip(http::verb::post, path, object.dump(), "application/json"));
  return object_of(r, "POST " + path);
}

Result<Object> HttpKubeClient::update(const kube::ResourceRef& ref, Json object, const kube::WriteOptions& o) {
  kube::ResourceRef target = with_object_identity(ref, object, true);
  if (target.name.empty()) return invalid_argument("update " + describe(ref) + ": neither the ref nor metadata.name names the object");
  const std::string path = rest_path(target, o.subresource) + write_query(o);
  KCI_TRY(Response r, impl_->round_trip(http::verb::put, path, object.dump(), "application/json"));
  return object_of(r, "PUT " + path);
}

Result<Object> HttpKubeClient::patch(const kube::ResourceRef& ref, kube::PatchType type, const Json& patch,
                                     const kube::WriteOptions& o) {
  if (ref.name.empty()) return invalid_argument("patch " + describe(ref) + ": the ref names no object");
  const char* content_type = type == kube::PatchType::kJson    ? "application/json-patch+json"
                             : type == kube::PatchType::kMerge ? "application/merge-patch+json"
                                                               : "application/strategic-merge-patch+json";
  const std::string path = rest_path(ref, o.subresource) + write_query(o);
  KCI_TRY(Response r, impl_->round_trip(http::verb::patch, path, patch.dump(), content_type));
  return object_of(r, "PATCH " + path);
}

Result<Object> HttpKubeClient::remove(const kube::ResourceRef& ref, const kube::DeleteOptions& o) {
  if (ref.name.empty()) return invalid_argument("delete " + describe(ref) + ": the ref names no object");
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (o.gracePeriodSeconds) body["gracePeriodSeconds"] = *o.gracePeriodSeconds;
  if (o.preconditionUid) body["preconditions"]["uid"] = *o.preconditionUid;
  if (o.preconditionResourceVersion) body["preconditions"]["resourceVersion"] = *o.preconditionResourceVersion;
  if (!o.propagationPolicy.empty()) body["propagationPolicy"] = o.propagationPolicy;
  if (o.dryRun) body["dryRun"] = Json::array({"All"});
  const std::string path = rest_path(ref);
  KCI_TRY(Response r, impl_->round_trip(http::verb::delete_, path, body.dump(), "application/json"));
  return object_of(r, "DELETE " + path);
}

Result<Object> HttpKubeClient::create_subresource(const kube::ResourceRef& ref, std::string_view subresource,
                                                  Json body) {
  if (ref.name.empty() || subresource.empty())
    return invalid_argument("create " + describe(ref) + "/" + std::string(subresource) + ": the ref names no object");
  const std::string path = rest_path(ref, subresource);
  KCI_TRY(Response r, impl_->round_trip(http::verb::post, path, body.dump(), "application/json"));
  return object_of(r, "POST " + path);
}

}  // namespace kci::provider
