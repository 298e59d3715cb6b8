// The node's custom sidecar (seed 000 "自定义sidecar方式采集容器实例日志"): its containers are
// appended to the pod's, its ConfigMap volumes are read from kube-system (where seed 000
// creates filebeat-config), and a pod may mount the hostPath the sidecar declares.
#include <gtest/gtest.h>

#include "core/k8s/yaml.h"
#include "core/translate/translate.h"

namespace kci::translate {
namespace {

template <class T>
T decode_yaml(const char* text) {
  auto j = k8s::yaml_document(text);
  EXPECT_TRUE(j.ok());
  auto v = k8s::decode<T>(*j);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return *v;
}

constexpr const char* kSidecarConfigMap = R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: rbkci-virtual-kubelet, namespace: kube-system}
data:
  config.yaml: |
    mutation:
      customMutation:
        containers:
          - name: filebeat
            image: docker.elastic.co/beats/filebeat:7.17.0
            volumeMounts:
              - {mountPath: /usr/share/filebeat/config, name: filebeat-config}
              - {mountPath: /home/q/logs/collected, name: filebeat-logdir}
        volumes:
          - {name: filebeat-config, configMap: {name: filebeat-config}}
          - {name: filebeat-logdir, hostPath: {path: /home/q/logs/collected}}
)";

constexpr const char* kPod = R"(
apiVersion: v1
kind: Pod
metadata: {name: nginx, namespace: default, uid: u-1}
spec:
  nodeName: rbkci-virtual-kubelet
  containers:
    - name: nginx
      image: nginx:latest
      volumeMounts: [{name: rbkcilog, mountPath: /var/log/nginx}]
  volumes:
    - {name: rbkcilog, hostPath: {path: /home/q/logs/collected}}
)";

TEST(TranslateSidecar, SidecarVolumesReadKubeSystemAndAllowTheDeclaredHostPath) {
  auto sidecar = parse_custom_sidecar(decode_yaml<k8s::ConfigMap>(kSidecarConfigMap));
  ASSERT_TRUE(sidecar.ok()) << sidecar.error().message;
  MapLookup lookup;
  lookup.add(decode_yaml<k8s::ConfigMap>(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: filebeat-config, namespace: kube-system}
data: {filebeat.yml: "output.kafka: {}"}
)"));
  const auto pod = decode_yaml<k8s::Pod>(kPod);
  NodeSettings node;
  node.node_name = "rbkci-virtual-kubelet";
  node.subnet_ids = {"subnet-a"};
  node.security_group_ids = {"sg-1"};
  TranslateInput in{&pod, nullptr, &lookup, &node, &*sidecar, &kcicloud::default_catalogue()};
  auto out = translate_pod(in);
  ASSERT_TRUE(out.ok()) << out.refusal().reason << ": " << out.refusal().message;
  const auto& req = out.value().request;
  ASSERT_EQ(req.containers.size(), 2u);
  EXPECT_EQ(req.containers[1].name, "filebeat");
  ASSERT_EQ(req.volumes.size(), 3u);
  EXPECT_EQ(req.volumes[1].type, "ConfigFileVolume");
  ASSERT_EQ(req.volumes[1].config_files.size(), 1u);
  EXPECT_EQ(req.volumes[1].config_files[0].path, "filebeat.yml");
}

TEST(TranslateSidecar, AMissingSidecarConfigMapIsNamedInKubeSystem) {
  auto sidecar = parse_custom_sidecar(decode_yaml<k8s::ConfigMap>(kSidecarConfigMap));
  ASSERT_TRUE(sidecar.ok());
  MapLookup lookup;  // filebeat-config exists nowhere
  const auto pod = decode_yaml<k8s::Pod>(kPod);
  NodeSettings node;
  node.subnet_ids = {"subnet-a"};
  node.security_group_ids = {"sg-1"};
  TranslateInput in{&pod, nullptr, &lookup, &node, &*sidecar, &kcicloud::default_catalogue()};
  auto out = translate_pod(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.refusal().reason, "MandatoryConfigMapNotFound");
  EXPECT_NE(out.refusal().message.find("kube-system/filebeat-config"), std::string::npos) << out.refusal().message;
}

TEST(TranslateSidecar, AnUndeclaredHostPathIsRefused) {
  const auto pod = decode_yaml<k8s::Pod>(kPod);
  NodeSettings node;
  node.subnet_ids = {"subnet-a"};
  node.security_group_ids = {"sg-1"};
  TranslateInput in{&pod, nullptr, nullptr, &node, nullptr, &kcicloud::default_catalogue()};
  auto out = translate_pod(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.refusal().reason, "UnsupportedFeature");
  EXPECT_NE(out.refusal().message.find("hostPath /home/q/logs/collected"), std::string::npos);
}

}  // namespace
}  // namespace kci::translate
