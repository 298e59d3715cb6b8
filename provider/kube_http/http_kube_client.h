// KubeClient over HTTP(S): the product's client of a real API server (or of the fake API
// server's HTTP face), configured by a RestConfig (kubeconfig or in-cluster).
//
// Transport: HTTP/1.1, TLS through OpenSSL with verification on by default (SNI, host name
// or IP checked against the certificate), keep-alive connections kept in a small pool and
// reused, one timeout per request (RestConfig::timeout), a client-side QPS/burst limit shared
// by every call (a call over the limit waits for its token, as client-go does). Non-2xx
// answers are decoded from their Status body into Error (core/kube error_of_status: the code
// and the Kubernetes reason); transport failures are kUnavailable naming the server.
//
// Threading contract:
//  - The synchronous calls (get, list, create, ...) block the calling thread for the round
//    trip and may be made from any number of threads at once.
//  - Each watch() runs on a background thread of its own that reads the chunked stream. Every
//    event (and the final error) is handed to the caller's Executor through
//    HttpKubeClientOptions::dispatch, called ON THE WATCH THREAD. The default dispatch calls
//    executor.post() directly, which is correct only for an Executor whose post() is
//    thread-safe; SimExecutor's is not, so a program driving a SimExecutor in real time
//    (fake-apiserver's RealTimeLoop) must pass a dispatch that hops through its thread-safe
//    submit(). dispatch must not block on the executor's thread (stop() joins the watch
//    thread).
//  - WatchHandle::stop() (and the handle's destructor) must be called on the executor's
//    thread: it marks the watch stopped, so tasks already dispatched are dropped when they
//    run, then interrupts the socket and joins the watch thread. After it returns no
//    callback of the watch runs.
//  - The client must outlive its watch handles.
//
// Watch semantics: events are delivered in stream order; the resourceVersion of the last
// event (BOOKMARKs included; bookmarks are always requested) is remembered and a stream
// that ends or breaks is reopened from it, after a backoff when it broke (100 ms doubling to
// 5 s). A 410 Gone (at open or as an ERROR event), any other ERROR event or non-retryable
// status, or more than HttpKubeClientOptions::watch_max_failures failed reopenings in a row,
// end the watch with one on_error call (the Informer then relists). A watch started from ""
// or "0" that breaks before its first event is reopened from the same point, so its initial
// ADDED events may come twice; start from a list's resourceVersion to avoid that.
// Must not: expose Boost.Asio/Beast or OpenSSL in this header (pimpl).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/kube/kube_client.h"
#include "core/result.h"
#include "core/runtime/executor.h"
#include "provider/kube_http/rest_config.h"

namespace kci::provider {

struct HttpKubeClientOptions {
  //! Hands a task to `executor` from a watch thread (see the threading contract above).
  //! Unset: executor.post(task).
  std::function<void(Executor& executor, Executor::Task task)> dispatch;
  //! The watch stream's server-side timeout (timeoutSeconds); the stream is then reopened.
  Duration watch_timeout = std::chrono::minutes(5);
  //! Failed reopenings in a row before the watch gives up and reports the last error.
  int watch_max_failures = 8;
  //! First and largest backoff between failed watch reopenings.
  Duration watch_backoff_initial = std::chrono::milliseconds(100);
  Duration watch_backoff_max = std::chrono::seconds(5);
  //! Idle keep-alive connections kept for reuse.
  std::size_t max_idle_connections = 4;
  //! Sent as User-Agent.
  std::string user_agent = "kci-vk";
};

class HttpKubeClient final : public kube::KubeClient {
 public:
  //! Validates the config (server URL, PEM material); errors name the field and value.
  static Result<std::unique_ptr<HttpKubeClient>> create(RestConfig config,
                                                        HttpKubeClientOptions options = {});
  ~HttpKubeClient() override;
  HttpKubeClient(const HttpKubeClient&) = delete;
  HttpKubeClient& operator=(const HttpKubeClient&) = delete;

  Result<kube::Object> get(const kube::ResourceRef& ref) override;
  Result<kube::Object> get_subresource(const kube::ResourceRef& ref, std::string_view subresource) override;
  Result<kube::ObjectList> list(const kube::ResourceRef& ref, const kube::ListOptions& options = {}) override;
  Result<std::unique_ptr<kube::WatchHandle>> watch(const kube::ResourceRef& ref, const kube::WatchOptions& options,
                                                   Executor& executor, kube::WatchCallback on_event,
                                                   kube::WatchErrorCallback on_error) override;
  Result<kube::Object> create(const kube::ResourceRef& ref, kube::Json object,
                              const kube::WriteOptions& options = {}) override;
  Result<kube::Object> update(const kube::ResourceRef& ref, kube::Json object,
                              const kube::WriteOptions& options = {}) override;
  Result<kube::Object> patch(const kube::ResourceRef& ref, kube::PatchType type, const kube::Json& patch,
                             const kube::WriteOptions& options = {}) override;
  Result<kube::Object> remove(const kube::ResourceRef& ref, const kube::DeleteOptions& options = {}) override;
  Result<kube::Object> create_subresource(const kube::ResourceRef& ref, std::string_view subresource,
                                          kube::Json body) override;

  //! GET an arbitrary path ("/version", "/healthz"): the body as text; non-2xx is an Error.
  Result<std::string> get_raw(const std::string& path);
  //! GET an arbitrary path, any status: (status, body); an error only when no answer came.
  Result<std::pair<int, std::string>> get_raw_any_status(const std::string& path);

  //! The configuration in use.
  const RestConfig& config() const;
  //! Connections opened so far (keep-alive reuse is visible as a count lower than calls).
  std::size_t connections_opened() const;

  struct Impl;

 private:
  explicit HttpKubeClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

//! The request path of `ref` ("/api/v1/namespaces/ns/pods/name", "/apis/apps/v1/...") with
//! an optional subresource; no query.
std::string rest_path(const kube::ResourceRef& ref, std::string_view subresource = {});
//! Percent-encodes a query value (RFC 3986 unreserved characters kept).
std::string query_escape(std::string_view value);

}  // namespace kci::provider
