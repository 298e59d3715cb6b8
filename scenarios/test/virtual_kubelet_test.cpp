// The virtual kubelet against the in-process API server and the fake cloud: pods become
// container groups and come back Running; refusals become events; nothing is lost or leaked
// across deletes, restarts, throttling and a deleted Node.
#include "provider/vk/virtual_kubelet.h"

#include <gtest/gtest.h>

#include "scenarios/test/vk_world.h"

namespace kci::vk {
namespace {

using namespace vktest;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

TEST(VirtualKubelet, RegistersItsNodeWithSeedLabelsTaintAndLease) {
  World w;
  w.start();
  auto node = w.client.get(kube::nodes(kNode));
  ASSERT_TRUE(node.ok());
  auto n = *k8s::decode<k8s::Node>(**node);
  EXPECT_EQ(n.metadata.labels["type"], "virtual-kubelet");
  EXPECT_EQ(n.metadata.labels["kubernetes.io/role"], "agent");
  EXPECT_EQ(n.metadata.labels["kubernetes.io/hostname"], kNode);
  ASSERT_EQ(n.spec.taints.size(), 1u);
  EXPECT_EQ(n.spec.taints[0].key, "virtual-kubelet.io/provider");
  EXPECT_EQ(n.spec.taints[0].value, "kingsoftcloud");
  EXPECT_EQ(n.spec.taints[0].effect, "NoSchedule");
  bool ready = false;
  for (const auto& c : n.status.conditions) ready |= c.type == "Ready" && c.status == "True";
  EXPECT_TRUE(ready);
  EXPECT_EQ(n.status.addresses.at(0).address, "10.0.0.5");
  auto lease1 = *k8s::decode<k8s::Lease>(**w.client.get(kube::leases("kube-node-lease", kNode)));
  w.ex.run_for(seconds(30));
  auto lease2 = *k8s::decode<k8s::Lease>(**w.client.get(kube::leases("kube-node-lease", kNode)));
  EXPECT_GT(lease2.spec.renewTime->at, lease1.spec.renewTime->at);
  EXPECT_EQ(lease2.spec.leaseDurationSeconds, std::optional<std::int32_t>(40));
}

TEST(VirtualKubelet, DisableTaintLeavesTheNodeUntainted) {
  World w;
  auto o = w.options();
  o.settings.disable_taint = true;
  w.start(nullptr, o);
  auto n = *k8s::decode<k8s::Node>(**w.client.get(kube::nodes(kNode)));
  EXPECT_TRUE(n.spec.taints.empty());
}

TEST(VirtualKubelet, ABoundPodBecomesRunningWithIpAndConditions) {
  World w;
  w.start();
  ASSERT_TRUE(w.client.create(kube::pods("default"), w.pod("web-1")).ok());
  w.ex.run_for(seconds(30));
  auto p = w.get_pod("web-1");
  EXPECT_EQ(p.status.phase, "Running");
  EXPECT_FALSE(p.status.podIP.empty());
  EXPECT_EQ(p.status.hostIP, "10.0.0.5");
  ASSERT_EQ(p.status.containerStatuses.size(), 1u);
  EXPECT_TRUE(p.status.containerStatuses[0].ready);
  EXPECT_TRUE(p.status.containerStatuses[0].state.running.has_value());
  std::map<std::string, std::string> conditions;
  for (const auto& c : p.status.conditions) conditions[c.type] = c.status;
  EXPECT_EQ(conditions["PodScheduled"], "True");
  EXPECT_EQ(conditions["Initialized"], "True");
  EXPECT_EQ(conditions["ContainersReady"], "True");
  EXPECT_EQ(conditions["Ready"], "True");
  scenario::Expectation e;
  e.containerGroups.push_back({"default/web-1", {{"cpu", 4}, {"memory", 8}, {"status", "Running"}}});
  e.events.push_back({"Pod/default/web-1", "ProviderCreateSuccess", "Normal", std::nullopt, false});
  e.noOrphans = true;
  auto r = w.check(e);
  EXPECT_TRUE(r.ok()) << join(r.failures);
}

TEST(VirtualKubelet, ARefusalIsAWarningEventAndThePodStaysPending) {
  World w;
  w.start();
  // Seed 001: hostNetwork is not supported on KCI.
  ASSERT_TRUE(w.client.create(kube::pods("default"), w.pod("hostnet", {{"hostNetwork", true}})).ok());
  w.ex.run_for(seconds(10));
  auto p = w.get_pod("hostnet");
  EXPECT_EQ(p.status.phase, "Pending");
  EXPECT_EQ(p.status.reason, "ProviderFailed");
  EXPECT_NE(p.status.message.find("hostNetwork"), std::string::npos) << p.status.message;
  scenario::Expectation e;
  e.events.push_back({"Pod/default/hostnet", "UnsupportedFeature", "Warning", "hostNetwork", false});
  e.noOrphans = true;
  auto r = w.check(e);
  EXPECT_TRUE(r.ok()) << join(r.failures);
  EXPECT_EQ(w.cloud.usage().container_groups, 0);
}

TEST(VirtualKubelet, DeletingAPodDeletesItsGroupAndConfirmsTheRemoval) {
  World w;
  w.start();
  ASSERT_TRUE(w.client.create(kube::pods("default"), w.pod("web-1")).ok());
  w.ex.run_for(seconds(30));
  ASSERT_EQ(w.cloud.usage().container_groups, 1);
  ASSERT_TRUE(w.client.remove(kube::pods("default", "web-1")).ok());
  w.ex.run_for(seconds(5));
  EXPECT_EQ(w.client.get(kube::pods("default", "web-1")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.cloud.usage().container_groups, 0);
  scenario::Expectation e;
  e.noOrphans = true;
  e.events.push_back({"Pod/default/web-1", "ProviderDeleteSuccess", "Normal", std::nullopt, false});
  auto r = w.check(e);
  EXPECT_TRUE(r.ok()) << join(r.failures);
}

TEST(VirtualKubelet, RestartMidBurstLeavesExactlyOneGroupPerPodAndNoOrphans) {
  World w;
  w.start();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(w.client.create(kube::pods("default"), w.pod("burst-" + std::to_string(i))).ok());
  w.ex.run_for(std::chrono::milliseconds(50));  // part of the burst is in the cloud
  w.vk->stop();
  // While it is down: one pod is deleted (its group is now an orphan).
  ASSERT_TRUE(w.client.remove(kube::pods("default", "burst-0"), kube::DeleteOptions{0, {}, {}, {}, false}).ok());
  w.ex.run_for(seconds(5));
  w.start();
  w.ex.run_for(seconds(60));
  scenario::Expectation e;
  e.pods.push_back({"default", "app=web", 39, "Running", std::nullopt, std::nullopt});
  e.noOrphans = true;
  auto r = w.check(e);
  EXPECT_TRUE(r.ok()) << join(r.failures);
  EXPECT_EQ(w.cloud.usage().container_groups, 39);
}

TEST(VirtualKubelet, ThrottlingAndServerErrorsDelayButNeverLoseAPod) {
  World w;
  fake_kci::FaultConfig faults;
  faults.throttle_rate = 0.3;
  faults.server_error_rate = 0.1;
  w.chaos = std::make_unique<fake_kci::ChaosKciApi>(w.cloud, w.ex.clock(), faults, 11);
  w.start(w.chaos.get());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(w.client.create(kube::pods("default"), w.pod("p-" + std::to_string(i))).ok());
  w.ex.run_for(std::chrono::minutes(5));
  scenario::Expectation e;
  e.pods.push_back({"default", "app=web", 30, "Running", std::nullopt, std::nullopt});
  e.noOrphans = true;
  auto r = w.check(e);
  EXPECT_TRUE(r.ok()) << join(r.failures);
  EXPECT_EQ(w.cloud.usage().container_groups, 30);
  std::int64_t throttled = 0;
  for (const auto& [k, n] : w.vk->stats().kci_calls)
    if (k.find("Throttling") != std::string::npos) throttled += n;
  EXPECT_GT(throttled, 0);
}

TEST(VirtualKubelet, ADeletedNodeComesBackWithANewUid) {
  World w;
  w.start();
  const auto uid1 = (**w.client.get(kube::nodes(kNode)))["metadata"]["uid"].get<std::string>();
  ASSERT_TRUE(w.client.remove(kube::nodes(kNode), kube::DeleteOptions{0, {}, {}, {}, false}).ok());
  w.ex.run_for(seconds(5));
  auto again = w.client.get(kube::nodes(kNode));
  ASSERT_TRUE(again.ok());
  EXPECT_NE((**again)["metadata"]["uid"].get<std::string>(), uid1);
}

}  // namespace
}  // namespace kci::vk
