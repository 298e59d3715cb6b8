// The Kubernetes REST API as text in, text out: turns an HTTP request (method, target,
// Accept, Content-Type, body) into KubeClient calls and the answer kube-apiserver would give:
// discovery, OpenAPI v2, list/get/create/update/patch/delete and subresources, metav1.Status
// errors with their HTTP codes, Tables for `kubectl get`, and watch streams as JSON lines.
//
// Transport-free and single-threaded: call it on the thread that owns the KubeClient (the
// HTTP server marshals every request there). Ages in Tables come from the injected Clock.
// Must not: touch sockets or threads, read the system clock, keep state between requests
// other than the client's (CRDs are looked up per request).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/kube/kube_client.h"
#include "core/result.h"
#include "fake-apiserver/discovery.h"

namespace kci {
class Executor;
}

namespace kci::apiserver {

//! One HTTP request as the REST layer needs it.
struct HttpRequest {
  std::string method;        //!< "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string target;        //!< path and query: "/api/v1/namespaces/default/pods?limit=500"
  std::string accept;        //!< the Accept header
  std::string content_type;  //!< the Content-Type header
  std::string body;
};

//! One complete HTTP answer.
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  //! When set, the answer is the node's kubelet's answer to a GET of this URL, relayed as
  //! it arrives (pods/log, as kube-apiserver proxies it).
  std::string proxy_url;
  //! With proxy_url: a kubelet error is relayed as it came (nodes/proxy), not turned into a
  //! Status (pods/log).
  bool proxy_verbatim = false;
};

//! Where a path points.
struct RestPath {
  enum class Kind {
    kVersion,       //!< /version
    kHealth,        //!< /healthz, /livez, /readyz
    kApi,           //!< /api
    kApis,          //!< /apis
    kGroup,         //!< /apis/<group>
    kGroupVersion,  //!< /api/v1, /apis/<group>/<version>
    kResource,      //!< a collection, an object or a subresource
    kOpenApiV2,     //!< /openapi/v2, /swagger-2.0.0.pb-v1
    kUnknown,
  };
  Kind kind = Kind::kUnknown;
  std::string group, version;
  std::string namespace_;  //!< "" for cluster-scoped paths and all-namespace lists
  std::string resource, name, subresource;
  bool watch_prefix = false;  //!< the deprecated /api/v1/watch/... form
  //! nodes/<name>/proxy/<path>: the path to relay to the node's kubelet, as sent (still
  //! percent-encoded), "/" when none.
  std::string proxy_path;
};

//! Splits a path (without query) into its parts, percent-decoding each segment. A resource
//! path is recognised by shape; whether the resource exists is decided later.
RestPath parse_rest_path(std::string_view path);
//! Parses a query string ("a=1&b=x%20y"); '+' is a space; the last value of a key wins.
std::map<std::string, std::string> parse_query(std::string_view query);
//! Splits a target into path and query.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);
//! True when the request is a watch (GET with watch=true|1, or the /watch/ path form).
bool is_watch_request(const HttpRequest& request);

//! The Status answer of an error, with its HTTP code.
HttpResponse error_response(const Error& error, const kube::ResourceRef* ref = nullptr);

class RestApi {
 public:
  //! `client` and `clock` must outlive the RestApi; `server_address` ("127.0.0.1:6443") is
  //! what /api advertises.
  RestApi(kube::KubeClient& client, const Clock& clock, std::string server_address);

  //! Answers a request that is not a watch.
  HttpResponse handle(const HttpRequest& request);
  //! How pods/log reaches a node's kubelet: "https" (kube-apiserver's way) or "http" (a
  //! provider serving its kubelet API without a certificate).
  void set_kubelet_scheme(std::string scheme) { kubelet_scheme_ = std::move(scheme); }

  //! Receives a running watch stream's output: one JSON line per event ("{...}\n"); `end`
  //! says the stream is over (a 410 Expired ERROR event was the last line).
  struct WatchSink {
    std::function<void(std::string line)> line;
    std::function<void()> end;
  };
  //! Starts the watch a request asks for; events are posted on `executor` (the client's
  //! thread) and handed to `sink` there. On failure the error to answer with.
  Result<std::unique_ptr<kube::WatchHandle>> watch(const HttpRequest& request, Executor& executor,
                                                   WatchSink sink);

 private:
  kube::KubeClient& client_;
  const Clock& clock_;
  std::string server_address_;
  std::string kubelet_scheme_ = "https";
  //! The catalogue of the CRDs as last seen, and their uid/resourceVersion pairs (its key).
  std::optional<Catalogue> catalogue_;
  std::string catalogue_key_;

  //! The served resources: built-in and CRDs, rebuilt only when a CRD changed (decoding
  //! every CRD on every request was 15% of a loopback burst's samples).
  const Catalogue& catalogue();

  HttpResponse log_proxy(const kube::ResourceRef& pod, const std::map<std::string, std::string>& query);
  HttpResponse node_proxy(const kube::ResourceRef& node, const std::string& path, std::string_view query);
  //! The base URL (scheme://host:port) of a node's kubelet API, from its status, or the error.
  Result<std::string> kubelet_url(const std::string& node_name);
};

}  // namespace kci::apiserver
