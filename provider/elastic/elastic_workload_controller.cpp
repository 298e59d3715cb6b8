#include "provider/elastic/elastic_workload_controller.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "core/elastic/split.h"
#include "core/k8s/object.h"
#include "provider/elastic/manifests.h"

namespace kci::elastic {

namespace {

using kube::Json;

constexpr const char* kComponent = "ElasticWorkload";
constexpr Duration kRetry = std::chrono::seconds(1);

struct Unit {
  std::string name;
  Json labels = Json::object(), annotations = Json::object(), node_selector = Json::object();
  Json tolerations = Json::array(), affinity = Json::object();
  Bounds bounds;
};

struct Spec {
  std::string api_version, kind, name;
  Bounds source;
  std::optional<std::int64_t> replicas;
  std::vector<Unit> units;
};

const Json& meta_of(const Json& o) {
  static const Json empty = Json::object();
  auto it = o.find("metadata");
  return it != o.end() && it->is_object() ? *it : empty;
}
std::string str_of(const Json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}
Json obj_of(const Json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_object() ? *it : Json::object();
}

//! An optional non-negative integer field; an error message when it is something else.
std::optional<std::string> read_count(const Json& o, const char* key, const std::string& path,
                                      std::optional<std::int64_t>& out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
    return path + "." + key + ": must be a non-negative integer";
  out = it->get<std::int64_t>();
  return std::nullopt;
}

std::optional<std::string> read_bounds(const Json& o, const std::string& path, Bounds& b) {
  std::optional<std::int64_t> min, max;
  if (auto e = read_count(o, "min", path, min)) return e;
  if (auto e = read_count(o, "max", path, max)) return e;
  b.min = min.value_or(0);
  b.max = max;
  if (max && *max < b.min)
    return path + ": min " + std::to_string(b.min) + " is greater than max " + std::to_string(*max);
  return std::nullopt;
}

//! The spec, or why it is not one the controller can act on.
std::optional<std::string> parse_spec(const Json& ew, Spec& s) {
  const Json spec = obj_of(ew, "spec");
  const Json src = obj_of(spec, "sourceTarget");
  s.api_version = str_of(src, "apiVersion");
  s.kind = str_of(src, "kind");
  s.name = str_of(src, "name");
  if (s.name.empty()) return "spec.sourceTarget.name: Required value";
  if (s.kind != "Deployment") return "spec.sourceTarget.kind: only Deployment sources are supported, not \"" + s.kind + "\"";
  if (!s.api_version.empty() && s.api_version != "apps/v1")
    return "spec.sourceTarget.apiVersion: a Deployment is apps/v1, not \"" + s.api_version + "\"";
  if (auto e = read_bounds(src, "spec.sourceTarget", s.source)) return e;
  if (auto e = read_count(spec, "replicas", "spec", s.replicas)) return e;
  const Json units = spec.value("elasticUnit", Json::array());
  if (!units.is_array()) return "spec.elasticUnit: must be a list";
  std::set<std::string> names;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const std::string path = "spec.elasticUnit[" + std::to_string(i) + "]";
    const Json& u = units[i];
    if (!u.is_object()) return path + ": must be an object";
    Unit unit;
    unit.name = str_of(u, "name");
    if (unit.name.empty()) return path + ".name: Required value";
    if (!names.insert(unit.name).second) return path + ".name: Duplicate value \"" + unit.name + "\"";
    unit.labels = obj_of(u, "labels");
    unit.annotations = obj_of(u, "annotations");
    unit.node_selector = obj_of(u, "nodeSelector");
    if (auto t = u.find("tolerations"); t != u.end() && t->is_array()) unit.tolerations = *t;
    unit.affinity = obj_of(u, "affinity");
    if (auto e = read_bounds(u, path, unit.bounds)) return e;
    s.units.push_back(std::move(unit));
  }
  return std::nullopt;
}

std::string clone_name(const std::string& source, const std::string& unit) { return source + "-unit-" + unit; }

//! FNV-1a over the bytes: stable across runs and builds.
std::string hash_of(const Json& j) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : j.dump()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out += digits[(h >> (60 - 4 * i)) & 0xf];
  return out;
}

bool controlled_by(const Json& obj, const std::string& uid) {
  for (const auto& r : meta_of(obj).value("ownerReferences", Json::array()))
    if (r.value("uid", "") == uid && r.value("controller", false)) return true;
  return false;
}

//! The uid of the ElasticWorkload controlling `obj`, or "".
std::string elastic_controller_uid(const Json& obj) {
  for (const auto& r : meta_of(obj).value("ownerReferences", Json::array()))
    if (r.value("kind", "") == "ElasticWorkload" && r.value("controller", false)) return r.value("uid", "");
  return "";
}

