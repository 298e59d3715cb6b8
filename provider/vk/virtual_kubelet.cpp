#include "provider/vk/virtual_kubelet.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "core/k8s/object.h"
#include "core/translate/status_mapping.h"

namespace kci::vk {
namespace {

using k8s::Json;

constexpr const char* kComponent = "virtual-kubelet";
//! Labels on every group, so a restarted provider can find and adopt its groups (the first
//! four are seed 000's; pod-uid tells a recreated pod of the same name from the old one).
constexpr const char* kLabelCluster = "cluster-id";
constexpr const char* kLabelNode = "node-name";
constexpr const char* kLabelNamespace = "namespace";
constexpr const char* kLabelPod = "pod-name";
constexpr const char* kLabelPodUid = "pod-uid";
//! The lease namespace of node heartbeats.
constexpr const char* kLeaseNamespace = "kube-node-lease";

std::string label_of(const kcicloud::ContainerGroup& g, const char* key) {
  for (const auto& kv : g.labels)
    if (kv.key == key) return kv.value;
  return {};
}

bool is_transient(const Error& e) {
  return e.code == ErrorCode::kThrottled || e.code == ErrorCode::kUnavailable ||
         e.code == ErrorCode::kInternal || e.code == ErrorCode::kConflict;
}

//! A digest (64-bit FNV-1a) of everything the status mapping reads of a group, to tell an
//! unchanged group without keeping a copy of it.
std::uint64_t digest_of(const kcicloud::ContainerGroup& g) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view text) {
    for (const unsigned char c : text) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // a separator, so ("ab", "c") and ("a", "bc") differ
    h *= 1099511628211ull;
  };
  auto number = [&mix](std::int64_t v) { mix(std::to_string(v)); };
  mix(g.container_group_id);
  mix(g.status);
  mix(g.create_time);
  for (const auto& n : g.network_interfaces) mix(n.private_ip_address);
  for (const auto* list : {&g.containers, &g.init_containers}) {
    mix("containers");
    for (const auto& c : *list) {
      mix(c.name);
      mix(c.image);
      number(c.restart_count);
      number(c.ready ? 1 : 0);
      for (const auto* st : {&c.current_state, &c.previous_state}) {
        mix(st->state);
        mix(st->start_time);
        mix(st->finish_time);
        mix(st->reason);
        number(st->exit_code);
      }
    }
  }
  return h;
}

//! metadata.resourceVersion of a cached object ("" when absent).
std::string version_of(const Json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return {};
  auto rv = m->find("resourceVersion");
  return rv != m->end() && rv->is_string() ? rv->get<std::string>() : std::string();
}

bool is_terminal(const k8s::Pod& pod) {
  return pod.status.phase == "Succeeded" || pod.status.phase == "Failed";
}

//! ConfigMaps and Secrets for the translator, decoded on demand from the informer caches.
class InformerLookup final : public translate::ClusterLookup {
 public:
  InformerLookup(const kube::Informer* cms, const kube::Informer* secrets) : cms_(cms), secrets_(secrets) {}
  const k8s::ConfigMap* config_map(std::string_view ns, std::string_view name) const override {
    return find(cms_, ns, name, cm_cache_);
  }
  const k8s::Secret* secret(std::string_view ns, std::string_view name) const override {
    return find(secrets_, ns, name, secret_cache_);
  }

 private:
  template <class T>
  static const T* find(const kube::Informer* inf, std::string_view ns, std::string_view name,
                       std::map<std::string, T>& cache) {
    if (!inf) return nullptr;
    const std::string key = std::string(ns) + "/" + std::string(name);
    if (auto it = cache.find(key); it != cache.end()) return &it->second;
    auto obj = inf->get(key);
    if (!obj) return nullptr;
    auto decoded = k8s::decode<T>(*obj);
    if (!decoded.ok()) return nullptr;
    return &cache.emplace(key, std::move(*decoded)).first->second;
  }
  const kube::Informer* cms_;
  const kube::Informer* secrets_;
  mutable std::map<std::string, k8s::ConfigMap> cm_cache_;
  mutable std::map<std::string, k8s::Secret> secret_cache_;
};

}  // namespace

VirtualKubelet::VirtualKubelet(VirtualKubeletOptions options, kube::KubeClient& kube, kcicloud::KciApi& kci,
                               Executor& executor, Rng rng, const kcicloud::Catalogue& catalogue)
    : options_(std::move(options)),
      kube_(kube),
      kci_(kci),
      executor_(executor),
      rng_(std::move(rng)),
      catalogue_(catalogue),
      kci_bucket_(executor.clock(), options_.kci_qps, options_.kci_burst) {}

VirtualKubelet::~VirtualKubelet() { stop(); }

kcicloud::CallContext VirtualKubelet::kci_context() const {
  return kcicloud::CallContext{options_.settings.access_key, options_.settings.region};
}

