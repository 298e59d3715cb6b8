#include "fake-apiserver/selection.h"

#include <algorithm>

#include "fake-apiserver/registry.h"

namespace kci::apiserver {

namespace {

Error bad_request(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message), "BadRequest");
}

const Json* path(const Json& j, std::initializer_list<const char*> keys) {
  const Json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string as_field_string(const Json* v) {
  if (!v || v->is_null()) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
  if (v->is_number()) return v->dump();
  return "";
}

}  // namespace

std::optional<std::string> field_value(std::string_view resource, const Json& o,
                                       std::string_view field) {
  if (field == "metadata.name") return as_field_string(path(o, {"metadata", "name"}));
  if (field == "metadata.namespace") return as_field_string(path(o, {"metadata", "namespace"}));
  if (resource == "/pods") {
    if (field == "spec.nodeName") return as_field_string(path(o, {"spec", "nodeName"}));
    if (field == "spec.restartPolicy") return as_field_string(path(o, {"spec", "restartPolicy"}));
    if (field == "spec.schedulerName") return as_field_string(path(o, {"spec", "schedulerName"}));
    if (field == "spec.serviceAccountName")
      return as_field_string(path(o, {"spec", "serviceAccountName"}));
    if (field == "spec.hostNetwork") {
      const Json* v = path(o, {"spec", "hostNetwork"});
      return v && v->is_boolean() && v->get<bool>() ? "true" : "false";
    }
    if (field == "status.phase") return as_field_string(path(o, {"status", "phase"}));
    if (field == "status.podIP") return as_field_string(path(o, {"status", "podIP"}));
    if (field == "status.nominatedNodeName")
      return as_field_string(path(o, {"status", "nominatedNodeName"}));
    return std::nullopt;
  }
  if (resource == "/events") {
    static constexpr std::string_view kInvolved[] = {"kind",       "namespace",       "name",
                                                     "uid",        "apiVersion",      "resourceVersion",
                                                     "fieldPath"};
    if (field.starts_with("involvedObject.")) {
      const std::string sub(field.substr(15));
      if (std::find(std::begin(kInvolved), std::end(kInvolved), sub) == std::end(kInvolved))
        return std::nullopt;
      return as_field_string(path(o, {"involvedObject", sub.c_str()}));
    }
    if (field == "reason") return as_field_string(path(o, {"reason"}));
    if (field == "type") return as_field_string(path(o, {"type"}));
    if (field == "reportingComponent") return as_field_string(path(o, {"reportingComponent"}));
    if (field == "source") return as_field_string(path(o, {"source", "component"}));
    return std::nullopt;
  }
  if (resource == "/nodes" && field == "spec.unschedulable") {
    const Json* v = path(o, {"spec", "unschedulable"});
    return v && v->is_boolean() && v->get<bool>() ? "true" : "false";
  }
  if (resource == "/secrets" && field == "type") return as_field_string(path(o, {"type"}));
  if (resource == "/namespaces" && field == "status.phase")
    return as_field_string(path(o, {"status", "phase"}));
  if (resource == "apps/replicasets" && field == "status.replicas") {
    const Json* v = path(o, {"status", "replicas"});
    return v && v->is_number() ? v->dump() : "0";
  }
  return std::nullopt;
}

Result<Selection> Selection::compile(const kube::ResourceInfo& resource,
                                     std::string_view label_selector,
                                     std::string_view field_selector) {
  Selection s;
  s.resource_ = resource_key(resource.group, resource.resource);
  auto labels = k8s::Selector::parse(label_selector);
  if (!labels.ok()) return bad_request(labels.error().message);
  s.labels_ = std::move(labels).value();
  auto fields = k8s::FieldSelector::parse(field_selector);
  if (!fields.ok()) return bad_request(fields.error().message);
  s.fields_ = std::move(fields).value();
  static const Json kProbe = Json::object();
  for (const auto& f : s.fields_.terms())
    if (!field_value(s.resource_, kProbe, f.field))
    {
      std::string msg = "field label not supported: ";
      msg += f.field;
      return bad_request(std::move(msg));
    }
  s.node_name_ = s.fields_.required_value("spec.nodeName");
  s.namespace_ = s.fields_.required_value("metadata.namespace");
  return s;
}

void Selection::pin_name(std::string name) {
  std::vector<k8s::FieldRequirement> terms = fields_.terms();
  terms.push_back(k8s::FieldRequirement{"metadata.name", false, std::move(name)});
  fields_ = k8s::FieldSelector::from_terms(std::move(terms));
  // A selection compiled for no resource still answers metadata.* fields.
  if (resource_.empty()) resource_.assign(1, '?');
}

bool Selection::matches(const Json& o) const {
  if (!labels_.empty()) {
    k8s::StringMap labels;
    if (const Json* l = path(o, {"metadata", "labels"}); l && l->is_object())
      for (const auto& [k, v] : l->items())
        if (v.is_string()) labels.emplace(k, v.get<std::string>());
    if (!labels_.matches(labels)) return false;
  }
  // Fields always have a value (empty when unset), as in kube-apiserver.
  for (const auto& t : fields_.terms()) {
    const std::string value = field_value(resource_, o, t.field).value_or("");
    if ((value == t.value) == t.negated) return false;
  }
  return true;
}

}  // namespace kci::apiserver
