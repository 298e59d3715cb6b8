#include "core/profile/selector.h"

#include <tuple>

#include "core/k8s/codec.h"

namespace kci::profile {

std::string_view policy_name(Policy p) {
  switch (p) {
    case Policy::kFair: return "fair";
    case Policy::kNormalNodePrefer: return "normalNodePrefer";
    case Policy::kVirtualNodeOnly: return "virtualNodeOnly";
    case Policy::kNormalNodeOnly: return "normalNodeOnly";
  }
  return "fair";
}

std::optional<Policy> policy_from_name(std::string_view name) {
  for (Policy p : {Policy::kFair, Policy::kNormalNodePrefer, Policy::kVirtualNodeOnly,
                   Policy::kNormalNodeOnly}) {
    if (policy_name(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view origin_name(SelectorOrigin o) {
  switch (o) {
    case SelectorOrigin::kKci: return kSelectorGroup;
    case SelectorOrigin::kEci: return kEciSelectorGroup;
    case SelectorOrigin::kConfigMap: return "configmap";
  }
  return "configmap";
}

bool ProfileSelector::matches(const StringMap& pod_labels, const std::string& ns,
                              const StringMap& ns_labels) const {
  if (!namespace_.empty() && namespace_ != ns) return false;
  if (object_selector && !object_selector->matches(pod_labels)) return false;
  if (namespace_selector && !namespace_selector->matches(ns_labels)) return false;
  return true;
}

std::string ProfileSelector::describe() const {
  std::string out;
  if (origin == SelectorOrigin::kConfigMap) {
    out = "selector \"" + name + "\" of ConfigMap " + std::string(kProfileConfigMapNamespace) + "/" +
          std::string(kProfileConfigMapName);
  } else {
    out = std::string(origin_name(origin)) + " Selector " + (namespace_.empty() ? "" : namespace_ + "/") +
          name + " (priority " + std::to_string(priority) + ")";
  }
  return out;
}

bool selector_precedes(const ProfileSelector& a, const ProfileSelector& b) {
  return std::make_tuple(-static_cast<std::int64_t>(a.priority), std::cref(a.name), a.origin,
                         std::cref(a.namespace_)) <
         std::make_tuple(-static_cast<std::int64_t>(b.priority), std::cref(b.name), b.origin,
                         std::cref(b.namespace_));
}

namespace {

//! Reads a string map (effect.annotations / effect.labels); `where` names it in errors.
Result<StringMap> read_string_map(const Json& j, const std::string& where) {
  StringMap out;
  if (j.is_null()) return out;
  if (!j.is_object())
    return invalid_argument(where + ": expected an object of strings, found " + k8s::codec::describe(j));
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string())
      return invalid_argument(where + "." + k + ": expected a string, found " + k8s::codec::describe(v) +
                              " (quote it: \"" + k + "\": \"" + (v.is_primitive() ? v.dump() : "...") + "\")");
    out[k] = v.get<std::string>();
  }
  return out;
}

//! Reads and compiles a label selector field; nullopt when absent or null.
Result<std::optional<k8s::Selector>> read_label_selector(const Json& parent, const std::string& key,
                                                         const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return std::optional<k8s::Selector>{};
  if (!it->is_object())
    return invalid_argument(where + "." + key + ": expected a label selector (matchLabels, matchExpressions), found " +
                            k8s::codec::describe(*it));
  auto decoded = k8s::decode<k8s::LabelSelector>(*it);
  if (!decoded.ok()) return invalid_argument(where + "." + key + "." + decoded.error().message);
  for (const auto& [k, _] : it->items()) {
    if (k != "matchLabels" && k != "matchExpressions")
      return invalid_argument(where + "." + key + ": unknown field \"" + k +
                              "\"; a label selector has matchLabels and matchExpressions");
  }
  auto compiled = k8s::Selector::from_label_selector(*decoded);
  if (!compiled.ok()) return invalid_argument(where + "." + key + "." + compiled.error().message);
  return std::optional<k8s::Selector>(std::move(*compiled));
}

Result<Effect> read_effect(const Json& parent, const std::string& where) {
  Effect e;
  auto it = parent.find("effect");
  if (it == parent.end() || it->is_null()) return e;
  if (!it->is_object())
    return invalid_argument(where + ".effect: expected an object with annotations and labels, found " +
                            k8s::codec::describe(*it));
  if (auto a = it->find("annotations"); a != it->end()) {
    KCI_TRY(e.annotations, read_string_map(*a, where + ".effect.annotations"));
  }
  if (auto l = it->find("labels"); l != it->end()) {
    KCI_TRY(e.labels, read_string_map(*l, where + ".effect.labels"));
    for (const auto& [k, v] : e.labels) {
      if (auto st = k8s::validate_label_key(k); !st.ok())
        return invalid_argument(where + ".effect.labels: key \"" + k + "\": " + st.error().message);
      if (auto st = k8s::validate_label_value(v); !st.ok())
        return invalid_argument(where + ".effect.labels." + k + ": value \"" + v + "\": " + st.error().message);
    }
  }
  return e;
}

//! spec.policy: exactly one scheduling key (seed 004's schema); namespaceResourceLimit is a
//! quota feature KCI does not have and is ignored; absent = effects only.
Result<std::optional<Policy>> read_policy(const Json& parent, const std::string& where) {
  auto it = parent.find("policy");
  if (it == parent.end() || it->is_null()) return std::optional<Policy>{};
  if (it->is_string()) {
    // A convenience spelling: "policy": "virtualNodeOnly".
    auto p = policy_from_name(it->get<std::string>());
    if (!p)
      return invalid_argument(where + ".policy: unknown policy \"" + it->get<std::string>() +
                              "\"; accepted: fair, normalNodePrefer, virtualNodeOnly, normalNodeOnly");
    return std::optional<Policy>(*p);
  }
  if (!it->is_object())
    return invalid_argument(where + ".policy: expected an object such as {\"fair\": {}}, found " +
                            k8s::codec::describe(*it));
  std::optional<Policy> found;
  for (const auto& [k, v] : it->items()) {
    if (k == "namespaceResourceLimit") continue;
    auto p = policy_from_name(k);
    if (!p)
      return invalid_argument(where + ".policy: unknown policy \"" + k +
                              "\"; accepted: fair, normalNodePrefer, virtualNodeOnly, normalNodeOnly");
    if (!v.is_null() && !v.is_object())
      return invalid_argument(where + ".policy." + k + ": expected an object ({}), found " + k8s::codec::describe(v));
    if (found)
      return invalid_argument(where + ".policy: both " + std::string(policy_name(*found)) + " and " + k +
                              " are set; set exactly one");
    found = p;
  }
  return found;
}

}  // namespace

Result<ProfileSelector> parse_selector_object(const Json& object) {
  if (!object.is_object()) return invalid_argument("Selector: expected an object, found " + k8s::codec::describe(object));
  const std::string api_version = object.value("apiVersion", "");
  const auto slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  ProfileSelector s;
  if (group == kSelectorGroup && version == kSelectorVersion) {
    s.origin = SelectorOrigin::kKci;
  } else if (group == kEciSelectorGroup && (version == "v1" || version == "v1beta1")) {
    s.origin = SelectorOrigin::kEci;
  } else {
    return invalid_argument("Selector: apiVersion \"" + api_version +
                            "\" is not accepted; use kci.ksyun.com/v1 (or eci.aliyun.com/v1, eci.aliyun.com/v1beta1)");
  }
  if (object.value("kind", "") != "Selector")
    return invalid_argument("Selector: kind \"" + object.value("kind", "") + "\" is not accepted; expected Selector");
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object() || !meta->value("name", Json()).is_string() ||
      meta->value("name", "").empty())
    return invalid_argument("Selector: metadata.name is missing; every Selector needs a name");
  s.name = meta->value("name", "");
  if (auto ns = meta->find("namespace"); ns != meta->end() && ns->is_string()) s.namespace_ = ns->get<std::string>();
  const std::string where = "Selector " + s.name + ": spec";
  auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object())
    return invalid_argument(where + ": missing; a Selector needs spec.objectLabels or spec.namespaceLabels");
  KCI_TRY(s.object_selector, read_label_selector(*spec, "objectLabels", where));
  KCI_TRY(s.namespace_selector, read_label_selector(*spec, "namespaceLabels", where));
  if (s.unconstrained())
    return invalid_argument(where + ": neither objectLabels nor namespaceLabels is set; set at least one "
                            "(seed 004: objectLabels和namespaceLabels中,至少要选择一个配置)");
  KCI_TRY(s.effect, read_effect(*spec, where));
  KCI_TRY(s.policy, read_policy(*spec, where));
  if (auto p = spec->find("priority"); p != spec->end() && !p->is_null()) {
    if (!p->is_number_integer())
      return invalid_argument(where + ".priority: expected an integer, found " + k8s::codec::describe(*p));
    const auto v = p->get<std::int64_t>();
    // The schema says format int32.
    if (v < INT32_MIN || v > INT32_MAX)
      return invalid_argument(where + ".priority: " + std::to_string(v) + " is outside the int32 range");
    s.priority = static_cast<std::int32_t>(v);
  }
  return s;
}

ProfileConfig parse_profile_configmap(const k8s::ConfigMap& config_map) {
  ProfileConfig out;
  for (const auto& [k, v] : config_map.data) {
    if (k != kProfileConfigMapSelectorsKey) out.node_defaults[k] = v;
  }
  auto it = config_map.data.find(std::string(kProfileConfigMapSelectorsKey));
  if (it == config_map.data.end()) return out;
  const std::string& text = it->second;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return out;
  const std::string where_cm = "ConfigMap " + std::string(kProfileConfigMapNamespace) + "/" +
                               std::string(kProfileConfigMapName) + " key selectors";
  Json list = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (list.is_discarded()) {
    out.problems.push_back(where_cm + ": not valid JSON; expected a list such as "
                           "[{\"name\": \"demo\", \"objectSelector\": {\"matchLabels\": {\"type\": \"offline-task\"}}}]");
    return out;
  }
  if (!list.is_array()) {
    out.problems.push_back(where_cm + ": expected a JSON list of selectors, found " + k8s::codec::describe(list));
    return out;
  }
  std::size_t i = 0;
  for (const auto& e : list) {
    const std::string where = where_cm + "[" + std::to_string(i++) + "]";
    if (!e.is_object()) {
      out.problems.push_back(where + ": expected an object, found " + k8s::codec::describe(e));
      continue;
    }
    ProfileSelector s;
    s.origin = SelectorOrigin::kConfigMap;
    auto name = e.find("name");
    if (name == e.end() || !name->is_string() || name->get<std::string>().empty()) {
      out.problems.push_back(where + ".name: missing or empty; every selector needs a name (seed 003: 必填,不能为空)");
      continue;
    }
    s.name = name->get<std::string>();
    const std::string w = where + " (" + s.name + ")";
    auto os = read_label_selector(e, "objectSelector", w);
    auto ns = read_label_selector(e, "namespaceSelector", w);
    auto eff = read_effect(e, w);
    auto pol = read_policy(e, w);
    for (const Error* err : {os.ok() ? nullptr : &os.error(), ns.ok() ? nullptr : &ns.error(),
                             eff.ok() ? nullptr : &eff.error(), pol.ok() ? nullptr : &pol.error()}) {
      if (err) out.problems.push_back(err->message);
    }
    if (!os.ok() || !ns.ok() || !eff.ok() || !pol.ok()) continue;
    s.object_selector = std::move(*os);
    s.namespace_selector = std::move(*ns);
    s.effect = std::move(*eff);
    s.policy = *pol;
    // Seed 003: a matching selector means "调度到ECI"; one without any selector only adds
    // its effect to pods that go to virtual nodes anyway.
    if (!s.policy && !s.unconstrained()) s.policy = Policy::kVirtualNodeOnly;
    out.selectors.push_back(std::move(s));
  }
  return out;
}

}  // namespace kci::profile
