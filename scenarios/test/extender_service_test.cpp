// The extender at run time against the in-process API server: the cluster view comes from
// watches, the configuration reloads, a malformed one is reported and the last good kept,
// and the split survives an extender restart (the counts come from the cluster).
#include "provider/extender/extender_service.h"

#include <gtest/gtest.h>

#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"

namespace kci::extender {
namespace {

using k8s::Json;

struct Cluster {
  SimExecutor ex;
  apiserver::ApiServer server{ex};
  apiserver::InProcessClient client{server};

  void node(const std::string& name, const std::string& role, bool is_virtual, const std::string& cpu) {
    Json labels = {{"kubernetes.io/role", role}};
    if (is_virtual) labels["type"] = "virtual-kubelet";
    Json n = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}, {"labels", labels}}}};
    auto created = client.create(kube::nodes(), n);
    ASSERT_TRUE(created.ok()) << created.error().message;
    Json s = **created;
    s["status"] = {{"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}}};
    ASSERT_TRUE(client.update_status(kube::nodes(name), s).ok());
  }
  void config(const std::string& cpulimit, const std::string& weight) {
    Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
               {"metadata", {{"name", "extender-conf"}, {"namespace", "kube-system"}}},
               {"data", {{"cpulimit", cpulimit}, {"memlimit", "0.7"}, {"weight", weight}}}};
    if (client.get(kube::configmaps("kube-system", "extender-conf")).ok())
      ASSERT_TRUE(client.update(kube::configmaps("kube-system", "extender-conf"), cm).ok());
    else
      ASSERT_TRUE(client.create(kube::configmaps("kube-system"), cm).ok());
    ex.run_until_idle();
  }
  //! Schedules one 100m pod as kube-scheduler would with only the extender's scores: asks
  //! group_score with the exact body kube-scheduler sends (nodeCacheCapable=false), binds
  //! to the first best node.
  std::string schedule(ExtenderService& ext, int i) {
    Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"},
                {"metadata", {{"name", "nginx-" + std::to_string(i)}, {"namespace", "default"}, {"labels", {{"app", "nginx"}}}}},
                {"spec", {{"containers", Json::array({{{"name", "nginx"}, {"image", "nginx"},
                                                       {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "100Mi"}}}}}}})}}}};
    auto created = client.create(kube::pods("default"), pod);
    EXPECT_TRUE(created.ok());
    ex.run_until_idle();
    Json items = Json::array();
    auto nodes = client.list(kube::nodes());
    EXPECT_TRUE(nodes.ok());
    for (const auto& n : nodes->items) items.push_back(*n);
    Json args = {{"Pod", **created}, {"Nodes", {{"items", items}}}, {"NodeNames", nullptr}};
    auto reply = ext.handle("/scheduler/priorities/group_score", args.dump());
    EXPECT_EQ(reply.status, 200) << reply.body;
    auto scores = Json::parse(reply.body);
    std::string best;
    std::int64_t top = -1;
    for (const auto& s : scores)
      if (s["Score"].get<std::int64_t>() > top) top = s["Score"].get<std::int64_t>(), best = s["Host"];
    EXPECT_TRUE(client.bind(kube::pods("default", "nginx-" + std::to_string(i)), best).ok());
    ex.run_until_idle();
    return best;
  }
};

