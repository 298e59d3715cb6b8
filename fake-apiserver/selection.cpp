#include "fake-apiserver/selection.h"

#include <algorithm>

#include "fake-apiserver/registry.h"

namespace kci::apiserver {

namespace {

Error bad_request(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message), "BadRequest");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

//! Splits on commas outside parentheses.
std::vector<std::string_view> split_terms(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      out.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return out;
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

bool term_matches(const SelectorTerm& t, const std::string* value) {
  switch (t.op) {
    case SelectorTerm::Op::kEquals: return value && *value == t.values[0];
    case SelectorTerm::Op::kNotEquals: return !value || *value != t.values[0];
    case SelectorTerm::Op::kIn:
      return value && std::find(t.values.begin(), t.values.end(), *value) != t.values.end();
    case SelectorTerm::Op::kNotIn:
      return !value || std::find(t.values.begin(), t.values.end(), *value) == t.values.end();
    case SelectorTerm::Op::kExists: return value != nullptr;
    case SelectorTerm::Op::kDoesNotExist: return value == nullptr;
  }
  return false;
}

}  // namespace

Result<std::vector<SelectorTerm>> parse_selector(std::string_view text, bool fields) {
  std::vector<SelectorTerm> out;
  text = trim(text);
  if (text.empty()) return out;
  for (std::string_view raw : split_terms(text)) {
    if (raw.empty()) return bad_request("invalid selector \"" + std::string(text) + "\": empty term");
    SelectorTerm t;
    auto op_pos = raw.find_first_of("=!");
    if (!fields && raw.front() == '!') {
      t.key = std::string(trim(raw.substr(1)));
      t.op = SelectorTerm::Op::kDoesNotExist;
    } else if (op_pos != std::string_view::npos) {
      t.key = std::string(trim(raw.substr(0, op_pos)));
      std::string_view rest = raw.substr(op_pos);
      if (rest.starts_with("!=")) {
        t.op = SelectorTerm::Op::kNotEquals;
        rest.remove_prefix(2);
      } else if (rest.starts_with("==")) {
        rest.remove_prefix(2);
      } else if (rest.starts_with("=")) {
        rest.remove_prefix(1);
      } else {
        return bad_request("invalid selector \"" + std::string(text) + "\": bad operator in \"" +
                           std::string(raw) + "\"");
      }
      t.values.emplace_back(trim(rest));
    } else if (!fields && (raw.find(" in ") != std::string_view::npos ||
                           raw.find(" notin ") != std::string_view::npos)) {
      const bool notin = raw.find(" notin ") != std::string_view::npos;
      const auto kw = raw.find(notin ? " notin " : " in ");
      t.key = std::string(trim(raw.substr(0, kw)));
      t.op = notin ? SelectorTerm::Op::kNotIn : SelectorTerm::Op::kIn;
      std::string_view set = trim(raw.substr(kw + (notin ? 7 : 4)));
      if (set.size() < 2 || set.front() != '(' || set.back() != ')')
        return bad_request("invalid selector \"" + std::string(text) +
                           "\": expected a parenthesised set after in/notin");
      set = set.substr(1, set.size() - 2);
      std::size_t start = 0;
      for (std::size_t i = 0; i <= set.size(); ++i)
        if (i == set.size() || set[i] == ',') {
          t.values.emplace_back(trim(set.substr(start, i - start)));
          start = i + 1;
        }
    } else if (!fields) {
      t.key = std::string(raw);
      t.op = SelectorTerm::Op::kExists;
    } else {
      return bad_request("invalid field selector \"" + std::string(text) +
                         "\": expected field=value, field==value or field!=value");
    }
    if (t.key.empty())
      return bad_request("invalid selector \"" + std::string(text) + "\": empty key");
    out.push_back(std::move(t));
  }
  return out;
}

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
  KCI_TRY(s.labels_, parse_selector(label_selector, false));
  KCI_TRY(s.fields_, parse_selector(field_selector, true));
  static const Json kProbe = Json::object();
  for (const auto& f : s.fields_) {
    if (!field_value(s.resource_, kProbe, f.key))
      return bad_request("field label not supported: " + f.key);
    if (f.op == SelectorTerm::Op::kEquals && f.key == "spec.nodeName") s.node_name_ = f.values[0];
    if (f.op == SelectorTerm::Op::kEquals && f.key == "metadata.namespace")
      s.namespace_ = f.values[0];
  }
  return s;
}

void Selection::pin_name(std::string name) {
  SelectorTerm t;
  t.key = "metadata.name";
  t.values.push_back(std::move(name));
  if (resource_.empty()) resource_ = "?";
  fields_.push_back(std::move(t));
}

bool Selection::matches(const Json& o) const {
  if (!labels_.empty()) {
    const Json* labels = path(o, {"metadata", "labels"});
    for (const auto& t : labels_) {
      const std::string* v = nullptr;
      if (labels && labels->is_object()) {
        auto it = labels->find(t.key);
        if (it != labels->end() && it->is_string()) v = it->get_ptr<const std::string*>();
      }
      if (!term_matches(t, v)) return false;
    }
  }
  for (const auto& t : fields_) {
    auto v = field_value(resource_, o, t.key);
    // Fields always have a value (empty when unset), as in kube-apiserver.
    std::string value = v.value_or("");
    if (!term_matches(t, &value)) return false;
  }
  return true;
}

}  // namespace kci::apiserver