Status VirtualKubelet::start() {
  if (running_) return {};
  running_ = true;
  alive_ = std::make_shared<bool>(true);
  groups_.clear();
  reconciled_ = false;
  started_at_ = executor_.clock().now();
  token_waiters_ = 0;
  if (!options_.settings.temp_aksk_cm.empty() && options_.settings.access_key.empty())
    credentials_problem_ = "waiting for ConfigMap " + std::string(kTempAkskNamespace) + "/" +
                           options_.settings.temp_aksk_cm + " (TEMP_AKSK_CM)";
  KCI_TRY_STATUS(register_node());

  auto alive = alive_;
  queue_ = std::make_unique<WorkQueue>(executor_, rng_.fork(), [this](const std::string& key) {
    return sync_pod(key);
  });
  const std::string node = node_name();
  auto requeue = [this](const kube::Object& o) { queue_->add(kube::key_of(*o)); };
  kube::ListOptions by_node;
  by_node.fieldSelector = "spec.nodeName=" + node;
  pod_informer_ = std::make_unique<kube::Informer>(
      kube_, executor_, kube::pods(), by_node,
      kube::Informer::Handlers{requeue, [requeue](const kube::Object&, const kube::Object& n) { requeue(n); },
                               requeue});
  // A ConfigMap or Secret that appears may unblock pods refused for a missing mandatory one.
  auto requeue_namespace = [this](const kube::Object& o) {
    const auto ns = (*o)["metadata"].value("namespace", "");
    for (const auto& [key, rec] : groups_)
      if (rec.group_id.empty() && key.rfind(ns + "/", 0) == 0) queue_->add(key);
    if (o->value("kind", "") == "ConfigMap" && (*o)["metadata"].value("name", "") == node_name() &&
        ns == "kube-system")
      refresh_sidecar();
    if (o->value("kind", "") == "ConfigMap" && ns == kTempAkskNamespace &&
        (*o)["metadata"].value("name", "") == options_.settings.temp_aksk_cm)
      refresh_credentials();
  };
  kube::Informer::Handlers ref_handlers{
      requeue_namespace, [requeue_namespace](const kube::Object&, const kube::Object& n) { requeue_namespace(n); },
      requeue_namespace};
  cm_informer_ = std::make_unique<kube::Informer>(kube_, executor_, kube::configmaps(), kube::ListOptions{}, ref_handlers);
  secret_informer_ = std::make_unique<kube::Informer>(kube_, executor_, kube::secrets(), kube::ListOptions{}, ref_handlers);
  ns_informer_ = std::make_unique<kube::Informer>(kube_, executor_, kube::namespaces(), kube::ListOptions{},
                                                  kube::Informer::Handlers{});
  // Our own Node: re-create it when someone deletes it (virtual-kubelet's node controller).
  kube::ListOptions own;
  own.fieldSelector = "metadata.name=" + node;
  node_informer_ = std::make_unique<kube::Informer>(
      kube_, executor_, kube::nodes(), own,
      kube::Informer::Handlers{nullptr, nullptr, [this, alive](const kube::Object&) {
                                 if (!*alive) return;
                                 executor_.post([this, alive] {
                                   if (*alive && running_) (void)register_node();
                                 });
                               }});
  cm_informer_->start();
  secret_informer_->start();
  ns_informer_->start();
  node_informer_->start();
  pod_informer_->start();
  refresh_sidecar();

  // Start-up reconciliation once the pod cache is full (never before: a slow cache would
  // make live pods look gone).
  executor_.post([this, alive] {
    if (*alive) reconcile_at_start();
  });
  // Heartbeats and the status loop.
  // A periodic loop keeps its pending timer id in a slot, so stop() can cancel it.
  auto schedule_every = [this, alive](Duration every, std::function<void()> fn) {
    auto slot = std::make_shared<TimerId>(0);
    auto tick = std::make_shared<std::function<void()>>();
    *tick = [this, alive, every, fn, slot, weak = std::weak_ptr<std::function<void()>>(tick)] {
      if (!*alive || !running_) return;
      fn();
      if (auto t = weak.lock()) *slot = executor_.post_after(every, *t);
    };
    *slot = executor_.post_after(every, *tick);
    timers_.push_back({slot, tick});
  };
  if (options_.settings.enable_node_lease) {
    renew_lease();
    schedule_every(options_.lease_renew_interval, [this] { renew_lease(); });
    schedule_every(options_.node_status_interval_with_lease, [this] { push_node_status(); });
  } else {
    schedule_every(options_.node_status_interval, [this] { push_node_status(); });
  }
  schedule_every(options_.status_sync_interval, [this] { sync_statuses(); });
  return {};
}

void VirtualKubelet::stop() {
  if (!running_) return;
  running_ = false;
  if (alive_) *alive_ = false;
  for (auto& t : timers_) executor_.cancel(*t.slot);
  timers_.clear();
  if (queue_) queue_->shut_down();
  queue_.reset();
  pod_informer_.reset();
  cm_informer_.reset();
  secret_informer_.reset();
  node_informer_.reset();
  ns_informer_.reset();
  groups_.clear();
  reconciled_ = false;
}

