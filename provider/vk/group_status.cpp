#include "provider/vk/group_status.h"

namespace kci::vk {
namespace {

std::optional<k8s::Time> time_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto t = k8s::Time::parse(text);
  if (!t.ok()) return std::nullopt;
  return *t;
}

k8s::ContainerState state_of(const kcicloud::ContainerState& s, const std::string& group_status) {
  k8s::ContainerState out;
  if (s.state == "Running") {
    out.running = k8s::ContainerStateRunning{time_of(s.start_time), {}};
  } else if (s.state == "Terminated") {
    k8s::ContainerStateTerminated t;
    t.exitCode = s.exit_code;
    t.reason = !s.reason.empty() ? s.reason : (s.exit_code == 0 ? "Completed" : "Error");
    t.startedAt = time_of(s.start_time);
    t.finishedAt = time_of(s.finish_time);
    out.terminated = t;
  } else {
    const std::string reason = !s.reason.empty()                       ? s.reason
                               : group_status == kcicloud::status::kImagePulling ? "ImagePulling"
                                                                                   : "ContainerCreating";
    out.waiting = k8s::ContainerStateWaiting{reason, {}, {}};
  }
  return out;
}

void set_condition(k8s::PodStatus& st, const std::string& type, bool value, const std::string& now,
                   const std::string& reason = {}) {
  const std::string status = value ? "True" : "False";
  for (auto& c : st.conditions) {
    if (c.type != type) continue;
    if (c.status != status) {
      c.status = status;
      c.lastTransitionTime = time_of(now);
    }
    c.reason = reason;
    return;
  }
  k8s::PodCondition c;
  c.type = type;
  c.status = status;
  c.reason = reason;
  c.lastTransitionTime = time_of(now);
  st.conditions.push_back(c);
}

}  // namespace

k8s::PodStatus pod_status_from_group(const kcicloud::ContainerGroup& g, const k8s::Pod& pod,
                                     const std::string& host_ip, bool fail_on_create_error,
                                     TimePoint now_time) {
  k8s::PodStatus st = pod.status;
  const std::string& s = g.status;
  if (s == kcicloud::status::kRunning) st.phase = "Running";
  else if (s == kcicloud::status::kSucceeded) st.phase = "Succeeded";
  else if (s == kcicloud::status::kFailed) st.phase = "Failed";
  else if (s == kcicloud::status::kCreateError) st.phase = fail_on_create_error ? "Failed" : "Pending";
  else if (s == kcicloud::status::kUnknown) st.phase = "Unknown";
  else st.phase = "Pending";
  st.reason = s == kcicloud::status::kCreateError ? "CreateError" : "";
  st.message.clear();
  if (!g.network_interfaces.empty() && !g.network_interfaces.front().private_ip_address.empty()) {
    st.podIP = g.network_interfaces.front().private_ip_address;
    st.podIPs = {k8s::PodIP{st.podIP, {}}};
  }
  st.hostIP = !host_ip.empty() ? host_ip : st.podIP;
  if (!st.startTime) st.startTime = time_of(g.create_time);
  const std::string now = k8s::Time{now_time, false}.to_string();
  auto convert = [&](const std::vector<k8s::Container>& spec, const std::vector<kcicloud::ContainerStatus>& actual,
                     std::vector<k8s::ContainerStatus>& out) {
    std::vector<k8s::ContainerStatus> result;
    for (const auto& c : spec) {
      k8s::ContainerStatus cs;
      cs.name = c.name;
      cs.image = c.image;
      for (const auto& a : actual) {
        if (a.name != c.name) continue;
        cs.restartCount = a.restart_count;
        cs.state = state_of(a.current_state, s);
        if (!a.previous_state.state.empty()) cs.lastState = state_of(a.previous_state, s);
        cs.ready = cs.state.running.has_value() && (a.ready || s == kcicloud::status::kRunning);
        cs.started = cs.state.running.has_value();
        cs.containerID = "kci://" + g.container_group_id + "/" + c.name;
        cs.imageID = c.image;
      }
      if (!cs.state.running && !cs.state.terminated && !cs.state.waiting)
        cs.state.waiting = k8s::ContainerStateWaiting{s == kcicloud::status::kImagePulling ? "ImagePulling" : "ContainerCreating", {}, {}};
      result.push_back(std::move(cs));
    }
    out = std::move(result);
  };
  convert(pod.spec.containers, g.containers, st.containerStatuses);
  convert(pod.spec.initContainers, g.init_containers, st.initContainerStatuses);
  bool all_ready = !st.containerStatuses.empty();
  for (const auto& cs : st.containerStatuses) all_ready = all_ready && cs.ready;
  const bool started = st.phase == "Running" || st.phase == "Succeeded" || st.phase == "Failed";
  set_condition(st, "PodScheduled", true, now);
  set_condition(st, "Initialized", started, now);
  set_condition(st, "ContainersReady", all_ready && st.phase == "Running", now,
                all_ready && st.phase == "Running" ? "" : "ContainersNotReady");
  set_condition(st, "Ready", all_ready && st.phase == "Running", now,
                all_ready && st.phase == "Running" ? "" : "ContainersNotReady");
  return st;
}

}  // namespace kci::vk
