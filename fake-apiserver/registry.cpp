#include "fake-apiserver/registry.h"

#include <algorithm>

namespace kci::apiserver {

std::string resource_key(std::string_view group, std::string_view resource) {
  std::string k;
  k.reserve(group.size() + resource.size() + 1);
  k.append(group).push_back('/');
  k.append(resource);
  return k;
}

ResourceRegistry::ResourceRegistry() {
  for (const auto& r : kube::builtin_resources()) {
    const std::string key = resource_key(r.group, r.resource);
    // core/v1 events and events.k8s.io/v1 events are distinct resources (different groups).
    by_key_.emplace(key, Entry{r, {r.version}});
    order_.push_back(key);
  }
}

Result<const ResourceInfo*> ResourceRegistry::find(const kube::ResourceRef& ref) const {
  auto it = by_key_.find(resource_key(ref.group, ref.resource));
  const bool served =
      it != by_key_.end() && (ref.version.empty() ||
                              std::find(it->second.versions.begin(), it->second.versions.end(),
                                        ref.version) != it->second.versions.end());
  if (!served)
    return make_error(ErrorCode::kNotFound,
                      "the server could not find the requested resource (" +
                          (ref.group.empty() ? std::string() : ref.group + "/") + ref.version +
                          ", Resource=" + ref.resource + ")",
                      "NotFound");
  return &it->second.info;
}

const ResourceInfo* ResourceRegistry::find_kind(std::string_view api_version,
                                                std::string_view kind) const {
  for (const auto& key : order_) {
    const Entry& e = by_key_.at(key);
    if (e.info.kind != kind) continue;
    for (const auto& v : e.versions) {
      const std::string av = e.info.group.empty() ? v : e.info.group + "/" + v;
      if (av == api_version) return &e.info;
    }
  }
  return nullptr;
}

std::vector<const ResourceInfo*> ResourceRegistry::all() const {
  std::vector<const ResourceInfo*> out;
  for (const auto& key : order_) out.push_back(&by_key_.at(key).info);
  return out;
}

Result<ResourceInfo> ResourceRegistry::register_crd(const Json& crd) {
  auto bad = [](std::string what) {
    return make_error(ErrorCode::kInvalidArgument,
                      "CustomResourceDefinition is invalid: " + std::move(what), "Invalid");
  };
  const Json spec = crd.value("spec", Json::object());
  if (!spec.is_object()) return bad("spec: Required value");
  const std::string group = spec.value("group", "");
  const Json names = spec.value("names", Json::object());
  if (group.empty()) return bad("spec.group: Required value");
  if (!names.is_object()) return bad("spec.names: Required value");
  ResourceInfo info;
  info.group = group;
  info.resource = names.value("plural", "");
  info.kind = names.value("kind", "");
  info.singular = names.value("singular", "");
  if (info.singular.empty()) {
    info.singular = info.kind;
    std::transform(info.singular.begin(), info.singular.end(), info.singular.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  if (info.resource.empty()) return bad("spec.names.plural: Required value");
  if (info.kind.empty()) return bad("spec.names.kind: Required value");
  const std::string expected_name = info.resource + "." + group;
  const std::string name = crd.value("metadata", Json::object()).value("name", "");
  if (name != expected_name)
    return bad("metadata.name: Invalid value: \"" + name + "\": must be spec.names.plural+\".\"" +
               "+spec.group (\"" + expected_name + "\")");
  const std::string scope = spec.value("scope", "Namespaced");
  if (scope != "Namespaced" && scope != "Cluster")
    return bad("spec.scope: Unsupported value: \"" + scope +
               "\": supported values: \"Cluster\", \"Namespaced\"");
  info.namespaced = scope == "Namespaced";
  if (auto sn = names.find("shortNames"); sn != names.end() && sn->is_array())
    for (const auto& s : *sn)
      if (s.is_string()) info.shortNames.push_back(s);
  if (auto c = names.find("categories"); c != names.end() && c->is_array())
    for (const auto& s : *c)
      if (s.is_string()) info.categories.push_back(s);
  std::vector<std::string> versions;
  const Json vs = spec.value("versions", Json::array());
  if (!vs.is_array() || vs.empty()) return bad("spec.versions: Required value");
  for (const auto& v : vs) {
    if (!v.is_object()) return bad("spec.versions: expected objects");
    const std::string vn = v.value("name", "");
    if (vn.empty()) return bad("spec.versions[].name: Required value");
    if (!v.value("served", false)) continue;
    versions.push_back(vn);
    if (v.value("storage", false) || info.version.empty()) info.version = vn;
    const Json sub = v.value("subresources", Json::object());
    if (sub.is_object()) {
      if (sub.contains("status") && !info.has_subresource("status"))
        info.subresources.push_back("status");
      if (sub.contains("scale") && !info.has_subresource("scale"))
        info.subresources.push_back("scale");
    }
  }
  if (versions.empty()) return bad("spec.versions: must have at least one served version");
  const std::string key = resource_key(group, info.resource);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    it->second = Entry{info, versions};
  } else {
    by_key_.emplace(key, Entry{info, versions});
    order_.push_back(key);
  }
  return info;
}

bool ResourceRegistry::unregister(std::string_view group, std::string_view resource) {
  const std::string key = resource_key(group, resource);
  if (kube::find_builtin(group, resource)) return false;
  if (by_key_.erase(key) == 0) return false;
  order_.erase(std::remove(order_.begin(), order_.end(), key), order_.end());
  return true;
}

}  // namespace kci::apiserver
