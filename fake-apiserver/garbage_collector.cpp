#include "fake-apiserver/garbage_collector.h"

#include <algorithm>

#include "core/kube/resources.h"

namespace kci::apiserver {

namespace {

constexpr const char* kOrphan = "orphan";
constexpr const char* kForeground = "foregroundDeletion";

bool has_finalizer(const Json& o, const std::string& f) {
  const Json* fs = json_at(o, {"metadata", "finalizers"});
  if (!fs || !fs->is_array()) return false;
  return std::find(fs->begin(), fs->end(), f) != fs->end();
}

Json owner_refs(const Json& o) {
  const Json* refs = json_at(o, {"metadata", "ownerReferences"});
  return refs && refs->is_array() ? *refs : Json::array();
}

std::string rv_of(const Json& o) {
  const Json* rv = json_at(o, {"metadata", "resourceVersion"});
  return rv && rv->is_string() ? rv->get<std::string>() : "";
}

// A write that lost a race (conflict) or a read that failed is tried again this much later:
// long enough for the watch to bring the newer object, short on the scale of a deletion.
constexpr auto kRetry = std::chrono::seconds(1);

}  // namespace

GarbageCollector::GarbageCollector(kube::KubeClient& client, Executor& executor,
                                   GarbageCollectorOptions options)
    : client_(client),
      executor_(executor),
      options_(std::move(options)),
      queue_(executor, [this](const std::string& uid) { process(uid); }) {}

GarbageCollector::~GarbageCollector() { stop(); }

Status GarbageCollector::start() {
  for (const auto& collection : options_.resources) {
    kube::Informer::Handlers h;
    h.on_add = [this, collection](const kube::Object& o) { observe(collection, o); };
    h.on_update = [this, collection](const kube::Object&, const kube::Object& o) { observe(collection, o); };
    h.on_delete = [this](const kube::Object& o) { forget(o); };
    informers_.push_back(std::make_unique<kube::Informer>(client_, executor_, collection,
                                                          kube::ListOptions{}, std::move(h)));
  }
  for (auto& i : informers_) i->start();
  return ok_status();
}

void GarbageCollector::stop() {
  queue_.shut_down();
  for (auto& i : informers_) i->stop();
}

bool GarbageCollector::watched_kind(const std::string& api_version, const std::string& kind) const {
  auto ref = kube::builtin_ref(api_version, kind);
  if (!ref.ok()) return false;
  for (const auto& r : options_.resources)
    if (r.group == ref->group && r.resource == ref->resource) return true;
  return false;
}

void GarbageCollector::observe(const kube::ResourceRef& collection, const kube::Object& obj) {
  const std::string uid = uid_of(*obj);
  if (uid.empty()) return;
  Node& n = graph_[uid];
  n.object = obj;
  n.ref = collection.in(namespace_of(*obj)).named(name_of(*obj));
  std::set<std::string> owners;
  for (const auto& r : owner_refs(*obj))
    if (r.is_object() && r.contains("uid")) owners.insert(r.value("uid", ""));
  for (const auto& o : n.owners)
    if (!owners.count(o)) {
      auto it = graph_.find(o);
      if (it == graph_.end()) continue;
      it->second.dependents.erase(uid);
      if (!it->second.object && it->second.dependents.empty()) graph_.erase(it);
    }
  for (const auto& o : owners) graph_[o].dependents.insert(uid);
  graph_[uid].owners = std::move(owners);
  const Node& self = graph_[uid];
  if (!self.owners.empty() ||
      (being_deleted(*obj) && (has_finalizer(*obj, kOrphan) || has_finalizer(*obj, kForeground))))
    queue_.add(uid);
}

void GarbageCollector::forget(const kube::Object& obj) {
  const std::string uid = uid_of(*obj);
  auto it = graph_.find(uid);
  if (it == graph_.end()) return;
  for (const auto& o : it->second.owners) {
    auto ot = graph_.find(o);
    if (ot == graph_.end()) continue;
    ot->second.dependents.erase(uid);
    if (ot->second.object) queue_.add(o);  // a foreground owner may be waiting for this one
    else if (ot->second.dependents.empty()) graph_.erase(ot);
  }
  it = graph_.find(uid);
  it->second.object = nullptr;
  it->second.owners.clear();
  // The dependents now have an absent owner.
  for (const auto& d : it->second.dependents) queue_.add(d);
  if (it->second.dependents.empty()) graph_.erase(it);
}

int GarbageCollector::owner_exists(const Json& r, const std::string& ns, bool& waiting) {
  waiting = false;
  const std::string uid = r.value("uid", "");
  auto it = graph_.find(uid);
  if (it != graph_.end() && it->second.object) {
    const Json& o = *it->second.object;
    waiting = being_deleted(o) && has_finalizer(o, kForeground);
    return 1;
  }
  const std::string api_version = r.value("apiVersion", ""), kind = r.value("kind", "");
  if (!watched_kind(api_version, kind)) return 1;
  auto ref = kube::builtin_ref(api_version, kind, ns, r.value("name", ""));
  if (!ref.ok()) return 1;
  // The cache may not have seen a new owner yet: ask the server.
  auto live = client_.get(*ref);
  if (!live.ok()) return live.error().code == ErrorCode::kNotFound ? 0 : -1;
  if (uid_of(**live) != uid) return 0;
  waiting = being_deleted(**live) && has_finalizer(**live, kForeground);
  return 1;
}

Status GarbageCollector::drop_owner_refs(const Node& dependent, const std::set<std::string>& owner_uids) {
  const Json& o = *dependent.object;
  Json refs = Json::array();
  for (const auto& r : owner_refs(o))
    if (!owner_uids.count(r.value("uid", ""))) refs.push_back(r);
  Json patch = {{"metadata", {{"ownerReferences", refs.empty() ? Json(nullptr) : refs},
                              {"resourceVersion", rv_of(o)}}}};
  auto r = client_.patch(dependent.ref, kube::PatchType::kMerge, patch);
  if (!r.ok() && r.error().code != ErrorCode::kNotFound) return r.error();
  return ok_status();
}

Status GarbageCollector::drop_finalizer(const Node& node, const std::string& finalizer) {
  const Json& o = *node.object;
  Json fs = Json::array();
  for (const auto& f : *json_at(o, {"metadata", "finalizers"}))
    if (f != finalizer) fs.push_back(f);
  Json patch = {{"metadata", {{"finalizers", fs.empty() ? Json(nullptr) : fs},
                              {"resourceVersion", rv_of(o)}}}};
  auto r = client_.patch(node.ref, kube::PatchType::kMerge, patch);
  if (!r.ok() && r.error().code != ErrorCode::kNotFound) return r.error();
  return ok_status();
}

void GarbageCollector::process(const std::string& uid) {
  auto it = graph_.find(uid);
  if (it == graph_.end() || !it->second.object) return;
  Node& n = it->second;
  const kube::Object obj = n.object;
  if (being_deleted(*obj)) {
    process_deleting(n, uid);
    return;
  }
  std::set<std::string> solid, dangling, waiting;
  for (const auto& r : owner_refs(*obj)) {
    if (!r.is_object()) continue;
    bool w = false;
    const int e = owner_exists(r, namespace_of(*obj), w);
    if (e < 0) {
      queue_.add_after(uid, kRetry);
      return;
    }
    const std::string ou = r.value("uid", "");
    if (e == 0) dangling.insert(ou);
    else if (w) waiting.insert(ou);
    else solid.insert(ou);
  }
  if (!solid.empty()) {
    // Some owner is alive: only the references to absent owners go.
    if (!dangling.empty() && !drop_owner_refs(graph_[uid], dangling).ok()) queue_.add_after(uid, kRetry);
    return;
  }
  if (dangling.empty() && waiting.empty()) return;
  kube::DeleteOptions d;
  d.preconditionUid = uid;
  // Behind an owner deleted in the foreground, a dependent with dependents of its own goes
  // in the foreground too, so the chain empties from the leaves.
  d.propagationPolicy = (!waiting.empty() && !graph_[uid].dependents.empty()) ? "Foreground" : "Background";
  auto r = client_.remove(graph_[uid].ref, d);
  if (r.ok()) {
    ++deleted_;
  } else if (r.error().code != ErrorCode::kNotFound && r.error().code != ErrorCode::kConflict) {
    queue_.add_after(uid, kRetry);
  }
}

void GarbageCollector::process_deleting(Node& node, const std::string& uid) {
  const Json& o = *node.object;
  const std::vector<std::string> deps(node.dependents.begin(), node.dependents.end());
  if (has_finalizer(o, kOrphan)) {
    for (const auto& d : deps) {
      auto it = graph_.find(d);
      if (it == graph_.end() || !it->second.object) continue;
      if (!drop_owner_refs(it->second, {uid}).ok()) {
        queue_.add_after(uid, kRetry);
        return;
      }
    }
    if (!drop_finalizer(graph_[uid], kOrphan).ok()) queue_.add_after(uid, kRetry);
    return;
  }
  if (!has_finalizer(o, kForeground)) return;
  std::int64_t blocking = 0;
  for (const auto& d : deps) {
    auto it = graph_.find(d);
    if (it == graph_.end() || !it->second.object) continue;
    const Json& dep = *it->second.object;
    for (const auto& r : owner_refs(dep))
      if (r.value("uid", "") == uid && r.value("blockOwnerDeletion", false)) ++blocking;
    if (!being_deleted(dep)) queue_.add(d);
  }
  if (blocking == 0 && !drop_finalizer(graph_[uid], kForeground).ok()) queue_.add_after(uid, kRetry);
}

}  // namespace kci::apiserver