std::vector<kube::Object> VirtualKubelet::pods() const {
  return pod_informer_ ? pod_informer_->list() : std::vector<kube::Object>{};
}

// ---- node -------------------------------------------------------------------------------

Json VirtualKubelet::node_object() const {
  const auto& s = options_.settings;
  const std::string now = k8s::Time{executor_.clock().now(), false}.to_string();
  Json labels = {{"type", "virtual-kubelet"},
                 {"kubernetes.io/role", "agent"},
                 {"kubernetes.io/hostname", s.node_name},
                 {"kubernetes.io/os", "linux"},
                 {"beta.kubernetes.io/os", "linux"},
                 {"node.kubernetes.io/exclude-from-external-load-balancers", "true"}};
  Json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata", {{"name", s.node_name}, {"labels", labels}}},
               {"spec", Json::object()}};
  if (!s.disable_taint)
    node["spec"]["taints"] = Json::array(
        {{{"key", "virtual-kubelet.io/provider"}, {"value", s.provider}, {"effect", "NoSchedule"}}});
  Json resources = {{"cpu", options_.capacity_cpu}, {"memory", options_.capacity_memory}, {"pods", options_.capacity_pods}};
  auto condition = [&](const char* type, const char* status, const char* reason, const char* message) {
    return Json{{"type", type}, {"status", status}, {"reason", reason}, {"message", message},
                {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
  };
  Json status = {
      {"capacity", resources},
      {"allocatable", resources},
      {"phase", "Running"},
      {"conditions",
       Json::array({condition("Ready", "True", "KubeletReady", "kci-vk virtual kubelet is ready"),
                    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    condition("NetworkUnavailable", "False", "RouteCreated", "the cloud routes pod traffic")})},
      {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", options_.kubelet_port}}}}},
      {"nodeInfo",
       {{"kubeletVersion", options_.version},
        {"kubeProxyVersion", options_.version},
        {"operatingSystem", "linux"},
        {"architecture", "amd64"},
        {"osImage", "Kingsoft Cloud Container Instance"},
        {"containerRuntimeVersion", "kci://2020-07-02"}}}};
  if (!s.pod_ip.empty())
    status["addresses"] = Json::array({{{"type", "InternalIP"}, {"address", s.pod_ip}},
                                       {{"type", "Hostname"}, {"address", s.node_name}}});
  else
    status["addresses"] = Json::array({{{"type", "Hostname"}, {"address", s.node_name}}});
  node["status"] = status;
  return node;
}

Status VirtualKubelet::register_node() {
  const Json desired = node_object();
  auto existing = kube_.get(kube::nodes(node_name()));
  if (existing.ok()) {
    // Keep what others put on the node (labels, manual conditions), refresh ours.
    Json updated = **existing;
    for (const auto& [k, v] : desired["metadata"]["labels"].items()) updated["metadata"]["labels"][k] = v;
    if (desired["spec"].contains("taints")) {
      auto& taints = updated["spec"]["taints"];
      if (!taints.is_array()) taints = Json::array();
      bool present = false;
      for (const auto& t : taints) present |= t.value("key", "") == "virtual-kubelet.io/provider";
      if (!present) taints.push_back(desired["spec"]["taints"][0]);
    }
    auto u = kube_.update(kube::nodes(node_name()), updated);
    if (!u.ok() && !is_transient(u.error())) return u.take_error();
    node_uid_ = (**existing)["metadata"].value("uid", "");
    push_node_status();
    return {};
  }
  if (existing.error().code != ErrorCode::kNotFound) {
    if (is_transient(existing.error())) return {};  // the node informer retries
    return existing.take_error();
  }
  auto created = kube_.create(kube::nodes(), desired);
  if (!created.ok()) {
    if (created.error().code == ErrorCode::kAlreadyExists) return {};
    return created.take_error();
  }
  node_uid_ = (**created)["metadata"].value("uid", "");
  Json status_only = **created;
  status_only["status"] = desired["status"];
  (void)kube_.update_status(kube::nodes(node_name()), status_only);
  return {};
}

void VirtualKubelet::push_node_status() {
  auto existing = kube_.get(kube::nodes(node_name()));
  if (!existing.ok()) return;
  Json updated = **existing;
  const Json desired = node_object();
  const std::string now = k8s::Time{executor_.clock().now(), false}.to_string();
  // Our conditions are refreshed; conditions someone else set (manual ones) are kept.
  Json conditions = Json::array();
  std::set<std::string> ours;
  for (const auto& c : desired["status"]["conditions"]) ours.insert(c["type"].get<std::string>());
  if (updated["status"].contains("conditions"))
    for (const auto& c : updated["status"]["conditions"])
      if (!ours.count(c.value("type", ""))) conditions.push_back(c);
  for (auto c : desired["status"]["conditions"]) {
    c["lastHeartbeatTime"] = now;
    if (updated["status"].contains("conditions"))
      for (const auto& old : updated["status"]["conditions"])
        if (old.value("type", "") == c["type"] && old.value("status", "") == c["status"] && old.contains("lastTransitionTime"))
          c["lastTransitionTime"] = old["lastTransitionTime"];
    conditions.push_back(c);
  }
  for (const char* key : {"capacity", "allocatable", "daemonEndpoints", "nodeInfo", "addresses", "phase"})
    updated["status"][key] = desired["status"][key];
  updated["status"]["conditions"] = conditions;
  (void)kube_.update_status(kube::nodes(node_name()), updated);
}

void VirtualKubelet::renew_lease() {
  const std::string now = k8s::Time{executor_.clock().now(), true}.to_string();
  const auto ref = kube::leases(kLeaseNamespace, node_name());
  auto existing = kube_.get(ref);
  if (existing.ok()) {
    Json lease = **existing;
    lease["spec"]["holderIdentity"] = node_name();
    lease["spec"]["leaseDurationSeconds"] = options_.lease_duration_seconds;
    lease["spec"]["renewTime"] = now;
    (void)kube_.update(ref, lease);
    return;
  }
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", node_name()}, {"namespace", kLeaseNamespace}}},
                {"spec",
                 {{"holderIdentity", node_name()},
                  {"leaseDurationSeconds", options_.lease_duration_seconds},
                  {"renewTime", now}}}};
  if (!node_uid_.empty())
    lease["metadata"]["ownerReferences"] = Json::array(
        {{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_name()}, {"uid", node_uid_}}});
  (void)kube_.create(kube::leases(kLeaseNamespace), lease);
}