std::string selector_text(const Json& deployment) {
  std::string text;
  const Json labels = obj_of(obj_of(obj_of(deployment, "spec"), "selector"), "matchLabels");
  for (const auto& [k, v] : labels.items()) {
    if (!text.empty()) text += ",";
    text += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return text;
}

//! A non-negative decimal count, or nullopt.
std::optional<std::int64_t> parse_count(const std::string& text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || v < 0) return std::nullopt;
  return v;
}

std::int64_t replicas_of(const Json& deployment) {
  const Json spec = obj_of(deployment, "spec");
  auto it = spec.find("replicas");
  return it != spec.end() && it->is_number_integer() ? it->get<std::int64_t>() : 1;
}

void merge_into(Json& into, const Json& from) {
  if (!into.is_object()) into = Json::object();
  for (const auto& [k, v] : from.items()) into[k] = v;
}

//! The clone of `source` for `unit`, owned by `ew`, with `replicas`.
Json desired_clone(const Json& source, const Json& ew, const Unit& unit, std::int64_t replicas) {
  const Json& sm = meta_of(source);
  const Json& em = meta_of(ew);
  Json unit_labels = unit.labels;
  unit_labels[kUnitLabel] = unit.name;
  Json spec = obj_of(source, "spec");
  spec.erase("paused");
  spec.erase("replicas");  // the source's share, not the unit's
  Json& match = spec["selector"]["matchLabels"];
  merge_into(match, unit_labels);
  Json& tmeta = spec["template"]["metadata"];
  merge_into(tmeta["labels"], unit_labels);
  if (!unit.annotations.empty()) merge_into(tmeta["annotations"], unit.annotations);
  Json& pod = spec["template"]["spec"];
  if (!unit.node_selector.empty()) merge_into(pod["nodeSelector"], unit.node_selector);
  if (!unit.tolerations.empty()) {
    Json tol = pod.value("tolerations", Json::array());
    for (const auto& t : unit.tolerations)
      if (std::find(tol.begin(), tol.end(), t) == tol.end()) tol.push_back(t);
    pod["tolerations"] = tol;
  }
  if (!unit.affinity.empty()) pod["affinity"] = unit.affinity;
  Json labels = obj_of(sm, "labels");
  merge_into(labels, unit.labels);
  Json annotations = unit.annotations;
  Json c = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata",
             {{"name", clone_name(str_of(sm, "name"), unit.name)},
              {"namespace", str_of(sm, "namespace")},
              {"labels", labels},
              {"ownerReferences",
               Json::array({{{"apiVersion", str_of(ew, "apiVersion")},
                             {"kind", "ElasticWorkload"},
                             {"name", str_of(em, "name")},
                             {"uid", str_of(em, "uid")},
                             {"controller", true},
                             {"blockOwnerDeletion", true}}})}}},
            {"spec", spec}};
  // The hash covers everything but the replica count, which changes on its own.
  annotations[kTemplateHashAnnotation] = hash_of(c);
  c["metadata"]["annotations"] = annotations;
  c["spec"]["replicas"] = replicas;
  return c;
}

//! Status without the times, to tell whether anything changed.
Json without_times(Json status) {
  if (status.contains("sourceTarget") && status["sourceTarget"].is_object()) status["sourceTarget"].erase("updateTimestamp");
  if (status.contains("elasticUnitsStatus") && status["elasticUnitsStatus"].is_array())
    for (auto& u : status["elasticUnitsStatus"])
      if (u.is_object()) u.erase("updateTimestamp");
  if (status.contains("conditions") && status["conditions"].is_array())
    for (auto& c : status["conditions"])
      if (c.is_object()) c.erase("lastTransitionTime");
  return status;
}

}  // namespace

kube::ResourceRef elastic_workloads() { return {std::string(kGroup), std::string(kVersion), "elasticworkloads", "", ""}; }
kube::ResourceRef alibaba_elastic_workloads() {
  return {std::string(kAlibabaGroup), std::string(kAlibabaVersion), "elasticworkloads", "", ""};
}

ElasticWorkloadController::ElasticWorkloadController(kube::KubeClient& kube, Executor& executor)
    : kube_(kube), executor_(executor), collections_{elastic_workloads(), alibaba_elastic_workloads()} {}

ElasticWorkloadController::~ElasticWorkloadController() { stop(); }