// Seed 000: workers 10.0.0.179 and 10.0.0.96, three masters, two virtual nodes with weights
// 3 and 1, cpulimit 0.5; 7 pods of 100m: 3 on the workers, 3 and 1 on the virtual nodes.
TEST(ExtenderService, Seed000WalkThroughFromTheClusterItself) {
  Cluster c;
  c.node("10.0.0.179", "node", false, "250m");
  c.node("10.0.0.96", "node", false, "250m");
  for (const char* m : {"10.0.0.214", "10.0.0.8", "10.0.0.83"}) c.node(m, "master", false, "4");
  c.node("rbkci-virtual-kubelet", "agent", true, "1000");
  c.node("cn-zhangjiakou.vnd-8vbahalwna5205drcwvr", "agent", true, "1000");
  c.config("0.5", R"([ { "nodeName": "rbkci-virtual-kubelet", "weight": 3 }, { "nodeName": "cn-zhangjiakou.vnd-8vbahalwna5205drcwvr", "weight": 1 } ])");
  std::vector<std::string> logs;
  ExtenderService ext(c.client, c.ex, [&](const std::string& l) { logs.push_back(l); });
  ext.start();
  c.ex.run_until_idle();
  ASSERT_TRUE(ext.synced());
  EXPECT_EQ(ext.snapshot().worker_cpu_allocatable_milli, 500);  // masters do not count
  std::map<std::string, int> placed;
  for (int i = 0; i < 7; ++i) ++placed[c.schedule(ext, i)];
  EXPECT_EQ(placed["10.0.0.179"] + placed["10.0.0.96"], 3);
  EXPECT_EQ(placed["rbkci-virtual-kubelet"], 3);
  EXPECT_EQ(placed["cn-zhangjiakou.vnd-8vbahalwna5205drcwvr"], 1);

  // A restarted extender sees the same cluster and continues the same split.
  ExtenderService again(c.client, c.ex);
  again.start();
  c.ex.run_until_idle();
  EXPECT_EQ(again.snapshot().pods_on_virtual_node, ext.snapshot().pods_on_virtual_node);
  EXPECT_EQ(again.snapshot().worker_cpu_requested_milli, 300);
  for (int i = 7; i < 11; ++i) ++placed[c.schedule(again, i)];
  EXPECT_EQ(placed["rbkci-virtual-kubelet"], 6);
  EXPECT_EQ(placed["cn-zhangjiakou.vnd-8vbahalwna5205drcwvr"], 2);
}

TEST(ExtenderService, AMalformedConfigIsReportedAndTheLastGoodKept) {
  Cluster c;
  c.config("0.5", R"([{"nodeName": "vk", "weight": 2}])");
  std::vector<std::string> logs;
  ExtenderService ext(c.client, c.ex, [&](const std::string& l) { logs.push_back(l); });
  ext.start();
  c.ex.run_until_idle();
  ASSERT_EQ(ext.config().weights.size(), 1u);
  c.config("lots", R"([{"nodeName": "vk", "weight": 2}])");
  EXPECT_EQ(ext.config().cpu_limit->to_string(), "500m");  // last good kept
  ASSERT_TRUE(ext.config_error().has_value());
  EXPECT_NE(ext.config_error()->find("key cpulimit: \"lots\""), std::string::npos);
  ASSERT_FALSE(logs.empty());
  EXPECT_NE(logs.back().find("refused"), std::string::npos);
  kube::ListOptions lo;
  lo.fieldSelector = "involvedObject.name=extender-conf";
  auto events = c.client.list(kube::events("kube-system"), lo);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 1u);
  EXPECT_EQ((*events->items[0])["reason"], "InvalidExtenderConfig");
  EXPECT_NE((*events->items[0])["message"].get<std::string>().find("\"lots\""), std::string::npos);
  // Fixed again: reloaded without a restart.
  c.config("0.9", R"([{"nodeName": "vk", "weight": 5}])");
  EXPECT_FALSE(ext.config_error().has_value());
  EXPECT_EQ(ext.config().weights.at(0).weight, 5);
}

TEST(ExtenderService, BadRequestsGet400AndUnknownVerbs404) {
  Cluster c;
  ExtenderService ext(c.client, c.ex);
  ext.start();
  c.ex.run_until_idle();
  EXPECT_EQ(ext.handle("/scheduler/priorities/group_score", "not json").status, 400);
  EXPECT_EQ(ext.handle("/scheduler/priorities/group_score", R"({"Nodes": null})").status, 400);
  EXPECT_EQ(ext.handle("/scheduler/predicates/always_true", R"({"Pod": {}, "NodeNames": ["x"]})").status, 200);
  EXPECT_EQ(ext.handle("/scheduler/priorities/group_score", R"({"Pod": {}, "NodeNames": ["ghost"]})").status, 400);
  EXPECT_EQ(ext.handle("/scheduler/bind", R"({"Pod": {}})").status, 404);
}

}  // namespace
}  // namespace kci::extender
