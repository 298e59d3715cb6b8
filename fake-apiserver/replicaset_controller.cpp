#include "fake-apiserver/replicaset_controller.h"

#include <algorithm>
#include <cmath>

namespace kci::apiserver {

namespace {

// A status write that lost a race is redone this much later, once the watch has brought
// the newer object (the work queue's rate limiter in kube-controller-manager).
constexpr auto kRetry = std::chrono::seconds(1);
constexpr const char* kDeletionCost = "controller.kubernetes.io/pod-deletion-cost";

std::string key(const Json& o) { return kube::key_of(o); }

std::string node_of(const Json& pod) {
  const Json* n = json_at(pod, {"spec", "nodeName"});
  return n && n->is_string() ? n->get<std::string>() : "";
}

//! Pending 0 < Unknown 1 < Running 2 (podPhaseToOrdinal).
int phase_rank(const Json& pod) {
  const Json* p = json_at(pod, {"status", "phase"});
  const std::string s = p && p->is_string() ? p->get<std::string>() : "";
  if (s == "Pending" || s.empty()) return 0;
  if (s == "Unknown") return 1;
  if (s == "Running") return 2;
  return 3;
}

std::int32_t deletion_cost(const Json& pod) {
  const Json* a = json_at(pod, {"metadata", "annotations", kDeletionCost});
  if (!a || !a->is_string()) return 0;
  const std::string s = *a;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used != s.size() || v < INT32_MIN || v > INT32_MAX) return 0;
    return static_cast<std::int32_t>(v);
  } catch (...) {
    return 0;
  }
}

std::int64_t max_restarts(const Json& pod) {
  std::int64_t m = 0;
  const Json* cs = json_at(pod, {"status", "containerStatuses"});
  if (cs && cs->is_array())
    for (const auto& c : *cs) m = std::max(m, c.value("restartCount", std::int64_t{0}));
  return m;
}

//! floor(log2(now - t)) in nanoseconds; -1 when t is not in the past.
std::int64_t log_bucket(TimePoint t, TimePoint now) {
  const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(now - t).count();
  if (d <= 0) return -1;
  return static_cast<std::int64_t>(std::floor(std::log2(static_cast<double>(d))));
}

//! afterOrZero and its logarithmic form: a zero (unknown) time first, then the later one.
//! Returns <0 when a goes first, >0 when b does, 0 when undecided by time.
int newer_first(std::optional<TimePoint> a, std::optional<TimePoint> b, TimePoint now,
                const std::string& uid_a, const std::string& uid_b) {
  if (a == b) return 0;
  if (!a || !b) return !a ? -1 : 1;
  const std::int64_t diff = log_bucket(*a, now) - log_bucket(*b, now);
  if (diff == 0) return uid_a < uid_b ? -1 : (uid_b < uid_a ? 1 : 0);
  return diff < 0 ? -1 : 1;
}

//! Whether a pod update changes what a ReplicaSet's sync reads of it: its membership
//! (labels, owner references), whether it counts (phase, deletion) or its readiness. Other
//! changes (a binding, an IP, container states) leave the sync's outcome as it was and are
//! not queued: a burst's pods are bound one scheduling cycle at a time, and a sync of the
//! whole set per binding made a Deployment's burst quadratic in its replicas.
bool matters_to_replicaset(const Json& before, const Json& after) {
  auto same = [&](std::initializer_list<const char*> path) {
    const Json* a = json_at(before, path);
    const Json* b = json_at(after, path);
    return a && b ? *a == *b : a == b;
  };
  return !(same({"metadata", "labels"}) && same({"metadata", "ownerReferences"}) &&
           same({"metadata", "deletionTimestamp"}) && same({"status", "phase"}) &&
           pod_ready(before) == pod_ready(after) && pod_ready_since(before) == pod_ready_since(after));
}

}  // namespace

