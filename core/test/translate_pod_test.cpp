// Pod -> CreateContainerGroup: one test per rule of issue 5, quoting the seeds.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "core/k8s/object.h"
#include "core/k8s/yaml.h"
#include "core/translate/annotations.h"
#include "core/translate/translate.h"

namespace kci::translate {
namespace {

k8s::Pod pod_from(const std::string& yaml) {
  auto j = k8s::yaml_document(yaml);
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
  auto p = k8s::decode<k8s::Pod>(j.ok() ? *j : k8s::Json::object());
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : k8s::Pod{};
}

NodeSettings node(std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> kv{{"--nodename", "rbkci-virtual-kubelet"},
                                        {"--cluster-dns", "10.254.0.10"},
                                        {"KCI_CLUSTER_ID", "cluster-1"},
                                        {"KCI_SUBNET_ID", "subnet-1"},
                                        {"KCI_SECURITY_GROUP_IDS", "sg-1"}};
  for (auto& [k, v] : extra) kv[k] = v;
  auto n = parse_node_settings(kv);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? *n : NodeSettings{};
}

struct Fixture {
  NodeSettings settings = node();
  MapLookup lookup;
  std::optional<CustomSidecar> sidecar;
  Outcome<TranslationResult> run(const k8s::Pod& pod) {
    TranslateInput in;
    in.pod = &pod;
    in.node = &settings;
    in.lookup = &lookup;
    in.sidecar = sidecar ? &*sidecar : nullptr;
    in.catalogue = &kcicloud::default_catalogue();
    return translate_pod(in);
  }
};

const char* kNginx = R"(
apiVersion: v1
kind: Pod
metadata: {name: nginx, namespace: default, uid: u-1}
spec:
  containers:
  - name: nginx
    image: nginx:latest
    resources: {limits: {cpu: "4", memory: 8Gi}}
)";

TranslationResult ok(Fixture& f, const k8s::Pod& p) {
  auto r = f.run(p);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.refusal().reason + ": " + r.refusal().message);
  return r.ok() ? r.value() : TranslationResult{};
}

Refusal refused(Fixture& f, const k8s::Pod& p) {
  auto r = f.run(p);
  EXPECT_FALSE(r.ok());
  return r.ok() ? Refusal{} : r.refusal();
}

k8s::Pod with(const char* base, const std::string& path_yaml_patch) {
  auto p = pod_from(base);
  auto j = k8s::encode(p);
  auto patch = k8s::yaml_document(path_yaml_patch);
  EXPECT_TRUE(patch.ok());
  j.merge_patch(*patch);
  auto out = k8s::decode<k8s::Pod>(j);
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
  return out.ok() ? *out : p;
}

// ---- the seed examples ----

TEST(Translate, Seed000FourCEightGOnS6I3IsS6_4B) {
  Fixture f;
  f.settings = node({{"KCI_INSTANCE_FAMILY", "S6,I3"}});
  auto r = ok(f, pod_from(kNginx));
  EXPECT_EQ(r.request.instance_type, "S6.4B");
  EXPECT_EQ(r.request.cpu, 4.0);
  EXPECT_EQ(r.request.memory, 8.0);
  EXPECT_EQ(r.request.system_disk, (kcicloud::SystemDisk{"SSD3.0", 20}));
}

TEST(Translate, Seed000LocalSsdGivesI3_4B) {
  Fixture f;
  f.settings = node({{"KCI_INSTANCE_FAMILY", "S6,I3"}});
  auto r = ok(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-base-system-disk-type: Local_SSD}}"));
  EXPECT_EQ(r.request.instance_type, "I3.4B");
  EXPECT_EQ(r.request.system_disk->type, "Local_SSD");
}

TEST(Translate, Seed000InstanceTypeAnnotationWinsOverFamilies) {
  Fixture f;
  f.settings = node({{"KCI_INSTANCE_FAMILY", "S6,I3"}});
  auto r = ok(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-instance-type: X7.8C}}"));
  EXPECT_EQ(r.request.instance_type, "X7.8C");
  EXPECT_EQ(r.request.cpu, 8.0);
  EXPECT_EQ(r.request.memory, 32.0);
}

