#include "fake-apiserver/object_fields.h"

namespace kci::apiserver {

std::string now_text(const Executor& executor) {
  k8s::Time t;
  t.at = std::chrono::floor<std::chrono::seconds>(executor.clock().now());
  return t.to_string();
}

std::optional<TimePoint> time_of(const Json* value) {
  if (!value || !value->is_string()) return std::nullopt;
  auto t = k8s::Time::parse(value->get<std::string>());
  if (!t.ok()) return std::nullopt;
  return t->at;
}

const Json* json_at(const Json& object, std::initializer_list<const char*> path) {
  const Json* cur = &object;
  for (const char* k : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

namespace {
std::string meta_string(const Json& o, const char* key) {
  const Json* v = json_at(o, {"metadata", key});
  return v && v->is_string() ? v->get<std::string>() : std::string();
}
}  // namespace

std::string uid_of(const Json& object) { return meta_string(object, "uid"); }
std::string name_of(const Json& object) { return meta_string(object, "name"); }
std::string namespace_of(const Json& object) { return meta_string(object, "namespace"); }

bool being_deleted(const Json& object) {
  const Json* d = json_at(object, {"metadata", "deletionTimestamp"});
  return d && !d->is_null();
}

k8s::StringMap labels_of(const Json& object) {
  k8s::StringMap out;
  const Json* l = json_at(object, {"metadata", "labels"});
  if (l && l->is_object())
    for (const auto& [k, v] : l->items())
      if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

const Json* controller_ref(const Json& object) {
  const Json* refs = json_at(object, {"metadata", "ownerReferences"});
  if (!refs || !refs->is_array()) return nullptr;
  for (const auto& r : *refs)
    if (r.is_object() && r.value("controller", false)) return &r;
  return nullptr;
}

Json controller_ref_to(const Json& owner, const std::string& api_version, const std::string& kind) {
  return {{"apiVersion", api_version}, {"kind", kind},          {"name", name_of(owner)},
          {"uid", uid_of(owner)},      {"controller", true}, {"blockOwnerDeletion", true}};
}

k8s::Selector selector_of(const Json& workload) {
  const Json* s = json_at(workload, {"spec", "selector"});
  if (!s || !s->is_object()) return k8s::Selector::nothing();
  auto decoded = k8s::decode<k8s::LabelSelector>(*s);
  if (!decoded.ok()) return k8s::Selector::nothing();
  auto sel = k8s::Selector::from_label_selector(*decoded);
  return sel.ok() ? *sel : k8s::Selector::nothing();
}

std::int64_t replicas_of(const Json& workload) {
  const Json* r = json_at(workload, {"spec", "replicas"});
  return r && r->is_number_integer() ? r->get<std::int64_t>() : 1;
}

bool pod_active(const Json& pod) {
  const Json* phase = json_at(pod, {"status", "phase"});
  const std::string p = phase && phase->is_string() ? phase->get<std::string>() : "";
  return p != "Succeeded" && p != "Failed" && !being_deleted(pod);
}

namespace {
const Json* ready_condition(const Json& pod) {
  const Json* conds = json_at(pod, {"status", "conditions"});
  if (!conds || !conds->is_array()) return nullptr;
  for (const auto& c : *conds)
    if (c.is_object() && c.value("type", "") == "Ready") return &c;
  return nullptr;
}
}  // namespace

bool pod_ready(const Json& pod) {
  const Json* c = ready_condition(pod);
  return c && c->value("status", "") == "True";
}

std::optional<TimePoint> pod_ready_since(const Json& pod) {
  const Json* c = ready_condition(pod);
  if (!c || c->value("status", "") != "True") return std::nullopt;
  return time_of(json_at(*c, {"lastTransitionTime"}));
}

bool pod_available(const Json& pod, Duration min_ready, TimePoint now) {
  if (!pod_ready(pod)) return false;
  if (min_ready <= Duration::zero()) return true;
  auto since = pod_ready_since(pod);
  return since && *since + min_ready <= now;
}

}  // namespace kci::apiserver
