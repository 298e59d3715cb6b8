#include "provider/extender/extender_service.h"

#include "core/k8s/object.h"
#include "core/k8s/resources.h"

namespace kci::extender {
namespace {

using k8s::Json;

bool terminal(const k8s::Pod& p) { return p.status.phase == "Succeeded" || p.status.phase == "Failed"; }

std::int64_t amount(const k8s::ResourceList& l, const char* name, bool milli) {
  auto it = l.find(name);
  if (it == l.end()) return 0;
  return milli ? it->second.milli_value() : it->second.value();
}

}  // namespace

ExtenderService::ExtenderService(kube::KubeClient& kube, Executor& executor, std::function<void(const std::string&)> log)
    : kube_(kube), executor_(executor), log_(std::move(log)) {}

ExtenderService::~ExtenderService() = default;

void ExtenderService::start() {
  node_informer_ = std::make_unique<kube::Informer>(
      kube_, executor_, kube::nodes(), kube::ListOptions{},
      kube::Informer::Handlers{[this](const kube::Object& o) { on_node(o, false); },
                               [this](const kube::Object&, const kube::Object& n) { on_node(n, false); },
                               [this](const kube::Object& o) { on_node(o, true); }});
  pod_informer_ = std::make_unique<kube::Informer>(
      kube_, executor_, kube::pods(), kube::ListOptions{},
      kube::Informer::Handlers{[this](const kube::Object& o) { on_pod(o, false); },
                               [this](const kube::Object&, const kube::Object& n) { on_pod(n, false); },
                               [this](const kube::Object& o) { on_pod(o, true); }});
  kube::ListOptions one;
  one.fieldSelector = "metadata.name=" + std::string(kConfigName);
  config_informer_ = std::make_unique<kube::Informer>(
      kube_, executor_, kube::configmaps(std::string(kConfigNamespace)), one,
      kube::Informer::Handlers{[this](const kube::Object& o) { on_config(o, false); },
                               [this](const kube::Object&, const kube::Object& n) { on_config(n, false); },
                               [this](const kube::Object& o) { on_config(o, true); }});
  node_informer_->start();
  pod_informer_->start();
  config_informer_->start();
}

bool ExtenderService::synced() const {
  return node_informer_ && node_informer_->synced() && pod_informer_ && pod_informer_->synced() &&
         config_informer_ && config_informer_->synced();
}

std::optional<bool> ExtenderService::is_virtual(const std::string& node_name) const {
  auto it = roles_.find(node_name);
  if (it == roles_.end()) return std::nullopt;
  return it->second == Role::kVirtual;
}

void ExtenderService::add(const Contribution& c, int sign) {
  auto role = roles_.find(c.node);
  if (role == roles_.end()) return;
  if (role->second == Role::kWorker) {
    snapshot_.worker_cpu_requested_milli += sign * c.cpu_milli;
    snapshot_.worker_memory_requested += sign * c.memory;
  } else if (role->second == Role::kVirtual) {
    auto& n = snapshot_.pods_on_virtual_node[c.node];
    n += sign;
    if (n == 0) snapshot_.pods_on_virtual_node.erase(c.node);
  }
}

void ExtenderService::on_pod(const kube::Object& obj, bool deleted) {
  const std::string key = kube::key_of(*obj);
  if (auto it = pods_.find(key); it != pods_.end()) {
    add(it->second, -1);
    pods_.erase(it);
  }
  if (deleted) return;
  auto pod = k8s::decode<k8s::Pod>(*obj);
  if (!pod.ok() || pod->spec.nodeName.empty() || terminal(*pod)) return;
  const auto requests = k8s::pod_requests(*pod);
  Contribution c{pod->spec.nodeName, amount(requests, "cpu", true), amount(requests, "memory", false)};
  add(c, +1);
  pods_.emplace(key, std::move(c));
}

void ExtenderService::recount_node(const std::string& node) {
  for (const auto& [key, c] : pods_)
    if (c.node == node) add(c, +1);
}

void ExtenderService::on_node(const kube::Object& obj, bool deleted) {
  auto node = k8s::decode<k8s::Node>(*obj);
  if (!node.ok()) return;
  const std::string& name = node->metadata.name;
  // Take the node's old share out, change its role, put it back under the new role.
  if (roles_.count(name)) {
    for (const auto& [key, c] : pods_)
      if (c.node == name) add(c, -1);
    if (auto a = worker_allocatable_.find(name); a != worker_allocatable_.end()) {
      snapshot_.worker_cpu_allocatable_milli -= a->second.first;
      snapshot_.worker_memory_allocatable -= a->second.second;
      worker_allocatable_.erase(a);
    }
    roles_.erase(name);
  }
  if (deleted) return;
  Role role = Role::kOther;
  if (is_virtual_node(node->metadata.labels)) {
    role = Role::kVirtual;
  } else if (auto it = node->metadata.labels.find(std::string(kWorkerRoleLabel));
             it != node->metadata.labels.end() && it->second == kWorkerRoleValue) {
    role = Role::kWorker;
  }
  roles_[name] = role;
  if (role == Role::kWorker) {
    const auto cpu = amount(node->status.allocatable, "cpu", true);
    const auto mem = amount(node->status.allocatable, "memory", false);
    worker_allocatable_[name] = {cpu, mem};
    snapshot_.worker_cpu_allocatable_milli += cpu;
    snapshot_.worker_memory_allocatable += mem;
  }
  recount_node(name);
}

void ExtenderService::on_config(const kube::Object& obj, bool deleted) {
  if (deleted) {
    config_ = WatermarkConfig{};
    config_error_.reset();
    if (log_) log_("extender-conf deleted: no watermark (cpulimit and memlimit ignored), every virtual node weighs 1");
    return;
  }
  auto cm = k8s::decode<k8s::ConfigMap>(*obj);
  if (!cm.ok()) return;
  auto parsed = parse_config(cm->data);
  if (!parsed.ok()) {
    config_error_ = parsed.error().message;
    if (log_) log_("extender-conf refused, keeping the last good configuration: " + *config_error_);
    Json ev = {{"apiVersion", "v1"},
               {"kind", "Event"},
               {"metadata", {{"generateName", std::string(kConfigName) + "."}, {"namespace", std::string(kConfigNamespace)}}},
               {"involvedObject",
                {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"namespace", std::string(kConfigNamespace)},
                 {"name", std::string(kConfigName)}, {"uid", cm->metadata.uid}}},
               {"reason", "InvalidExtenderConfig"},
               {"message", *config_error_ + "; keeping the last good configuration"},
               {"type", "Warning"},
               {"count", 1},
               {"source", {{"component", "kci-scheduler-extender"}}}};
    (void)kube_.create(kube::events(std::string(kConfigNamespace)), ev);
    return;
  }
  config_ = std::move(*parsed);
  config_error_.reset();
  if (log_) log_("extender-conf loaded: " + decide(config_, snapshot_).explanation);
}

HttpReply ExtenderService::handle(const std::string& path, const std::string& body) {
  auto ends_with = [&](std::string_view verb) {
    return path.size() >= verb.size() && path.compare(path.size() - verb.size(), verb.size(), verb) == 0;
  };
  auto args = parse_body(body);
  if (!args.ok()) return {400, Json{{"Error", args.error().message}}.dump()};
  Result<Json> out = invalid_argument("unknown verb " + path + " (served: " + std::string(kFilterVerb) + ", " +
                                      std::string(kPrioritizeVerb) + ", " + std::string(kPreemptVerb) + ")");
  int not_found = 404;
  if (ends_with(kFilterVerb)) out = filter(*args), not_found = 0;
  else if (ends_with(kPrioritizeVerb)) out = prioritize(*args, config_, snapshot_, *this), not_found = 0;
  else if (ends_with(kPreemptVerb)) out = preempt(*args), not_found = 0;
  if (!out.ok()) return {not_found ? not_found : 400, Json{{"Error", out.error().message}}.dump()};
  return {200, out->dump()};
}

}  // namespace kci::extender