void rank_for_deletion(std::vector<kube::Object>& pods, TimePoint now) {
  std::map<std::string, std::int64_t> on_node;
  for (const auto& p : pods) ++on_node[node_of(*p)];
  auto less = [&](const kube::Object& pi, const kube::Object& pj) {
    const Json& i = *pi;
    const Json& j = *pj;
    const std::string ni = node_of(i), nj = node_of(j);
    // 1. Unassigned < assigned.
    if (ni.empty() != nj.empty()) return ni.empty();
    // 2. Pending < Unknown < Running.
    if (phase_rank(i) != phase_rank(j)) return phase_rank(i) < phase_rank(j);
    // 3. Not ready < ready.
    if (pod_ready(i) != pod_ready(j)) return !pod_ready(i);
    // 4. Lower pod-deletion-cost < higher.
    if (deletion_cost(i) != deletion_cost(j)) return deletion_cost(i) < deletion_cost(j);
    // 5. Doubled up (more related pods on the same node) < not doubled up.
    if (on_node[ni] != on_node[nj]) return on_node[ni] > on_node[nj];
    // 6. Both ready: more recently ready first.
    if (pod_ready(i) && pod_ready(j)) {
      const int c = newer_first(pod_ready_since(i), pod_ready_since(j), now, uid_of(i), uid_of(j));
      if (c != 0) return c < 0;
    }
    // 7. More container restarts < fewer.
    if (max_restarts(i) != max_restarts(j)) return max_restarts(i) > max_restarts(j);
    // 8. Newer creation first.
    const int c = newer_first(time_of(json_at(i, {"metadata", "creationTimestamp"})),
                              time_of(json_at(j, {"metadata", "creationTimestamp"})), now,
                              uid_of(i), uid_of(j));
    return c < 0;
  };
  std::stable_sort(pods.begin(), pods.end(), less);
}

ReplicaSetController::ReplicaSetController(kube::KubeClient& client, Executor& executor,
                                           ReplicaSetControllerOptions options)
    : client_(client),
      executor_(executor),
      options_(options),
      queue_(executor, [this](const std::string& k) { sync(k); }) {}

ReplicaSetController::~ReplicaSetController() { stop(); }

Status ReplicaSetController::start() {
  kube::Informer::Handlers sh;
  sh.on_add = [this](const kube::Object& o) { queue_.add(key(*o)); };
  sh.on_update = [this](const kube::Object&, const kube::Object& o) { queue_.add(key(*o)); };
  sh.on_delete = [this](const kube::Object& o) { queue_.add(key(*o)); };
  kube::Informer::Handlers ph;
  ph.on_add = [this](const kube::Object& o) {
    remember(o);
    on_pod_add(o);
  };
  ph.on_update = [this](const kube::Object& a, const kube::Object& b) {
    remember(b);
    on_pod_update(a, b);
  };
  ph.on_delete = [this](const kube::Object& o) {
    forget(o);
    on_pod_delete(o);
  };
  // Pods first: the first sync of each ReplicaSet then sees the pods that already exist.
  pods_ = std::make_unique<kube::Informer>(client_, executor_, kube::pods(), kube::ListOptions{}, ph);
  sets_ = std::make_unique<kube::Informer>(client_, executor_, kube::replicasets(),
                                           kube::ListOptions{}, sh);
  pods_->start();
  sets_->start();
  return ok_status();
}

void ReplicaSetController::stop() {
  queue_.shut_down();
  if (sets_) sets_->stop();
  if (pods_) pods_->stop();
}

// ---- expectations ------------------------------------------------------------------------

bool ReplicaSetController::satisfied(const std::string& k) const {
  auto it = expectations_.find(k);
  if (it == expectations_.end()) return true;
  if (it->second.adds <= 0 && it->second.deletes.empty()) return true;
  return executor_.clock().now() - it->second.set_at > options_.expectations_timeout;
}

void ReplicaSetController::creation_observed(const std::string& k) {
  auto it = expectations_.find(k);
  if (it != expectations_.end() && it->second.adds > 0) --it->second.adds;
}

void ReplicaSetController::deletion_observed(const std::string& k, const std::string& pod_key) {
  auto it = expectations_.find(k);
  if (it != expectations_.end()) it->second.deletes.erase(pod_key);
}

