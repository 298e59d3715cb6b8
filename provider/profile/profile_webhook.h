// The admission webhook ("profile") at run time: Selector objects (kci.ksyun.com/v1 and
// seed 004's eci.aliyun.com/v1), Namespaces and the kube-system/kci-profile ConfigMap kept
// current by informers over a KubeClient, and AdmissionReview bodies answered from them.
// The fake API server calls review() in-process; `kci-vk webhook` serves the same function
// over HTTPS (webhook_server.h).
//
// A Selector that does not validate is dropped from the set, reported (a log line and a
// Warning event InvalidSelector naming the field and the value) and never blocks a pod; a
// ConfigMap whose `selectors` is unreadable keeps the good entries and reports the rest.
// Must not: refuse a well-formed pod, block (it reads caches; a workload lookup is one
// GET per owner level), or be called from two threads at once (it is driven by its
// Executor; the HTTPS face serialises calls).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/k8s/object.h"
#include "core/kube/informer.h"
#include "core/kube/kube_client.h"
#include "core/profile/admission.h"
#include "core/profile/engine.h"
#include "core/runtime/executor.h"

namespace kci::profile {

//! An HTTP answer: status code and JSON body.
struct WebhookReply {
  int status = 200;
  std::string body;
};

//! Options of the webhook.
struct ProfileWebhookOptions {
  EngineOptions engine;
  //! Also watch seed 004's eci.aliyun.com/v1 Selector objects.
  bool watch_eci_selectors = true;
  //! Read the owning workload's labels (seed 002's burst-to-cci on a Deployment).
  bool resolve_workload_labels = true;
};

//! The ref of KCI's Selector custom resource (cluster-scoped).
kube::ResourceRef kci_selectors();
//! The ref of seed 004's Selector custom resource (eci.aliyun.com/v1, namespaced).
kube::ResourceRef eci_selectors();

class ProfileWebhook {
 public:
  //! `log` receives one line per notable happening (a selector refused, the ConfigMap loaded).
  ProfileWebhook(kube::KubeClient& kube, Executor& executor, ProfileWebhookOptions options = {},
                 std::function<void(const std::string&)> log = {});
  ~ProfileWebhook();
  ProfileWebhook(const ProfileWebhook&) = delete;
  ProfileWebhook& operator=(const ProfileWebhook&) = delete;

  //! Starts the informers (a custom resource not installed yet is retried in the background).
  void start();
  //! Stops them; the last known profile stays in force.
  void stop();
  //! True once namespaces, the ConfigMap and KCI's selectors have been listed.
  bool synced() const;

  //! The in-process entry point: an AdmissionReview object in, the answering review out;
  //! kInvalidArgument with a precise message for a malformed review.
  Result<Json> review(const Json& admission_review);
  //! The HTTP entry point: 200 and the review, or 400 and a Status naming the fault.
  WebhookReply handle(std::string_view body);

  //! The engine's context for a pod in `ns`: namespace labels from the cache, workload labels
  //! by following controller owner references (ReplicaSet -> Deployment, StatefulSet, Job...).
  PodContext context_for(const k8s::Pod& pod, const std::string& ns);

  //! What is in force.
  const ProfileSet& profiles() const { return profiles_; }
  //! The kci-profile ConfigMap's other keys (vpcId, securityGroupId, vSwitchIds...).
  const StringMap& node_defaults() const { return profiles_.config().node_defaults; }
  //! Current problems: "<selector key>: <message>" per refused Selector, plus the ConfigMap's.
  std::vector<std::string> problems() const;
  const EngineOptions& engine_options() const { return options_.engine; }
  //! How many reviews were answered, and how many carried a patch.
  std::uint64_t reviews() const { return reviews_; }
  std::uint64_t patched() const { return patched_; }

 private:
  void on_selector(SelectorOrigin origin, const kube::Object& obj, bool deleted);
  void on_namespace(const kube::Object& obj, bool deleted);
  void on_config(const kube::Object& obj, bool deleted);
  void warn(const Json& object, const std::string& reason, const std::string& message);

  kube::KubeClient& kube_;
  Executor& executor_;
  ProfileWebhookOptions options_;
  std::function<void(const std::string&)> log_;
  std::unique_ptr<kube::Informer> kci_informer_, eci_informer_, ns_informer_, config_informer_;
  ProfileSet profiles_;
  std::map<std::string, StringMap> namespace_labels_;
  std::map<std::string, std::string> selector_problems_;  //!< "<origin> ns/name" -> message
  std::uint64_t reviews_ = 0, patched_ = 0;
};

}  // namespace kci::profile