void VirtualKubelet::refresh_sidecar() {
  sidecar_.reset();
  if (!cm_informer_) return;
  auto obj = cm_informer_->get("kube-system/" + node_name());
  if (!obj) return;
  auto cm = k8s::decode<k8s::ConfigMap>(*obj);
  if (!cm.ok()) return;
  auto sc = translate::parse_custom_sidecar(*cm);
  if (sc.ok()) sidecar_ = std::move(*sc);
  // A malformed configuration keeps pods out only through their translation refusal;
  // nothing here to report on a pod.
}

void VirtualKubelet::refresh_credentials() {
  const auto& s = options_.settings;
  if (s.temp_aksk_cm.empty() || !cm_informer_) return;
  const std::string where = std::string(kTempAkskNamespace) + "/" + s.temp_aksk_cm + " (TEMP_AKSK_CM)";
  auto cm = cm_informer_->get(std::string(kTempAkskNamespace) + "/" + s.temp_aksk_cm);
  if (!cm) {
    credentials_problem_ = "ConfigMap " + where + " does not exist";
    return;  // keep the keys we had: a ConfigMap being replaced must not stop the node
  }
  const Json data = cm->value("data", Json::object());
  const std::string ak = data.value(kTempAkskAccessKey, ""), sk = data.value(kTempAkskSecretKey, "");
  if (ak.empty() || sk.empty()) {
    credentials_problem_ = "ConfigMap " + where + " lacks data." +
                           (ak.empty() ? std::string(kTempAkskAccessKey) : std::string(kTempAkskSecretKey)) +
                           "; expected data keys " + kTempAkskAccessKey + " and " + kTempAkskSecretKey;
    return;
  }
  credentials_problem_.clear();
  if (ak == s.access_key && sk == s.secret_key) return;
  options_.settings.access_key = ak;
  options_.settings.secret_key = sk;
  if (options_.on_credentials) options_.on_credentials(ak, sk);
  // Pods that waited for credentials go now.
  if (queue_)
    for (const auto& [key, rec] : groups_)
      if (rec.group_id.empty()) queue_->add(key);
}

// ---- KCI helpers ---------------------------------------------------------------------------

bool VirtualKubelet::take_kci_token(Duration& wait) {
  if (kci_bucket_.try_take()) {
    if (token_waiters_ > 0) --token_waiters_;
    return true;
  }
  // Callers queue behind each other: the k-th one told to wait comes back when the k-th next
  // token is due, not all at once when the next one is (a burst of N pods against our own
  // rate would otherwise cost N retries per token, N^2 in all).
  wait = kci_bucket_.wait_time();
  if (kci_bucket_.qps() > 0)
    wait += std::chrono::duration_cast<Duration>(std::chrono::duration<double>(token_waiters_ / kci_bucket_.qps()));
  ++token_waiters_;
  return false;
}

void VirtualKubelet::count_call(const std::string& action, const Error* error, Duration elapsed) {
  ++stats_.kci_calls[action + " " + (!error ? std::string("ok") : error->reason.empty() ? std::string(error_code_name(error->code)) : error->reason)];
  stats_.kci_latency[action].observe(std::chrono::duration<double>(elapsed).count());
}

