// The shipped scheduler configurations (provider/deploy/extender/) register the same
// extender in both forms: the KubeSchedulerConfiguration of current kube-scheduler and seed
// 000's legacy Policy ConfigMap; and the shipped extender-conf is what the extender accepts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/extender/watermark.h"
#include "core/k8s/yaml.h"
#include "fake-apiserver/scheduler.h"

namespace kci {
namespace {

k8s::Json load(const std::string& name) {
  std::ifstream in(std::string(KCI_SOURCE_DIR) + "/provider/deploy/extender/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = k8s::yaml_document(ss.str());
  EXPECT_TRUE(doc.ok()) << name << ": " << (doc.ok() ? "" : doc.error().message);
  return doc.ok() ? *doc : k8s::Json();
}

TEST(ExtenderDeploy, BothSchedulerFormsRegisterSeedZerosExtender) {
  auto modern = apiserver::parse_extenders(load("kube-scheduler-config.yaml"));
  ASSERT_TRUE(modern.ok()) << modern.error().message;
  const k8s::Json cm = load("policy-configmap.yaml");
  auto policy = k8s::yaml_document(cm["data"]["policy.cfg"].get<std::string>());
  ASSERT_TRUE(policy.ok());
  auto legacy = apiserver::parse_extenders(*policy);
  ASSERT_TRUE(legacy.ok()) << legacy.error().message;
  ASSERT_EQ(modern->size(), 1u);
  ASSERT_EQ(legacy->size(), 1u);
  const auto& a = modern->front();
  const auto& b = legacy->front();
  EXPECT_EQ(a.urlPrefix, "http://kci-scheduler-extender.kube-system/scheduler");
  EXPECT_EQ(a.urlPrefix, b.urlPrefix);
  EXPECT_EQ(a.filterVerb, "predicates/always_true");
  EXPECT_EQ(a.filterVerb, b.filterVerb);
  EXPECT_EQ(a.prioritizeVerb, "priorities/group_score");
  EXPECT_EQ(a.prioritizeVerb, b.prioritizeVerb);
  EXPECT_EQ(a.preemptVerb, b.preemptVerb);
  EXPECT_EQ(a.weight, b.weight);
  EXPECT_EQ(a.enableHTTPS, b.enableHTTPS);
  EXPECT_EQ(a.nodeCacheCapable, b.nodeCacheCapable);
}

TEST(ExtenderDeploy, ShippedExtenderConfIsAccepted) {
  const k8s::Json cm = load("extender-conf.yaml");
  k8s::StringMap data;
  for (const auto& [k, v] : cm["data"].items()) data[k] = v.get<std::string>();
  auto config = extender::parse_config(data);
  ASSERT_TRUE(config.ok()) << config.error().message;
}

}  // namespace
}  // namespace kci