TEST(Translate, MemoryOnlyPodIsTwoCEightG) {
  Fixture f;
  auto r = ok(f, pod_from(R"(
metadata: {name: m}
spec: {containers: [{name: a, image: i, resources: {limits: {memory: 7.8Gi}}}]}
)"));
  EXPECT_EQ(r.size, kcicloud::Size::cores_gib(2, 8));
  ASSERT_FALSE(r.events.empty());
  EXPECT_EQ(r.events.back().reason, "AutoInstanceTypeMatch");
}

TEST(Translate, NothingSetIsTwoCFourG) {
  Fixture f;
  auto r = ok(f, pod_from("metadata: {name: m}\nspec: {containers: [{name: a, image: i}]}"));
  EXPECT_EQ(r.size, kcicloud::Size::cores_gib(2, 4));
}

TEST(Translate, AnnotatedSizeWinsAndIsNormalised) {
  Fixture f;
  auto r = ok(f, with(kNginx, R"(metadata: {annotations: {k8s.ksyun.com/kci-instance-cpu: "3", k8s.ksyun.com/kci-instance-memory: "5"}})"));
  EXPECT_EQ(r.size, kcicloud::Size::cores_gib(4, 8));
}

TEST(Translate, OnlyCpuAnnotationRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, R"(metadata: {annotations: {k8s.ksyun.com/kci-instance-memory: "8"}})"));
  EXPECT_EQ(r.reason, "InvalidAnnotation");
  // The exact words STYLE.md gives as the model refusal.
  EXPECT_EQ(r.message,
            "k8s.ksyun.com/kci-instance-memory is set but k8s.ksyun.com/kci-instance-cpu is not: set both or neither");
}

TEST(Translate, AboveTheLargestPackageRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, "spec: {containers: [{name: nginx, image: nginx, resources: {limits: {cpu: '65'}}}]}"));
  EXPECT_EQ(r.reason, "UnsupportedSize");
  EXPECT_NE(r.message.find("65C"), std::string::npos) << r.message;
}

// ---- validation (seed 001 "不支持...") ----

TEST(Translate, DaemonSetPodRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, "metadata: {ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: ds, uid: x}]}"));
  EXPECT_EQ(r.reason, "UnsupportedFeature");
  EXPECT_EQ(r.field, "metadata.ownerReferences");
}

TEST(Translate, HostNetworkRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, "spec: {hostNetwork: true}"));
  EXPECT_EQ(r.field, "spec.hostNetwork");
}

TEST(Translate, HostPathRefusedUnlessTheSidecarDeclaresIt) {
  Fixture f;
  auto p = with(kNginx, "spec: {volumes: [{name: logs, hostPath: {path: /home/q/logs/collected}}]}");
  auto r = refused(f, p);
  EXPECT_EQ(r.reason, "UnsupportedFeature");
  EXPECT_NE(r.message.find("/home/q/logs/collected"), std::string::npos);
  CustomSidecar sc;
  sc.host_paths.insert("/home/q/logs/collected");
  f.sidecar = sc;
  auto t = ok(f, p);
  ASSERT_EQ(t.request.volumes.size(), 1u);
  EXPECT_EQ(t.request.volumes[0].type, "HostPathVolume");
}

TEST(Translate, PrivilegedRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, "spec: {containers: [{name: nginx, image: nginx, securityContext: {privileged: true}}]}"));
  EXPECT_EQ(r.field, "spec.containers[0].securityContext.privileged");
}

TEST(Translate, SixContainersRefused) {
  Fixture f;
  auto r = refused(f, pod_from(R"(
metadata: {name: six}
spec: {containers: [{name: a, image: i}, {name: b, image: i}, {name: c, image: i}, {name: d, image: i}, {name: e, image: i}, {name: f, image: i}]}
)"));
  EXPECT_EQ(r.reason, "TooManyContainers");
  EXPECT_NE(r.message.find("at most 5"), std::string::npos);
}

TEST(Translate, FourSecurityGroupsRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-security-group-id: 'a,b,c,d'}}"));
  EXPECT_EQ(r.reason, "InvalidAnnotation");
  EXPECT_NE(r.message.find("at most 3"), std::string::npos);
}

TEST(Translate, InitContainersAndProbesAreCarried) {
  // Seed 001 says "不支持liveness/readiness probe", "不支持init container"; KCI's API has
  // InitContainer.N and probes, so they are carried.
  Fixture f;
  auto r = ok(f, pod_from(R"(
metadata: {name: p}
spec:
  initContainers: [{name: init, image: busybox, command: [sh, -c, "true"]}]
  containers:
  - name: web
    image: nginx
    ports: [{name: http, containerPort: 80}]
    livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5}
    readinessProbe: {tcpSocket: {port: 80}}
    lifecycle: {preStop: {exec: {command: ["/bin/sh", "-c", "echo Container stopping..."]}}}
  terminationGracePeriodSeconds: 45
)"));
  ASSERT_EQ(r.request.init_containers.size(), 1u);
  const auto& c = r.request.containers.at(0);
  ASSERT_TRUE(c.liveness_probe);
  EXPECT_EQ(c.liveness_probe->handler.http_get_port, 80);
  EXPECT_EQ(c.liveness_probe->handler.http_get_path, "/healthz");
  EXPECT_EQ(c.liveness_probe->period_seconds, 5);
  EXPECT_EQ(c.readiness_probe->handler.tcp_socket_port, 80);
  ASSERT_TRUE(c.pre_stop);
  EXPECT_EQ(c.pre_stop->exec_command.back(), "echo Container stopping...");
  EXPECT_EQ(r.request.termination_grace_period_seconds, 45);
}

