// Property: objects carrying fields the model does not know, at any depth, come back from
// decode -> encode exactly as they went in.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "core/k8s/object.h"

namespace kci::k8s {
namespace {

// Keys whose values are maps of strings or quantities: an unknown key there would be a
// label or a resource name, not an unknown field.
const std::set<std::string> kMapFields = {
    "labels", "annotations", "nodeSelector", "matchLabels", "limits", "requests", "overhead",
    "capacity", "allocatable", "data", "binaryData", "stringData"};

// Built by hand rather than as a Gen<Json>: rapidcheck would try to print a Json as a
// container of strings.
Json gen_leaf() {
  switch (*rc::gen::inRange(0, 4)) {
    case 0: return Json();
    case 1: return Json(*rc::gen::arbitrary<bool>());
    case 2: return Json(*rc::gen::arbitrary<std::int64_t>());
    default: {
      std::string s = *rc::gen::string<std::string>();
      // JSON strings are UTF-8: keep printable ASCII so every value is representable.
      for (auto& c : s) c = static_cast<char>(' ' + static_cast<unsigned char>(c) % 95);
      return Json(s);
    }
  }
}

Json gen_value(int depth) {
  const int kind = depth <= 0 ? 0 : *rc::gen::inRange(0, 3);
  if (kind == 0) return gen_leaf();
  const int n = *rc::gen::inRange(0, 4);
  if (kind == 1) {
    Json a = Json::array();
    for (int i = 0; i < n; ++i) a.push_back(gen_value(depth - 1));
    return a;
  }
  Json o = Json::object();
  for (int i = 0; i < n; ++i) o["u" + std::to_string(*rc::gen::inRange(0, 100))] = gen_value(depth - 1);
  return o;
}

// Every object node of j where an unknown field may go, as JSON pointers.
void struct_nodes(const Json& j, const Json::json_pointer& at, bool is_map,
                  std::vector<Json::json_pointer>& out) {
  if (j.is_object()) {
    if (!is_map) out.push_back(at);
    for (const auto& [k, v] : j.items()) struct_nodes(v, at / k, kMapFields.count(k) > 0, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) struct_nodes(j[i], at / i, false, out);
  }
}

// A few realistic objects; random labels and unknown fields are added on top. Quantities
// are written canonically (canonical printing is the quantity tests' business).
Json base_pod() {
  return Json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "namespace": "default", "labels": {"app": "web"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u1"}]},
    "spec": {
      "initContainers": [{"name": "init", "image": "busybox", "restartPolicy": "Always"}],
      "containers": [{"name": "c", "image": "nginx",
                      "ports": [{"containerPort": 80, "protocol": "TCP"}],
                      "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                      "resources": {"limits": {"cpu": "2", "memory": "4096"}, "requests": {"cpu": "500m"}},
                      "livenessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
                      "volumeMounts": [{"name": "v", "mountPath": "/data"}]}],
      "volumes": [{"name": "v", "configMap": {"name": "cm", "items": [{"key": "k", "path": "p"}]}}],
      "tolerations": [{"key": "virtual-kubelet.io/provider", "operator": "Exists"}],
      "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
          {"nodeSelectorTerms": [{"matchExpressions": [{"key": "type", "operator": "In", "values": ["vk"]}]}]},
          "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 3, "preference": {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n"]}]}}]}},
      "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]}
    },
    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "c", "image": "nginx", "imageID": "", "ready": true, "restartCount": 1,
                                      "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}]}
  })");
}
// Quantities are written canonically, as the API server returns them ("1000" would read
// back as "1k", which is Kubernetes' own canonical form).
Json base_node() {
  return Json::parse(R"({
    "apiVersion": "v1", "kind": "Node",
    "metadata": {"name": "vk", "labels": {"type": "virtual-kubelet"}},
    "spec": {"taints": [{"key": "virtual-kubelet.io/provider", "value": "kingsoftcloud", "effect": "NoSchedule"}]},
    "status": {"capacity": {"cpu": "1500m", "pods": "110"}, "allocatable": {"memory": "16Gi"},
               "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "2024-01-01T00:00:00Z"}],
               "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
               "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
               "nodeInfo": {"kubeletVersion": "v1.29.0"}}
  })");
}
Json base_deployment() {
  return Json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "d", "namespace": "default"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"},
                                         "matchExpressions": [{"key": "tier", "operator": "Exists"}]},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}},
    "status": {"replicas": 3, "conditions": [{"type": "Available", "status": "True"}]}
  })");
}

template <class T>
void check_unknown_fields_survive(Json base) {
  // Random labels and annotations: typed maps.
  const int nl = *rc::gen::inRange(0, 4);
  for (int i = 0; i < nl; ++i)
    base["metadata"]["labels"]["l" + std::to_string(i)] = *rc::gen::element<std::string>("a", "", "x-y");
  std::vector<Json::json_pointer> nodes;
  struct_nodes(base, Json::json_pointer(), false, nodes);
  const int n = *rc::gen::inRange(1, 8);
  for (int i = 0; i < n; ++i) {
    const auto& at = nodes[*rc::gen::inRange<std::size_t>(0, nodes.size())];
    // A key no Kubernetes type uses (field names never contain '-').
    base[at]["x-unknown-" + std::to_string(i)] = gen_value(*rc::gen::inRange(0, 4));
  }
  // Compared by hand: RC_ASSERT would try to print a Json as a container of strings.
  auto decoded = decode<T>(base);
  if (!decoded.ok()) RC_FAIL("does not decode: " + decoded.error().message + "\n" + base.dump());
  const Json back = encode(*decoded);
  if (back != base) RC_FAIL("round trip changed the object:\n" + base.dump() + "\n" + back.dump());
  auto again = decode<T>(back);
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == *decoded);
}

RC_GTEST_PROP(ModelProp, PodUnknownFieldsRoundTripExactly, ()) { check_unknown_fields_survive<Pod>(base_pod()); }
RC_GTEST_PROP(ModelProp, NodeUnknownFieldsRoundTripExactly, ()) { check_unknown_fields_survive<Node>(base_node()); }
RC_GTEST_PROP(ModelProp, DeploymentUnknownFieldsRoundTripExactly, ()) {
  check_unknown_fields_survive<Deployment>(base_deployment());
}
RC_GTEST_PROP(ModelProp, UnstructuredKeepsEverything, ()) {
  check_unknown_fields_survive<Unstructured>(base_pod());
}

}  // namespace
}  // namespace kci::k8s
