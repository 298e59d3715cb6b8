// Effective pod requests and limits and the QoS class, against the examples of the
// Kubernetes documentation (resource management, init containers, sidecars, pod overhead,
// QoS classes).
#include "core/k8s/resources.h"

#include <gtest/gtest.h>

#include "core/k8s/yaml.h"

namespace kci::k8s {
namespace {

Pod pod_from(const char* text) {
  auto j = yaml_document(text);
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
  auto p = decode<Pod>(j.ok() ? *j : Json::object());
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : Pod{};
}

Quantity q(const char* text) {
  auto v = Quantity::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : Quantity();
}

TEST(PodResources, DocumentedTwoContainerFrontend) {
  // "Resource Management for Pods and Containers": two containers of 0.25 CPU / 64Mi
  // requested and 0.5 CPU / 128Mi limits make a pod of 0.5 CPU / 128Mi and 1 CPU / 256Mi.
  const Pod pod = pod_from(R"(
spec:
  containers:
  - name: app
    image: images.my-company.example/app:v4
    resources:
      requests: {memory: "64Mi", cpu: "250m"}
      limits: {memory: "128Mi", cpu: "500m"}
  - name: log-aggregator
    image: images.my-company.example/log-aggregator:v6
    resources:
      requests: {memory: "64Mi", cpu: "250m"}
      limits: {memory: "128Mi", cpu: "500m"}
)");
  const ResourceList req = pod_requests(pod);
  EXPECT_EQ(req.at("cpu"), q("500m"));
  EXPECT_EQ(req.at("memory"), q("128Mi"));
  const ResourceList lim = pod_limits(pod);
  EXPECT_EQ(lim.at("cpu"), q("1"));
  EXPECT_EQ(lim.at("memory"), q("256Mi"));
  EXPECT_EQ(qos_class(pod), QosClass::kBurstable);
}

TEST(PodResources, InitContainersSetAFloor) {
  // "Init Containers / Resource sharing": the effective init request is the largest init
  // container's; the pod's is the larger of that and the sum of the app containers.
  const Pod pod = pod_from(R"(
spec:
  initContainers:
  - {name: i1, resources: {requests: {cpu: "2", memory: 1Gi}}}
  - {name: i2, resources: {requests: {cpu: "1", memory: 3Gi}}}
  containers:
  - {name: a, resources: {requests: {cpu: 500m, memory: 1Gi}}}
  - {name: b, resources: {requests: {cpu: 500m, memory: 1Gi, ephemeral-storage: 1Gi}}}
)");
  const ResourceList req = pod_requests(pod);
  EXPECT_EQ(req.at("cpu"), q("2"));
  EXPECT_EQ(req.at("memory"), q("3Gi"));
  EXPECT_EQ(req.at("ephemeral-storage"), q("1Gi"));
}

TEST(PodResources, SidecarsAddUpAsKubernetes129Does) {
  // KEP-753: a restartable init container keeps running, so it adds to the containers and
  // to every init container started after it, but not to those started before.
  const Pod pod = pod_from(R"(
spec:
  initContainers:
  - {name: before, resources: {requests: {cpu: "3"}}}
  - {name: sidecar-1, restartPolicy: Always, resources: {requests: {cpu: "1"}}}
  - {name: after, resources: {requests: {cpu: "2"}}}
  - {name: sidecar-2, restartPolicy: Always, resources: {requests: {cpu: 500m, memory: 100Mi}}}
  containers:
  - {name: app, resources: {requests: {cpu: "1", memory: 1Gi}}}
)");
  const ResourceList req = pod_requests(pod);
  // Containers + sidecars = 1 + 1 + 0.5 = 2.5; init peak = max(3, 1, 2 + 1, 1.5) = 3.
  EXPECT_EQ(req.at("cpu"), q("3"));
  EXPECT_EQ(req.at("memory"), q("1124Mi"));

  Pod lighter = pod;
  lighter.spec.initContainers[0].resources.requests["cpu"] = q("1");
  // Now the running set wins: 2.5 against max(1, 1, 3, 1.5) = 3 while "after" runs.
  EXPECT_EQ(pod_requests(lighter).at("cpu"), q("3"));
  lighter.spec.initContainers[2].resources.requests["cpu"] = q("100m");
  EXPECT_EQ(pod_requests(lighter).at("cpu"), q("2500m"));
}

TEST(PodResources, DocumentedPodOverhead) {
  // "Pod Overhead": two containers of 500m/100Mi and 1500m/100Mi (limits, so requests by
  // defaulting) with a RuntimeClass overhead of 250m/120Mi: 2250m and 320Mi.
  const Pod pod = pod_from(R"(
spec:
  runtimeClassName: kata-fc
  overhead: {cpu: 250m, memory: 120Mi}
  containers:
  - name: busybox-ctr
    image: busybox:1.28
    resources:
      limits: {cpu: 500m, memory: 100Mi}
  - name: nginx-ctr
    image: nginx
    resources:
      limits: {cpu: 1500m, memory: 100Mi}
)");
  const ResourceList req = pod_requests(pod);
  EXPECT_EQ(req.at("cpu"), q("2250m"));
  EXPECT_EQ(req.at("memory"), q("320Mi"));
  const ResourceList lim = pod_limits(pod);
  EXPECT_EQ(lim.at("cpu"), q("2250m"));
  EXPECT_EQ(lim.at("memory"), q("320Mi"));
  PodResourcesOptions no_overhead;
  no_overhead.exclude_overhead = true;
  EXPECT_EQ(pod_requests(pod, no_overhead).at("cpu"), q("2"));
  // Requests as given: only the overhead.
  PodResourcesOptions as_given;
  as_given.default_requests_from_limits = false;
  EXPECT_EQ(pod_requests(pod, as_given).at("cpu"), q("250m"));
  EXPECT_EQ(qos_class(pod), QosClass::kGuaranteed);
}

TEST(PodResources, OverheadOnlyAddsToLimitsThatExist) {
  const Pod pod = pod_from(R"(
spec:
  overhead: {cpu: 250m, memory: 120Mi}
  containers:
  - {name: a, resources: {limits: {cpu: "1"}}}
)");
  const ResourceList lim = pod_limits(pod);
  EXPECT_EQ(lim.at("cpu"), q("1250m"));
  EXPECT_EQ(lim.count("memory"), 0u);
}

TEST(PodResources, NonZeroDefaultsOnlyWhereMissing) {
  const Pod pod = pod_from(R"(
spec:
  initContainers:
  - {name: init, resources: {requests: {cpu: "0"}}}
  containers:
  - {name: none}
  - {name: cpu-only, resources: {requests: {cpu: "0"}}}
  - {name: mem-only, resources: {requests: {memory: 1Gi}}}
)");
  const ResourceList nz = pod_non_zero_requests(pod);
  // cpu: 100m (none) + 0 (explicit zero) + 100m (mem-only) = 200m; the init needs 0 + 0.
  EXPECT_EQ(nz.at("cpu"), q("200m"));
  // memory: 200Mi + 200Mi + 1Gi; the init container is defaulted to 200Mi, below that.
  EXPECT_EQ(nz.at("memory"), q("1424Mi"));
  EXPECT_EQ(pod_requests(pod).count("memory"), 1u);
  EXPECT_EQ(pod_requests(pod).at("cpu"), q("0"));
  EXPECT_TRUE(pod_requests(Pod{}).empty());
  EXPECT_EQ(non_zero_defaults().at("memory"), q("200Mi"));
}

TEST(PodResources, DefaultingFillsRequestsFromLimits) {
  Pod pod = pod_from(R"(
spec:
  containers:
  - {name: a, resources: {limits: {cpu: "2", memory: 1Gi}, requests: {cpu: 500m}}}
)");
  EXPECT_EQ(defaulted_requests(pod.spec.containers[0]).at("memory"), q("1Gi"));
  EXPECT_EQ(defaulted_requests(pod.spec.containers[0]).at("cpu"), q("500m"));
  apply_request_defaults(pod);
  EXPECT_EQ(pod.spec.containers[0].resources.requests.size(), 2u);
}

TEST(PodQos, DocumentedClasses) {
  // "Configure Quality of Service for Pods".
  EXPECT_EQ(qos_class(pod_from(R"(
spec:
  containers:
  - name: qos-demo-ctr
    resources:
      limits: {memory: 200Mi, cpu: 700m}
      requests: {memory: 200Mi, cpu: 700m}
)")),
            QosClass::kGuaranteed);
  EXPECT_EQ(qos_class(pod_from(R"(
spec:
  containers:
  - name: qos-demo-2-ctr
    resources:
      limits: {memory: 200Mi}
      requests: {memory: 100Mi}
)")),
            QosClass::kBurstable);
  EXPECT_EQ(qos_class(pod_from("spec: {containers: [{name: qos-demo-3-ctr, image: nginx}]}")),
            QosClass::kBestEffort);
  EXPECT_EQ(qos_class(pod_from(R"(
spec:
  containers:
  - {name: qos-demo-4-ctr-1, resources: {requests: {memory: 200Mi}}}
  - {name: qos-demo-4-ctr-2}
)")),
            QosClass::kBurstable);
  // Only limits: defaulting makes the requests equal, so Guaranteed.
  EXPECT_EQ(qos_class(pod_from("spec: {containers: [{name: c, resources: {limits: {cpu: 1, memory: 1Gi}}}]}")),
            QosClass::kGuaranteed);
  // An init container without limits spoils Guaranteed.
  EXPECT_EQ(qos_class(pod_from(R"(
spec:
  initContainers: [{name: i}]
  containers: [{name: c, resources: {limits: {cpu: 1, memory: 1Gi}}}]
)")),
            QosClass::kBurstable);
  // Zero quantities and other resources do not count.
  EXPECT_EQ(qos_class(pod_from(R"(
spec:
  containers: [{name: c, resources: {requests: {cpu: "0", nvidia.com/gpu: 1}}}]
)")),
            QosClass::kBestEffort);
  EXPECT_EQ(qos_class_name(QosClass::kBestEffort), "BestEffort");
}

}  // namespace
}  // namespace kci::k8s
