#include "fake-apiserver/deployment_controller.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace kci::apiserver {

namespace {

// A status write that lost a race is redone this much later, once the watch has brought
// the newer object (the work queue's rate limiter in kube-controller-manager).
constexpr auto kRetry = std::chrono::seconds(1);
constexpr const char* kHashLabel = "pod-template-hash";
constexpr const char* kRevision = "deployment.kubernetes.io/revision";
constexpr std::int64_t kDefaultHistoryLimit = 10;

std::int64_t int_at(const Json& o, std::initializer_list<const char*> path, std::int64_t def = 0) {
  const Json* v = json_at(o, path);
  return v && v->is_number_integer() ? v->get<std::int64_t>() : def;
}

std::int64_t revision_of(const Json& rs) {
  const Json* v = json_at(rs, {"metadata", "annotations", kRevision});
  if (!v || !v->is_string()) return 0;
  try {
    return std::stoll(v->get<std::string>());
  } catch (...) {
    return 0;
  }
}

//! intstr.GetScaledValueFromIntOrPercent: an integer, or "N%" of `total` rounded up or down.
std::int64_t scaled(const Json* v, std::int64_t total, bool round_up, std::int64_t def_percent) {
  if (v && v->is_number_integer()) return v->get<std::int64_t>();
  std::int64_t pct = def_percent;
  if (v && v->is_string()) {
    std::string s = *v;
    if (!s.empty() && s.back() == '%') s.pop_back();
    try {
      pct = std::stoll(s);
    } catch (...) {
      pct = def_percent;
    }
  }
  const std::int64_t num = pct * total;
  return round_up ? (num + 99) / 100 : num / 100;
}

struct Rollout {
  bool recreate = false;
  std::int64_t surge = 0, unavailable = 0;
};

Rollout rollout_of(const Json& d) {
  Rollout r;
  const std::int64_t replicas = replicas_of(d);
  const Json* type = json_at(d, {"spec", "strategy", "type"});
  r.recreate = type && type->is_string() && type->get<std::string>() == "Recreate";
  if (r.recreate) return r;
  r.surge = scaled(json_at(d, {"spec", "strategy", "rollingUpdate", "maxSurge"}), replicas, true, 25);
  r.unavailable =
      scaled(json_at(d, {"spec", "strategy", "rollingUpdate", "maxUnavailable"}), replicas, false, 25);
  if (r.surge == 0 && r.unavailable == 0) r.unavailable = 1;
  r.unavailable = std::min(r.unavailable, replicas);
  return r;
}

//! The template without the pod-template-hash label (EqualIgnoreHash).
Json without_hash(Json tmpl) {
  if (tmpl.contains("metadata") && tmpl["metadata"].contains("labels") &&
      tmpl["metadata"]["labels"].is_object()) {
    tmpl["metadata"]["labels"].erase(kHashLabel);
    if (tmpl["metadata"]["labels"].empty()) tmpl["metadata"].erase("labels");
  }
  return tmpl;
}

//! A working copy of one ReplicaSet during a sync.
struct Set {
  kube::Object obj;
  std::int64_t spec = 0, available = 0;
  const Json& j() const { return *obj; }
};

}  // namespace

