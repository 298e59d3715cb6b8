#include "fake-apiserver/hollow_nodes.h"

#include <cstdio>

#include "core/k8s/object.h"
#include "fake-apiserver/object_fields.h"

namespace kci::apiserver {

namespace {

using kube::Json;

constexpr const char* kLeaseNamespace = "kube-node-lease";
constexpr std::int64_t kLeaseDurationSeconds = 40;

std::string stamp(TimePoint t, bool micro = false) { return k8s::Time{t, micro}.to_string(); }

}  // namespace

HollowNodes::HollowNodes(kube::KubeClient& client, Executor& executor, HollowNodesOptions options)
    : client_(client), executor_(executor), options_(std::move(options)) {}

HollowNodes::~HollowNodes() {
  *alive_ = false;
  stop();
}

Status HollowNodes::start() {
  const std::string now = stamp(executor_.clock().now());
  for (std::int64_t i = 1; i <= options_.count; ++i) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%04lld", static_cast<long long>(i));
    const std::string name = options_.prefix + suffix;
    Json labels = {{"kubernetes.io/hostname", name}, {"kubernetes.io/role", "node"}, {"type", "node"}};
    for (const auto& [k, v] : options_.labels) labels[k] = v;
    const Json resources = {{"cpu", options_.cpu}, {"memory", options_.memory}, {"pods", options_.pods}};
    Json node = {{"apiVersion", "v1"},
                 {"kind", "Node"},
                 {"metadata", {{"name", name}, {"labels", labels}}},
                 {"status",
                  {{"capacity", resources},
                   {"allocatable", resources},
                   {"conditions", Json::array({{{"type", "Ready"},
                                                {"status", "True"},
                                                {"reason", "KubeletReady"},
                                                {"message", "hollow kubelet is posting ready status"},
                                                {"lastHeartbeatTime", now},
                                                {"lastTransitionTime", now}}})},
                   {"addresses", Json::array({{{"type", "Hostname"}, {"address", name}}})},
                   {"nodeInfo", {{"kubeletVersion", "hollow"}}}}}};
    if (auto r = client_.create(kube::nodes(), std::move(node)); !r.ok())
      return make_error(r.error().code, "hollow node " + name + ": " + r.error().message);
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", name}, {"namespace", kLeaseNamespace}}},
                  {"spec",
                   {{"holderIdentity", name},
                    {"leaseDurationSeconds", kLeaseDurationSeconds},
                    {"renewTime", stamp(executor_.clock().now(), true)}}}};
    if (auto r = client_.create(kube::leases(kLeaseNamespace), std::move(lease)); !r.ok())
      return make_error(r.error().code, "hollow node " + name + " lease: " + r.error().message);
    names_.insert(name);
  }
  kube::Informer::Handlers h;
  h.on_add = [this](const kube::Object& p) { on_pod(p); };
  h.on_update = [this](const kube::Object&, const kube::Object& p) { on_pod(p); };
  pods_ = std::make_unique<kube::Informer>(client_, executor_, kube::pods(), kube::ListOptions{}, h);
  pods_->start();
  renew_leases();
  return {};
}

void HollowNodes::stop() {
  if (lease_timer_) executor_.cancel(lease_timer_);
  lease_timer_ = 0;
  if (pods_) pods_->stop();
}

void HollowNodes::renew_leases() {
  lease_timer_ = executor_.post_after(options_.lease_renew, [this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a) return;
    lease_timer_ = 0;
    const Json patch = {{"spec", {{"renewTime", stamp(executor_.clock().now(), true)}}}};
    // A failed renewal is retried at the next one, as the kubelet's lease controller does.
    for (const auto& name : names_)
      (void)client_.patch(kube::leases(kLeaseNamespace, name), kube::PatchType::kMerge, patch);
    renew_leases();
  });
}

void HollowNodes::on_pod(const kube::Object& obj) {
  if (!obj) return;
  const Json& pod = *obj;
  const Json spec = pod.value("spec", Json::object());
  const std::string node = spec.value("nodeName", "");
  if (node.empty() || !names_.count(node)) return;
  const std::string ns = namespace_of(pod), name = name_of(pod);
  const std::string uid = pod.value("metadata", Json::object()).value("uid", "");
  if (being_deleted(pod)) {
    // Nothing to stop: the kubelet's final delete, preconditioned on the pod it saw.
    kube::DeleteOptions o;
    o.gracePeriodSeconds = 0;
    o.preconditionUid = uid;
    // A conflict or NotFound: the pod was replaced or already removed; nothing to do.
    (void)client_.remove(kube::pods(ns, name), o);
    return;
  }
  const std::string phase = pod.value("status", Json::object()).value("phase", "Pending");
  if (phase != "Pending" || !starting_.insert(ns + "/" + name).second) return;
  executor_.post_after(options_.start_delay, [this, ns, name, uid, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a) return;
    starting_.erase(ns + "/" + name);
    run_pod(ns, name, uid);
  });
}

void HollowNodes::run_pod(const std::string& ns, const std::string& name, const std::string& uid) {
  kube::Object current = pods_ ? pods_->get(ns + "/" + name) : nullptr;
  if (!current || being_deleted(*current)) return;
  Json pod = *current;
  if (pod["metadata"].value("uid", "") != uid) return;
  const std::string now = stamp(executor_.clock().now());
  const std::uint32_t n = ++next_ip_;
  const std::string ip = "10.200." + std::to_string((n >> 8) & 0xff) + "." + std::to_string(n & 0xff);
  Json statuses = Json::array();
  for (const auto& c : pod["spec"].value("containers", Json::array()))
    statuses.push_back({{"name", c.value("name", "")},
                        {"image", c.value("image", "")},
                        {"imageID", ""},
                        {"ready", true},
                        {"restartCount", 0},
                        {"started", true},
                        {"state", {{"running", {{"startedAt", now}}}}}});
  Json conditions = Json::array();
  for (const char* type : {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"})
    conditions.push_back({{"type", type}, {"status", "True"}, {"lastTransitionTime", now}});
  pod["status"]["phase"] = "Running";
  pod["status"]["conditions"] = conditions;
  pod["status"]["containerStatuses"] = statuses;
  pod["status"]["podIP"] = ip;
  pod["status"]["podIPs"] = Json::array({{{"ip", ip}}});
  pod["status"]["hostIP"] = "10.100.0.1";
  pod["status"]["startTime"] = now;
  // A conflict means the pod changed meanwhile: its update event brings it back here.
  if (auto r = client_.update_status(kube::pods(ns, name), std::move(pod)); !r.ok() && r.error().code == ErrorCode::kConflict)
    if (kube::Object again = pods_->get(ns + "/" + name)) on_pod(again);
}

}  // namespace kci::apiserver