void ElasticWorkloadController::start() {
  running_ = true;
  kube::Informer::Handlers h;
  h.on_add = [this](const kube::Object&) { schedule(); };
  h.on_update = [this](const kube::Object&, const kube::Object&) { schedule(); };
  h.on_delete = [this](const kube::Object&) { schedule(); };
  for (const auto& c : collections_) {
    ew_informers_.push_back(std::make_unique<kube::Informer>(kube_, executor_, c, kube::ListOptions{}, h));
    ew_informers_.back()->start();
  }
  deployment_informer_ = std::make_unique<kube::Informer>(kube_, executor_, kube::deployments(), kube::ListOptions{}, h);
  deployment_informer_->start();
  schedule();
}

void ElasticWorkloadController::stop() {
  running_ = false;
  for (auto& i : ew_informers_) i->stop();
  if (deployment_informer_) deployment_informer_->stop();
}

void ElasticWorkloadController::schedule() {
  if (pending_ || !running_) return;
  pending_ = true;
  executor_.post([this] {
    pending_ = false;
    sync_all();
  });
}

void ElasticWorkloadController::sync_all() {
  if (!running_) return;
  ++passes_;
  bool ok = true;
  bool synced = deployment_informer_->synced();
  for (std::size_t i = 0; i < collections_.size(); ++i) {
    synced = synced && ew_informers_[i]->synced();
    for (const auto& ew : ew_informers_[i]->list()) {
      if (meta_of(*ew).contains("deletionTimestamp")) continue;
      ok = sync(collections_[i], ew) && ok;
    }
  }
  // Only a full view of the ElasticWorkloads may tell that one is gone.
  if (synced) ok = sweep() && ok;
  if (!ok) {
    ++failures_;
    if (!retry_pending_) {
      retry_pending_ = true;
      executor_.post_after(kRetry, [this] {
        retry_pending_ = false;
        schedule();
      });
    }
  }
}

bool ElasticWorkloadController::report_invalid(const kube::ResourceRef& ref, const Json& ew, const std::string& reason,
                                               const std::string& message) {
  const Json status = obj_of(ew, "status");
  for (const auto& c : status.value("conditions", Json::array()))
    if (c.value("type", "") == "Ready" && c.value("status", "") == "False" && c.value("reason", "") == reason &&
        c.value("message", "") == message)
      return true;  // already said
  const std::string now = k8s::Time{executor_.clock().now(), false}.to_string();
  Json patch = {{"status",
                 {{"observedGeneration", meta_of(ew).value("generation", 0)},
                  {"conditions", Json::array({{{"type", "Ready"},
                                               {"status", "False"},
                                               {"reason", reason},
                                               {"message", message},
                                               {"lastTransitionTime", now}}})}}}};
  kube::WriteOptions o;
  o.subresource = "status";
  record_event(ew, "Warning", reason, message);
  return kube_.patch(ref, kube::PatchType::kMerge, patch, o).ok();
}

