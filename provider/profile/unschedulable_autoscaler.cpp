#include "provider/profile/unschedulable_autoscaler.h"

#include "core/k8s/codec.h"

namespace kci::profile {

namespace {
constexpr const char* kComponent = "kci-autoscaler";
}

UnschedulableAutoscaler::UnschedulableAutoscaler(kube::KubeClient& kube, Executor& executor, ProfileWebhook& profiles,
                                                 AutoscalerOptions options)
    : kube_(kube), executor_(executor), profiles_(profiles), options_(std::move(options)) {}

UnschedulableAutoscaler::~UnschedulableAutoscaler() { stop(); }

void UnschedulableAutoscaler::start() {
  running_ = true;
  kube::Informer::Handlers ph;
  ph.on_add = [this](const kube::Object& o) { evaluate(kube::key_of(*o)); };
  ph.on_update = [this](const kube::Object&, const kube::Object& o) { evaluate(kube::key_of(*o)); };
  ph.on_delete = [this](const kube::Object& o) {
    const std::string key = kube::key_of(*o);
    if (auto it = timers_.find(key); it != timers_.end()) {
      executor_.cancel(it->second);
      timers_.erase(it);
    }
  };
  // Only unbound pods are candidates.
  kube::ListOptions unbound;
  unbound.fieldSelector = "spec.nodeName=";
  pod_informer_ = std::make_unique<kube::Informer>(kube_, executor_, kube::pods(), unbound, ph);
  kube::Informer::Handlers nh;
  nh.on_add = [this](const kube::Object& o) { on_node(o, false); };
  nh.on_update = [this](const kube::Object&, const kube::Object& o) { on_node(o, false); };
  nh.on_delete = [this](const kube::Object& o) { on_node(o, true); };
  node_informer_ = std::make_unique<kube::Informer>(kube_, executor_, kube::nodes(), kube::ListOptions{}, nh);
  node_informer_->start();
  pod_informer_->start();
}

void UnschedulableAutoscaler::stop() {
  running_ = false;
  if (pod_informer_) pod_informer_->stop();
  if (node_informer_) node_informer_->stop();
  for (auto& [_, id] : timers_) executor_.cancel(id);
  timers_.clear();
}

void UnschedulableAutoscaler::on_node(const kube::Object& obj, bool deleted) {
  const std::string name = obj->value("metadata", Json::object()).value("name", "");
  if (deleted) {
    nodes_.erase(name);
    return;
  }
  auto node = k8s::decode<k8s::Node>(*obj);
  if (!node.ok()) return;
  const bool was_accepting = nodes_.count(name) > 0;
  nodes_[name] = std::move(*node);
  // A virtual node that appears or turns Ready may take pods that found none before.
  auto label = nodes_[name].metadata.labels.find(options_.node.label_key);
  const bool is_virtual = label != nodes_[name].metadata.labels.end() && label->second == options_.node.label_value;
  if ((!was_accepting || is_virtual) && !rescan_pending_) {
    rescan_pending_ = true;  // one rescan for a burst of node events
    executor_.post([this] {
      rescan_pending_ = false;
      evaluate_all();
    });
  }
}

void UnschedulableAutoscaler::evaluate_all() {
  if (!running_ || !pod_informer_) return;
  for (const auto& obj : pod_informer_->list()) evaluate(kube::key_of(*obj));
}

void UnschedulableAutoscaler::evaluate(const std::string& key) {
  if (!running_) return;
  if (auto it = timers_.find(key); it != timers_.end()) {
    executor_.cancel(it->second);
    timers_.erase(it);
  }
  auto obj = pod_informer_->get(key);
  if (!obj) return;
  auto pod = k8s::decode<k8s::Pod>(*obj);
  if (!pod.ok()) return;
  std::vector<k8s::Node> nodes;
  nodes.reserve(nodes_.size());
  for (const auto& [_, n] : nodes_) nodes.push_back(n);
  const PodContext ctx = profiles_.context_for(*pod, pod->metadata.namespace_);
  AutoscalerOptions opts = options_;
  opts.engine = profiles_.engine_options();
  const auto d = decide_autoscale(*pod, ctx, profiles_.profiles(), nodes, executor_.clock().now(), opts);
  using Action = AutoscaleDecision::Action;
  if (d.action == Action::kWait) {
    timers_[key] = executor_.post_at(d.recheck_at, [this, key] {
      timers_.erase(key);
      evaluate(key);
    });
    return;
  }
  if (d.action != Action::kBurst) return;
  const auto ref = kube::pods(pod->metadata.namespace_, pod->metadata.name);
  if (!d.patch.empty()) {
    auto patched = kube_.patch(ref, kube::PatchType::kJson, d.patch);
    if (!patched.ok()) {
      // A uid test failing means the pod was replaced: its own update will bring it back.
      ++failures_;
      record_event(*pod, "Warning", "BurstToVirtualNodeFailed",
                   "adding the virtual-node toleration failed: " + patched.error().message);
      return;
    }
  }
  auto bound = kube_.bind(ref, d.node, pod->metadata.uid);
  if (!bound.ok()) {
    ++failures_;
    if (bound.error().code != ErrorCode::kConflict)
      record_event(*pod, "Warning", "BurstToVirtualNodeFailed",
                   "binding to virtual node " + d.node + " failed: " + bound.error().message);
    return;
  }
  ++moved_;
  record_event(*pod, "Normal", "BurstToVirtualNode", d.reason);
}

void UnschedulableAutoscaler::record_event(const k8s::Pod& pod, const std::string& type, const std::string& reason,
                                           const std::string& message) {
  const std::string now = k8s::Time{executor_.clock().now(), false}.to_string();
  Json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"generateName", pod.metadata.name + "."}, {"namespace", pod.metadata.namespace_}}},
             {"involvedObject",
              {{"apiVersion", "v1"},
               {"kind", "Pod"},
               {"namespace", pod.metadata.namespace_},
               {"name", pod.metadata.name},
               {"uid", pod.metadata.uid}}},
             {"reason", reason},
             {"message", message},
             {"type", type},
             {"count", 1},
             {"firstTimestamp", now},
             {"lastTimestamp", now},
             {"source", {{"component", kComponent}}},
             {"reportingComponent", kComponent}};
  (void)kube_.create(kube::events(pod.metadata.namespace_), std::move(ev));
}

}  // namespace kci::profile