// ---- pod events --------------------------------------------------------------------------

ReplicaSetController::PodFacts ReplicaSetController::facts_of(const kube::Object& pod) {
  PodFacts f;
  f.pod = pod;
  const Json* ref = controller_ref(*pod);
  f.bucket = namespace_of(*pod) + "/" + (ref ? ref->value("uid", "") : std::string());
  f.controlled = ref != nullptr;
  f.labels = labels_of(*pod);
  f.active = pod_active(*pod);
  f.ready = pod_ready(*pod);
  f.ready_since = pod_ready_since(*pod);
  return f;
}

void ReplicaSetController::remember(const kube::Object& pod) {
  const std::string k = key(*pod);
  PodFacts f = facts_of(pod);
  auto [it, added] = facts_.try_emplace(k);
  if (!added && it->second.bucket != f.bucket) {
    auto b = buckets_.find(it->second.bucket);
    if (b != buckets_.end() && b->second.erase(k) && b->second.empty()) buckets_.erase(b);
  }
  if (added || it->second.bucket != f.bucket) buckets_[f.bucket].insert(k);
  it->second = std::move(f);
}

void ReplicaSetController::forget(const kube::Object& pod) {
  const std::string k = key(*pod);
  auto it = facts_.find(k);
  if (it == facts_.end()) return;
  auto b = buckets_.find(it->second.bucket);
  if (b != buckets_.end() && b->second.erase(k) && b->second.empty()) buckets_.erase(b);
  facts_.erase(it);
}

std::string ReplicaSetController::owner_key(const Json& pod) const {
  const Json* ref = controller_ref(pod);
  if (!ref || ref->value("kind", "") != "ReplicaSet") return {};
  const std::string k = namespace_of(pod) + "/" + ref->value("name", "");
  kube::Object rs = sets_ ? sets_->get(k) : nullptr;
  if (!rs || uid_of(*rs) != ref->value("uid", "")) return {};
  return k;
}

void ReplicaSetController::enqueue_matching(const Json& pod) {
  if (!sets_) return;
  const std::string ns = namespace_of(pod);
  const auto labels = labels_of(pod);
  for (const auto& rs : sets_->list())
    if (namespace_of(*rs) == ns && selector_of(*rs).matches(labels)) queue_.add(key(*rs));
}

void ReplicaSetController::on_pod_add(const kube::Object& pod) {
  if (being_deleted(*pod)) {
    on_pod_delete(pod);
    return;
  }
  const std::string k = owner_key(*pod);
  if (!k.empty()) {
    creation_observed(k);
    queue_.add(k);
    return;
  }
  if (!controller_ref(*pod)) enqueue_matching(*pod);
}

void ReplicaSetController::on_pod_update(const kube::Object& old_pod, const kube::Object& pod) {
  if (!matters_to_replicaset(*old_pod, *pod)) return;
  const std::string old_k = owner_key(*old_pod), k = owner_key(*pod);
  if (being_deleted(*pod)) {
    // A graceful deletion began: the controller counts the pod as gone from now on.
    if (!k.empty()) deletion_observed(k, key(*pod));
    if (!old_k.empty() && old_k != k) deletion_observed(old_k, key(*pod));
  }
  if (!old_k.empty() && old_k != k) queue_.add(old_k);
  if (!k.empty()) {
    queue_.add(k);
  } else if (!controller_ref(*pod) && !being_deleted(*pod)) {
    enqueue_matching(*pod);
  }
}

void ReplicaSetController::on_pod_delete(const kube::Object& pod) {
  const std::string k = owner_key(*pod);
  if (k.empty()) return;
  deletion_observed(k, key(*pod));
  queue_.add(k);
}

// ---- sync --------------------------------------------------------------------------------