bool ElasticWorkloadController::sync(const kube::ResourceRef& collection, const kube::Object& obj) {
  const Json& ew = *obj;
  const Json& em = meta_of(ew);
  const std::string ns = str_of(em, "namespace"), name = str_of(em, "name"), uid = str_of(em, "uid");
  const kube::ResourceRef ref = collection.in(ns).named(name);
  const std::string owner_id = collection.group + "/" + name;
  Spec spec;
  if (auto e = parse_spec(ew, spec)) return report_invalid(ref, ew, "InvalidSpec", *e);
  auto source = kube_.get(kube::deployments(ns, spec.name));
  if (!source.ok()) {
    if (source.error().code != ErrorCode::kNotFound) return false;
    return report_invalid(ref, ew, "SourceNotFound", "source Deployment " + ns + "/" + spec.name + " not found");
  }
  const Json src = **source;
  const Json src_ann = obj_of(meta_of(src), "annotations");
  if (!elastic_controller_uid(src).empty())
    return report_invalid(ref, ew, "InvalidSource", "Deployment " + spec.name + " is itself an elastic unit");
  if (const std::string claimed = str_of(src_ann, kOwnerAnnotation); !claimed.empty() && claimed != owner_id)
    return report_invalid(ref, ew, "SourceClaimed",
                          "Deployment " + spec.name + " is already the source of ElasticWorkload " + claimed);
  std::vector<kube::Object> clones(spec.units.size());
  for (std::size_t i = 0; i < spec.units.size(); ++i) {
    const std::string cn = clone_name(spec.name, spec.units[i].name);
    auto c = kube_.get(kube::deployments(ns, cn));
    if (c.ok()) {
      if (!controlled_by(**c, uid))
        return report_invalid(ref, ew, "UnitConflict", "Deployment " + cn + " exists and is not this ElasticWorkload's");
      clones[i] = *c;
    } else if (c.error().code != ErrorCode::kNotFound) {
      return false;
    }
  }

  bool ok = true;
  // The source: remember its own count once, then give it its share.
  std::int64_t original = replicas_of(src);
  if (auto remembered = parse_count(str_of(src_ann, kSourceReplicasAnnotation))) original = *remembered;
  std::vector<Bounds> unit_bounds;
  for (const auto& u : spec.units) unit_bounds.push_back(u.bounds);
  const std::int64_t replicas = spec.replicas.value_or(original);
  const Split split = split_replicas(replicas, spec.source, unit_bounds);
  Json src_patch = Json::object();
  if (str_of(src_ann, kOwnerAnnotation) != owner_id || !src_ann.contains(kSourceReplicasAnnotation))
    src_patch["metadata"]["annotations"] = {{kOwnerAnnotation, owner_id},
                                            {kSourceReplicasAnnotation, std::to_string(original)}};
  const std::int64_t before = replicas_of(src);
  if (before != split.source) src_patch["spec"]["replicas"] = split.source;
  if (!src_patch.empty()) {
    if (!kube_.patch(kube::deployments(ns, spec.name), kube::PatchType::kMerge, src_patch).ok()) return false;
    if (before != split.source)
      record_event(ew, "Normal", "SourceUpdate",
                   "Source Target scale from " + std::to_string(before) + " to " + std::to_string(split.source));
  }

  // The clones.
  std::set<std::string> wanted;
  for (std::size_t i = 0; i < spec.units.size(); ++i) {
    const Unit& u = spec.units[i];
    const std::string cn = clone_name(spec.name, u.name);
    wanted.insert(cn);
    Json want = desired_clone(src, ew, u, split.units[i]);
    if (!clones[i]) {
      if (kube_.create(kube::deployments(ns), want).ok())
        record_event(ew, "Normal", "UnitCreation", "ElasticWorkloadUnit " + cn + " created");
      else
        ok = false;
      continue;
    }
    const Json& have = *clones[i];
    const Json have_ann = obj_of(meta_of(have), "annotations");
    const bool same_template = str_of(have_ann, kTemplateHashAnnotation) == want["metadata"]["annotations"][kTemplateHashAnnotation];
    if (same_template && replicas_of(have) == split.units[i]) continue;
    if (obj_of(obj_of(have, "spec"), "selector") != want["spec"]["selector"]) {
      // A Deployment's selector is immutable: a unit whose labels changed gets a new clone.
      kube::DeleteOptions d;
      d.preconditionUid = str_of(meta_of(have), "uid");
      if (!kube_.remove(kube::deployments(ns, cn), d).ok() || !kube_.create(kube::deployments(ns), want).ok()) {
        ok = false;
        continue;
      }
    } else {
      Json next = have;
      next["metadata"]["labels"] = want["metadata"]["labels"];
      next["metadata"]["annotations"] = want["metadata"]["annotations"];
      next["metadata"]["ownerReferences"] = want["metadata"]["ownerReferences"];
      next["spec"] = want["spec"];
      if (!kube_.update(kube::deployments(ns, cn), std::move(next)).ok()) {
        ok = false;
        continue;
      }
    }
    record_event(ew, "Normal", "UnitUpdate", "ElasticWorkloadUnit " + u.name + " has been updated");
  }
  // Clones of units no longer in the spec.
  if (auto all = kube_.list(kube::deployments(ns)); all.ok()) {
    for (const auto& d : all->items) {
      const std::string dn = str_of(meta_of(*d), "name");
      if (!controlled_by(*d, uid) || wanted.count(dn)) continue;
      if (!kube_.remove(kube::deployments(ns, dn)).ok()) ok = false;
    }
  } else {
    ok = false;
  }

  // Status.
  const std::string now = k8s::Time{executor_.clock().now(), false}.to_string();
  Json units = Json::array();
  for (std::size_t i = 0; i < spec.units.size(); ++i)
    units.push_back({{"name", clone_name(spec.name, spec.units[i].name)},
                     {"unit", spec.units[i].name},
                     {"desiredReplicas", split.units[i]},
                     {"updateTimestamp", now}});
  std::string message = "source " + std::to_string(split.source);
  for (std::size_t i = 0; i < spec.units.size(); ++i)
    message += ", " + spec.units[i].name + " " + std::to_string(split.units[i]);
  if (split.unplaced > 0) message += "; " + std::to_string(split.unplaced) + " replicas above every max";
  Json status = {{"replicas", split.source + std::accumulate(split.units.begin(), split.units.end(), std::int64_t{0})},
                 {"selector", selector_text(src)},
                 {"observedGeneration", em.value("generation", 0)},
                 {"sourceTarget",
                  {{"apiVersion", "apps/v1"},
                   {"kind", "Deployment"},
                   {"name", spec.name},
                   {"desiredReplicas", split.source},
                   {"updateTimestamp", now}}},
                 {"elasticUnitsStatus", units},
                 {"conditions",
                  Json::array({{{"type", "Ready"},
                                {"status", "True"},
                                {"reason", split.unplaced > 0 ? "ReplicasAboveMax" : "Distributed"},
                                {"message", message},
                                {"lastTransitionTime", now}}})}};
  if (without_times(obj_of(ew, "status")) != without_times(status)) {
    Json next = ew;
    next["status"] = status;
    kube::WriteOptions o;
    o.subresource = "status";
    if (kube_.update(ref, std::move(next), o).ok())
      record_event(ew, "Normal", "ElasticWorkloadUpdate", "ElasticWorkload update");
    else
      ok = false;
  }
  return ok;
}

