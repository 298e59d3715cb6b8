// Translations per second: a 1-container pod, and a 5-container pod (3 of its own with env,
// probes and volumes, plus 2 sidecars of the node's custom-sidecar configuration).
#include <benchmark/benchmark.h>

#include "core/k8s/object.h"
#include "core/k8s/yaml.h"
#include "core/kci/catalogue.h"
#include "core/translate/translate.h"

namespace {

using namespace kci;

k8s::Pod pod_from(const char* yaml) {
  auto j = k8s::yaml_document(yaml);
  auto p = k8s::decode<k8s::Pod>(*j);
  return *p;
}

translate::NodeSettings node() {
  return *translate::parse_node_settings({{"--cluster-dns", "10.254.0.10"},
                                          {"KCI_CLUSTER_ID", "c"},
                                          {"KCI_SUBNET_ID", "subnet-1"},
                                          {"KCI_SECURITY_GROUP_IDS", "sg-1,sg-2"},
                                          {"KCI_INSTANCE_FAMILY", "S6,I3"}});
}

void run(benchmark::State& state, const k8s::Pod& pod, const translate::CustomSidecar* sc,
         const translate::MapLookup& lookup) {
  const auto settings = node();
  translate::TranslateInput in;
  in.pod = &pod;
  in.node = &settings;
  in.lookup = &lookup;
  in.sidecar = sc;
  in.catalogue = &kcicloud::default_catalogue();
  for (auto _ : state) {
    auto r = translate::translate_pod(in);
    if (!r.ok()) state.SkipWithError(r.refusal().message.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_TranslateOneContainer(benchmark::State& state) {
  const auto pod = pod_from(R"(
metadata: {name: nginx-6ff6c84699-7jgv4, namespace: default, uid: u}
spec: {containers: [{name: nginx, image: nginx:latest, resources: {limits: {cpu: "4", memory: 8Gi}}}]}
)");
  translate::MapLookup lookup;
  run(state, pod, nullptr, lookup);
}
BENCHMARK(BM_TranslateOneContainer);

void BM_TranslateFiveContainersWithSidecars(benchmark::State& state) {
  const auto pod = pod_from(R"(
metadata:
  name: shop-7d9f8b6c5-x2x9q
  namespace: shop
  uid: u
  labels: {app: shop}
  annotations: {k8s.ksyun.com/kci-kube-proxy-enabled: "true", kubernetes.io/ingress-bandwidth: 100M}
spec:
  volumes:
  - {name: conf, configMap: {name: shop-config}}
  - {name: tmp, emptyDir: {}}
  - {name: logs, hostPath: {path: /home/q/logs/collected}}
  containers:
  - name: web
    image: shop/web:1.2
    ports: [{name: http, containerPort: 8080}]
    resources: {limits: {cpu: "2", memory: 4Gi}}
    env:
    - {name: MODE, value: prod}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: DB, valueFrom: {configMapKeyRef: {name: shop-config, key: db}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: shop-secret, key: password}}}
    volumeMounts: [{name: conf, mountPath: /etc/shop}, {name: logs, mountPath: /home/q/logs/collected}]
    livenessProbe: {httpGet: {path: /healthz, port: http}}
    readinessProbe: {tcpSocket: {port: 8080}}
  - name: worker
    image: shop/worker:1.2
    resources: {requests: {cpu: "1", memory: 2Gi}}
    envFrom: [{configMapRef: {name: shop-config}}]
    volumeMounts: [{name: tmp, mountPath: /tmp}]
  - name: cache
    image: redis:7
    resources: {limits: {cpu: 500m, memory: 1Gi}}
)");
  translate::MapLookup lookup;
  k8s::ConfigMap cm;
  cm.metadata.name = "shop-config";
  cm.metadata.namespace_ = "shop";
  cm.data = {{"db", "postgres://db"}, {"app.yaml", "port: 8080\n"}};
  lookup.add(cm);
  k8s::Secret s;
  s.metadata.name = "shop-secret";
  s.metadata.namespace_ = "shop";
  s.data = {{"password", k8s::base64_encode("hunter2")}};
  lookup.add(s);
  translate::CustomSidecar sc;
  for (const char* name : {"filebeat", "metrics"}) {
    k8s::Container c;
    c.name = name;
    c.image = std::string("sidecar/") + name;
    c.volumeMounts.push_back(k8s::VolumeMount{"logs", "/logs", "", "", true, {}});
    sc.containers.push_back(c);
  }
  sc.host_paths.insert("/home/q/logs/collected");
  run(state, pod, &sc, lookup);
}
BENCHMARK(BM_TranslateFiveContainersWithSidecars);

}  // namespace
