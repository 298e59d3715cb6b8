#include "core/kube/resources.h"

#include <algorithm>

namespace kci::kube {

bool ResourceInfo::has_subresource(std::string_view sub) const {
  return std::find(subresources.begin(), subresources.end(), sub) != subresources.end();
}

const std::vector<ResourceInfo>& builtin_resources() {
  // Scope, short names and subresources as `kubectl api-resources` prints them for 1.32.
  static const std::vector<ResourceInfo> table = {
      {"", "v1", "pods", "pod", "Pod", true, {"po"}, {"status", "binding", "eviction", "log"}, {"all"}},
      {"", "v1", "nodes", "node", "Node", false, {"no"}, {"status", "proxy"}, {}},
      {"", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, {"status", "finalize"}, {}},
      {"", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}, {}, {}},
      {"", "v1", "secrets", "secret", "Secret", true, {}, {}, {}},
      {"", "v1", "events", "event", "Event", true, {"ev"}, {}, {}},
      {"", "v1", "services", "service", "Service", true, {"svc"}, {"status"}, {"all"}},
      {"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}, {}, {}},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}, {}, {}},
      {"", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true,
       {"pvc"}, {"status"}, {}},
      {"", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, {"pv"},
       {"status"}, {}},
      {"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, {}, {}, {}},
      {"apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"},
       {"status", "scale"}, {"all"}},
      {"apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"}, {"status", "scale"},
       {"all"}},
      {"apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"}, {"status"}, {"all"}},
      {"apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, {"sts"},
       {"status", "scale"}, {"all"}},
      {"batch", "v1", "jobs", "job", "Job", true, {}, {"status"}, {"all"}},
      {"events.k8s.io", "v1", "events", "event", "Event", true, {"ev"}, {}, {}},
      {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
       "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, {}, {}, {}},
      {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
       "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, {}, {}, {}},
      {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
       "CustomResourceDefinition", false, {"crd", "crds"}, {"status"}, {}},
      {"scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false,
       {"pc"}, {}, {}},
      {"rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, {}, {}, {}},
      {"rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, {}, {}, {}},
      {"rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, {}, {}, {}},
      {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false,
       {}, {}, {}},
  };
  return table;
}

const ResourceInfo* find_builtin_by_kind(std::string_view api_version, std::string_view kind) {
  for (const auto& r : builtin_resources())
    if (r.kind == kind && r.api_version() == api_version) return &r;
  return nullptr;
}

const ResourceInfo* find_builtin(std::string_view group, std::string_view resource) {
  for (const auto& r : builtin_resources())
    if (r.group == group && r.resource == resource) return &r;
  return nullptr;
}

}  // namespace kci::kube
