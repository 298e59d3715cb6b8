// The profile engine: decides how a pod is steered between normal and virtual nodes, and
// writes that decision as a JSONPatch for the admission webhook (DESIGN.md: "profile").
//
// Inputs are the pod, its namespace's labels, the labels of the workload that owns it, and
// the selectors (ProfileSet). Who decides, first match wins:
//   1. the pod's own keys, KCI first: label k8s.ksyun.com/kci=true (virtualNodeOnly); label
//      virtual-kubelet.io/burst-to-cci auto | enforce | off (seed 002); annotation
//      alibabacloud.com/burst-resource eci | eci_only, labels alibabacloud.com/eci=true and
//      eci=true (seed 003);
//   2. the owning workload's burst-to-cci label (seed 002 puts it on the Deployment);
//   3. the highest-priority matching Selector object (ties by name, so store order never
//      matters);
//   4. the ConfigMap selectors, in their order (seed 003);
//   5. the namespace labels k8s.ksyun.com/kci=true, alibabacloud.com/eci=true, eci=true,
//      virtual-node-affinity-injection=enabled (seed 003: 该Pod将运行在虚拟节点的ECI实例上).
// Effects merge in seed 003's order: the pod's own values, then the winning Selector's, then
// each matching ConfigMap selector's; nothing the pod has is ever changed or removed, and a
// second pass over the patched pod adds nothing (reinvocation-safe).
// Must not: read the store, a clock or a random source; refuse a pod (a broken profile
// never blocks pod creation: the worst outcome is "no change" plus a warning).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/k8s/object.h"
#include "core/profile/json_patch.h"
#include "core/profile/selector.h"
#include "core/result.h"

namespace kci::profile {

// ---- the keys of every dialect ------------------------------------------------------------

//! KCI's own trigger, as a pod or namespace label: "true" = virtual nodes only.
inline constexpr std::string_view kKciLabel = "k8s.ksyun.com/kci";
//! Opt-out: a pod labelled k8s.ksyun.com/kci-profile=disabled is never touched (the
//! MutatingWebhookConfiguration's objectSelector says the same).
inline constexpr std::string_view kOptOutLabel = "k8s.ksyun.com/kci-profile";
inline constexpr std::string_view kOptOutValue = "disabled";
//! Seed 002 (Huawei CCI): auto | enforce | off on the pod or its workload.
inline constexpr std::string_view kBurstToCciLabel = "virtual-kubelet.io/burst-to-cci";
//! Seed 003 (Alibaba ECI): eci | eci_only.
inline constexpr std::string_view kBurstResourceAnnotation = "alibabacloud.com/burst-resource";
//! Seed 003: pod or namespace label alibabacloud.com/eci=true (and the older eci=true).
inline constexpr std::string_view kEciLabel = "alibabacloud.com/eci";
inline constexpr std::string_view kLegacyEciLabel = "eci";
//! Seed 003: namespace label virtual-node-affinity-injection=enabled (older spelling).
inline constexpr std::string_view kAffinityInjectionLabel = "virtual-node-affinity-injection";

//! The weight of the "prefer normal nodes" term: 100, the largest the API accepts (1-100),
//! so it outweighs any preference the pod brings of its own.
inline constexpr std::int32_t kPreferNormalNodeWeight = 100;

//! How the virtual nodes look (seed 001: label type=virtual-kubelet, taint
//! virtual-kubelet.io/provider=kingsoftcloud:NoSchedule).
struct VirtualNodeShape {
  std::string label_key = "type";
  std::string label_value = "virtual-kubelet";
  std::string taint_key = "virtual-kubelet.io/provider";
  std::string taint_value = "kingsoftcloud";
  std::string taint_effect = "NoSchedule";

  //! The taint every virtual node carries.
  k8s::Taint taint() const;
  //! The toleration the engine adds: key, operator Equal, value and effect of the taint.
  k8s::Toleration toleration() const;
};

//! Options of the engine.
struct EngineOptions {
  VirtualNodeShape node;
  //! Namespaces whose pods are never touched (the control plane's own).
  std::vector<std::string> excluded_namespaces = {"kube-system"};
};

//! The selectors the engine knows: Selector objects kept in precedence order, and the
//! ConfigMap form.
class ProfileSet {
 public:
  //! Adds or replaces a Selector object (same origin, namespace and name).
  void put(ProfileSelector selector);
  //! Removes a Selector object; unknown ones are ignored.
  void remove(SelectorOrigin origin, const std::string& ns, const std::string& name);
  //! Replaces what the kci-profile ConfigMap says.
  void set_config(ProfileConfig config) { config_ = std::move(config); }
  //! Selector objects, best first (selector_precedes).
  const std::vector<ProfileSelector>& selectors() const { return selectors_; }
  //! The ConfigMap form.
  const ProfileConfig& config() const { return config_; }

 private:
  std::vector<ProfileSelector> selectors_;
  ProfileConfig config_;
};

//! What the engine knows about a pod besides the pod itself.
struct PodContext {
  std::string namespace_;        //!< the admission request's namespace
  StringMap namespace_labels;    //!< the Namespace's labels (empty when unknown)
  StringMap workload_labels;     //!< the owning workload's labels (Deployment, StatefulSet...)
};

//! The engine's decision for one pod.
struct Decision {
  //! nullopt: no scheduling change.
  std::optional<Policy> policy;
  //! What decided the policy: "label k8s.ksyun.com/kci=true on the pod".
  std::string decided_by;
  //! The merged effect (first value of a key wins).
  Effect effect;
  //! Why the pod was skipped entirely ("namespace kube-system is excluded"), or empty.
  std::string skipped;
  //! Things the user should know: ignored keys, unknown values, conflicts.
  std::vector<std::string> warnings;

  //! The autoscaler's test: a trigger or selector lets this pod burst (any policy but
  //! normalNodeOnly / off).
  bool burst_allowed() const { return policy.has_value() && *policy != Policy::kNormalNodeOnly; }
};

//! Decides policy and effect; never fails.
Decision decide(const k8s::Pod& pod, const PodContext& context, const ProfileSet& profiles,
                const EngineOptions& options = {});

//! The decision written as a JSONPatch against the pod's JSON.
struct Mutation {
  Decision decision;
  //! RFC 6902 operations (an empty array when nothing changes).
  Json patch = Json::array();
  //! The pod with the patch applied.
  Json patched;
  //! The decision's warnings plus those met while patching.
  std::vector<std::string> warnings;
};

//! Decides and writes the patch. kInvalidArgument when the pod does not decode (the caller
//! admits it unchanged: the API server's validation will report it properly).
Result<Mutation> mutate_pod(const Json& pod, const PodContext& context, const ProfileSet& profiles,
                            const EngineOptions& options = {});

//! Adds to `patch` what `policy` needs on `pod` (toleration, nodeSelector, node affinity),
//! skipping what is already there; conflicts go to `warnings`.
void add_policy(PatchBuilder& patch, const k8s::Pod& pod, Policy policy, const VirtualNodeShape& node,
                std::vector<std::string>& warnings);

//! True when the pod is owned by a DaemonSet (which virtual nodes cannot run: seed 001,
//! 不支持在虚拟节点上运行DaemonSet Pod).
bool is_daemonset_pod(const k8s::Pod& pod);

}  // namespace kci::profile