bool ElasticWorkloadController::sweep() {
  // What the live ElasticWorkloads claim: uids, and "<ns>/<group>/<name>" -> source name.
  std::set<std::string> uids;
  std::map<std::string, std::string> sources;
  for (std::size_t i = 0; i < collections_.size(); ++i)
    for (const auto& ew : ew_informers_[i]->list()) {
      const Json& m = meta_of(*ew);
      if (m.contains("deletionTimestamp")) continue;
      uids.insert(str_of(m, "uid"));
      sources[str_of(m, "namespace") + "/" + collections_[i].group + "/" + str_of(m, "name")] =
          str_of(obj_of(obj_of(*ew, "spec"), "sourceTarget"), "name");
    }
  bool ok = true;
  for (const auto& d : deployment_informer_->list()) {
    const Json& m = meta_of(*d);
    const std::string ns = str_of(m, "namespace"), name = str_of(m, "name");
    if (m.contains("deletionTimestamp")) continue;
    // A clone whose ElasticWorkload is gone.
    if (const std::string owner = elastic_controller_uid(*d); !owner.empty() && !uids.count(owner)) {
      auto r = kube_.remove(kube::deployments(ns, name));
      if (!r.ok() && r.error().code != ErrorCode::kNotFound) ok = false;
      continue;
    }
    // A source no ElasticWorkload points at any more: its own replica count back.
    const Json ann = obj_of(m, "annotations");
    const std::string claimed = str_of(ann, kOwnerAnnotation);
    if (claimed.empty()) continue;
    auto it = sources.find(ns + "/" + claimed);
    if (it != sources.end() && it->second == name) continue;
    Json patch = {{"metadata", {{"annotations", {{kOwnerAnnotation, nullptr}, {kSourceReplicasAnnotation, nullptr}}}}}};
    std::int64_t restored = replicas_of(*d);
    if (auto remembered = parse_count(str_of(ann, kSourceReplicasAnnotation))) {
      restored = *remembered;
      patch["spec"]["replicas"] = restored;
    }
    auto r = kube_.patch(kube::deployments(ns, name), kube::PatchType::kMerge, patch);
    if (!r.ok()) {
      if (r.error().code != ErrorCode::kNotFound) ok = false;
      continue;
    }
    Json involved = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", m}};
    record_event(involved, "Normal", "SourceUpdate",
                 "ElasticWorkload " + claimed + " released the source; replicas back to " + std::to_string(restored));
  }
  return ok;
}

void ElasticWorkloadController::record_event(const Json& involved, const std::string& type, const std::string& reason,
                                             const std::string& message) {
  const Json& m = meta_of(involved);
  const std::string ns = str_of(m, "namespace"), name = str_of(m, "name");
  const std::string now = k8s::Time{executor_.clock().now(), false}.to_string();
  Json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"generateName", name + "."}, {"namespace", ns}}},
             {"involvedObject",
              {{"apiVersion", str_of(involved, "apiVersion")},
               {"kind", str_of(involved, "kind")},
               {"namespace", ns},
               {"name", name},
               {"uid", str_of(m, "uid")}}},
             {"reason", reason},
             {"message", message},
             {"type", type},
             {"count", 1},
             {"firstTimestamp", now},
             {"lastTimestamp", now},
             {"source", {{"component", kComponent}}},
             {"reportingComponent", kComponent}};
  (void)kube_.create(kube::events(ns), std::move(ev));
}

}  // namespace kci::elastic