TEST(Translate, GrpcProbeAndPostStartRefused) {
  Fixture f;
  EXPECT_EQ(refused(f, with(kNginx, "spec: {containers: [{name: nginx, image: nginx, livenessProbe: {grpc: {port: 1}}}]}")).field,
            "spec.containers[0].livenessProbe.grpc");
  EXPECT_EQ(refused(f, with(kNginx, "spec: {containers: [{name: nginx, image: nginx, lifecycle: {postStart: {exec: {command: [x]}}}}]}")).field,
            "spec.containers[0].lifecycle.postStart");
}

// ---- annotations and settings ----

TEST(Translate, NetworkAnnotationsOverNodeDefaults) {
  Fixture f;
  auto r = ok(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-security-group-id: 'sg-a, sg-b', k8s.ksyun.com/kci-subnet-id: subnet-x}}"));
  EXPECT_EQ(r.request.security_group_ids, (std::vector<std::string>{"sg-a", "sg-b"}));
  EXPECT_EQ(r.request.subnet_id, "subnet-x");
  auto d = ok(f, pod_from(kNginx));
  EXPECT_EQ(d.request.security_group_ids, std::vector<std::string>{"sg-1"});
  EXPECT_EQ(d.request.subnet_id, "subnet-1");
}

TEST(Translate, NoSecurityGroupAnywhereRefused) {
  Fixture f;
  f.settings.security_group_ids.clear();
  EXPECT_EQ(refused(f, pod_from(kNginx)).reason, "MissingNetworkSetting");
}

TEST(Translate, KubeProxyAnnotationOverFlagAndVariable) {
  // Seed 000: "Pod annotation中配置优先级高于vk全局配置".
  Fixture f;
  EXPECT_FALSE(ok(f, pod_from(kNginx)).request.kube_proxy_enabled);
  f.settings = node({{"--kube-proxy-enable", ""}});
  EXPECT_TRUE(ok(f, pod_from(kNginx)).request.kube_proxy_enabled);
  EXPECT_FALSE(ok(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-kube-proxy-enabled: 'false'}}"))
                   .request.kube_proxy_enabled);
  f.settings = node({{"KCI_KUBE_PROXY", "true"}});
  EXPECT_TRUE(ok(f, pod_from(kNginx)).request.kube_proxy_enabled);
  EXPECT_EQ(refused(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-kube-proxy-enabled: 'yes please'}}")).reason,
            "InvalidAnnotation");
}

TEST(Translate, ProjectIdAnnotationAndDefault) {
  Fixture f;
  EXPECT_EQ(ok(f, pod_from(kNginx)).request.project_id, "0");
  EXPECT_EQ(ok(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-project-id: '106123'}}")).request.project_id,
            "106123");
  EXPECT_EQ(refused(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-project-id: abc}}")).reason,
            "InvalidAnnotation");
}

TEST(Translate, Bandwidth) {
  Fixture f;
  auto r = ok(f, with(kNginx, "metadata: {annotations: {kubernetes.io/ingress-bandwidth: 100M, kubernetes.io/egress-bandwidth: '5000'}}"));
  EXPECT_EQ(r.request.ingress_bandwidth, 100'000'000);
  EXPECT_EQ(r.request.egress_bandwidth, 5000);
  EXPECT_EQ(refused(f, with(kNginx, "metadata: {annotations: {kubernetes.io/egress-bandwidth: 10Mi}}")).reason,
            "InvalidAnnotation");
}

TEST(Translate, SystemDiskSizeFromTheFlag) {
  Fixture f;
  f.settings = node({{"--base-system-disk-size", "50"}});
  EXPECT_EQ(ok(f, pod_from(kNginx)).request.system_disk->size_gb, 50);
  // Local_SSD accepts 20-100 GB; 200 is refused, naming the range.
  f.settings = node({{"--base-system-disk-size", "200"}});
  auto r = refused(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-base-system-disk-type: Local_SSD}}"));
  EXPECT_NE(r.message.find("20-100"), std::string::npos);
  // ESSD_SYSTEM_PL0 starts at 50 GB: a 20 GB default is raised, with an event.
  f.settings = node();
  auto t = ok(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-base-system-disk-type: ESSD_SYSTEM_PL0}}"));
  EXPECT_EQ(t.request.system_disk->size_gb, 50);
  EXPECT_EQ(refused(f, with(kNginx, "metadata: {annotations: {k8s.ksyun.com/kci-base-system-disk-type: SSD9}}")).reason,
            "InvalidAnnotation");
}

TEST(Translate, BaseImageLabelsNameAndToken) {
  Fixture f;
  f.settings = node({{"KCI_BASE_IMAGE", "img-1"}});
  auto r = ok(f, pod_from(kNginx));
  EXPECT_EQ(r.request.base_image, "img-1");
  EXPECT_EQ(r.request.container_group_name, "default-nginx");
  EXPECT_EQ(r.request.client_token, "u-1");
  EXPECT_EQ(r.request.kci_type, "RBKCI");
  EXPECT_EQ(r.request.labels, (std::vector<kcicloud::KeyValue>{{"cluster-id", "cluster-1"},
                                                               {"namespace", "default"},
                                                               {"pod-name", "nginx"},
                                                               {"node-name", "rbkci-virtual-kubelet"}}));
}