void VirtualKubelet::record_event(const k8s::Pod& pod, const std::string& type, const std::string& reason,
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
             {"source", {{"component", kComponent}, {"host", node_name()}}},
             {"reportingComponent", kComponent},
             {"reportingInstance", node_name()}};
  (void)kube_.create(kube::events(pod.metadata.namespace_), ev);
}

Status VirtualKubelet::set_pod_status(const k8s::Pod& pod, const k8s::PodStatus& status) {
  if (status == pod.status) return {};
  k8s::Pod updated = pod;
  updated.status = status;
  auto r = kube_.update_status(kube::pods(pod.metadata.namespace_, pod.metadata.name), k8s::encode(updated));
  if (!r.ok()) return r.take_error();
  ++stats_.status_updates;
  return {};
}

// ---- pods --------------------------------------------------------------------------------

WorkQueue::Reply VirtualKubelet::sync_pod(const std::string& key) {
  using Outcome = WorkQueue::Outcome;
  if (!running_) return {};
  if (!reconciled_) {
    if (options_.settings.access_key.empty()) {
      // Start-up reconciliation cannot list groups without keys: say why the pod waits.
      if (auto o = pod_informer_->get(key))
        if (auto p = k8s::decode<k8s::Pod>(*o); p.ok() && !is_terminal(*p)) return wait_for_credentials(*p);
    }
    return {Outcome::kRetryLater, std::chrono::milliseconds(100)};
  }
  auto obj = pod_informer_->get(key);
  if (!obj) {
    // Gone from the cluster (or unbound from us): its group must go too.
    return delete_group_and_pod(nullptr, key);
  }
  auto decoded = k8s::decode<k8s::Pod>(*obj);
  if (!decoded.ok()) return {};  // the API server validated it; nothing sensible to do
  const k8s::Pod& pod = *decoded;
  auto rec = groups_.find(key);
  if (rec != groups_.end() && !rec->second.pod_uid.empty() && rec->second.pod_uid != pod.metadata.uid) {
    // A new pod with the old one's name: the old group belongs to the old pod.
    auto r = delete_group_and_pod(nullptr, key);
    if (r.outcome != Outcome::kDone) return r;
    rec = groups_.end();
  }
  if (pod.metadata.deletionTimestamp) return delete_group_and_pod(&pod, key);
  if (rec != groups_.end() && !rec->second.group_id.empty()) return {};  // status sync keeps it current
  if (is_terminal(pod)) return {};  // failed and succeeded pods are left untouched
  return create_group(pod, key);
}

WorkQueue::Reply VirtualKubelet::wait_for_credentials(const k8s::Pod& pod) {
  // TEMP_AKSK_CM not read yet (or incomplete): say so on the pod and wait for it.
  k8s::PodStatus st = pod.status;
  st.phase = "Pending";
  st.reason = "ProviderFailed";
  st.message = "no KCI credentials: " + credentials_problem_;
  (void)set_pod_status(pod, st);
  return {WorkQueue::Outcome::kRetryLater, std::chrono::seconds(1)};
}

