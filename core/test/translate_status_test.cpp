// KCI container group -> pod status: phases, conditions, container states, IPs, times.
#include <gtest/gtest.h>

#include "core/translate/status_mapping.h"

namespace kci::translate {
namespace {

k8s::Pod pod() {
  k8s::Pod p;
  p.metadata.name = "nginx";
  k8s::Container a;
  a.name = "app";
  a.image = "nginx";
  k8s::Container b;
  b.name = "job";
  b.image = "busybox";
  p.spec.containers = {a, b};
  return p;
}

kcicloud::ContainerGroup group(const char* status) {
  kcicloud::ContainerGroup g;
  g.container_group_id = "e8059037";
  g.status = status;
  g.create_time = "2023-02-15 09:54:20";
  kcicloud::NetworkInterface ni;
  ni.private_ip_address = "10.0.1.7";
  g.network_interfaces = {ni};
  return g;
}

kcicloud::ContainerStatus cs(const char* name, const char* state, int exit = 0, bool ready = false) {
  kcicloud::ContainerStatus c;
  c.name = name;
  c.ready = ready;
  c.current_state.state = state;
  c.current_state.exit_code = exit;
  c.current_state.start_time = "2023-02-15T09:54:30Z";
  return c;
}

const k8s::PodCondition& cond(const k8s::PodStatus& s, const char* type) {
  for (const auto& c : s.conditions) {
    if (c.type == type) return c;
  }
  static k8s::PodCondition none;
  return none;
}

TEST(StatusMapping, Phases) {
  EXPECT_EQ(pod_phase("Pending", false), "Pending");
  EXPECT_EQ(pod_phase("ImagePulling", false), "Pending");
  EXPECT_EQ(pod_phase("Running", false), "Running");
  EXPECT_EQ(pod_phase("Succeeded", false), "Succeeded");
  EXPECT_EQ(pod_phase("Failed", false), "Failed");
  EXPECT_EQ(pod_phase("CreateError", false), "Pending");
  // ECI's pod-fail-on-create-err: "创建失败的ECI实例是否体现Failed状态".
  EXPECT_EQ(pod_phase("CreateError", true), "Failed");
  EXPECT_EQ(pod_phase("Whatever", false), "Unknown");
}

TEST(StatusMapping, RunningAndReady) {
  auto g = group("Running");
  g.containers = {cs("app", "Running", 0, true), cs("job", "Running", 0, true)};
  g.containers[0].restart_count = 2;
  StatusContext ctx;
  ctx.host_ip = "10.0.11.220";
  auto s = map_status(pod(), g, ctx);
  EXPECT_EQ(s.phase, "Running");
  EXPECT_EQ(s.podIP, "10.0.1.7");
  EXPECT_EQ(s.hostIP, "10.0.11.220");
  ASSERT_TRUE(s.startTime);
  EXPECT_EQ(s.startTime->to_string(), "2023-02-15T09:54:20Z");
  EXPECT_EQ(cond(s, "PodScheduled").status, "True");
  EXPECT_EQ(cond(s, "Initialized").status, "True");
  EXPECT_EQ(cond(s, "ContainersReady").status, "True");
  EXPECT_EQ(cond(s, "Ready").status, "True");
  ASSERT_EQ(s.containerStatuses.size(), 2u);
  EXPECT_TRUE(s.containerStatuses[0].state.running);
  EXPECT_EQ(s.containerStatuses[0].restartCount, 2);
  EXPECT_EQ(s.containerStatuses[0].containerID, "kci://e8059037/app");
}

TEST(StatusMapping, ConditionsKeepTheirTransitionTimeWhileTheyHold) {
  auto g = group("Running");
  g.containers = {cs("app", "Running", 0, true), cs("job", "Running", 0, true)};
  StatusContext first;
  first.now = k8s::Time{TimePoint{} + std::chrono::seconds(1'700'000'000), false};
  k8s::Pod p = pod();
  p.status = map_status(p, g, first);
  // The next status sync, two seconds on, with nothing changed: the same status, so the
  // virtual kubelet writes nothing.
  StatusContext later = first;
  later.now = k8s::Time{first.now.at + std::chrono::seconds(2), false};
  EXPECT_EQ(map_status(p, g, later), p.status);
  // A condition that changes takes the new time; the others keep theirs.
  g.containers[1].ready = false;
  const auto changed = map_status(p, g, later);
  EXPECT_EQ(cond(changed, "Ready").status, "False");
  EXPECT_EQ(cond(changed, "Ready").lastTransitionTime, later.now);
  EXPECT_EQ(cond(changed, "PodScheduled").lastTransitionTime, first.now);
}

TEST(StatusMapping, SucceededContainerIsTerminatedWithItsExitCodeNeverRunning) {
  auto g = group("Running");
  g.containers = {cs("app", "Running", 0, true), cs("job", "Terminated", 0)};
  auto s = map_status(pod(), g, {});
  ASSERT_TRUE(s.containerStatuses[1].state.terminated);
  EXPECT_FALSE(s.containerStatuses[1].state.running);
  EXPECT_EQ(s.containerStatuses[1].state.terminated->reason, "Completed");
  EXPECT_EQ(cond(s, "Ready").status, "False");
  // A succeeded group whose report still says Running: terminated, exit 0.
  auto done = group("Succeeded");
  done.containers = {cs("app", "Running"), cs("job", "Terminated", 0)};
  auto d = map_status(pod(), done, {});
  EXPECT_EQ(d.phase, "Succeeded");
  EXPECT_TRUE(d.containerStatuses[0].state.terminated);
  EXPECT_EQ(cond(d, "Ready").reason, "PodCompleted");
}

TEST(StatusMapping, FailedWithExitCodeAndLastState) {
  auto g = group("Failed");
  g.containers = {cs("app", "Terminated", 137), cs("job", "Terminated", 1)};
  g.containers[0].current_state.reason = "OOMKilled";
  g.containers[1].previous_state.state = "Terminated";
  g.containers[1].previous_state.exit_code = 2;
  auto s = map_status(pod(), g, {});
  EXPECT_EQ(s.phase, "Failed");
  EXPECT_EQ(s.containerStatuses[0].state.terminated->exitCode, 137);
  EXPECT_EQ(s.containerStatuses[0].state.terminated->reason, "OOMKilled");
  EXPECT_EQ(s.containerStatuses[1].state.terminated->reason, "Error");
  EXPECT_EQ(s.containerStatuses[1].lastState.terminated->exitCode, 2);
}

TEST(StatusMapping, PendingContainersWait) {
  auto g = group("ImagePulling");
  g.network_interfaces.clear();
  auto s = map_status(pod(), g, {});
  EXPECT_EQ(s.phase, "Pending");
  EXPECT_TRUE(s.podIP.empty());
  EXPECT_EQ(s.containerStatuses[0].state.waiting->reason, "PodInitializing");
  EXPECT_EQ(cond(s, "ContainersReady").reason, "ContainersNotReady");
}

TEST(StatusMapping, InitContainersGateInitialized) {
  auto p = pod();
  k8s::Container init;
  init.name = "init";
  init.image = "busybox";
  p.spec.initContainers = {init};
  auto g = group("Pending");
  g.init_containers = {cs("init", "Running")};
  auto s = map_status(p, g, {});
  EXPECT_EQ(cond(s, "Initialized").status, "False");
  g.init_containers = {cs("init", "Terminated", 0)};
  EXPECT_EQ(cond(map_status(p, g, {}), "Initialized").status, "True");
}

TEST(StatusMapping, CreateErrorCarriesTheReason) {
  auto s = map_status(pod(), group("CreateError"), {});
  EXPECT_EQ(s.phase, "Pending");
  EXPECT_EQ(s.reason, "CreateError");
}

TEST(StatusMapping, SidecarContainersAreNotReported) {
  auto g = group("Running");
  g.containers = {cs("app", "Running", 0, true), cs("job", "Running", 0, true), cs("filebeat", "Running", 0, true)};
  EXPECT_EQ(map_status(pod(), g, {}).containerStatuses.size(), 2u);
}

}  // namespace
}  // namespace kci::translate