TEST(Translate, GroupNameWithin128Characters) {
  const std::string ns(63, 'n');
  const std::string pod(200, 'p');
  const auto a = container_group_name(ns, pod);
  const auto b = container_group_name(ns, pod + "x");
  EXPECT_EQ(a.size(), 128u);
  EXPECT_NE(a, b);
  EXPECT_EQ(container_group_name("Default", "a_b"), "default-a-b");
}

// ---- DNS ----

TEST(Translate, ClusterFirstDns) {
  Fixture f;
  auto r = ok(f, pod_from(kNginx));
  ASSERT_TRUE(r.request.dns_config);
  EXPECT_EQ(r.request.dns_config->name_servers, std::vector<std::string>{"10.254.0.10"});
  EXPECT_EQ(r.request.dns_config->searches,
            (std::vector<std::string>{"default.svc.cluster.local", "svc.cluster.local", "cluster.local"}));
  EXPECT_EQ(r.request.dns_config->options, std::vector<std::string>{"ndots:5"});
  EXPECT_EQ(r.request.cluster_dns, "10.254.0.10");
  EXPECT_EQ(r.request.cluster_domain, "cluster.local");
}

TEST(Translate, DefaultDnsUsesVirtualNodeDns) {
  Fixture f;
  f.settings = node({{"--virtual-node-dns", "8.8.8.8,1.1.1.1"}});
  auto r = ok(f, with(kNginx, "spec: {dnsPolicy: Default}"));
  EXPECT_EQ(r.request.dns_config->name_servers, (std::vector<std::string>{"8.8.8.8", "1.1.1.1"}));
  EXPECT_TRUE(r.request.dns_config->searches.empty());
}

TEST(Translate, NoneAndDnsConfigMerged) {
  Fixture f;
  auto none = ok(f, with(kNginx, "spec: {dnsPolicy: None, dnsConfig: {nameservers: [1.2.3.4], searches: [a.b], options: [{name: ndots, value: '2'}]}}"));
  EXPECT_EQ(none.request.dns_config->name_servers, std::vector<std::string>{"1.2.3.4"});
  EXPECT_EQ(none.request.dns_config->options, std::vector<std::string>{"ndots:2"});
  auto merged = ok(f, with(kNginx, "spec: {dnsConfig: {nameservers: [10.254.0.10, 9.9.9.9], searches: [x.y], options: [{name: ndots, value: '1'}, {name: edns0}]}}"));
  EXPECT_EQ(merged.request.dns_config->name_servers, (std::vector<std::string>{"10.254.0.10", "9.9.9.9"}));
  EXPECT_EQ(merged.request.dns_config->searches.back(), "x.y");
  EXPECT_EQ(merged.request.dns_config->options, (std::vector<std::string>{"ndots:1", "edns0"}));
  EXPECT_EQ(refused(f, with(kNginx, "spec: {dnsPolicy: None}")).field, "spec.dnsConfig");
}

TEST(Translate, HostAliases) {
  Fixture f;
  auto r = ok(f, with(kNginx, "spec: {hostAliases: [{ip: 10.0.0.1, hostnames: [kafka-1, kafka-2]}]}"));
  ASSERT_EQ(r.request.host_aliases.size(), 1u);
  EXPECT_EQ(r.request.host_aliases[0].hostnames.size(), 2u);
}

// ---- env, ConfigMaps, Secrets (kubernetes.md events) ----

const char* kEnvPod = R"(
metadata: {name: e, namespace: ns1, uid: u-9, labels: {app: web}}
spec:
  nodeName: vk-1
  containers:
  - name: app
    image: app
    resources: {limits: {cpu: 500m, memory: 1Gi}}
    env:
    - {name: PLAIN, value: v}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
    - {name: FROM_CM, valueFrom: {configMapKeyRef: {name: cm, key: k}}}
    - {name: FROM_SECRET, valueFrom: {secretKeyRef: {name: s, key: password}}}
)";

void add_objects(Fixture& f) {
  k8s::ConfigMap cm;
  cm.metadata.name = "cm";
  cm.metadata.namespace_ = "ns1";
  cm.data = {{"k", "cm-value"}, {"other", "o"}};
  f.lookup.add(cm);
  k8s::Secret s;
  s.metadata.name = "s";
  s.metadata.namespace_ = "ns1";
  s.data = {{"password", k8s::base64_encode("hunter2")}};
  f.lookup.add(s);
}

std::string env_of(const kcicloud::ContainerSpec& c, const std::string& key) {
  for (const auto& kv : c.env) {
    if (kv.key == key) return kv.value;
  }
  return "<absent>";
}

