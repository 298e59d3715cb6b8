// The fake API server's HTTP face: the Kubernetes REST API in JSON over HTTP/1.1 (or HTTPS,
// given a certificate and key) on a loopback port, so that real clients (kubectl 1.32, client-go, the product's HTTP
// KubeClient) can talk to any KubeClient: discovery, OpenAPI v2, verbs, Tables, chunked
// watch streams.
//
// Threads: sockets are served on one thread of the server's own (Boost.Asio). Every request
// is handed to the thread that owns the KubeClient through OwnerLoop::submit() and its
// answer comes back asynchronously; watch events are produced on the owner's Executor and
// written by the socket thread. So the client is never called concurrently with the
// simulation that drives it. Stop the server before stopping the owner loop: stop() waits
// (bounded) for the owner to release the server's watches.
// Must not: expose Boost.Asio/Beast in this header (pimpl), call the client off its thread,
// read the system clock for anything a client sees (ages come from the injected Clock).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/kube/kube_client.h"
#include "core/result.h"
#include "fake-apiserver/authentication.h"
#include "fake-apiserver/owner_loop.h"

namespace kci::apiserver {

//! Options of the HTTP face.
struct HttpServerOptions {
  //! When not empty, every request must carry "Authorization: Bearer <token>" (401 otherwise),
  //! a token of token_users, or a verified client certificate; this token is the admin's.
  std::string bearer_token;
  //! PEM certificate chain and private key files: both set = serve HTTPS (TLS 1.2+) instead of
  //! plain HTTP; one without the other is refused by start().
  std::string tls_cert_file, tls_key_file;
  //! PEM CA bundle (kube-apiserver's --client-ca-file; needs TLS): clients are asked for a
  //! certificate, one not signed by this CA fails the handshake, and a request is
  //! authenticated by a verified certificate or the bearer token; others get 401.
  std::string client_ca_file;
  //! How pods/log reaches the kubelets: "https" (kube-apiserver's way; the kubelet's
  //! certificate is verified only against kubelet_ca_pem when given, as kube-apiserver does
  //! without --kubelet-certificate-authority) or "http".
  std::string kubelet_scheme = "https";
  std::string kubelet_ca_pem;
  //! kube-apiserver's --token-auth-file users, by token: a request bearing one of these
  //! tokens is that user (the admin bearer_token stays a system:masters superuser).
  TokenUsers token_users;
  //! kube-apiserver's --authorization-mode: "AlwaysAllow" (every authenticated request is
  //! served, as before) or "RBAC" (rbac.h decides; a refusal is a 403 Forbidden Status).
  //! Applies to HTTP requests only: the in-process clients behind the server are unchecked.
  std::string authorization_mode = "AlwaysAllow";
  //! Told every refusal's message (on the owner's thread), so an operator sees which call a
  //! role lacks without reading the client's log. Optional.
  std::function<void(const std::string&)> on_forbidden;
};

class HttpServer {
 public:
  //! `client` is called only from tasks run by `owner`; `clock` is read there too. All three
  //! must outlive the server.
  HttpServer(kube::KubeClient& client, OwnerLoop& owner, const Clock& clock,
             HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  //! Loads the TLS files (when given; errors name the file), binds `host:port` (port 0 = any
  //! free port) and serves on a thread of its own.
  Status start(const std::string& host, std::uint16_t port);
  //! The bound port (after start).
  std::uint16_t port() const;
  //! "http://host:port", or "https://..." with TLS (after start).
  std::string url() const;
  //! Closes every connection and watch, joins the thread; idempotent.
  void stop();

  //! The implementation (sockets, sessions), defined in the .cpp.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kci::apiserver
