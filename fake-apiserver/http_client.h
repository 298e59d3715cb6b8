// The fake API server as a client: one JSON POST over HTTP or HTTPS with a deadline, what
// kube-apiserver does to call an admission webhook (clientConfig url / caBundle) and
// kube-scheduler to call an extender (urlPrefix).
//
// Blocking: the caller's thread waits at most `timeout` (connect, TLS handshake, request
// and answer together). HTTPS verifies the server's chain against the given CA bundle (or
// the system's roots when it is empty) and the host name against the URL's host.
// post_json keeps connections alive between calls, as kube-apiserver and kube-scheduler do
// (a few idle ones per scheme, host, port and CA bundle, 90 s at most; thread-safe).
// Must not: expose Boost.Asio/Beast here, retry (the callers' policies decide; the one
// exception is a kept connection the server closed before it took the request, which is
// sent again once on a new connection).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/result.h"

namespace kci::apiserver {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

//! The parts of an http(s) URL; errors name the URL and what is wrong with it.
struct ParsedUrl {
  bool tls = false;
  std::string host, port, target;
};
Result<ParsedUrl> parse_http_url(const std::string& url);

//! POSTs `body` as application/json to `url`. `ca_pem` holds PEM certificates (several
//! allowed). Errors: kInvalidArgument for a bad URL or CA bundle, kUnavailable for a
//! connection, TLS or protocol failure, a timeout included (the message says which).
//! The answer's `Connection: close` is honoured: that connection is not kept.
Result<HttpAnswer> post_json(const std::string& url, const std::string& body, const std::string& ca_pem,
                             std::chrono::milliseconds timeout);

//! What get_stream does with an answer: its head first (return false to stop), then each
//! piece of its body as it arrives (return false to stop reading).
struct StreamHandlers {
  std::function<bool(int status, const std::string& content_type)> head;
  std::function<bool(std::string data)> data;
};

//! GETs `url` and hands the answer over piece by piece (a followed log never ends: the
//! handlers stop it). HTTPS verifies against `ca_pem`, unless `verify` is false (what
//! kube-apiserver does toward kubelets without --kubelet-certificate-authority).
//! `timeout` bounds connecting and the head; the body has no deadline.
Status get_stream(const std::string& url, const std::string& ca_pem, bool verify, std::chrono::milliseconds timeout,
                  const StreamHandlers& handlers);

}  // namespace kci::apiserver