void ReplicaSetController::sync(const std::string& k) {
  kube::Object rs = sets_ ? sets_->get(k) : nullptr;
  if (!rs) {
    expectations_.erase(k);
    return;
  }
  const Json& set = *rs;
  const std::string ns = namespace_of(set), uid = uid_of(set);
  const k8s::Selector selector = selector_of(set);
  const bool deleting = being_deleted(set);
  const bool need_sync = satisfied(k) && !deleting;

  // Claim: owned pods the selector still matches, plus orphans it matches (adopted). The
  // pods the set controls and the namespace's orphans, merged in key order (the order of
  // the informer's list, so adoption and release happen in the order they always did).
  std::vector<const PodFacts*> owned;
  std::vector<PodFacts> adopted;  // facts of pods adopted in this sync (their new objects)
  static const std::set<std::string> kNone;
  const auto b_owned = buckets_.find(ns + "/" + uid), b_orphans = buckets_.find(ns + "/");
  const auto& mine = b_owned == buckets_.end() ? kNone : b_owned->second;
  const auto& orphans = b_orphans == buckets_.end() || uid.empty() ? kNone : b_orphans->second;
  std::vector<const PodFacts*> members;
  members.reserve(mine.size() + orphans.size());
  auto a = mine.begin(), b = orphans.begin();
  while (a != mine.end() || b != orphans.end()) {
    const bool take_a = b == orphans.end() || (a != mine.end() && *a < *b);
    members.push_back(&facts_.at(take_a ? *a++ : *b++));
  }
  adopted.reserve(orphans.size());
  for (const PodFacts* member : members) {
    const PodFacts& f = *member;
    if (!f.active) continue;
    const kube::Object& pod = f.pod;
    const bool matches = selector.matches(f.labels);
    if (f.controlled) {
      if (matches) {
        owned.push_back(&f);
      } else if (!deleting) {
        // Released: the pod no longer matches; drop our reference.
        Json refs = Json::array();
        for (const auto& r : pod->at("metadata").at("ownerReferences"))
          if (r.value("uid", "") != uid) refs.push_back(r);
        // An empty list is no list (kube-apiserver omits it): null removes the key.
        Json patch = {{"metadata", {{"ownerReferences", refs.empty() ? Json(nullptr) : refs},
                                    {"resourceVersion", pod->at("metadata").value("resourceVersion", "")}}}};
        (void)client_.patch(kube::pods(ns, name_of(*pod)), kube::PatchType::kMerge, patch);
      }
      continue;
    }
    if (!matches || deleting) continue;
    Json refs = json_at(*pod, {"metadata", "ownerReferences"}) &&
                        pod->at("metadata").at("ownerReferences").is_array()
                    ? pod->at("metadata").at("ownerReferences")
                    : Json::array();
    refs.push_back(controller_ref_to(set, "apps/v1", "ReplicaSet"));
    Json patch = {{"metadata", {{"ownerReferences", refs},
                                {"resourceVersion", pod->at("metadata").value("resourceVersion", "")}}}};
    auto patched = client_.patch(kube::pods(ns, name_of(*pod)), kube::PatchType::kMerge, patch);
    if (patched.ok()) {
      adopted.push_back(facts_of(*patched));
      owned.push_back(&adopted.back());
    }
  }
  if (need_sync) {
    std::vector<kube::Object> pods;
    pods.reserve(owned.size());
    for (const PodFacts* f : owned) pods.push_back(f->pod);
    manage(set, k, pods);
  }
  update_status(set, k, owned);
}

