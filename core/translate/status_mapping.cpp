#include "core/translate/status_mapping.h"

#include "core/kci/api.h"

namespace kci::translate {
namespace {

namespace st = kcicloud::status;

std::optional<k8s::Time> time_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (auto t = k8s::Time::parse(text); t.ok()) return *t;
  // Seed 000 shows "2023-02-15 09:54:20": a space instead of 'T', no zone (UTC assumed).
  if (text.size() == 19 && text[10] == ' ') {
    std::string iso = text;
    iso[10] = 'T';
    if (auto t = k8s::Time::parse(iso + "Z"); t.ok()) return *t;
  }
  return std::nullopt;
}

k8s::ContainerState map_state(const kcicloud::ContainerState& s, bool group_succeeded) {
  k8s::ContainerState out;
  if (s.state == "Terminated" || (group_succeeded && s.state == "Running")) {
    k8s::ContainerStateTerminated t;
    t.exitCode = s.state == "Terminated" ? s.exit_code : 0;
    t.reason = !s.reason.empty() ? s.reason : (t.exitCode == 0 ? "Completed" : "Error");
    t.startedAt = time_of(s.start_time);
    t.finishedAt = time_of(s.finish_time);
    out.terminated = std::move(t);
  } else if (s.state == "Running") {
    k8s::ContainerStateRunning r;
    r.startedAt = time_of(s.start_time);
    out.running = std::move(r);
  } else if (s.state == "Waiting") {
    k8s::ContainerStateWaiting w;
    w.reason = s.reason.empty() ? "ContainerCreating" : s.reason;
    out.waiting = std::move(w);
  }
  return out;
}

k8s::ContainerStatus container_status(const k8s::Container& spec, const kcicloud::ContainerGroup& g,
                                      const std::vector<kcicloud::ContainerStatus>& reported) {
  k8s::ContainerStatus cs;
  cs.name = spec.name;
  cs.image = spec.image;
  const kcicloud::ContainerStatus* r = nullptr;
  for (const auto& x : reported) {
    if (x.name == spec.name) r = &x;
  }
  const bool succeeded = g.status == st::kSucceeded;
  if (r == nullptr || r->current_state.state.empty()) {
    if (succeeded) {
      cs.state.terminated = k8s::ContainerStateTerminated{0, 0, "Completed", "", "", {}, {}, {}};
    } else {
      const std::string why = g.status == st::kImagePulling ? "PodInitializing" : "ContainerCreating";
      cs.state.waiting = k8s::ContainerStateWaiting{why, "", {}};
    }
    cs.started = false;
    return cs;
  }
  cs.imageID = r->image;
  cs.containerID = "kci://" + g.container_group_id + "/" + spec.name;
  cs.restartCount = r->restart_count;
  cs.state = map_state(r->current_state, succeeded);
  if (!r->previous_state.state.empty()) cs.lastState = map_state(r->previous_state, false);
  cs.ready = r->ready && cs.state.running.has_value();
  cs.started = cs.state.running.has_value();
  return cs;
}

//! A condition of `type`. Its lastTransitionTime is `now` only when its status changes; while
//! it holds, the pod's own time is kept (what the field means; a new time on every status
//! sync made every sync rewrite every pod's status).
k8s::PodCondition condition(const k8s::Pod& pod, const char* type, bool ok, const k8s::Time& now,
                            std::string reason = {}) {
  k8s::PodCondition c;
  c.type = type;
  c.status = ok ? "True" : "False";
  c.reason = std::move(reason);
  c.lastTransitionTime = now;
  for (const auto& old : pod.status.conditions)
    if (old.type == c.type && old.status == c.status && old.lastTransitionTime)
      c.lastTransitionTime = old.lastTransitionTime;
  return c;
}

}  // namespace

std::string pod_phase(const std::string& s, bool fail_on_create_error) {
  if (s == st::kPending || s == st::kImagePulling) return "Pending";
  if (s == st::kRunning) return "Running";
  if (s == st::kSucceeded) return "Succeeded";
  if (s == st::kFailed) return "Failed";
  if (s == st::kCreateError) return fail_on_create_error ? "Failed" : "Pending";
  return "Unknown";
}

k8s::PodStatus map_status(const k8s::Pod& pod, const kcicloud::ContainerGroup& g, const StatusContext& ctx) {
  k8s::PodStatus out;
  out.phase = pod_phase(g.status, ctx.fail_on_create_error);
  if (g.status == st::kCreateError) {
    out.reason = "CreateError";
    out.message = "KCI could not start container group " + g.container_group_id;
  }
  out.hostIP = ctx.host_ip;
  if (!g.network_interfaces.empty() && !g.network_interfaces.front().private_ip_address.empty()) {
    out.podIP = g.network_interfaces.front().private_ip_address;
    out.podIPs.push_back(k8s::PodIP{out.podIP, {}});
  }
  out.startTime = time_of(g.create_time);
  out.qosClass = pod.status.qosClass;

  for (const auto& c : pod.spec.initContainers) {
    out.initContainerStatuses.push_back(container_status(c, g, g.init_containers));
  }
  bool initialized = true;
  for (const auto& s : out.initContainerStatuses) {
    if (!s.state.terminated || s.state.terminated->exitCode != 0) initialized = false;
  }
  if (out.phase == "Running" || out.phase == "Succeeded") initialized = true;
  bool all_ready = !pod.spec.containers.empty();
  for (const auto& c : pod.spec.containers) {
    out.containerStatuses.push_back(container_status(c, g, g.containers));
    if (!out.containerStatuses.back().ready) all_ready = false;
  }
  const bool terminal = out.phase == "Succeeded" || out.phase == "Failed";
  const std::string not_ready_reason = terminal ? "PodCompleted" : "ContainersNotReady";
  out.conditions.push_back(condition(pod, "PodScheduled", true, ctx.now));
  out.conditions.push_back(condition(pod, "Initialized", initialized, ctx.now,
                                     initialized ? "" : "ContainersNotInitialized"));
  out.conditions.push_back(condition(pod, "ContainersReady", all_ready && !terminal, ctx.now,
                                     all_ready && !terminal ? "" : not_ready_reason));
  out.conditions.push_back(condition(pod, "Ready", all_ready && !terminal, ctx.now,
                                     all_ready && !terminal ? "" : not_ready_reason));
  return out;
}

}  // namespace kci::translate
