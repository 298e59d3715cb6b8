// post_json against servers on loopback that count their connections: sequential calls share
// one kept-alive connection (HTTP and HTTPS), endpoints and CA bundles do not share, a
// connection the server closed while idle is retried once and only then, `Connection:
// close` is honoured and the deadline still holds on a reused connection.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "fake-apiserver/http_client.h"
#include "fake-apiserver/local_pki.h"

namespace kci::apiserver {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kTimeout = std::chrono::seconds(5);

enum class Behaviour {
  kKeepAlive,           // answers every request and keeps the connection
  kCloseAfterAnswer,    // answers (without Connection: close), then closes: an idle timeout of zero
  kDropSecondRequest,   // answers a connection's first request, closes on reading its second
  kDropFirstRequest,    // closes on reading a connection's first request
  kSaysCloseStaysOpen,  // answers with Connection: close yet keeps the connection and would answer more
  kStallSecondRequest,  // answers a connection's first request, never its second
};

//! A server on 127.0.0.1 that answers {"n": <requests so far on this connection>} and counts
//! the connections it accepted. One thread runs it.
class CountingServer {
 public:
  explicit CountingServer(Behaviour behaviour, const tls::LocalPki* pki = nullptr) : behaviour_(behaviour) {
    if (pki) {
      tls_.emplace(ssl::context::tls_server);
      tls_->use_certificate_chain(asio::buffer(pki->cert_pem));
      tls_->use_private_key(asio::buffer(pki->key_pem), ssl::context::pem);
    }
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~CountingServer() {
    ioc_.stop();
    thread_.join();
  }

  std::string url(const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + "/review";
  }
  int connections() const { return accepted_.load(); }
  int requests() const { return requests_.load(); }

 private:
  template <class Stream>
  struct Session {
    Stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    int served = 0;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      ++accepted_;
      if (tls_) {
        using S = Session<beast::ssl_stream<beast::tcp_stream>>;
        auto s = std::shared_ptr<S>(new S{{std::move(socket), *tls_}, {}, {}, 0});
        s->stream.async_handshake(ssl::stream_base::server, [this, s](beast::error_code e) {
          if (!e) serve(s);
        });
      } else {
        using S = Session<beast::tcp_stream>;
        serve(std::shared_ptr<S>(new S{beast::tcp_stream(std::move(socket)), {}, {}, 0}));
      }
      accept();
    });
  }

  template <class S>
  void serve(std::shared_ptr<S> s) {
    s->request = {};
    http::async_read(s->stream, s->buffer, s->request, [this, s](beast::error_code ec, std::size_t) {
      if (ec) return;
      ++requests_;
      const int n = ++s->served;
      if ((behaviour_ == Behaviour::kDropFirstRequest && n == 1) ||
          (behaviour_ == Behaviour::kDropSecondRequest && n == 2)) {
        beast::get_lowest_layer(s->stream).close();
        return;
      }
      if (behaviour_ == Behaviour::kStallSecondRequest && n == 2) {
        stalled_.push_back(s);  // open, never answered
        return;
      }
      auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
      res->set(http::field::content_type, "application/json");
      res->body() = "{\"n\":" + std::to_string(n) + "}";
      res->keep_alive(behaviour_ != Behaviour::kSaysCloseStaysOpen);
      res->prepare_payload();
      http::async_write(s->stream, *res, [this, s, res](beast::error_code e, std::size_t) {
        if (e) return;
        if (behaviour_ == Behaviour::kCloseAfterAnswer) {
          beast::get_lowest_layer(s->stream).close();
          return;
        }
        serve(s);
      });
    });
  }

  Behaviour behaviour_;
  std::optional<ssl::context> tls_;  // before ioc_: outlives the streams its handlers hold
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  unsigned short port_ = acceptor_.local_endpoint().port();
  std::vector<std::shared_ptr<void>> stalled_;  // the server's thread only
  std::atomic<int> accepted_{0}, requests_{0};
  std::thread thread_;
};

//! The answer's "n": which request on its connection it was.
int nth(const Result<HttpAnswer>& answer) {
  if (!answer.ok()) {
    ADD_FAILURE() << answer.error().message;
    return -1;
  }
  EXPECT_EQ(answer->status, 200);
  const auto colon = answer->body.find(':');
  return colon == std::string::npos ? -1 : std::atoi(answer->body.c_str() + colon + 1);
}

TEST(PostJsonKeepAlive, SequentialHttpCallsShareOneConnection) {
  CountingServer server(Behaviour::kKeepAlive);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(nth(post_json(server.url(), "{}", "", kTimeout)), i);
  EXPECT_EQ(server.connections(), 1);
}