TEST(Translate, EnvValuesDownwardApiAndReferences) {
  Fixture f;
  add_objects(f);
  auto r = ok(f, pod_from(kEnvPod));
  const auto& c = r.request.containers.at(0);
  EXPECT_EQ(env_of(c, "PLAIN"), "v");
  EXPECT_EQ(env_of(c, "POD"), "e");
  EXPECT_EQ(env_of(c, "NS"), "ns1");
  EXPECT_EQ(env_of(c, "APP"), "web");
  EXPECT_EQ(env_of(c, "NODE"), "vk-1");
  EXPECT_EQ(env_of(c, "CPU"), "500");
  EXPECT_EQ(env_of(c, "FROM_CM"), "cm-value");
  EXPECT_EQ(env_of(c, "FROM_SECRET"), "hunter2");
}

TEST(Translate, MandatorySecretNotFoundRefused) {
  // kubernetes.md: "a mandatory one keeps the pod out of the cloud".
  Fixture f;
  k8s::ConfigMap cm;
  cm.metadata = {};
  cm.metadata.name = "cm";
  cm.metadata.namespace_ = "ns1";
  cm.data = {{"k", "v"}};
  f.lookup.add(cm);
  auto r = refused(f, pod_from(kEnvPod));
  EXPECT_EQ(r.reason, "MandatorySecretNotFound");
  EXPECT_NE(r.message.find("ns1/s"), std::string::npos);
}

TEST(Translate, MandatoryConfigMapNotFoundRefused) {
  Fixture f;
  EXPECT_EQ(refused(f, pod_from(kEnvPod)).reason, "MandatoryConfigMapNotFound");
}

TEST(Translate, OptionalMissingReferencesGiveEvents) {
  Fixture f;
  auto r = ok(f, pod_from(R"(
metadata: {name: o}
spec:
  containers:
  - name: a
    image: i
    env:
    - {name: S, valueFrom: {secretKeyRef: {name: nope, key: k, optional: true}}}
    - {name: C, valueFrom: {configMapKeyRef: {name: nope, key: k, optional: true}}}
)"));
  std::vector<std::string> reasons;
  for (const auto& e : r.events) reasons.push_back(e.reason);
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "OptionalSecretNotFound"), reasons.end());
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "OptionalConfigMapNotFound"), reasons.end());
  EXPECT_TRUE(r.request.containers[0].env.empty());
}

TEST(Translate, MissingKeyOfExistingConfigMap) {
  Fixture f;
  add_objects(f);
  auto r = refused(f, pod_from(R"(
metadata: {name: o, namespace: ns1}
spec: {containers: [{name: a, image: i, env: [{name: X, valueFrom: {configMapKeyRef: {name: cm, key: missing}}}]}]}
)"));
  EXPECT_EQ(r.reason, "MandatoryConfigMapKeyNotFound");
}

TEST(Translate, EnvFromWithPrefixThenEnvOverrides) {
  Fixture f;
  add_objects(f);
  auto r = ok(f, pod_from(R"(
metadata: {name: o, namespace: ns1}
spec:
  containers:
  - name: a
    image: i
    envFrom: [{prefix: P_, configMapRef: {name: cm}}]
    env: [{name: P_k, value: overridden}]
)"));
  const auto& c = r.request.containers[0];
  EXPECT_EQ(env_of(c, "P_k"), "overridden");
  EXPECT_EQ(env_of(c, "P_other"), "o");
}

TEST(Translate, PodIpFieldRefRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, "spec: {containers: [{name: nginx, image: nginx, env: [{name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]}]}"));
  EXPECT_EQ(r.reason, "UnsupportedFeature");
  EXPECT_NE(r.message.find("status.podIP"), std::string::npos);
}

// ---- volumes ----

TEST(Translate, ConfigMapAndSecretVolumesAreBase64ConfigFiles) {
  Fixture f;
  add_objects(f);
  auto r = ok(f, pod_from(R"(
metadata: {name: v, namespace: ns1}
spec:
  containers:
  - name: a
    image: i
    volumeMounts: [{name: conf, mountPath: /etc/conf}, {name: sec, mountPath: /etc/sec, readOnly: true}, {name: tmp, mountPath: /tmp}, {name: share, mountPath: /share}]
  volumes:
  - {name: conf, configMap: {name: cm, items: [{key: k, path: app.conf}]}}
  - {name: sec, secret: {secretName: s}}
  - {name: tmp, emptyDir: {medium: Memory, sizeLimit: 1Gi}}
  - {name: share, nfs: {server: 10.0.0.5, path: /exports, readOnly: true}}
)"));
  const auto& v = r.request.volumes;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].type, "ConfigFileVolume");
  ASSERT_EQ(v[0].config_files.size(), 1u);
  EXPECT_EQ(v[0].config_files[0].path, "app.conf");
  EXPECT_EQ(v[0].config_files[0].content_base64, k8s::base64_encode("cm-value"));
  EXPECT_EQ(v[1].config_files.at(0).content_base64, k8s::base64_encode("hunter2"));
  EXPECT_EQ(v[2].type, "EmptyDirVolume");
  EXPECT_EQ(v[2].medium, "Memory");
  EXPECT_EQ(v[2].size_limit, k8s::Quantity::parse("1Gi")->to_string());
  EXPECT_EQ(v[3].type, "NFSVolume");
  EXPECT_EQ(r.request.containers[0].volume_mounts.size(), 4u);
  EXPECT_TRUE(r.request.containers[0].volume_mounts[1].read_only);
}

