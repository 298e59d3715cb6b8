#include "fake-apiserver/hollow_nodes.h"

#include <gtest/gtest.h>

#include "fake-apiserver/node_lifecycle_controller.h"
#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver::testing {
namespace {

struct HollowCluster : Cluster {
  HollowCluster() : nlc(client, ex), hollow(client, ex, options()) {
    EXPECT_TRUE(nlc.start().ok());
    EXPECT_TRUE(hollow.start().ok());
    ex.run_until_idle();
  }
  static HollowNodesOptions options() {
    HollowNodesOptions o;
    o.count = 3;
    o.cpu = "2";
    o.labels = {{"zone", "idc"}};
    return o;
  }
  Json get(const kube::ResourceRef& ref) { return **client.get(ref); }
  Json bound_pod(const std::string& name, const std::string& node) {
    Json p = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec", {{"nodeName", node}, {"containers", {{{"name", "c"}, {"image", "nginx:1.25"}}}}}}};
    return p;
  }
  NodeLifecycleController nlc;
  HollowNodes hollow;
};

std::string ready_of(const Json& node) {
  for (const auto& c : node["status"]["conditions"])
    if (c["type"] == "Ready") return c["status"];
  return "";
}

TEST(HollowNodes, RegisterReadyNodesThatStayReadyOnTheirLeases) {
  HollowCluster c;
  EXPECT_EQ(c.hollow.names(), (std::set<std::string>{"node-0001", "node-0002", "node-0003"}));
  const Json n = c.get(kube::nodes("node-0002"));
  EXPECT_EQ(n["status"]["allocatable"]["cpu"], "2");
  EXPECT_EQ(n["metadata"]["labels"]["zone"], "idc");
  EXPECT_EQ(n["metadata"]["labels"]["kubernetes.io/hostname"], "node-0002");
  // Ten minutes: without lease renewals the node lifecycle controller would have made
  // them Unknown after 40 s.
  c.ex.run_for(std::chrono::minutes(10));
  for (const auto& name : c.hollow.names()) EXPECT_EQ(ready_of(c.get(kube::nodes(name))), "True") << name;
}

TEST(HollowNodes, RunTheirPodsAfterTheStartDelayAndRemoveDeletedOnes) {
  HollowCluster c;
  ASSERT_TRUE(c.client.create(kube::pods("default"), c.bound_pod("mine", "node-0001")).ok());
  ASSERT_TRUE(c.client.create(kube::pods("default"), c.bound_pod("elsewhere", "vk")).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.get(kube::pods("default", "mine"))["status"].value("phase", "Pending"), "Pending");
  c.ex.run_for(std::chrono::seconds(1));
  const Json mine = c.get(kube::pods("default", "mine"));
  EXPECT_EQ(mine["status"]["phase"], "Running");
  EXPECT_FALSE(mine["status"].value("podIP", "").empty());
  EXPECT_EQ(mine["status"]["containerStatuses"][0]["ready"], true);
  // Not one of its nodes: left alone.
  EXPECT_EQ(c.get(kube::pods("default", "elsewhere"))["status"].value("phase", "Pending"), "Pending");

  kube::DeleteOptions graceful;
  graceful.gracePeriodSeconds = 30;
  ASSERT_TRUE(c.client.remove(kube::pods("default", "mine"), graceful).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.client.get(kube::pods("default", "mine")).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kci::apiserver::testing
