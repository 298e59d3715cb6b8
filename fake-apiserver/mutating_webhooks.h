// The fake API server's mutating admission: the webhooks that MutatingWebhookConfiguration
// objects in the store register, called as kube-apiserver calls them.
//
// For each write, every webhook of every configuration (configurations by name, webhooks in
// their order) whose rules (operations, apiGroups, apiVersions, resources with
// subresources, scope), namespaceSelector (the namespace's labels; a Namespace's own labels)
// and objectSelector (the new or the old object's labels) match gets an AdmissionReview v1;
// its JSONPatch is applied. failurePolicy Fail (the default) turns a call error into a
// refusal, Ignore skips the webhook; a denial (allowed: false) always refuses; a patch that
// does not apply is an internal error whatever the policy, as in kube-apiserver. Webhooks
// with reinvocationPolicy IfNeeded are called once more when a later webhook changed the
// object. Dry-run writes are refused by webhooks whose sideEffects are not None or
// NoneOnDryRun. matchConditions (CEL) are not evaluated: such a webhook is refused at
// call time with a message, never silently matched.
//
// How a webhook is reached is a WebhookTransport: InProcessWebhooks (the simulator: a
// Service reference or URL mapped to a function) or HttpWebhooks (HTTPS, for
// `kci-vk fake-apiserver`).
// Must not: store objects, block (the transport answers synchronously or fails).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/k8s/object.h"
#include "fake-apiserver/admission.h"

namespace kci::apiserver {

class ApiServer;

//! Reaches a webhook: POSTs an AdmissionReview to clientConfig and returns the answer.
class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  //! The decoded AdmissionReview the webhook answered, or the error of the call
  //! (unreachable, timeout, non-200, not JSON).
  virtual Result<Json> call(const k8s::WebhookClientConfig& client, const Json& review,
                            std::chrono::milliseconds timeout) = 0;
};

//! Webhooks that live in this process, addressed as the configuration addresses them.
class InProcessWebhooks final : public WebhookTransport {
 public:
  using Handler = std::function<Result<Json>(const Json& review)>;
  //! A Service reference: namespace, name, path (port is ignored: one Service, one handler).
  void add_service(std::string ns, std::string name, std::string path, Handler handler);
  //! A URL ("https://host:port/path").
  void add_url(std::string url, Handler handler);

  Result<Json> call(const k8s::WebhookClientConfig& client, const Json& review,
                    std::chrono::milliseconds timeout) override;

 private:
  std::map<std::string, Handler> handlers_;  //!< "svc:ns/name/path" or "url:..."
};

//! Webhooks reached over the network, as kube-apiserver reaches them: clientConfig.url
//! directly; a Service reference through the address it was given for that Service (this
//! server has no Services or cluster IPs) as https://<address><path>. caBundle (base64 PEM)
//! verifies the webhook's certificate. Blocks the calling thread up to the webhook's timeout.
class HttpWebhooks final : public WebhookTransport {
 public:
  //! Where Service `ns`/`name` is served: "host:port".
  void add_service_address(std::string ns, std::string name, std::string address);

  Result<Json> call(const k8s::WebhookClientConfig& client, const Json& review,
                    std::chrono::milliseconds timeout) override;

  //! Makes each call on a thread of its own while `wait` waits for it on the caller's thread
  //! (the API server's loop serving reads meanwhile: RealTimeLoop::wait_serving_reads).
  //! Unset: the call blocks the caller.
  void set_waiter(std::function<void(const std::function<bool()>& done)> wait) { wait_ = std::move(wait); }

 private:
  std::map<std::string, std::string> addresses_;  //!< "ns/name" -> "host:port"
  std::function<void(const std::function<bool()>& done)> wait_;
};

//! What happened to one admitted write (for tests and reports).
struct WebhookCall {
  std::string webhook;    //!< the webhook's name
  std::string operation;  //!< CREATE, UPDATE, DELETE
  bool patched = false;
  bool reinvocation = false;
  std::string error;  //!< empty when the call succeeded
};

class MutatingWebhookAdmission final : public Admission {
 public:
  //! Reads configurations and namespaces from `server` (directly: admission is part of the
  //! server); calls webhooks through `transport`. Both must outlive this object.
  //! `log` (optional) receives one line per webhook call that failed open (failurePolicy
  //! Ignore), as kube-apiserver logs "failing open".
  MutatingWebhookAdmission(ApiServer& server, WebhookTransport& transport,
                           std::function<void(const std::string&)> log = {});

  Result<Json> admit(const AdmissionAttributes& attributes, Json object) override;

  //! Every call made, oldest first (bounded to the last 1,000).
  const std::vector<WebhookCall>& calls() const { return calls_; }
  //! Warnings the webhooks returned with the last admitted write.
  const std::vector<std::string>& last_warnings() const { return warnings_; }

 private:
  struct Hook {
    std::string configuration;
    k8s::MutatingWebhook spec;
  };
  //! The webhooks in force, in call order; decoded configurations are cached by
  //! resourceVersion.
  std::vector<Hook> hooks();
  Result<bool> matches(const Hook& hook, const AdmissionAttributes& a, const Json& object);
  //! Calls one webhook; on success replaces `object` with the patched object and returns
  //! whether it changed.
  Result<bool> call(const Hook& hook, const AdmissionAttributes& a, Json& object,
                    bool reinvocation);
  void record(WebhookCall call);

  ApiServer& server_;
  WebhookTransport& transport_;
  std::function<void(const std::string&)> log_;
  std::map<std::string, std::pair<std::string, k8s::MutatingWebhookConfiguration>> cache_;
  std::vector<WebhookCall> calls_;
  std::vector<std::string> warnings_;
};

}  // namespace kci::apiserver