TEST(Translate, PvcVolumeAndSubPathRefused) {
  Fixture f;
  EXPECT_EQ(refused(f, with(kNginx, "spec: {volumes: [{name: d, persistentVolumeClaim: {claimName: c}}]}")).field,
            "spec.volumes[0].persistentVolumeClaim");
  EXPECT_EQ(refused(f, with(kNginx, "spec: {volumes: [{name: d, emptyDir: {}}], containers: [{name: nginx, image: nginx, volumeMounts: [{name: d, mountPath: /x, subPath: sub}]}]}"))
                .field,
            "spec.containers[0].volumeMounts[0].subPath");
}

TEST(Translate, ProjectedServiceAccountVolumeIsCarried) {
  Fixture f;
  k8s::ConfigMap ca;
  ca.metadata.name = "kube-root-ca.crt";
  ca.metadata.namespace_ = "default";
  ca.data = {{"ca.crt", "PEM"}};
  f.lookup.add(ca);
  auto r = ok(f, with(kNginx, R"(
spec:
  volumes:
  - name: kube-api-access
    projected:
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
      - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
      - downwardAPI: {items: [{path: namespace, fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}}]}
)"));
  ASSERT_EQ(r.request.volumes.size(), 1u);
  const auto& files = r.request.volumes[0].config_files;
  ASSERT_EQ(files.size(), 2u);  // the token is left out: no token source in this lookup
  EXPECT_EQ(files[1].content_base64, k8s::base64_encode("default"));
  EXPECT_EQ(r.events.back().reason, "ServiceAccountTokenUnavailable");
}

// ---- pull secrets, restart policy, ports, command ----

TEST(Translate, ImagePullSecretsBecomeRegistryCredentials) {
  Fixture f;
  k8s::Secret s;
  s.metadata.name = "regcred";
  s.metadata.namespace_ = "default";
  s.type = "kubernetes.io/dockerconfigjson";
  s.data = {{".dockerconfigjson",
             k8s::base64_encode(R"({"auths":{"hub.kce.ksyun.com":{"auth":")" + k8s::base64_encode("u:p") + R"("}}})")}};
  f.lookup.add(s);
  auto r = ok(f, with(kNginx, "spec: {imagePullSecrets: [{name: regcred}, {name: missing}]}"));
  ASSERT_EQ(r.request.image_registry_credentials.size(), 1u);
  EXPECT_EQ(r.request.image_registry_credentials[0],
            (kcicloud::RegistryCredential{"hub.kce.ksyun.com", "u", "p"}));
  EXPECT_EQ(r.events.back().reason, "FailedToRetrieveImagePullSecret");
}

TEST(Translate, RestartPolicyPortsCommandArgs) {
  Fixture f;
  auto r = ok(f, with(kNginx, "spec: {restartPolicy: OnFailure, containers: [{name: nginx, image: nginx, command: [a], args: [b, c], ports: [{containerPort: 80}, {containerPort: 443}]}]}"));
  EXPECT_EQ(r.request.restart_policy, "OnFailure");
  EXPECT_EQ(r.request.containers[0].ports, (std::vector<int>{80, 443}));
  EXPECT_EQ(r.request.containers[0].args, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(ok(f, pod_from(kNginx)).request.restart_policy, "Always");
}

// ---- custom sidecar (seed 000) ----

const char* kSidecarConfig = R"(
mutation:
  customMutation:
    containers:
    - name: filebeat
      image: docker.elastic.co/beats/filebeat:7.17.0
      imagePullPolicy: Always
      command: [/usr/share/filebeat/filebeat]
      args: [-c, /usr/share/filebeat/config/filebeat.yml, -e]
      volumeMounts:
      - {mountPath: /usr/share/filebeat/config, name: filebeat-config}
      - {mountPath: /home/q/logs/collected, name: filebeat-logdir}
    volumes:
    - {name: filebeat-config, configMap: {name: filebeat-config}}
    - {name: filebeat-logdir, hostPath: {path: /home/q/logs/collected}}
)";