WorkQueue::Reply VirtualKubelet::create_group(const k8s::Pod& pod, const std::string& key) {
  using Outcome = WorkQueue::Outcome;
  k8s::Namespace ns;
  const k8s::Namespace* ns_ptr = nullptr;
  if (auto nso = ns_informer_->get(pod.metadata.namespace_)) {
    if (auto d = k8s::decode<k8s::Namespace>(*nso); d.ok()) {
      ns = std::move(*d);
      ns_ptr = &ns;
    }
  }
  InformerLookup lookup(cm_informer_.get(), secret_informer_.get());
  translate::TranslateInput in{&pod, ns_ptr, &lookup, &options_.settings, sidecar_ ? &*sidecar_ : nullptr, &catalogue_};
  auto out = translate::translate_pod(in);
  auto& rec = groups_[key];
  rec.pod_key = key;
  rec.pod_uid = pod.metadata.uid;
  if (!out.ok()) {
    const auto& refusal = out.refusal();
    ++stats_.refusals;
    // Record each refusal once per pod version: a retry loop must not flood events.
    if (rec.status != "Refused:" + pod.metadata.resourceVersion) {
      record_event(pod, "Warning", refusal.reason, refusal.message);
      rec.status = "Refused:" + pod.metadata.resourceVersion;
      k8s::PodStatus st = pod.status;
      const bool fail = pod.spec.restartPolicy == "Never" ||
                        pod.metadata.annotations.count("k8s.aliyun.com/pod-fail-on-create-err");
      st.phase = fail ? "Failed" : "Pending";
      st.reason = "ProviderFailed";
      st.message = refusal.reason + ": " + refusal.message;
      (void)set_pod_status(pod, st);
    }
    // A missing mandatory ConfigMap or Secret may appear: the informers requeue the pod.
    return {};
  }
  auto& result = out.value();
  if (options_.settings.access_key.empty()) return wait_for_credentials(pod);
  Duration wait{0};
  if (!take_kci_token(wait)) return {Outcome::kRetryLater, wait};
  for (const auto& ev : result.events) record_event(pod, ev.type, ev.reason, ev.message);
  auto& req = result.request;
  // The pod UID makes a retried create idempotent; a replacement needs a token of its own,
  // or the cloud would answer with the group it replaces.
  req.client_token = rec.replacements == 0 ? pod.metadata.uid
                                           : pod.metadata.uid + "-" + std::to_string(rec.replacements);
  req.labels.push_back({kLabelPodUid, pod.metadata.uid});
  // eci-use-specs (seed 003 "如果遇到库存不足的情况,将按照顺序遍历指定的实例规格"): on NoStock
  // the next entry is tried at once, each try paying its own token; the index survives a
  // wait for a token, and starts over once every entry was sold out.
  auto use_choice = [&req](const translate::InstanceChoice& c) {
    req.instance_type = c.instance_type;
    req.instance_families = c.families;
    req.cpu = static_cast<double>(c.size.cpu_milli) / 1000.0;
    req.memory = static_cast<double>(c.size.memory_mib) / 1024.0;
  };
  if (rec.next_spec > result.fallbacks.size()) rec.next_spec = 0;
  if (rec.next_spec > 0) use_choice(result.fallbacks[rec.next_spec - 1]);
  auto created = timed_call("CreateContainerGroup", [&] { return kci_.create_container_group(kci_context(), req); });
  while (!created.ok() && created.error().code == ErrorCode::kResourceExhausted &&
         created.error().reason == "NoStock" && rec.next_spec < result.fallbacks.size()) {
    const auto& next = result.fallbacks[rec.next_spec];
    record_event(pod, "Warning", created.error().reason,
                 created.error().message + "; trying the next entry of k8s.aliyun.com/eci-use-specs (" +
                     (next.instance_type.empty() ? kcicloud::to_string(next.size) : next.instance_type) + ")");
    ++rec.next_spec;
    use_choice(next);
    if (!take_kci_token(wait)) return {Outcome::kRetryLater, wait};
    created = timed_call("CreateContainerGroup", [&] { return kci_.create_container_group(kci_context(), req); });
  }
  if (!created.ok() && rec.next_spec >= result.fallbacks.size()) rec.next_spec = 0;
  if (!created.ok()) {
    const Error& e = created.error();
    record_event(pod, "Warning", e.reason.empty() ? "ProviderCreateFailed" : e.reason, e.message);
    if (result.fail_on_create_error && !is_transient(e)) {
      k8s::PodStatus st = pod.status;
      st.phase = "Failed";
      st.reason = e.reason.empty() ? "ProviderFailed" : e.reason;
      st.message = e.message;
      (void)set_pod_status(pod, st);
      return {};
    }
    k8s::PodStatus st = pod.status;
    st.phase = "Pending";
    st.reason = "ProviderFailed";
    st.message = (e.reason.empty() ? std::string() : e.reason + ": ") + e.message;
    (void)set_pod_status(pod, st);
    // Throttling: at least a second before the next try (clouds reset buckets per second).
    const Duration floor = e.code == ErrorCode::kThrottled ? std::chrono::seconds(1) : Duration(0);
    return {Outcome::kRetry, floor};
  }
  ++stats_.groups_created;
  rec.spot = req.charge_type == "Spot";
  rec.cloud_events_seen = 0;
  rec.image_cache = req.auto_match_image_cache || !req.image_cache_id.empty();
  rec.image_cache_relayed = false;
  rec.next_cloud_events = executor_.clock().now() + options_.spot_event_interval;
  rec.group_id = created->container_group_id;
  rec.fail_on_create_error = result.fail_on_create_error;
  rec.status = kcicloud::status::kPending;
  record_event(pod, "Normal", "ProviderCreateSuccess",
               "created container group " + rec.group_id + " (" + req.container_group_name +
                   (req.instance_type.empty() ? "" : ", " + req.instance_type) + ")");
  return {};
}

