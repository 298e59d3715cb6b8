// The unschedulable-pod autoscaler's decision (seed 003's virtual-kubelet-autoscaler).
#include <gtest/gtest.h>

#include "core/profile/autoscaler.h"

namespace kci::profile {
namespace {

const TimePoint kT0 = VirtualClock::kDefaultStart;

k8s::Pod pending_pod(StringMap labels, TimePoint since) {
  k8s::Pod p;
  p.metadata.name = "web-1";
  p.metadata.namespace_ = "apps";
  p.metadata.uid = "uid-1";
  p.metadata.labels = std::move(labels);
  p.spec.containers.push_back({.name = "c", .image = "nginx"});
  p.status.phase = "Pending";
  p.status.conditions.push_back({.type = "PodScheduled", .status = "False", .reason = "Unschedulable",
                                 .message = "0/3 nodes are available: 3 Insufficient cpu.",
                                 .lastTransitionTime = k8s::Time{since}});
  return p;
}

k8s::Node node(std::string name, bool is_virtual, bool ready = true) {
  k8s::Node n;
  n.metadata.name = std::move(name);
  if (is_virtual) {
    n.metadata.labels["type"] = "virtual-kubelet";
    n.spec.taints.push_back({.key = "virtual-kubelet.io/provider", .value = "kingsoftcloud", .effect = "NoSchedule"});
  }
  n.status.conditions.push_back({.type = "Ready", .status = ready ? "True" : "False"});
  return n;
}

const PodContext kCtx{.namespace_ = "apps"};
const std::vector<k8s::Node> kNodes = {node("normal-1", false), node("vk-b", true), node("vk-a", true),
                                       node("vk-0", true, /*ready=*/false)};

TEST(Autoscaler, WaitsThenBurstsToFirstReadyVirtualNodeByName) {
  auto p = pending_pod({{"virtual-kubelet.io/burst-to-cci", "auto"}}, kT0);
  auto early = decide_autoscale(p, kCtx, {}, kNodes, kT0 + std::chrono::seconds(10));
  EXPECT_EQ(early.action, AutoscaleDecision::Action::kWait);
  EXPECT_EQ(early.recheck_at, kT0 + std::chrono::seconds(30));
  auto d = decide_autoscale(p, kCtx, {}, kNodes, kT0 + std::chrono::seconds(30));
  ASSERT_EQ(d.action, AutoscaleDecision::Action::kBurst) << d.reason;
  EXPECT_EQ(d.node, "vk-a");
  ASSERT_EQ(d.patch.size(), 2u);
  EXPECT_EQ(d.patch[0], (Json{{"op", "test"}, {"path", "/metadata/uid"}, {"value", "uid-1"}}));
  EXPECT_EQ(d.patch[1]["path"], "/spec/tolerations");
  EXPECT_NE(d.reason.find("Unschedulable for 30s"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("burst-to-cci=auto"), std::string::npos) << d.reason;
}

TEST(Autoscaler, WaitingTimeIsConfigurable) {
  AutoscalerOptions o;
  o.unschedulable_for = std::chrono::seconds(5);
  auto p = pending_pod({{"k8s.ksyun.com/kci", "true"}}, kT0);
  EXPECT_EQ(decide_autoscale(p, kCtx, {}, kNodes, kT0 + std::chrono::seconds(5), o).action,
            AutoscaleDecision::Action::kBurst);
}

TEST(Autoscaler, OnlyPodsAllowedToBurst) {
  const auto later = kT0 + std::chrono::minutes(5);
  EXPECT_EQ(decide_autoscale(pending_pod({}, kT0), kCtx, {}, kNodes, later).action, AutoscaleDecision::Action::kNone);
  auto off = decide_autoscale(pending_pod({{"virtual-kubelet.io/burst-to-cci", "off"}}, kT0), kCtx, {}, kNodes, later);
  EXPECT_EQ(off.action, AutoscaleDecision::Action::kNone);
  EXPECT_NE(off.reason.find("normalNodeOnly"), std::string::npos);
  // A namespace trigger counts too.
  PodContext eci_ns{.namespace_ = "apps", .namespace_labels = {{"alibabacloud.com/eci", "true"}}};
  EXPECT_EQ(decide_autoscale(pending_pod({}, kT0), eci_ns, {}, kNodes, later).action, AutoscaleDecision::Action::kBurst);
}

TEST(Autoscaler, SkipsDaemonSetBoundScheduledAndRunningPods) {
  const auto later = kT0 + std::chrono::minutes(5);
  auto ds = pending_pod({{"k8s.ksyun.com/kci", "true"}}, kT0);
  ds.metadata.ownerReferences.push_back({.apiVersion = "apps/v1", .kind = "DaemonSet", .name = "agent", .uid = "d"});
  EXPECT_EQ(decide_autoscale(ds, kCtx, {}, kNodes, later).action, AutoscaleDecision::Action::kNone);
  auto bound = pending_pod({{"k8s.ksyun.com/kci", "true"}}, kT0);
  bound.spec.nodeName = "normal-1";
  EXPECT_EQ(decide_autoscale(bound, kCtx, {}, kNodes, later).action, AutoscaleDecision::Action::kNone);
  auto fresh = pending_pod({{"k8s.ksyun.com/kci", "true"}}, kT0);
  fresh.status.conditions.clear();
  EXPECT_EQ(decide_autoscale(fresh, kCtx, {}, kNodes, later).action, AutoscaleDecision::Action::kNone);
}

TEST(Autoscaler, RespectsThePodsOwnNodeSelector) {
  auto p = pending_pod({{"k8s.ksyun.com/kci", "true"}}, kT0);
  p.spec.nodeSelector["zone"] = "b";
  auto d = decide_autoscale(p, kCtx, {}, kNodes, kT0 + std::chrono::minutes(1));
  EXPECT_EQ(d.action, AutoscaleDecision::Action::kNone);
  EXPECT_NE(d.reason.find("no ready virtual node"), std::string::npos);
  std::vector<k8s::Node> nodes = kNodes;
  nodes[1].metadata.labels["zone"] = "b";
  auto ok = decide_autoscale(p, kCtx, {}, nodes, kT0 + std::chrono::minutes(1));
  ASSERT_EQ(ok.action, AutoscaleDecision::Action::kBurst);
  EXPECT_EQ(ok.node, "vk-b");
}

TEST(Autoscaler, SecondPassOnAToleratingPodAddsNoPatch) {
  auto p = pending_pod({{"k8s.ksyun.com/kci", "true"}}, kT0);
  p.spec.tolerations.push_back(VirtualNodeShape{}.toleration());
  auto d = decide_autoscale(p, kCtx, {}, kNodes, kT0 + std::chrono::minutes(1));
  ASSERT_EQ(d.action, AutoscaleDecision::Action::kBurst);
  EXPECT_TRUE(d.patch.empty());
}

}  // namespace
}  // namespace kci::profile