TEST(PostJsonKeepAlive, SequentialHttpsCallsShareOneConnection) {
  tls::LocalPki pki;
  CountingServer server(Behaviour::kKeepAlive, &pki);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(nth(post_json(server.url(), "{}", pki.ca_pem, kTimeout)), i);
  EXPECT_EQ(server.connections(), 1);
}

TEST(PostJsonKeepAlive, PortsAndHostsDoNotShare) {
  CountingServer a(Behaviour::kKeepAlive), b(Behaviour::kKeepAlive);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(nth(post_json(a.url(), "{}", "", kTimeout)), i);
    EXPECT_EQ(nth(post_json(b.url(), "{}", "", kTimeout)), i);
    EXPECT_EQ(nth(post_json(a.url("localhost"), "{}", "", kTimeout)), i);
  }
  EXPECT_EQ(a.connections(), 2);  // 127.0.0.1 and localhost
  EXPECT_EQ(b.connections(), 1);
}

TEST(PostJsonKeepAlive, HttpsConnectionsAreKeyedByTheCaBundle) {
  tls::LocalPki pki, other("IP:127.0.0.1", "another CA");
  CountingServer server(Behaviour::kKeepAlive, &pki);
  const std::string both = other.ca_pem + pki.ca_pem;
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(nth(post_json(server.url(), "{}", pki.ca_pem, kTimeout)), i);
    EXPECT_EQ(nth(post_json(server.url(), "{}", both, kTimeout)), i);
  }
  EXPECT_EQ(server.connections(), 2);
  // A caller trusting only another CA gets no connection verified under this one.
  auto refused = post_json(server.url(), "{}", other.ca_pem, kTimeout);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message.find("tls handshake"), std::string::npos) << refused.error().message;
  EXPECT_EQ(server.connections(), 3);
}

TEST(PostJsonKeepAlive, ServerClosingAfterEveryAnswer) {
  tls::LocalPki pki;
  CountingServer plain(Behaviour::kCloseAfterAnswer), secure(Behaviour::kCloseAfterAnswer, &pki);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(nth(post_json(plain.url(), "{}", "", kTimeout)), 1);
    EXPECT_EQ(nth(post_json(secure.url(), "{}", pki.ca_pem, kTimeout)), 1);
  }
  EXPECT_EQ(plain.connections(), 4);
  EXPECT_EQ(secure.connections(), 4);
}

TEST(PostJsonKeepAlive, ReusedConnectionClosedUnderTheRequestIsRetriedOnce) {
  tls::LocalPki pki;
  CountingServer plain(Behaviour::kDropSecondRequest), secure(Behaviour::kDropSecondRequest, &pki);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(nth(post_json(plain.url(), "{}", "", kTimeout)), 1);
    EXPECT_EQ(nth(post_json(secure.url(), "{}", pki.ca_pem, kTimeout)), 1);
  }
  // The second and third calls each lost a request on the kept connection and sent it again.
  EXPECT_EQ(plain.connections(), 3);
  EXPECT_EQ(plain.requests(), 5);
  EXPECT_EQ(secure.connections(), 3);
  EXPECT_EQ(secure.requests(), 5);
}

TEST(PostJsonKeepAlive, NewConnectionClosedUnderTheRequestIsNotRetried) {
  CountingServer server(Behaviour::kDropFirstRequest);
  auto answer = post_json(server.url(), "{}", "", kTimeout);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests(), 1);
}

TEST(PostJsonKeepAlive, ConnectionCloseIsHonoured) {
  CountingServer server(Behaviour::kSaysCloseStaysOpen);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(nth(post_json(server.url(), "{}", "", kTimeout)), 1);
  EXPECT_EQ(server.connections(), 3);
}

TEST(PostJsonKeepAlive, TimeoutHoldsOnAReusedConnection) {
  CountingServer server(Behaviour::kStallSecondRequest);
  EXPECT_EQ(nth(post_json(server.url(), "{}", "", kTimeout)), 1);
  const auto start = std::chrono::steady_clock::now();
  auto stalled = post_json(server.url(), "{}", "", std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(stalled.ok());
  EXPECT_EQ(stalled.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(stalled.error().message.find("timed out"), std::string::npos) << stalled.error().message;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(server.requests(), 2);  // not sent again: a timeout is the caller's to retry
  // The timed-out connection is not kept: the next call dials.
  EXPECT_EQ(nth(post_json(server.url(), "{}", "", kTimeout)), 1);
  EXPECT_EQ(server.connections(), 2);
}

TEST(PostJsonKeepAlive, ThreadsShareThePool) {
  tls::LocalPki pki;
  CountingServer server(Behaviour::kKeepAlive, &pki);
  constexpr int kThreads = 4, kCalls = 20;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i)
        if (post_json(server.url(), "{}", pki.ca_pem, kTimeout).ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kCalls);
  EXPECT_LE(server.connections(), kThreads);  // never more than the calls at once
}

}  // namespace
}  // namespace kci::apiserver
