// The extender's wire protocol, fed the JSON kube-scheduler sends (Go field names).
#include "core/extender/protocol.h"

#include <gtest/gtest.h>

#include <map>

namespace kci::extender {
namespace {

using k8s::Json;

class MapDirectory : public NodeDirectory {
 public:
  std::map<std::string, bool> nodes;
  std::optional<bool> is_virtual(const std::string& n) const override {
    auto it = nodes.find(n);
    if (it == nodes.end()) return std::nullopt;
    return it->second;
  }
};

Json node(const std::string& name, bool is_virtual) {
  Json labels = {{"kubernetes.io/hostname", name}};
  if (is_virtual) {
    labels["type"] = "virtual-kubelet";
    labels["kubernetes.io/role"] = "agent";
  } else {
    labels["kubernetes.io/role"] = "node";
  }
  return {{"metadata", {{"name", name}, {"labels", labels}}},
          {"status", {{"allocatable", {{"cpu", "250m"}, {"memory", "4Gi"}, {"pods", "110"}}}}}};
}

// What kube-scheduler 1.28 POSTs to <urlPrefix>/priorities/group_score with
// nodeCacheCapable=false (the Policy of seed 000).
Json seed_args() {
  return Json::parse(R"({
    "Pod": {"metadata": {"name": "nginx-68c8867f7b-94r4v", "namespace": "default",
                         "uid": "0b0f5d8c-1111-4c1e-9d7e-000000000001",
                         "labels": {"app": "nginx", "pod-template-hash": "68c8867f7b"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": "nginx-68c8867f7b", "uid": "u", "controller": true}]},
            "spec": {"containers": [{"name": "nginx", "image": "nginx",
                                     "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}}}],
                     "tolerations": [{"key": "rbkci-virtual-kubelet.io/provider", "operator": "Equal",
                                      "value": "kingsoftcloud", "effect": "NoSchedule"}]},
            "status": {"phase": "Pending"}},
    "Nodes": {"metadata": {}, "items": []},
    "NodeNames": null
  })");
}

WatermarkConfig seed_config() {
  return *parse_config({{"cpulimit", "0.5"}, {"memlimit", "0.7"},
                        {"weight", R"([{"nodeName": "rbkci-virtual-kubelet", "weight": 3},
                                       {"nodeName": "cn-zhangjiakou.vnd-8vbahalwna5205drcwvr", "weight": 1}])"}});
}

TEST(ExtenderProtocol, FilterKeepsEveryNodeInTheFormAsked) {
  Json args = seed_args();
  args["Nodes"]["items"] = {node("10.0.0.179", false), node("rbkci-virtual-kubelet", true)};
  auto r = filter(args);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["Nodes"], args["Nodes"]);
  EXPECT_TRUE((*r)["NodeNames"].is_null());
  EXPECT_EQ((*r)["Error"], "");

  Json by_name = seed_args();
  by_name["Nodes"] = nullptr;
  by_name["NodeNames"] = {"10.0.0.179", "rbkci-virtual-kubelet"};
  auto n = filter(by_name);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE((*n)["Nodes"].is_null());
  EXPECT_EQ((*n)["NodeNames"], by_name["NodeNames"]);
}

TEST(ExtenderProtocol, PrioritizeAnswersHostPriorityList) {
  Json args = seed_args();
  args["Nodes"]["items"] = {node("10.0.0.179", false), node("10.0.0.96", false),
                            node("rbkci-virtual-kubelet", true),
                            node("cn-zhangjiakou.vnd-8vbahalwna5205drcwvr", true)};
  WatermarkSnapshot s{.worker_cpu_requested_milli = 300, .worker_cpu_allocatable_milli = 500,
                      .worker_memory_requested = 300LL << 20, .worker_memory_allocatable = 8LL << 30};
  MapDirectory dir;
  auto r = prioritize(args, seed_config(), s, dir);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Json::parse(R"([{"Host": "10.0.0.179", "Score": 0}, {"Host": "10.0.0.96", "Score": 0},
                                {"Host": "rbkci-virtual-kubelet", "Score": 10},
                                {"Host": "cn-zhangjiakou.vnd-8vbahalwna5205drcwvr", "Score": 0}])"));
}

TEST(ExtenderProtocol, NodeCacheCapableUsesTheDirectory) {
  Json args = seed_args();
  args["Nodes"] = nullptr;
  args["NodeNames"] = {"10.0.0.179", "rbkci-virtual-kubelet"};
  MapDirectory dir;
  dir.nodes = {{"10.0.0.179", false}, {"rbkci-virtual-kubelet", true}};
  WatermarkSnapshot below{.worker_cpu_requested_milli = 0, .worker_cpu_allocatable_milli = 500,
                          .worker_memory_requested = 0, .worker_memory_allocatable = 1LL << 30};
  auto r = prioritize(args, seed_config(), below, dir);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0]["Score"], 10);
  EXPECT_EQ((*r)[1]["Score"], 0);

  args["NodeNames"].push_back("ghost");
  auto unknown = prioritize(args, seed_config(), below, dir);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message,
            "ExtenderArgs.NodeNames[2]: unknown node \"ghost\" (not in the extender's view of the cluster)");
}

TEST(ExtenderProtocol, BadInputIsRefusedWithAMessage) {
  EXPECT_FALSE(parse_body("{not json").ok());
  EXPECT_NE(parse_body("{not json").error().message.find("request body is not JSON"), std::string::npos);
  EXPECT_TRUE(parse_body(R"({"Pod": {}})").ok());
  MapDirectory dir;
  auto no_pod = prioritize(Json::parse(R"({"Nodes": null, "NodeNames": []})"), seed_config(), {}, dir);
  ASSERT_FALSE(no_pod.ok());
  EXPECT_EQ(no_pod.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(no_pod.error().message.find("ExtenderArgs.Pod"), std::string::npos);
  EXPECT_FALSE(filter(Json::array()).ok());
  EXPECT_FALSE(filter(Json::parse(R"({"Pod": {}, "Nodes": {"items": 3}})")).ok());
  EXPECT_FALSE(filter(Json::parse(R"({"Pod": {}, "Nodes": {"items": [{"metadata": {"name": 7}}]}})")).ok());
  EXPECT_FALSE(prioritize(Json::parse(R"({"Pod": {}, "NodeNames": [1]})"), seed_config(), {}, dir).ok());
  EXPECT_FALSE(preempt(Json::parse(R"({"NodeNameToVictims": {}})")).ok());
}

TEST(ExtenderProtocol, PreemptionAgreesWithTheScheduler) {
  auto r = preempt(Json::parse(R"({"Pod": {"metadata": {"name": "p"}},
      "NodeNameToVictims": {"10.0.0.179": {"Pods": [{"metadata": {"uid": "v1"}}, {"metadata": {"uid": "v2"}}],
                                           "NumPDBViolations": 1}},
      "NodeNameToMetaVictims": null})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Json::parse(R"({"NodeNameToMetaVictims": {"10.0.0.179": {"Pods": [{"UID": "v1"}, {"UID": "v2"}],
                                                                          "NumPDBViolations": 1}}})"));
  auto meta = preempt(Json::parse(R"({"Pod": {}, "NodeNameToMetaVictims": {"n": {"Pods": [{"UID": "x"}], "NumPDBViolations": 0}}})"));
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ((*meta)["NodeNameToMetaVictims"]["n"]["Pods"][0]["UID"], "x");
}

}  // namespace
}  // namespace kci::extender
