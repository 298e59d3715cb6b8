#include "fake-apiserver/statefulset_controller.h"

#include <algorithm>
#include <map>

#include "fake-apiserver/controller_events.h"

namespace kci::apiserver {

namespace {

constexpr auto kRetry = std::chrono::seconds(1);
constexpr const char* kComponent = "statefulset-controller";

std::string key(const Json& o) { return kube::key_of(o); }

std::string phase_of(const Json& pod) {
  const Json* p = json_at(pod, {"status", "phase"});
  return p && p->is_string() ? p->get<std::string>() : "";
}

bool running_and_ready(const Json& pod) {
  return phase_of(pod) == "Running" && pod_ready(pod) && !being_deleted(pod);
}

}  // namespace

std::optional<std::int64_t> statefulset_ordinal(const std::string& set_name, const std::string& pod_name) {
  if (pod_name.size() <= set_name.size() + 1 || pod_name.compare(0, set_name.size(), set_name) != 0 ||
      pod_name[set_name.size()] != '-')
    return std::nullopt;
  const std::string digits = pod_name.substr(set_name.size() + 1);
  if (digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  std::int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

StatefulSetController::StatefulSetController(kube::KubeClient& client, Executor& executor)
    : client_(client), executor_(executor), queue_(executor, [this](const std::string& k) { sync(k); }) {}

StatefulSetController::~StatefulSetController() { stop(); }

Status StatefulSetController::start() {
  kube::Informer::Handlers sh;
  sh.on_add = [this](const kube::Object& o) { queue_.add(key(*o)); };
  sh.on_update = [this](const kube::Object&, const kube::Object& o) { queue_.add(key(*o)); };
  sh.on_delete = [this](const kube::Object& o) { queue_.add(key(*o)); };
  kube::Informer::Handlers ph;
  ph.on_add = [this](const kube::Object& o) {
    creating_.erase(key(*o));
    on_pod(o);
  };
  ph.on_update = [this](const kube::Object&, const kube::Object& o) { on_pod(o); };
  ph.on_delete = [this](const kube::Object& o) {
    deleting_.erase(key(*o));
    on_pod(o);
  };
  pods_ = std::make_unique<kube::Informer>(client_, executor_, kube::pods(), kube::ListOptions{}, ph);
  sets_ = std::make_unique<kube::Informer>(client_, executor_, kube::statefulsets(), kube::ListOptions{}, sh);
  pods_->start();
  sets_->start();
  return ok_status();
}

void StatefulSetController::stop() {
  queue_.shut_down();
  if (sets_) sets_->stop();
  if (pods_) pods_->stop();
}

std::string StatefulSetController::owner_key(const Json& pod) const {
  const Json* ref = controller_ref(pod);
  if (!ref || ref->value("kind", "") != "StatefulSet") return {};
  const std::string k = namespace_of(pod) + "/" + ref->value("name", "");
  kube::Object set = sets_ ? sets_->get(k) : nullptr;
  if (!set || uid_of(*set) != ref->value("uid", "")) return {};
  return k;
}

void StatefulSetController::on_pod(const kube::Object& pod) {
  if (being_deleted(*pod)) deleting_.erase(key(*pod));
  const std::string k = owner_key(*pod);
  if (!k.empty()) queue_.add(k);
}

void StatefulSetController::record_event(const Json& set, const std::string& type, const std::string& reason,
                                         const std::string& message) {
  Json involved = {{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"metadata", set.at("metadata")}};
  record_controller_event(client_, executor_, involved, kComponent, type, reason, message);
}

bool StatefulSetController::create_pod(const Json& set, std::int64_t ordinal) {
  const std::string ns = namespace_of(set), name = name_of(set) + "-" + std::to_string(ordinal);
  if (creating_.count(ns + "/" + name)) return true;
  const Json tmpl = set.value("spec", Json::object()).value("template", Json::object());
  const Json tmeta = tmpl.value("metadata", Json::object());
  Json labels = tmeta.value("labels", Json::object());
  if (!labels.is_object()) labels = Json::object();
  labels[kStatefulSetPodNameLabel] = name;
  labels[kPodIndexLabel] = std::to_string(ordinal);
  Json meta = {{"name", name},
               {"namespace", ns},
               {"labels", std::move(labels)},
               {"ownerReferences", Json::array({controller_ref_to(set, "apps/v1", "StatefulSet")})}};
  if (tmeta.contains("annotations")) meta["annotations"] = tmeta["annotations"];
  if (tmeta.contains("finalizers")) meta["finalizers"] = tmeta["finalizers"];
  Json spec = tmpl.value("spec", Json::object());
  spec["hostname"] = name;
  const std::string service = set.at("spec").value("serviceName", "");
  if (!service.empty()) spec["subdomain"] = service;
  Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(meta)}, {"spec", std::move(spec)}};
  auto created = client_.create(kube::pods(ns), std::move(pod));
  if (!created.ok()) {
    // Already there: the watch has not shown it yet; it is ours or will be judged then.
    if (created.error().code == ErrorCode::kAlreadyExists) return true;
    record_event(set, "Warning", "FailedCreate",
                 "create Pod " + name + " in StatefulSet " + name_of(set) + " failed error: " +
                     created.error().message);
    return false;
  }
  creating_.insert(ns + "/" + name);
  ++created_;
  record_event(set, "Normal", "SuccessfulCreate",
               "create Pod " + name + " in StatefulSet " + name_of(set) + " successful");
  return true;
}

bool StatefulSetController::delete_pod(const Json& set, const kube::Object& pod) {
  const std::string k = key(*pod);
  if (deleting_.count(k)) return true;
  kube::DeleteOptions d;
  d.preconditionUid = uid_of(*pod);
  auto r = client_.remove(kube::pods(namespace_of(*pod), name_of(*pod)), d);
  if (!r.ok() && r.error().code != ErrorCode::kNotFound) {
    record_event(set, "Warning", "FailedDelete",
                 "delete Pod " + name_of(*pod) + " in StatefulSet " + name_of(set) + " failed error: " +
                     r.error().message);
    return false;
  }
  deleting_.insert(k);
  ++deleted_;
  record_event(set, "Normal", "SuccessfulDelete",
               "delete Pod " + name_of(*pod) + " in StatefulSet " + name_of(set) + " successful");
  return true;
}

void StatefulSetController::sync(const std::string& k) {
  kube::Object obj = sets_ ? sets_->get(k) : nullptr;
  if (!obj) return;
  const Json& set = *obj;
  const std::string ns = namespace_of(set), uid = uid_of(set), set_name = name_of(set);
  const std::int64_t replicas = replicas_of(set);
  const bool parallel = set.value("spec", Json::object()).value("podManagementPolicy", "") == "Parallel";

  std::map<std::int64_t, kube::Object> by_ordinal;
  std::vector<kube::Object> owned;
  for (const auto& pod : pods_->list()) {
    if (namespace_of(*pod) != ns) continue;
    const Json* ref = controller_ref(*pod);
    if (!ref || ref->value("uid", "") != uid) continue;
    auto ordinal = statefulset_ordinal(set_name, name_of(*pod));
    if (!ordinal) continue;
    by_ordinal[*ordinal] = pod;
    owned.push_back(pod);
  }
  if (being_deleted(set)) {
    update_status(set, k, owned);
    return;
  }

  bool blocked = false;  // OrderedReady: a lower ordinal is not Running and Ready yet
  for (std::int64_t i = 0; i < replicas && !blocked; ++i) {
    auto it = by_ordinal.find(i);
    if (it == by_ordinal.end() || deleting_.count(ns + "/" + set_name + "-" + std::to_string(i))) {
      if (it == by_ordinal.end()) create_pod(set, i);
      blocked = !parallel;
      continue;
    }
    const kube::Object& pod = it->second;
    const std::string phase = phase_of(*pod);
    if ((phase == "Failed" || phase == "Succeeded") && !being_deleted(*pod)) {
      // An ended pod is replaced under the same name once it is gone.
      delete_pod(set, pod);
      blocked = !parallel;
      continue;
    }
    if (!running_and_ready(*pod)) blocked = !parallel;
  }

  // Condemned pods (ordinals >= replicas), highest first.
  std::vector<kube::Object> condemned;
  for (auto it = by_ordinal.rbegin(); it != by_ordinal.rend(); ++it)
    if (it->first >= replicas) condemned.push_back(it->second);
  if (parallel) {
    for (const auto& pod : condemned)
      if (!being_deleted(*pod)) delete_pod(set, pod);
  } else if (!blocked && !condemned.empty()) {
    // One at a time: wait while one is terminating or any other pod is not Running and Ready.
    bool wait = false;
    for (const auto& pod : condemned)
      if (being_deleted(*pod) || deleting_.count(key(*pod))) wait = true;
    for (std::size_t i = 1; i < condemned.size() && !wait; ++i)
      if (!running_and_ready(*condemned[i])) wait = true;
    if (!wait) delete_pod(set, condemned.front());
  }
  update_status(set, k, owned);
}

void StatefulSetController::update_status(const Json& set, const std::string& k,
                                          const std::vector<kube::Object>& pods) {
  const TimePoint now = executor_.clock().now();
  const std::int64_t min_ready_s = set.value("spec", Json::object()).value("minReadySeconds", std::int64_t{0});
  std::int64_t count = 0, ready = 0, available = 0;
  std::optional<Duration> recheck;
  for (const auto& p : pods) {
    if (being_deleted(*p)) continue;
    ++count;
    if (!running_and_ready(*p)) continue;
    ++ready;
    if (pod_available(*p, std::chrono::seconds(min_ready_s), now)) {
      ++available;
    } else if (auto since = pod_ready_since(*p)) {
      const Duration left = *since + std::chrono::seconds(min_ready_s) - now;
      if (!recheck || left < *recheck) recheck = left;
    }
  }
  const Json status = set.value("status", Json::object());
  Json next = status;
  next["replicas"] = count;
  next["readyReplicas"] = ready;
  next["currentReplicas"] = count;
  next["updatedReplicas"] = count;
  next["availableReplicas"] = available;
  next["observedGeneration"] = set.at("metadata").value("generation", std::int64_t{1});
  if (next != status) {
    Json obj = set;
    obj["status"] = std::move(next);
    auto r = client_.update_status(kube::statefulsets(namespace_of(set), name_of(set)), std::move(obj));
    if (!r.ok() && r.error().code == ErrorCode::kConflict) queue_.add_after(k, kRetry);
  }
  if (recheck) queue_.add_after(k, std::max<Duration>(*recheck, std::chrono::seconds(1)));
}

}  // namespace kci::apiserver