TEST(Translate, CustomSidecarContainersAndVolumesAreAdded) {
  Fixture f;
  k8s::ConfigMap node_cm;
  node_cm.metadata.name = "rbkci-virtual-kubelet";
  node_cm.metadata.namespace_ = "kube-system";
  node_cm.data = {{"config.yaml", kSidecarConfig}};
  auto sc = parse_custom_sidecar(node_cm);
  ASSERT_TRUE(sc.ok()) << sc.error().message;
  EXPECT_EQ(sc->host_paths.count("/home/q/logs/collected"), 1u);
  f.sidecar = *sc;
  k8s::ConfigMap fb;
  fb.metadata.name = "filebeat-config";
  fb.metadata.namespace_ = "default";
  fb.data = {{"filebeat.yml", "output.kafka: {}"}};
  f.lookup.add(fb);
  // The business container writes its logs to the declared hostPath (seed 000).
  auto r = ok(f, with(kNginx, "spec: {volumes: [{name: logs, hostPath: {path: /home/q/logs/collected}}]}"));
  ASSERT_EQ(r.request.containers.size(), 2u);
  EXPECT_EQ(r.request.containers[1].name, "filebeat");
  ASSERT_EQ(r.request.volumes.size(), 3u);
  EXPECT_EQ(r.request.volumes[2].type, "HostPathVolume");
}

TEST(Translate, SidecarsCountTowardsFiveContainers) {
  Fixture f;
  CustomSidecar sc;
  sc.containers.resize(2);
  sc.containers[0].name = "s1";
  sc.containers[0].image = "i";
  sc.containers[1].name = "s2";
  sc.containers[1].image = "i";
  f.sidecar = sc;
  auto r = refused(f, pod_from(R"(
metadata: {name: four}
spec: {containers: [{name: a, image: i}, {name: b, image: i}, {name: c, image: i}, {name: d, image: i}]}
)"));
  EXPECT_EQ(r.reason, "TooManyContainers");
  EXPECT_NE(r.message.find("2 sidecars"), std::string::npos);
}

TEST(Translate, SidecarConfigWithoutKeyRefused) {
  k8s::ConfigMap cm;
  cm.metadata.name = "vk";
  cm.data = {{"config.yml", "x"}};
  auto r = parse_custom_sidecar(cm);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("config.yaml"), std::string::npos);
}

// ---- dialects: ECI (seed 003) ----

TEST(Dialect, EciSecurityGroupAndVswitchMapped) {
  Fixture f;
  auto r = ok(f, with(kNginx, R"(metadata: {annotations: {k8s.aliyun.com/eci-security-group: sg-e, k8s.aliyun.com/eci-vswitch: "vsw-a,vsw-b", k8s.aliyun.com/eci-schedule-strategy: VSwitchOrdered}})"));
  EXPECT_EQ(r.request.security_group_ids, std::vector<std::string>{"sg-e"});
  EXPECT_EQ(r.request.multi_subnet_ids, (std::vector<std::string>{"vsw-a", "vsw-b"}));
}

TEST(Dialect, KciKeyWinsOverEci) {
  Fixture f;
  auto r = ok(f, with(kNginx, R"(metadata: {annotations: {k8s.aliyun.com/eci-security-group: sg-e, k8s.ksyun.com/kci-security-group-id: sg-k}})"));
  EXPECT_EQ(r.request.security_group_ids, std::vector<std::string>{"sg-k"});
}

TEST(Dialect, VswitchRandomWithSeveralSubnetsRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, R"(metadata: {annotations: {k8s.aliyun.com/eci-vswitch: "vsw-a,vsw-b", k8s.aliyun.com/eci-schedule-strategy: VSwitchRandom}})"));
  EXPECT_EQ(r.reason, "UnsupportedFeature");
}

TEST(Dialect, EciUseSpecsFirstSizeThenFallbacks) {
  Fixture f;
  f.settings = node({{"KCI_INSTANCE_FAMILY", "S6"}});
  auto r = ok(f, with(kNginx, R"(metadata: {annotations: {k8s.aliyun.com/eci-use-specs: "2-4Gi,4-8Gi,N3.8B"}})"));
  EXPECT_EQ(r.request.instance_type, "S6.2B");
  ASSERT_EQ(r.fallbacks.size(), 2u);
  EXPECT_EQ(r.fallbacks[0].instance_type, "S6.4B");
  EXPECT_EQ(r.fallbacks[1].instance_type, "N3.8B");
}

TEST(Dialect, EcsInstanceTypeRefused) {
  Fixture f;
  auto r = refused(f, with(kNginx, R"(metadata: {annotations: {k8s.aliyun.com/eci-use-specs: "2-4Gi,ecs.c6.xlarge"}})"));
  EXPECT_EQ(r.reason, "UnsupportedFeature");
  EXPECT_NE(r.message.find("ecs.c6.xlarge"), std::string::npos);
}

TEST(Dialect, SpotStrategies) {
  Fixture f;
  auto r = ok(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-spot-strategy: SpotAsPriceGo}}"));
  EXPECT_EQ(r.request.charge_type, "Spot");
  EXPECT_EQ(r.request.spot_strategy, "SpotAsPriceGo");
  EXPECT_EQ(refused(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-spot-strategy: SpotWithPriceLimit}}")).reason,
            "UnsupportedFeature");
}