std::string pod_template_hash(const Json& pod_template, std::optional<std::int64_t> collision_count) {
  std::string text = pod_template.dump();
  if (collision_count) text += "/" + std::to_string(*collision_count);
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  // rand.SafeEncodeString of the decimal value: no vowels, no look-alike characters.
  static constexpr char kAlphanums[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out = std::to_string(h);
  for (char& c : out) c = kAlphanums[static_cast<unsigned char>(c) % (sizeof(kAlphanums) - 1)];
  return out;
}

DeploymentController::DeploymentController(kube::KubeClient& client, Executor& executor)
    : client_(client), executor_(executor), queue_(executor, [this](const std::string& k) { sync(k); }) {}

DeploymentController::~DeploymentController() { stop(); }

Status DeploymentController::start() {
  kube::Informer::Handlers dh;
  dh.on_add = [this](const kube::Object& o) { queue_.add(kube::key_of(*o)); };
  dh.on_update = [this](const kube::Object&, const kube::Object& o) { queue_.add(kube::key_of(*o)); };
  dh.on_delete = [this](const kube::Object& o) { queue_.add(kube::key_of(*o)); };
  kube::Informer::Handlers sh;
  sh.on_add = [this](const kube::Object& o) { on_replicaset(o); };
  sh.on_update = [this](const kube::Object& a, const kube::Object& b) {
    on_replicaset(a);
    on_replicaset(b);
  };
  sh.on_delete = [this](const kube::Object& o) { on_replicaset(o); };
  kube::Informer::Handlers ph;
  ph.on_add = [this](const kube::Object& o) { on_pod(o); };
  // What a sync reads of pods is how many of its old ReplicaSets' pods are not terminal: an
  // update matters only when it changes the pod's owner or ends it (a burst's bindings and
  // status updates would otherwise each sync the Deployment).
  ph.on_update = [this](const kube::Object& a, const kube::Object& b) {
    auto terminal = [](const Json& pod) {
      const Json* phase = json_at(pod, {"status", "phase"});
      return phase && phase->is_string() && (*phase == "Succeeded" || *phase == "Failed");
    };
    const Json* ra = json_at(*a, {"metadata", "ownerReferences"});
    const Json* rb = json_at(*b, {"metadata", "ownerReferences"});
    const bool same_owner = ra && rb ? *ra == *rb : ra == rb;
    if (same_owner && terminal(*a) == terminal(*b)) return;
    on_pod(a);
    on_pod(b);
  };
  ph.on_delete = [this](const kube::Object& o) { on_pod(o); };
  pods_ = std::make_unique<kube::Informer>(client_, executor_, kube::pods(), kube::ListOptions{}, ph);
  sets_ = std::make_unique<kube::Informer>(client_, executor_, kube::replicasets(), kube::ListOptions{}, sh);
  deployments_ = std::make_unique<kube::Informer>(client_, executor_, kube::deployments(),
                                                  kube::ListOptions{}, dh);
  pods_->start();
  sets_->start();
  deployments_->start();
  return ok_status();
}

void DeploymentController::stop() {
  queue_.shut_down();
  if (deployments_) deployments_->stop();
  if (sets_) sets_->stop();
  if (pods_) pods_->stop();
}

void DeploymentController::on_pod(const kube::Object& pod) {
  // Only Recreate waits for pods (of its old ReplicaSets to be gone).
  const Json* ref = controller_ref(*pod);
  if (!ref || ref->value("kind", "") != "ReplicaSet" || !sets_) return;
  kube::Object rs = sets_->get(namespace_of(*pod) + "/" + ref->value("name", ""));
  if (!rs) return;
  const Json* owner = controller_ref(*rs);
  if (owner && owner->value("kind", "") == "Deployment")
    queue_.add(namespace_of(*rs) + "/" + owner->value("name", ""));
}

void DeploymentController::on_replicaset(const kube::Object& rs) {
  const std::string ns = namespace_of(*rs);
  if (const Json* ref = controller_ref(*rs)) {
    if (ref->value("kind", "") == "Deployment") queue_.add(ns + "/" + ref->value("name", ""));
    return;
  }
  if (!deployments_) return;
  const auto labels = labels_of(*rs);
  for (const auto& d : deployments_->list())
    if (namespace_of(*d) == ns && selector_of(*d).matches(labels)) queue_.add(kube::key_of(*d));
}

Status DeploymentController::scale_replicaset(const Json& rs, std::int64_t replicas) {
  Json patch = {{"metadata", {{"resourceVersion", rs.at("metadata").value("resourceVersion", "")}}},
                {"spec", {{"replicas", replicas}}}};
  auto r = client_.patch(kube::replicasets(namespace_of(rs), name_of(rs)), kube::PatchType::kMerge, patch);
  if (!r.ok()) return r.error();
  return ok_status();
}

void DeploymentController::sync(const std::string& key) {
  kube::Object dp = deployments_ ? deployments_->get(key) : nullptr;
  if (!dp || being_deleted(*dp)) return;
  const Json& d = *dp;
  const std::string ns = namespace_of(d), uid = uid_of(d);
  const k8s::Selector selector = selector_of(d);
  // An empty selector would select every pod of the namespace: Kubernetes refuses to act.
  if (selector.empty() || selector.is_nothing()) return;
  const Json tmpl = d.value("spec", Json::object()).value("template", Json::object());
  const std::int64_t replicas = replicas_of(d);

  // The ReplicaSets this Deployment controls, adopting orphans its selector matches.
  std::vector<kube::Object> all;
  for (const auto& rs : sets_->list()) {
    if (namespace_of(*rs) != ns) continue;
    const Json* ref = controller_ref(*rs);
    if (ref) {
      if (ref->value("uid", "") == uid) all.push_back(rs);
      continue;
    }
    if (being_deleted(*rs) || !selector.matches(labels_of(*rs))) continue;
    Json refs = rs->at("metadata").value("ownerReferences", Json::array());
    refs.push_back(controller_ref_to(d, "apps/v1", "Deployment"));
    Json patch = {{"metadata", {{"ownerReferences", refs},
                                {"resourceVersion", rs->at("metadata").value("resourceVersion", "")}}}};
    auto adopted = client_.patch(kube::replicasets(ns, name_of(*rs)), kube::PatchType::kMerge, patch);
    if (adopted.ok()) all.push_back(*adopted);
  }
  std::sort(all.begin(), all.end(), [](const kube::Object& a, const kube::Object& b) {
    const auto ta = time_of(json_at(*a, {"metadata", "creationTimestamp"}));
    const auto tb = time_of(json_at(*b, {"metadata", "creationTimestamp"}));
    if (ta != tb) return ta < tb;
    return name_of(*a) < name_of(*b);
  });
  kube::Object new_rs;
  std::int64_t max_revision = 0;
  for (const auto& rs : all) {
    max_revision = std::max(max_revision, revision_of(*rs));
    if (!new_rs && without_hash(rs->value("spec", Json::object()).value("template", Json::object())) == tmpl)
      new_rs = rs;
  }
  if (d.value("spec", Json::object()).value("paused", false)) {
    update_status(d, new_rs.get(), all, false);
    return;
  }

  std::vector<Set> old;
  std::set<std::string> old_uids;
  std::int64_t total_spec = 0, old_pods = 0;
  for (const auto& rs : all) {
    total_spec += int_at(*rs, {"spec", "replicas"}, 1);
    if (rs == new_rs) continue;
    old.push_back({rs, int_at(*rs, {"spec", "replicas"}, 1), int_at(*rs, {"status", "availableReplicas"})});
    old_uids.insert(uid_of(*rs));
  }
  // Pods of the old ReplicaSets that are not terminal, terminating ones included (none to
  // count without old ReplicaSets: a scale of a settled Deployment reads no pod).
  if (!old_uids.empty()) {
    for (const auto& pod : pods_->list()) {
      if (namespace_of(*pod) != ns) continue;
      const Json* ref = controller_ref(*pod);
      if (!ref || !old_uids.count(ref->value("uid", ""))) continue;
      const Json* phase = json_at(*pod, {"status", "phase"});
      const std::string p = phase && phase->is_string() ? phase->get<std::string>() : "";
      if (p != "Succeeded" && p != "Failed") ++old_pods;
    }
  }
  const Rollout rollout = rollout_of(d);

  bool created = false;
  if (!new_rs) {
    std::optional<std::int64_t> collisions;
    if (const Json* c = json_at(d, {"status", "collisionCount"}); c && c->is_number_integer())
      collisions = c->get<std::int64_t>();
    const std::string hash = pod_template_hash(tmpl, collisions);
    std::int64_t initial = 0;
    if (rollout.recreate) {
      std::int64_t old_spec = 0;
      for (const auto& s : old) old_spec += s.spec;
      initial = (old_spec == 0 && old_pods == 0) ? replicas : 0;
    } else {
      initial = std::max<std::int64_t>(0, std::min(replicas + rollout.surge - total_spec, replicas));
    }
    Json rs_tmpl = tmpl;
    rs_tmpl["metadata"]["labels"][kHashLabel] = hash;
    Json rs_selector = d.at("spec").at("selector");
    rs_selector["matchLabels"][kHashLabel] = hash;
    Json labels = rs_tmpl["metadata"]["labels"];
    Json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", name_of(d) + "-" + hash},
                 {"namespace", ns},
                 {"labels", labels},
                 {"annotations",
                  {{kRevision, std::to_string(max_revision + 1)},
                   {"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                   {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + rollout.surge)}}},
                 {"ownerReferences", Json::array({controller_ref_to(d, "apps/v1", "Deployment")})}}},
               {"spec",
                {{"replicas", initial},
                 {"minReadySeconds", int_at(d, {"spec", "minReadySeconds"})},
                 {"selector", rs_selector},
                 {"template", rs_tmpl}}}};
    auto made = client_.create(kube::replicasets(ns), std::move(rs));
    if (!made.ok()) {
      if (made.error().code == ErrorCode::kAlreadyExists) {
        // A ReplicaSet of that name with another template: a hash collision. Count it, so
        // the next hash differs, as Kubernetes does.
        Json next = d;
        next["status"]["collisionCount"] = collisions.value_or(0) + 1;
        (void)client_.update_status(kube::deployments(ns, name_of(d)), std::move(next));
      }
      queue_.add_after(key, kRetry);
      return;
    }
    new_rs = *made;
    created = true;
    total_spec += initial;
  } else if (revision_of(*new_rs) < max_revision) {
    // Back to an older template: it becomes the newest revision again.
    Json patch = {{"metadata", {{"annotations", {{kRevision, std::to_string(max_revision + 1)}}}}}};
    auto r = client_.patch(kube::replicasets(ns, name_of(*new_rs)), kube::PatchType::kMerge, patch);
    if (r.ok()) new_rs = *r;
  }

  std::int64_t new_spec = int_at(*new_rs, {"spec", "replicas"}, 1);
  const std::int64_t new_available = int_at(*new_rs, {"status", "availableReplicas"});
  std::int64_t old_spec = 0;
  for (const auto& s : old) old_spec += s.spec;

  auto set_new = [&](std::int64_t n) {
    if (n == new_spec) return;
    if (scale_replicaset(*new_rs, n).ok()) {
      total_spec += n - new_spec;
      new_spec = n;
    }
  };
  auto set_old = [&](Set& s, std::int64_t n) {
    if (n == s.spec) return;
    if (scale_replicaset(s.j(), n).ok()) {
      total_spec += n - s.spec;
      s.spec = n;
    }
  };

  if (rollout.recreate) {
    for (auto& s : old) set_old(s, 0);
    if (old_pods == 0) set_new(replicas);
  } else if (old_spec == 0) {
    // Complete (or a plain scale): the new ReplicaSet carries the whole Deployment.
    set_new(replicas);
  } else {
    // Scale up the new ReplicaSet within the surge.
    if (new_spec > replicas) {
      set_new(replicas);
    } else if (const std::int64_t allowed = replicas + rollout.surge; total_spec < allowed) {
      set_new(std::min(replicas, new_spec + (allowed - total_spec)));
    }
    // Scale down old ones: first their unhealthy replicas, then as availability allows.
    const std::int64_t min_available = replicas - rollout.unavailable;
    const std::int64_t new_unavailable = std::max<std::int64_t>(0, new_spec - new_available);
    std::int64_t budget = total_spec - min_available - new_unavailable;
    for (auto& s : old) {
      if (budget <= 0) break;
      const std::int64_t unhealthy = s.spec - s.available;
      if (unhealthy <= 0 || s.spec == 0) continue;
      const std::int64_t cut = std::min(budget, unhealthy);
      set_old(s, s.spec - cut);
      budget -= cut;
    }
    std::int64_t available = new_available;
    for (const auto& s : old) available += std::min(s.available, s.spec);
    std::int64_t can_remove = available - min_available;
    for (auto& s : old) {
      if (can_remove <= 0) break;
      if (s.spec == 0) continue;
      const std::int64_t cut = std::min(s.spec, can_remove);
      set_old(s, s.spec - cut);
      can_remove -= cut;
    }
  }

  // History: old ReplicaSets at 0 with no pods beyond the limit go, oldest revision first.
  const std::int64_t limit = int_at(d, {"spec", "revisionHistoryLimit"}, kDefaultHistoryLimit);
  std::vector<const Set*> idle;
  for (const auto& s : old)
    if (s.spec == 0 && int_at(s.j(), {"status", "replicas"}) == 0 && !being_deleted(s.j())) idle.push_back(&s);
  std::sort(idle.begin(), idle.end(),
            [](const Set* a, const Set* b) { return revision_of(a->j()) < revision_of(b->j()); });
  for (std::size_t i = 0; static_cast<std::int64_t>(idle.size() - i) > limit; ++i) {
    kube::DeleteOptions o;
    o.preconditionUid = uid_of(idle[i]->j());
    (void)client_.remove(kube::replicasets(ns, name_of(idle[i]->j())), o);
  }

  update_status(d, new_rs.get(), all, created);
}

void DeploymentController::update_status(const Json& d, const Json* new_rs,
                                         const std::vector<kube::Object>& all, bool created) {
  std::int64_t replicas = 0, ready = 0, available = 0, total_spec = 0;
  for (const auto& rs : all) {
    replicas += int_at(*rs, {"status", "replicas"});
    ready += int_at(*rs, {"status", "readyReplicas"});
    available += int_at(*rs, {"status", "availableReplicas"});
    total_spec += int_at(*rs, {"spec", "replicas"}, 1);
  }
  const std::int64_t desired = replicas_of(d);
  const std::int64_t updated = new_rs ? int_at(*new_rs, {"status", "replicas"}) : 0;
  const std::int64_t generation = int_at(d, {"metadata", "generation"}, 1);
  const Rollout rollout = rollout_of(d);
  const Json status = d.value("status", Json::object());
  Json next = status;
  next["observedGeneration"] = generation;
  next["replicas"] = replicas;
  next["updatedReplicas"] = updated;
  next["readyReplicas"] = ready;
  next["availableReplicas"] = available;
  next["unavailableReplicas"] = std::max<std::int64_t>(0, total_spec - available);

  const std::string now = now_text(executor_);
  Json conds = status.value("conditions", Json::array());
  auto set_condition = [&](const std::string& type, const std::string& st, const std::string& reason,
                           const std::string& message) {
    for (auto& c : conds) {
      if (c.value("type", "") != type) continue;
      if (c.value("status", "") == st && c.value("reason", "") == reason &&
          c.value("message", "") == message)
        return;
      if (c.value("status", "") != st) c["lastTransitionTime"] = now;
      c["status"] = st;
      c["reason"] = reason;
      c["message"] = message;
      c["lastUpdateTime"] = now;
      return;
    }
    conds.push_back({{"type", type}, {"status", st}, {"lastUpdateTime", now},
                     {"lastTransitionTime", now}, {"reason", reason}, {"message", message}});
  };
  if (available >= desired - rollout.unavailable)
    set_condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
  else
    set_condition("Available", "False", "MinimumReplicasUnavailable",
                  "Deployment does not have minimum availability.");
  if (new_rs) {
    const std::string rs_name = name_of(*new_rs);
    const bool complete = updated == desired && replicas == desired && available == desired &&
                          int_at(*new_rs, {"spec", "replicas"}, 1) == desired;
    if (created)
      set_condition("Progressing", "True", "NewReplicaSetCreated", "Created new replica set \"" + rs_name + "\"");
    else if (complete)
      set_condition("Progressing", "True", "NewReplicaSetAvailable",
                    "ReplicaSet \"" + rs_name + "\" has successfully progressed.");
    else
      set_condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"" + rs_name + "\" is progressing.");
  }
  // Available first, then Progressing, as kubectl describe lists them.
  std::stable_sort(conds.begin(), conds.end(), [](const Json& a, const Json& b) {
    return a.value("type", "") < b.value("type", "");
  });
  next["conditions"] = conds;
  if (next == status) return;
  Json obj = d;
  obj["status"] = std::move(next);
  auto r = client_.update_status(kube::deployments(namespace_of(d), name_of(d)), std::move(obj));
  if (!r.ok() && r.error().code == ErrorCode::kConflict) queue_.add_after(kube::key_of(d), kRetry);
}

}  // namespace kci::apiserver