WorkQueue::Reply VirtualKubelet::delete_group_and_pod(const k8s::Pod* pod, const std::string& key) {
  using Outcome = WorkQueue::Outcome;
  auto rec = groups_.find(key);
  if (rec != groups_.end() && !rec->second.group_id.empty()) {
    Duration wait{0};
    if (!take_kci_token(wait)) return {Outcome::kRetryLater, wait};
    auto r = timed_call("DeleteContainerGroup", [&] { return kci_.delete_container_group(kci_context(), {rec->second.group_id}); });
    if (!r.ok() && r.error().code != ErrorCode::kNotFound) {
      if (pod) record_event(*pod, "Warning", "ProviderDeleteFailed", r.error().message);
      return {Outcome::kRetry, r.error().code == ErrorCode::kThrottled ? std::chrono::seconds(1) : Duration(0)};
    }
    ++stats_.groups_deleted;
    if (pod) record_event(*pod, "Normal", "ProviderDeleteSuccess", "deleted container group " + rec->second.group_id);
  }
  if (rec != groups_.end()) groups_.erase(rec);
  if (pod) {
    // Confirm the pod's removal: grace 0, and only this pod (a recreated one of the same
    // name has another UID and is left alone).
    kube::DeleteOptions opts;
    opts.gracePeriodSeconds = 0;
    opts.preconditionUid = pod->metadata.uid;
    auto r = kube_.remove(kube::pods(pod->metadata.namespace_, pod->metadata.name), opts);
    if (!r.ok() && r.error().code != ErrorCode::kNotFound && r.error().code != ErrorCode::kConflict)
      return {Outcome::kRetry};
  }
  return {};
}

std::vector<kcicloud::ContainerGroup> VirtualKubelet::list_my_groups(bool& complete) {
  std::vector<kcicloud::ContainerGroup> mine;
  complete = true;
  kcicloud::DescribeContainerGroupRequest req;
  req.max_results = options_.describe_batch;
  for (;;) {
    auto page = timed_call("DescribeContainerGroup", [&] { return kci_.describe_container_group(kci_context(), req); });
    if (!page.ok()) {
      complete = false;
      return mine;
    }
    for (auto& g : page->container_groups)
      if (label_of(g, kLabelCluster) == options_.settings.cluster_id && label_of(g, kLabelNode) == node_name())
        mine.push_back(std::move(g));
    if (page->marker == 0 || page->container_groups.empty()) break;
    req.marker = page->marker;
  }
  return mine;
}

void VirtualKubelet::reconcile_at_start() {
  if (!running_) return;
  auto alive = alive_;
  if (!pod_informer_->synced() || !cm_informer_->synced() || !secret_informer_->synced()) {
    executor_.post_after(std::chrono::milliseconds(100), [this, alive] {
      if (*alive) reconcile_at_start();
    });
    return;
  }
  bool complete = false;
  auto mine = list_my_groups(complete);
  if (!complete) {
    // Without the full list we cannot tell orphans from live groups: try again later.
    executor_.post_after(std::chrono::seconds(1), [this, alive] {
      if (*alive) reconcile_at_start();
    });
    return;
  }
  for (const auto& g : mine) {
    const std::string key = label_of(g, kLabelNamespace) + "/" + label_of(g, kLabelPod);
    auto pod = pod_informer_->get(key);
    const std::string pod_uid = pod ? (*pod)["metadata"].value("uid", "") : "";
    const std::string group_uid = label_of(g, kLabelPodUid);
    if (pod && (group_uid.empty() || group_uid == pod_uid) && !groups_.count(key)) {
      auto& adopted = groups_[key] = GroupRecord{key, pod_uid, g.container_group_id, g.status, "", false};
      adopted.spot = g.charge_type == "Spot";
      ++stats_.groups_adopted;
      continue;
    }
    // No pod for it (or it belonged to an older pod of that name): it only costs money.
    auto r = timed_call("DeleteContainerGroup", [&] { return kci_.delete_container_group(kci_context(), {g.container_group_id}); });
    if (r.ok()) ++stats_.orphans_deleted;
  }
  reconciled_ = true;
  for (const auto& obj : pod_informer_->list()) queue_->add(kube::key_of(*obj));
  sync_statuses();
}

void VirtualKubelet::sync_statuses() {
  if (!running_ || !reconciled_) return;
  std::vector<std::string> ids;
  // Group id -> pod key, so each answer finds its record at once (a scan per group made a
  // sync quadratic in the node's pods).
  std::unordered_map<std::string, std::string> key_of_group;
  key_of_group.reserve(groups_.size());
  for (const auto& [key, rec] : groups_)
    if (!rec.group_id.empty()) {
      ids.push_back(rec.group_id);
      key_of_group.emplace(rec.group_id, key);
    }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < ids.size(); i += static_cast<std::size_t>(options_.describe_batch)) {
    kcicloud::DescribeContainerGroupRequest req;
    const auto end = std::min(ids.size(), i + static_cast<std::size_t>(options_.describe_batch));
    req.container_group_ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(i), ids.begin() + static_cast<std::ptrdiff_t>(end));
    req.max_results = options_.describe_batch;
    Duration wait{0};
    if (!take_kci_token(wait)) return;  // the next tick continues
    auto page = timed_call("DescribeContainerGroup", [&] { return kci_.describe_container_group(kci_context(), req); });
    if (!page.ok()) return;
    for (const auto& g : page->container_groups) {
      seen.insert(g.container_group_id);
      auto k = key_of_group.find(g.container_group_id);
      if (k == key_of_group.end()) continue;
      auto rec = groups_.find(k->second);
      // The record may have moved on (a replaced group) while this sync ran.
      if (rec == groups_.end() || rec->second.group_id != g.container_group_id) continue;
      apply_group_status(g, k->second);
    }
    // Ids the cloud no longer knows: the group is gone (deleted outside the cluster, or
    // reclaimed). Forget it and let the pod get a new one.
    for (auto it = req.container_group_ids.begin(); it != req.container_group_ids.end(); ++it) {
      if (seen.count(*it)) continue;
      auto k = key_of_group.find(*it);
      if (k == key_of_group.end()) continue;
      if (auto found = groups_.find(k->second); found != groups_.end() && found->second.group_id == *it) {
        const std::string& key = found->first;
        GroupRecord& rec = found->second;
        auto podobj = pod_informer_->get(key);
        if (podobj) {
          if (auto pod = k8s::decode<k8s::Pod>(*podobj); pod.ok() && !is_terminal(*pod) && !pod->metadata.deletionTimestamp) {
            record_event(*pod, "Warning", "ContainerGroupLost",
                         "container group " + rec.group_id + " no longer exists in KCI; creating a new one");
          }
        }
        rec.group_id.clear();
        rec.status.clear();
        ++rec.replacements;
        queue_->add(key);
      }
    }
  }
}