TEST(Dialect, KeysWithoutKciMeaningRefusedHintsIgnored) {
  Fixture f;
  auto r = refused(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-with-eip: 'true'}}"));
  EXPECT_EQ(r.reason, "UnsupportedFeature");
  EXPECT_EQ(r.field, "metadata.annotations[k8s.aliyun.com/eci-with-eip]");
  auto hint = ok(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-reschedule-enable: 'true'}}"));
  ASSERT_FALSE(hint.events.empty());
  EXPECT_EQ(hint.events[0].reason, "AnnotationIgnored");
  EXPECT_TRUE(ok(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/pod-fail-on-create-err: 'true'}}"))
                  .fail_on_create_error);
}

TEST(Dialect, ImageCacheAutoMatch) {
  // Seed 003: "k8s.aliyun.com/eci-image-cache: "true" #开启自动匹配镜像缓存。"
  Fixture f;
  auto r = ok(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-image-cache: 'true'}}"));
  EXPECT_TRUE(r.request.auto_match_image_cache);
  EXPECT_TRUE(r.request.image_cache_id.empty());
  EXPECT_TRUE(r.events.empty());  // mapped, not ignored
  EXPECT_FALSE(ok(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-image-cache: 'false'}}"))
                   .request.auto_match_image_cache);
  EXPECT_FALSE(ok(f, pod_from(kNginx)).request.auto_match_image_cache);
  auto bad = refused(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-image-cache: 'yes'}}"));
  EXPECT_EQ(bad.reason, "InvalidAnnotation");
  EXPECT_EQ(bad.field, "metadata.annotations[k8s.aliyun.com/eci-image-cache]");
  EXPECT_NE(bad.message.find("k8s.aliyun.com/eci-image-cache is \"yes\""), std::string::npos);
  EXPECT_NE(bad.message.find("'true' or 'false'"), std::string::npos);
}

TEST(Dialect, ImageCacheId) {
  // Seed 003: "k8s.aliyun.com/eci-image-snapshot-id: imc-2ze5tm5gehgtiiga**** #指定使用的镜像缓存。"
  Fixture f;
  auto r = ok(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-image-snapshot-id: imc-2ze5tm5gehgtiiga}}"));
  EXPECT_EQ(r.request.image_cache_id, "imc-2ze5tm5gehgtiiga");
  EXPECT_FALSE(r.request.auto_match_image_cache);
  auto both = ok(f, with(kNginx, "metadata: {annotations: {k8s.aliyun.com/eci-image-snapshot-id: ' imc-abc ', "
                                 "k8s.aliyun.com/eci-image-cache: 'true'}}"));
  EXPECT_EQ(both.request.image_cache_id, "imc-abc");
  EXPECT_TRUE(both.request.auto_match_image_cache);
  for (const char* v : {"snap-123", "imc-", "imc-ABC", "imc-2ze5****"}) {
    auto bad = refused(f, with(kNginx, std::string("metadata: {annotations: {k8s.aliyun.com/eci-image-snapshot-id: '") + v + "'}}"));
    EXPECT_EQ(bad.reason, "InvalidAnnotation") << v;
    EXPECT_EQ(bad.field, "metadata.annotations[k8s.aliyun.com/eci-image-snapshot-id]");
    EXPECT_NE(bad.message.find(std::string("k8s.aliyun.com/eci-image-snapshot-id is \"") + v + "\""), std::string::npos);
    EXPECT_NE(bad.message.find("imc- and lower-case letters and digits"), std::string::npos);
  }
}

TEST(Dialect, CciSizingPolicyOnTheNode) {
  // Seed 002: "将Pod中除了BestEffort类型容器外的每个容器CPU向上调整至0.25核的整数倍".
  Fixture f;
  f.settings = node({{"--sizing-policy", "cci"}});
  auto r = ok(f, pod_from(R"(
metadata: {name: c}
spec: {containers: [{name: a, image: i, resources: {limits: {cpu: 100m, memory: 100Mi}}}, {name: b, image: i}]}
)"));
  // The containers keep CCI's amounts; the instance is the smallest KCI package holding
  // the CCI pod (0.25C1G -> 1C1G), since the cloud sells packages only.
  EXPECT_EQ(r.size, (kcicloud::Size{1000, 1024}));
  EXPECT_EQ(r.request.containers[0].cpu, 0.25);
  EXPECT_EQ(r.request.containers[0].memory, 1.0);
  EXPECT_FALSE(r.request.containers[1].cpu.has_value());
  EXPECT_TRUE(r.request.instance_type.empty());
}

TEST(Dialect, DocsListEveryKey) {
  std::ifstream in(std::string(KCI_SOURCE_DIR) + "/docs/annotations.md");
  ASSERT_TRUE(in.good()) << "docs/annotations.md is missing";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& row : kAnnotationKeys) {
    EXPECT_NE(doc.find("`" + std::string(row.key) + "`"), std::string::npos) << row.key;
  }
}

}  // namespace
}  // namespace kci::translate
