// Profile selectors: which pods the admission webhook steers, and how (seeds 003 and 004).
//
// Three spellings carry the same meaning. KCI's own Selector custom resource
// (kci.ksyun.com/v1, kind Selector) has seed 004's spec: objectLabels and namespaceLabels
// (label selectors; both must match when both are given; at least one is required),
// effect.annotations and effect.labels, a policy (fair | normalNodePrefer | virtualNodeOnly |
// normalNodeOnly) and a priority. Alibaba's eci.aliyun.com Selector objects are read the
// same way. Seed 003's older form is a ConfigMap (kube-system/kci-profile): key `selectors`
// holds a JSON list of {name, namespaceSelector, objectSelector, effect}, matched in order;
// the ConfigMap's other keys are node defaults (vpcId, securityGroupId, vSwitchIds...).
// Parsing validates everything and names the field, the value and what is accepted; a
// broken entry is reported and skipped, never fatal for the others.
// Must not: look at pods (engine.h does), read the store, or throw on any input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/k8s/object.h"
#include "core/k8s/selector.h"
#include "core/result.h"

namespace kci::profile {

using Json = nlohmann::json;
using k8s::StringMap;

//! KCI's Selector custom resource: group, version, plural.
inline constexpr std::string_view kSelectorGroup = "kci.ksyun.com";
inline constexpr std::string_view kSelectorVersion = "v1";
inline constexpr std::string_view kSelectorPlural = "selectors";
//! Alibaba's (seed 004): eci.aliyun.com, versions v1 and v1beta1.
inline constexpr std::string_view kEciSelectorGroup = "eci.aliyun.com";
//! Seed 003's ConfigMap form, under KCI's name: kube-system/kci-profile, key `selectors`.
inline constexpr std::string_view kProfileConfigMapNamespace = "kube-system";
inline constexpr std::string_view kProfileConfigMapName = "kci-profile";
inline constexpr std::string_view kProfileConfigMapSelectorsKey = "selectors";

//! Where virtual nodes should (or should not) take a pod (seed 004's 调度策略).
enum class Policy {
  kFair,              //!< tolerate virtual nodes; kube-scheduler decides (公平调度)
  kNormalNodePrefer,  //!< prefer normal nodes; virtual nodes take what does not fit
  kVirtualNodeOnly,   //!< virtual nodes only
  kNormalNodeOnly,    //!< never virtual nodes
};

//! "fair", "normalNodePrefer", "virtualNodeOnly", "normalNodeOnly".
std::string_view policy_name(Policy p);
//! The policy of a name as spelled in a Selector's spec.policy; nullopt when unknown.
std::optional<Policy> policy_from_name(std::string_view name);

//! Annotations and labels a selector adds to the pods it matches (only missing keys).
struct Effect {
  StringMap annotations, labels;
  bool operator==(const Effect&) const = default;
};

//! Where a selector came from; also the third tie-breaker after priority and name.
enum class SelectorOrigin {
  kKci,        //!< kci.ksyun.com/v1 Selector
  kEci,        //!< eci.aliyun.com Selector (seed 004)
  kConfigMap,  //!< an entry of kube-system/kci-profile `selectors` (seed 003)
};

//! "kci.ksyun.com", "eci.aliyun.com", "configmap".
std::string_view origin_name(SelectorOrigin o);

//! One validated selector, compiled for matching.
struct ProfileSelector {
  std::string name;
  //! The namespace of a namespaced Selector object: it then applies to that namespace only.
  std::string namespace_;
  SelectorOrigin origin = SelectorOrigin::kKci;
  //! Pod labels to match (objectLabels / objectSelector); nullopt = not constrained.
  std::optional<k8s::Selector> object_selector;
  //! Namespace labels to match (namespaceLabels / namespaceSelector); nullopt = not constrained.
  std::optional<k8s::Selector> namespace_selector;
  Effect effect;
  //! nullopt: effects only, no scheduling change (a Selector without policy).
  std::optional<Policy> policy;
  //! Larger wins (seed 004: 数值越大,表示该Selector优先级越高).
  std::int32_t priority = 0;

  //! True when neither selector is set (a seed 003 effect-only entry).
  bool unconstrained() const { return !object_selector && !namespace_selector; }
  //! Whether a pod in namespace `ns` with these labels is selected: each given selector must
  //! match; a namespaced selector applies to its own namespace only.
  bool matches(const StringMap& pod_labels, const std::string& ns, const StringMap& ns_labels) const;
  //! "kci.ksyun.com Selector web (priority 3)" and the like, for warnings and events.
  std::string describe() const;
};

//! Orders selectors as the engine tries them: priority descending, then name, then origin
//! (kci before eci), then namespace. A total order, so the store's order never matters.
bool selector_precedes(const ProfileSelector& a, const ProfileSelector& b);

//! Parses a Selector object (kci.ksyun.com/v1, eci.aliyun.com/v1 or v1beta1). Refuses a
//! spec with neither objectLabels nor namespaceLabels, an invalid matchExpression, an
//! unknown or doubled policy, and wrong types, naming the field and the value.
Result<ProfileSelector> parse_selector_object(const Json& object);

//! What the kci-profile ConfigMap says.
struct ProfileConfig {
  //! The valid entries of `selectors`, in their order.
  std::vector<ProfileSelector> selectors;
  //! Every other key: defaults for the virtual node (vpcId, securityGroupId, vSwitchIds...).
  StringMap node_defaults;
  //! One line per refused entry (or an unreadable `selectors`): what was wrong and where.
  std::vector<std::string> problems;
};

//! Reads the ConfigMap form (seed 003). `selectors` may be absent or "" (no selectors).
ProfileConfig parse_profile_configmap(const k8s::ConfigMap& config_map);

}  // namespace kci::profile
