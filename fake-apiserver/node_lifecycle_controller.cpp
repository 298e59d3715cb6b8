#include "fake-apiserver/node_lifecycle_controller.h"

namespace kci::apiserver {

namespace {

// A status write that lost a race is redone this much later, once the watch has brought
// the newer object (the work queue's rate limiter in kube-controller-manager).
constexpr auto kRetry = std::chrono::seconds(1);
constexpr const char* kUnreachable = "node.kubernetes.io/unreachable";
constexpr const char* kNotReady = "node.kubernetes.io/not-ready";
constexpr const char* kLeaseNamespace = "kube-node-lease";

const Json* condition(const Json& node, const std::string& type) {
  const Json* conds = json_at(node, {"status", "conditions"});
  if (!conds || !conds->is_array()) return nullptr;
  for (const auto& c : *conds)
    if (c.is_object() && c.value("type", "") == type) return &c;
  return nullptr;
}

}  // namespace

NodeLifecycleController::NodeLifecycleController(kube::KubeClient& client, Executor& executor,
                                                 NodeLifecycleOptions options)
    : client_(client),
      executor_(executor),
      options_(options),
      queue_(executor, [this](const std::string& name) { check(name); }) {}

NodeLifecycleController::~NodeLifecycleController() {
  *alive_ = false;
  stop();
}

Status NodeLifecycleController::start() {
  if (running_) return ok_status();
  running_ = true;
  kube::Informer::Handlers nh;
  nh.on_add = [this](const kube::Object& o) { queue_.add(name_of(*o)); };
  nh.on_update = [this](const kube::Object&, const kube::Object& o) { queue_.add(name_of(*o)); };
  // Leases only feed the heartbeat; the periodic pass reads them.
  leases_ = std::make_unique<kube::Informer>(client_, executor_, kube::leases(kLeaseNamespace),
                                             kube::ListOptions{}, kube::Informer::Handlers{});
  nodes_ = std::make_unique<kube::Informer>(client_, executor_, kube::nodes(), kube::ListOptions{}, nh);
  leases_->start();
  nodes_->start();
  tick();
  return ok_status();
}

void NodeLifecycleController::stop() {
  running_ = false;
  queue_.shut_down();
  if (timer_) executor_.cancel(timer_);
  timer_ = 0;
  if (nodes_) nodes_->stop();
  if (leases_) leases_->stop();
}

void NodeLifecycleController::tick() {
  timer_ = executor_.post_after(options_.monitor_period, [this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a || !running_) return;
    timer_ = 0;
    monitor();
    tick();
  });
}

void NodeLifecycleController::monitor() {
  if (!nodes_) return;
  for (const auto& n : nodes_->list()) check(name_of(*n));
}

void NodeLifecycleController::check(const std::string& name) {
  kube::Object obj = nodes_ ? nodes_->get(name) : nullptr;
  if (!obj || being_deleted(*obj)) return;
  const Json& node = *obj;
  const TimePoint now = executor_.clock().now();
  const std::string now_s = now_text(executor_);

  // The last sign of life.
  std::optional<TimePoint> beat;
  if (const Json* ready = condition(node, "Ready")) beat = time_of(json_at(*ready, {"lastHeartbeatTime"}));
  if (kube::Object lease = leases_->get(std::string(kLeaseNamespace) + "/" + name)) {
    const auto renew = time_of(json_at(*lease, {"spec", "renewTime"}));
    if (renew && (!beat || *renew > *beat)) beat = renew;
  }
  if (!beat) beat = time_of(json_at(node, {"metadata", "creationTimestamp"}));
  Json current = node;
  bool status_changed = false;
  if (beat && *beat + options_.grace_period < now) {
    Json& conds = current["status"]["conditions"];
    if (!conds.is_array()) conds = Json::array();
    bool has_ready = false;
    for (auto& c : conds) {
      if (!c.is_object()) continue;
      if (c.value("type", "") == "Ready") has_ready = true;
      if (c.value("status", "") == "Unknown") continue;
      c["status"] = "Unknown";
      c["reason"] = "NodeStatusUnknown";
      c["message"] = "Kubelet stopped posting node status.";
      c["lastTransitionTime"] = now_s;
      status_changed = true;
    }
    if (!has_ready) {
      conds.push_back({{"type", "Ready"}, {"status", "Unknown"}, {"reason", "NodeStatusNeverUpdated"},
                       {"message", "Kubelet never posted node status."},
                       {"lastHeartbeatTime", now_s}, {"lastTransitionTime", now_s}});
      status_changed = true;
    }
  }
  if (status_changed) {
    auto r = client_.update_status(kube::nodes(name), current);
    if (!r.ok()) {
      queue_.add_after(name, kRetry);
      return;
    }
    current = **r;
  }

  // Taints from the Ready condition.
  std::string ready = "Unknown";
  if (const Json* c = condition(current, "Ready")) ready = c->value("status", "Unknown");
  const char* want = ready == "Unknown" ? kUnreachable : ready == "False" ? kNotReady : nullptr;
  const Json* have = json_at(current, {"spec", "taints"});
  Json taints = Json::array();
  bool has_no_schedule = false, has_no_execute = false, changed = false;
  if (have && have->is_array())
    for (const auto& t : *have) {
      const std::string key = t.value("key", "");
      if (key == kUnreachable || key == kNotReady) {
        const std::string effect = t.value("effect", "");
        if (want && key == want && (effect == "NoSchedule" || effect == "NoExecute")) {
          (effect == "NoSchedule" ? has_no_schedule : has_no_execute) = true;
          taints.push_back(t);
        } else {
          changed = true;
        }
        continue;
      }
      taints.push_back(t);
    }
  if (want && !has_no_schedule) {
    taints.push_back({{"key", want}, {"effect", "NoSchedule"}});
    changed = true;
  }
  if (want && !has_no_execute) {
    taints.push_back({{"key", want}, {"effect", "NoExecute"}, {"timeAdded", now_s}});
    changed = true;
  }
  if (!changed) return;
  Json patch = {{"metadata", {{"resourceVersion", current.at("metadata").value("resourceVersion", "")}}},
                {"spec", {{"taints", taints.empty() ? Json(nullptr) : taints}}}};
  auto r = client_.patch(kube::nodes(name), kube::PatchType::kMerge, patch);
  if (!r.ok()) queue_.add_after(name, kRetry);
}

}  // namespace kci::apiserver