void ReplicaSetController::manage(const Json& rs, const std::string& k,
                                  const std::vector<kube::Object>& pods) {
  const std::string ns = namespace_of(rs);
  const std::int64_t diff = static_cast<std::int64_t>(pods.size()) - replicas_of(rs);
  if (diff < 0) {
    const std::int64_t n = std::min(-diff, options_.burst_replicas);
    Expectations& e = expectations_[k];
    e.adds = n;
    e.deletes.clear();
    e.set_at = executor_.clock().now();
    const Json tmpl = rs.value("spec", Json::object()).value("template", Json::object());
    const Json tmeta = tmpl.value("metadata", Json::object());
    for (std::int64_t i = 0; i < n; ++i) {
      Json meta = {{"generateName", name_of(rs) + "-"},
                   {"namespace", ns},
                   {"ownerReferences", Json::array({controller_ref_to(rs, "apps/v1", "ReplicaSet")})}};
      if (tmeta.contains("labels")) meta["labels"] = tmeta["labels"];
      if (tmeta.contains("annotations")) meta["annotations"] = tmeta["annotations"];
      if (tmeta.contains("finalizers")) meta["finalizers"] = tmeta["finalizers"];
      Json pod = {{"apiVersion", "v1"},
                  {"kind", "Pod"},
                  {"metadata", std::move(meta)},
                  {"spec", tmpl.value("spec", Json::object())}};
      auto created = client_.create(kube::pods(ns), std::move(pod));
      if (!created.ok()) {
        // What was not created is not expected; the next sync tries again.
        e.adds -= n - i;
        if (e.adds < 0) e.adds = 0;
        break;
      }
      ++created_;
    }
    return;
  }
  if (diff > 0) {
    std::vector<kube::Object> victims = pods;
    rank_for_deletion(victims, executor_.clock().now());
    victims.resize(static_cast<std::size_t>(std::min(diff, options_.burst_replicas)));
    Expectations& e = expectations_[k];
    e.adds = 0;
    e.deletes.clear();
    for (const auto& v : victims) e.deletes.insert(key(*v));
    e.set_at = executor_.clock().now();
    for (const auto& v : victims) {
      kube::DeleteOptions d;
      d.preconditionUid = uid_of(*v);
      auto r = client_.remove(kube::pods(namespace_of(*v), name_of(*v)), d);
      if (!r.ok()) {
        deletion_observed(k, key(*v));
        continue;
      }
      ++deleted_;
    }
  }
}

void ReplicaSetController::update_status(const Json& rs, const std::string& k,
                                         const std::vector<const PodFacts*>& pods) {
  const TimePoint now = executor_.clock().now();
  const std::int64_t min_ready_s =
      rs.value("spec", Json::object()).value("minReadySeconds", std::int64_t{0});
  const Duration min_ready = std::chrono::seconds(min_ready_s);
  const Json* tl = json_at(rs, {"spec", "template", "metadata", "labels"});
  std::int64_t fully = 0, ready = 0, available = 0;
  std::optional<Duration> recheck;
  for (const PodFacts* p : pods) {
    bool full = true;
    if (tl && tl->is_object()) {
      for (const auto& [lk, lv] : tl->items()) {
        auto it = p->labels.find(lk);
        if (it == p->labels.end() || !lv.is_string() || it->second != lv.get<std::string>()) full = false;
      }
    }
    if (full) ++fully;
    if (!p->ready) continue;
    ++ready;
    // podutil.IsPodAvailable, on the remembered ready time.
    if (min_ready <= Duration::zero() || (p->ready_since && *p->ready_since + min_ready <= now)) {
      ++available;
    } else if (auto since = p->ready_since) {
      const Duration left = *since + min_ready - now;
      if (!recheck || left < *recheck) recheck = left;
    } else if (min_ready_s > 0) {
      recheck = min_ready;
    }
  }
  Json status = rs.value("status", Json::object());
  Json next = status;
  next["replicas"] = static_cast<std::int64_t>(pods.size());
  next["fullyLabeledReplicas"] = fully;
  next["readyReplicas"] = ready;
  next["availableReplicas"] = available;
  next["observedGeneration"] = rs.at("metadata").value("generation", std::int64_t{1});
  if (next != status) {
    Json obj = rs;
    obj["status"] = std::move(next);
    auto r = client_.update_status(kube::replicasets(namespace_of(rs), name_of(rs)), std::move(obj));
    if (!r.ok() && r.error().code == ErrorCode::kConflict) queue_.add_after(k, kRetry);
  }
  // Ready times are whole seconds: look again no sooner than a second from now.
  if (recheck) queue_.add_after(k, std::max<Duration>(*recheck, std::chrono::seconds(1)));
}

}  // namespace kci::apiserver
