#include "fake-apiserver/discovery.h"

#include <algorithm>
#include <cctype>

namespace kci::apiserver {
namespace {

Error bad_crd(std::string what) {
  return make_error(ErrorCode::kInvalidArgument,
                    "CustomResourceDefinition is invalid: " + std::move(what), "Invalid");
}

//! The verbs of a main resource. deletecollection is not served: KubeClient has no such call.
Json resource_verbs() {
  return Json::array({"create", "delete", "get", "list", "patch", "update", "watch"});
}

//! The discovery entry of a subresource: its kind, group and verbs as kube-apiserver lists
//! them ("pods/binding" is a Binding you create, "deployments/scale" an autoscaling/v1 Scale).
Json subresource_entry(const kube::ResourceInfo& info, const std::string& sub) {
  Json e = {{"name", info.resource + "/" + sub},
            {"singularName", ""},
            {"namespaced", info.namespaced},
            {"kind", info.kind},
            {"verbs", Json::array({"get", "patch", "update"})}};
  if (sub == "scale") {
    e["group"] = "autoscaling";
    e["version"] = "v1";
    e["kind"] = "Scale";
  } else if (sub == "binding") {
    e["kind"] = "Binding";
    e["verbs"] = Json::array({"create"});
  } else if (sub == "eviction") {
    e["group"] = "policy";
    e["version"] = "v1";
    e["kind"] = "Eviction";
    e["verbs"] = Json::array({"create"});
  } else if (sub == "log") {
    e["verbs"] = Json::array({"get"});
  } else if (sub == "proxy") {
    e["kind"] = "NodeProxyOptions";
    e["verbs"] = Json::array({"get"});  // kube-apiserver relays every verb; GET only here
  } else if (sub == "finalize") {
    e["verbs"] = Json::array({"update"});
  }
  return e;
}

std::vector<PrinterColumn> printer_columns_of(const Json& version) {
  std::vector<PrinterColumn> out;
  const auto it = version.find("additionalPrinterColumns");
  if (it == version.end() || !it->is_array()) return out;
  for (const auto& c : *it) {
    if (!c.is_object()) continue;
    PrinterColumn p;
    p.name = c.value("name", "");
    p.type = c.value("type", "string");
    p.format = c.value("format", "");
    p.description = c.value("description", "");
    p.priority = c.value("priority", 0);
    p.json_path = c.value("jsonPath", "");
    if (!p.name.empty() && !p.json_path.empty()) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

std::vector<PrinterColumn> ServedResource::columns_of(std::string_view version) const {
  for (const auto& [v, cols] : columns)
    if (v == version) return cols;
  return {};
}

Result<ServedResource> served_resource_of_crd(const Json& crd) {
  if (!crd.is_object()) return bad_crd("expected an object");
  const Json spec = crd.value("spec", Json::object());
  if (!spec.is_object()) return bad_crd("spec: Required value");
  ServedResource out;
  out.custom = true;
  kube::ResourceInfo& info = out.info;
  info.group = spec.value("group", "");
  if (info.group.empty()) return bad_crd("spec.group: Required value");
  const Json names = spec.value("names", Json::object());
  if (!names.is_object()) return bad_crd("spec.names: Required value");
  info.resource = names.value("plural", "");
  info.kind = names.value("kind", "");
  if (info.resource.empty()) return bad_crd("spec.names.plural: Required value");
  if (info.kind.empty()) return bad_crd("spec.names.kind: Required value");
  info.singular = names.value("singular", "");
  if (info.singular.empty()) {
    info.singular = info.kind;
    std::transform(info.singular.begin(), info.singular.end(), info.singular.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  info.namespaced = spec.value("scope", "Namespaced") != "Cluster";
  for (const char* key : {"shortNames", "categories"}) {
    const auto it = names.find(key);
    if (it == names.end() || !it->is_array()) continue;
    auto& into = std::string_view(key) == "shortNames" ? info.shortNames : info.categories;
    for (const auto& s : *it)
      if (s.is_string()) into.push_back(s.get<std::string>());
  }
  const Json versions = spec.value("versions", Json::array());
  if (!versions.is_array() || versions.empty()) return bad_crd("spec.versions: Required value");
  for (const auto& v : versions) {
    if (!v.is_object() || !v.value("served", false)) continue;
    const std::string name = v.value("name", "");
    if (name.empty()) return bad_crd("spec.versions[].name: Required value");
    if (v.value("storage", false)) {
      out.versions.insert(out.versions.begin(), name);
      info.version = name;
    } else {
      out.versions.push_back(name);
    }
    out.columns.emplace_back(name, printer_columns_of(v));
    if (const auto sub = v.find("subresources"); sub != v.end() && sub->is_object()) {
      for (const char* s : {"status", "scale"})
        if (sub->contains(s) && !info.has_subresource(s)) info.subresources.push_back(s);
    }
  }
  if (out.versions.empty()) return bad_crd("spec.versions: must have at least one served version");
  if (info.version.empty()) info.version = out.versions.front();
  return out;
}

Catalogue Catalogue::builtin() {
  Catalogue c;
  for (const auto& info : kube::builtin_resources()) {
    ServedResource r;
    r.info = info;
    r.versions = {info.version};
    c.resources_.push_back(std::move(r));
  }
  return c;
}

Catalogue Catalogue::load(kube::KubeClient& client) {
  auto crds = client.list(kube::custom_resource_definitions());
  return crds.ok() ? with_crds(crds->items) : builtin();
}

Catalogue Catalogue::with_crds(const std::vector<kube::Object>& crds) {
  Catalogue c = builtin();
  for (const auto& crd : crds) {
    auto r = served_resource_of_crd(*crd);
    if (!r.ok()) continue;
    // A CRD naming a built-in resource never shadows it.
    if (c.find(r->info.group, r->info.version, r->info.resource)) continue;
    c.resources_.push_back(std::move(*r));
  }
  return c;
}

const ServedResource* Catalogue::find(std::string_view group, std::string_view version,
                                      std::string_view resource) const {
  for (const auto& r : resources_) {
    if (r.info.group != group || r.info.resource != resource) continue;
    if (std::find(r.versions.begin(), r.versions.end(), version) != r.versions.end()) return &r;
  }
  return nullptr;
}

Json Catalogue::api_versions(const std::string& server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", Json::array({"v1"})},
          {"serverAddressByClientCIDRs",
           Json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

Json Catalogue::api_group_list() const {
  Json groups = Json::array();
  std::vector<std::string> seen;
  for (const auto& r : resources_) {
    if (r.info.group.empty()) continue;
    if (std::find(seen.begin(), seen.end(), r.info.group) != seen.end()) continue;
    seen.push_back(r.info.group);
    if (auto g = api_group(r.info.group); g.ok()) {
      Json entry = *g;
      entry.erase("kind");
      entry.erase("apiVersion");
      groups.push_back(std::move(entry));
    }
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

Result<Json> Catalogue::api_group(std::string_view group) const {
  std::vector<std::string> versions;
  std::string preferred;
  for (const auto& r : resources_) {
    if (r.info.group != group) continue;
    if (preferred.empty()) preferred = r.info.version;
    for (const auto& v : r.versions)
      if (std::find(versions.begin(), versions.end(), v) == versions.end()) versions.push_back(v);
  }
  if (versions.empty())
    return make_error(ErrorCode::kNotFound, "the server could not find the requested resource",
                      "NotFound");
  Json vs = Json::array();
  const std::string g(group);
  for (const auto& v : versions) vs.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
  return Json{{"kind", "APIGroup"},
              {"apiVersion", "v1"},
              {"name", g},
              {"versions", std::move(vs)},
              {"preferredVersion", {{"groupVersion", g + "/" + preferred}, {"version", preferred}}}};
}

Result<Json> Catalogue::api_resource_list(std::string_view group, std::string_view version) const {
  Json list = Json::array();
  bool any = false;
  for (const auto& r : resources_) {
    if (r.info.group != group) continue;
    if (std::find(r.versions.begin(), r.versions.end(), version) == r.versions.end()) continue;
    any = true;
    Json e = {{"name", r.info.resource},
              {"singularName", r.info.singular},
              {"namespaced", r.info.namespaced},
              {"kind", r.info.kind},
              {"verbs", resource_verbs()}};
    if (!r.info.shortNames.empty()) e["shortNames"] = r.info.shortNames;
    if (!r.info.categories.empty()) e["categories"] = r.info.categories;
    list.push_back(std::move(e));
    for (const auto& sub : r.info.subresources) list.push_back(subresource_entry(r.info, sub));
  }
  if (!any)
    return make_error(ErrorCode::kNotFound, "the server could not find the requested resource",
                      "NotFound");
  const std::string gv = group.empty() ? std::string(version)
                                       : std::string(group) + "/" + std::string(version);
  return Json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", gv},
              {"resources", std::move(list)}};
}

Json version_info() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0-kci-fake"},
          {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},
          {"buildDate", "2024-12-11T00:00:00Z"},
          {"goVersion", "go1.23.4"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

}  // namespace kci::apiserver