void VirtualKubelet::apply_group_status(const kcicloud::ContainerGroup& g, const std::string& key) {
  auto& rec = groups_[key];
  auto podobj = pod_informer_->get(key);
  if (!podobj) return;
  const TimePoint now = executor_.clock().now();
  const bool spot_due = rec.spot && g.status == kcicloud::status::kRunning && now >= rec.next_cloud_events;
  const bool cache_news = rec.image_cache && !rec.image_cache_relayed && g.status != kcicloud::status::kPending;
  // Neither the group nor the pod changed since its status was derived: the mapping would
  // give the same status (decoding every pod every sync made a settled node's syncs cost
  // as much as its burst).
  const std::uint64_t digest = digest_of(g);
  std::string version = version_of(*podobj);
  if (!spot_due && !cache_news && digest == rec.applied_group_digest && !version.empty() && version == rec.applied_pod_version)
    return;
  auto pod = k8s::decode<k8s::Pod>(*podobj);
  if (!pod.ok() || pod->metadata.deletionTimestamp) return;
  const std::string previous = rec.status;
  rec.status = g.status;
  if (g.status == kcicloud::status::kCreateError && previous != g.status) {
    record_event(*pod, "Warning", "CreateError", "container group " + g.container_group_id + " failed to start on its host");
    if (!rec.fail_on_create_error) {
      // Not the user's fault: replace the group.
      (void)timed_call("DeleteContainerGroup", [&] { return kci_.delete_container_group(kci_context(), {g.container_group_id}); });
      rec.group_id.clear();
      rec.status.clear();
      ++rec.replacements;
      queue_->add(key);
      return;
    }
  }
  const bool failed_now = g.status == kcicloud::status::kFailed && previous != g.status;
  if (failed_now || spot_due || cache_news) {
    if (relay_cloud_events(*pod, rec) && cache_news) rec.image_cache_relayed = true;
  }
  const translate::StatusContext ctx{options_.settings.pod_ip, rec.fail_on_create_error, k8s::Time{now, false}};
  const auto status = translate::map_status(*pod, g, ctx);
  if (status == pod->status) {
    // Settled: remembered only once a sync finds nothing to write (after a write the pod
    // has a new version, which the next sync confirms).
    rec.applied_group_digest = digest;
    rec.applied_pod_version = std::move(version);
    return;
  }
  (void)set_pod_status(*pod, status);
}

bool VirtualKubelet::relay_cloud_events(const k8s::Pod& pod, GroupRecord& rec) {
  Duration wait{0};
  if (!take_kci_token(wait)) return false;  // tried again on a later sync
  rec.next_cloud_events = executor_.clock().now() + options_.spot_event_interval;
  auto r = timed_call("DescribeContainerGroupEvents", [&] { return kci_.describe_container_group_events(kci_context(), {rec.group_id}); });
  if (!r.ok()) return false;
  for (std::size_t i = rec.cloud_events_seen; i < r->events.size(); ++i) {
    const auto& e = r->events[i];
    // CreateError is reported by the status sync itself; Normal events (Pulling, Started)
    // would double the event traffic of every burst for no decision anyone takes, but the
    // image-cache ones (seed 003: SuccessfulHitImageCache...) tell whether a cache was used.
    const bool cache_event = e.reason.rfind("ImageCache", 0) == 0 || e.reason == "SuccessfulHitImageCache";
    if ((e.type != "Warning" && !cache_event) || e.reason == "CreateError") continue;
    record_event(pod, e.type, e.reason, e.message);
  }
  rec.cloud_events_seen = r->events.size();
  return true;
}

}  // namespace kci::vk
