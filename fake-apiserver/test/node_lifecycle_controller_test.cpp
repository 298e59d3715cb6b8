#include "fake-apiserver/node_lifecycle_controller.h"

#include <gtest/gtest.h>

#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver::testing {
namespace {

struct LifecycleCluster : Cluster {
  LifecycleCluster() : nlc(client, ex) {}
  //! The kubelet's heartbeat: Ready=True with lastHeartbeatTime now.
  void heartbeat(const std::string& node) {
    Json n = **client.get(kube::nodes(node));
    const std::string now = server.now_rfc3339();
    n["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"},
                                  {"lastHeartbeatTime", now}, {"lastTransitionTime", now}}};
    ASSERT_TRUE(client.update_status(kube::nodes(node), n).ok());
  }
  void renew_lease(const std::string& node) {
    k8s::Time t;
    t.at = ex.clock().now();
    t.micro = true;
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", node}, {"namespace", "kube-node-lease"}}},
                  {"spec", {{"holderIdentity", node}, {"leaseDurationSeconds", 40}, {"renewTime", t.to_string()}}}};
    auto cur = client.get(kube::leases("kube-node-lease", node));
    if (cur.ok()) {
      ASSERT_TRUE(client.patch(kube::leases("kube-node-lease", node), kube::PatchType::kMerge,
                               {{"spec", {{"renewTime", t.to_string()}}}})
                      .ok());
    } else {
      ASSERT_TRUE(client.create(kube::leases("kube-node-lease"), lease).ok());
    }
  }
  Json node(const std::string& name) { return **client.get(kube::nodes(name)); }
  std::vector<std::string> taints(const std::string& name) {
    std::vector<std::string> out;
    const Json n = node(name);
    for (const auto& t : n.value("spec", Json::object()).value("taints", Json::array()))
      out.push_back(t.value("key", "") + ":" + t.value("effect", "") + (t.contains("timeAdded") ? "@" : ""));
    return out;
  }
  std::string ready(const std::string& name) {
    const Json n = node(name);
    for (const auto& c : n["status"]["conditions"])
      if (c["type"] == "Ready") return c["status"];
    return "";
  }
  NodeLifecycleController nlc;
};

TEST(NodeLifecycleController, SilentNodeTurnsUnknownAndUnreachableThenRecovers) {
  LifecycleCluster c;
  Json n = node_json("vk");
  n["status"]["conditions"].push_back({{"type", "MemoryPressure"}, {"status", "False"}});
  n["spec"]["taints"] = {{{"key", "virtual-kubelet.io/provider"}, {"value", "kci"}, {"effect", "NoSchedule"}}};
  ASSERT_TRUE(c.client.create(kube::nodes(), n).ok());
  c.heartbeat("vk");
  ASSERT_TRUE(c.nlc.start().ok());
  c.ex.run_for(std::chrono::seconds(30));
  EXPECT_EQ(c.ready("vk"), "True");
  EXPECT_EQ(c.taints("vk"), (std::vector<std::string>{"virtual-kubelet.io/provider:NoSchedule"}));
  c.ex.run_for(std::chrono::seconds(10));  // 40 s: not yet older than the grace period
  EXPECT_EQ(c.ready("vk"), "True");
  c.ex.run_for(std::chrono::seconds(5));  // the 45 s pass sees it
  EXPECT_EQ(c.ready("vk"), "Unknown");
  const Json unknown = c.node("vk");
  for (const auto& cond : unknown["status"]["conditions"]) {
    EXPECT_EQ(cond["status"], "Unknown");
    EXPECT_EQ(cond["reason"], "NodeStatusUnknown");
    EXPECT_EQ(cond["message"], "Kubelet stopped posting node status.");
  }
  EXPECT_EQ(c.taints("vk"), (std::vector<std::string>{"virtual-kubelet.io/provider:NoSchedule",
                                                      "node.kubernetes.io/unreachable:NoSchedule",
                                                      "node.kubernetes.io/unreachable:NoExecute@"}));
  c.heartbeat("vk");
  c.ex.run_until_idle();
  EXPECT_EQ(c.ready("vk"), "True");
  EXPECT_EQ(c.taints("vk"), (std::vector<std::string>{"virtual-kubelet.io/provider:NoSchedule"}));
  c.ex.run_for(std::chrono::seconds(20));
  EXPECT_EQ(c.ready("vk"), "True");
}

TEST(NodeLifecycleController, ALeaseKeepsTheNodeAliveWithoutStatusUpdates) {
  LifecycleCluster c;
  ASSERT_TRUE(c.client.create(kube::nodes(), node_json("vk")).ok());
  c.heartbeat("vk");
  c.renew_lease("vk");
  ASSERT_TRUE(c.nlc.start().ok());
  for (int i = 0; i < 12; ++i) {  // two minutes of lease renewals every 10 s
    c.ex.run_for(std::chrono::seconds(10));
    c.renew_lease("vk");
  }
  EXPECT_EQ(c.ready("vk"), "True");
  EXPECT_TRUE(c.taints("vk").empty());
  c.ex.run_for(std::chrono::seconds(50));
  EXPECT_EQ(c.ready("vk"), "Unknown");
}

TEST(NodeLifecycleController, NotReadyNodeGetsTheNotReadyTaints) {
  LifecycleCluster c;
  Json n = node_json("sick");
  n["status"]["conditions"] = {{{"type", "Ready"}, {"status", "False"}, {"reason", "KubeletNotReady"},
                                {"lastHeartbeatTime", c.server.now_rfc3339()}}};
  ASSERT_TRUE(c.client.create(kube::nodes(), n).ok());
  ASSERT_TRUE(c.nlc.start().ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.taints("sick"), (std::vector<std::string>{"node.kubernetes.io/not-ready:NoSchedule",
                                                        "node.kubernetes.io/not-ready:NoExecute@"}));
}

TEST(NodeLifecycleController, ANodeThatNeverPostedStatusGetsAReadyUnknownCondition) {
  LifecycleCluster c;
  Json n = node_json("mute");
  n["status"].erase("conditions");
  ASSERT_TRUE(c.client.create(kube::nodes(), n).ok());
  ASSERT_TRUE(c.nlc.start().ok());
  c.ex.run_for(std::chrono::seconds(50));
  const Json cond = c.node("mute")["status"]["conditions"][0];
  EXPECT_EQ(cond["type"], "Ready");
  EXPECT_EQ(cond["status"], "Unknown");
  EXPECT_EQ(cond["reason"], "NodeStatusNeverUpdated");
}

}  // namespace
}  // namespace kci::apiserver::testing
