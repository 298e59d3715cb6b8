// Pod -> KCI CreateContainerGroup: the heart of the virtual kubelet. Given a pod, its
// namespace, the ConfigMaps and Secrets it references (through a lookup), the virtual
// node's settings, the node's custom-sidecar configuration and the catalogue, produce the
// request KCI would get, with the events to record, or a Refusal the user can act on.
// Seed 001 lists init containers and probes as unsupported; KCI's API carries
// InitContainer.N and probes, so they are translated; only what cannot be carried
// (hostNetwork, hostPath, privileged, DaemonSet pods, grpc probes...) is refused.
// Must not: do I/O, read clocks or randomness, or use regex (20,000+ pods/s is the goal).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/k8s/object.h"
#include "core/kci/api.h"
#include "core/kci/catalogue.h"
#include "core/translate/instance_match.h"
#include "core/translate/node_settings.h"
#include "core/translate/outcome.h"

namespace kci::translate {

//! kci-cloud.md: "A pod holds at most 5 containers" (Container.N, 1..5).
inline constexpr std::size_t kMaxContainers = 5;
//! kci-cloud.md: "container group name <= 128 chars of [a-z0-9.-]".
inline constexpr std::size_t kMaxGroupName = 128;
//! Kubernetes keeps at most 3 nameservers (kubelet's validation limit, MaxDNSNameservers).
inline constexpr std::size_t kMaxNameservers = 3;
//! Kubernetes allows at most 32 search domains (MaxDNSSearchPaths since 1.28).
inline constexpr std::size_t kMaxSearches = 32;
//! The kubelet's ndots for ClusterFirst pods.
inline constexpr std::string_view kClusterFirstNdots = "ndots:5";
//! KciType of the request: seed 000's groups show "KciType": "RBKCI".
inline constexpr std::string_view kKciType = "RBKCI";

//! The cluster objects a pod may reference. Core does no I/O: the provider answers from
//! its informer caches, the CLI and tests from maps.
class ClusterLookup {
 public:
  virtual ~ClusterLookup() = default;
  //! The ConfigMap `name` in namespace `ns`, or nullptr.
  virtual const k8s::ConfigMap* config_map(std::string_view ns, std::string_view name) const = 0;
  //! The Secret `name` in namespace `ns`, or nullptr.
  virtual const k8s::Secret* secret(std::string_view ns, std::string_view name) const = 0;
  //! A token for a projected serviceAccountToken source, or nullopt when none can be had
  //! (the file is then left out with a Warning event).
  virtual std::optional<std::string> service_account_token(std::string_view /*ns*/,
                                                           std::string_view /*account*/,
                                                           std::string_view /*audience*/) const {
    return std::nullopt;
  }
};

//! A ClusterLookup over maps keyed by (namespace, name).
class MapLookup : public ClusterLookup {
 public:
  //! Adds or replaces a ConfigMap (keyed by its metadata).
  void add(k8s::ConfigMap cm);
  //! Adds or replaces a Secret.
  void add(k8s::Secret s);
  const k8s::ConfigMap* config_map(std::string_view ns, std::string_view name) const override;
  const k8s::Secret* secret(std::string_view ns, std::string_view name) const override;

 private:
  std::map<std::pair<std::string, std::string>, k8s::ConfigMap, std::less<>> cms_;
  std::map<std::pair<std::string, std::string>, k8s::Secret, std::less<>> secrets_;
};

//! The node's custom sidecar (seed 000 "自定义sidecar"): a ConfigMap named like the node in
//! kube-system, key config.yaml, `mutation.customMutation.{containers,volumes}`.
struct CustomSidecar {
  std::vector<k8s::Container> containers;  //!< appended to every pod's containers
  std::vector<k8s::Volume> volumes;        //!< appended to every pod's volumes
  std::set<std::string> host_paths;        //!< hostPath paths the configuration declares
};

//! Seed 000: "配置key必须为config.yaml".
inline constexpr std::string_view kSidecarConfigKey = "config.yaml";
//! Seed 000: "在集群kube-system命名空间下创建configmap用于自定义sidecar配置": the sidecar's
//! ConfigMap, and the ConfigMaps and Secrets its volumes name, live here (a volume's
//! ConfigMap or Secret found only in the pod's namespace is taken from there).
inline constexpr std::string_view kSidecarNamespace = "kube-system";

//! Parses the node's custom-sidecar ConfigMap; errors name the key and what is expected.
Result<CustomSidecar> parse_custom_sidecar(const k8s::ConfigMap& cm);

//! Everything a translation reads.
struct TranslateInput {
  const k8s::Pod* pod = nullptr;                    //!< the pod (required)
  const k8s::Namespace* ns = nullptr;               //!< its namespace (optional)
  const ClusterLookup* lookup = nullptr;            //!< ConfigMaps/Secrets (optional: none exist)
  const NodeSettings* node = nullptr;               //!< the virtual node (required)
  const CustomSidecar* sidecar = nullptr;           //!< the node's sidecar (optional)
  const kcicloud::Catalogue* catalogue = nullptr;   //!< the catalogue (required)
};

//! A successful translation.
struct TranslationResult {
  kcicloud::CreateContainerGroupRequest request;  //!< what KCI gets
  std::vector<PodEvent> events;                   //!< to record on the pod
  kcicloud::Size size;                            //!< the instance size (normalised)
  //! Alternatives to try, in order, when KCI answers NoStock (eci-use-specs entries
  //! after the first): each a size and, where matched, an instance type.
  std::vector<InstanceChoice> fallbacks;
  bool fail_on_create_error = false;  //!< pod-fail-on-create-err: CreateError -> Failed
};

//! Translates a pod. On refusal, the events gathered so far are lost on purpose: the
//! refusal is the one event that matters.
Outcome<TranslationResult> translate_pod(const TranslateInput& in);

//! The group name: "<namespace>-<pod>", lower-cased, characters outside [a-z0-9.-]
//! replaced by '-', and cut to 128 with a stable 8-hex-digit hash of the full name when
//! longer, so distinct long names stay distinct.
std::string container_group_name(std::string_view ns, std::string_view pod);

}  // namespace kci::translate
