#include "fake-apiserver/rbac.h"

#include <algorithm>
#include <cctype>

#include "fake-apiserver/pod_validation.h"
#include "fake-apiserver/protobuf_body.h"

namespace kci::apiserver {
namespace {

const kube::ResourceRef kClusterRoles{kRbacGroup, "v1", "clusterroles", "", ""};
const kube::ResourceRef kClusterRoleBindings{kRbacGroup, "v1", "clusterrolebindings", "", ""};
const kube::ResourceRef kRoles{kRbacGroup, "v1", "roles", "", ""};
const kube::ResourceRef kRoleBindings{kRbacGroup, "v1", "rolebindings", "", ""};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

//! The strings of a list field of a rule; a missing or malformed field is empty.
std::vector<std::string> strings_of(const Json& rule, const char* key) {
  std::vector<std::string> out;
  auto it = rule.find(key);
  if (it == rule.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

//! The X of a field selector that requires metadata.name=X (or ==X), else "".
std::string required_name(std::string_view selector) {
  while (!selector.empty()) {
    const auto comma = selector.find(',');
    std::string_view term = selector.substr(0, comma);
    selector = comma == std::string_view::npos ? std::string_view() : selector.substr(comma + 1);
    for (std::string_view prefix : {"metadata.name==", "metadata.name="})
      if (term.substr(0, prefix.size()) == prefix) return std::string(term.substr(prefix.size()));
  }
  return "";
}

std::string str(const Json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string name_of(const Json& o) {
  auto it = o.find("metadata");
  return it != o.end() && it->is_object() ? str(*it, "name") : std::string();
}

bool is_binding(const kube::ResourceInfo& info) {
  return info.resource == "rolebindings" || info.resource == "clusterrolebindings";
}

std::string quoted_list(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + ("\"" + v + "\"");
  return out;
}

void validate_rules(const Json& object, bool namespaced, std::vector<std::string>& errors) {
  auto rules = object.find("rules");
  if (rules == object.end() || rules->is_null()) return;  // a role without rules grants nothing
  if (!rules->is_array()) {
    errors.push_back("rules: Invalid value: " + rules->dump() + ": must be a list of PolicyRules");
    return;
  }
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const Json& rule = (*rules)[i];
    const std::string at = "rules[" + std::to_string(i) + "]";
    if (!rule.is_object()) {
      errors.push_back(at + ": Invalid value: " + rule.dump() + ": must be a PolicyRule object");
      continue;
    }
    for (const char* key : {"verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"}) {
      auto it = rule.find(key);
      if (it == rule.end() || it->is_null()) continue;
      bool ok = it->is_array();
      if (ok)
        for (const auto& v : *it) ok = ok && v.is_string();
      if (!ok) errors.push_back(at + "." + key + ": Invalid value: " + it->dump() + ": must be a list of strings");
    }
    if (strings_of(rule, "verbs").empty())
      errors.push_back(at + ".verbs: Required value: verbs must contain at least one value");
    const auto urls = strings_of(rule, "nonResourceURLs");
    if (!urls.empty()) {
      if (namespaced)
        errors.push_back(at + ".nonResourceURLs: Invalid value: [" + quoted_list(urls) +
                         "]: namespaced rules cannot apply to non-resource URLs");
      if (!strings_of(rule, "apiGroups").empty() || !strings_of(rule, "resources").empty())
        errors.push_back(at + ".nonResourceURLs: Invalid value: [" + quoted_list(urls) +
                         "]: rules cannot apply to both regular resources and non-resource URLs");
      continue;
    }
    if (strings_of(rule, "apiGroups").empty())
      errors.push_back(at + ".apiGroups: Required value: resource rules must supply at least one api group");
    if (strings_of(rule, "resources").empty())
      errors.push_back(at + ".resources: Required value: resource rules must supply at least one resource");
  }
}

void validate_binding(const kube::ResourceInfo& info, const Json& object, std::vector<std::string>& errors) {
  const bool namespaced = info.resource == "rolebindings";
  auto ref_it = object.find("roleRef");
  if (ref_it == object.end() || !ref_it->is_object()) {
    errors.push_back("roleRef: Required value: a binding names the role it grants (apiGroup, kind, name)");
  } else {
    const Json& ref = *ref_it;
    const std::string group = str(ref, "apiGroup"), kind = str(ref, "kind"), name = str(ref, "name");
    if (group != kRbacGroup)
      errors.push_back("roleRef.apiGroup: Unsupported value: \"" + group + "\": supported values: \"" +
                       kRbacGroup + "\"");
    if (namespaced && kind != "Role" && kind != "ClusterRole")
      errors.push_back("roleRef.kind: Unsupported value: \"" + kind + "\": supported values: \"Role\", \"ClusterRole\"");
    if (!namespaced && kind != "ClusterRole")
      errors.push_back("roleRef.kind: Unsupported value: \"" + kind + "\": supported values: \"ClusterRole\"");
    if (name.empty()) errors.push_back("roleRef.name: Required value: the name of the role");
    else if (!is_rbac_name(name))
      errors.push_back("roleRef.name: Invalid value: \"" + name + "\": may not be '.' or '..' or contain '/' or '%'");
  }
  auto subjects = object.find("subjects");
  if (subjects == object.end() || subjects->is_null()) return;
  if (!subjects->is_array()) {
    errors.push_back("subjects: Invalid value: " + subjects->dump() + ": must be a list of subjects");
    return;
  }
  for (std::size_t i = 0; i < subjects->size(); ++i) {
    const Json& s = (*subjects)[i];
    const std::string at = "subjects[" + std::to_string(i) + "]";
    if (!s.is_object()) {
      errors.push_back(at + ": Invalid value: " + s.dump() + ": must be a subject object (kind, name)");
      continue;
    }
    const std::string kind = str(s, "kind"), name = str(s, "name"), group = str(s, "apiGroup");
    if (name.empty()) errors.push_back(at + ".name: Required value");
    if (kind == "ServiceAccount") {
      if (!name.empty() && !is_dns1123_subdomain(name))
        errors.push_back(at + ".name: Invalid value: \"" + name +
                         "\": a ServiceAccount name must be a lowercase RFC 1123 subdomain");
      if (!group.empty())
        errors.push_back(at + ".apiGroup: Unsupported value: \"" + group + "\": supported values: \"\"");
      if (!namespaced && str(s, "namespace").empty())
        errors.push_back(at + ".namespace: Required value: a ServiceAccount subject of a ClusterRoleBinding "
                              "names its namespace");
    } else if (kind == "User" || kind == "Group") {
      if (group != kRbacGroup)
        errors.push_back(at + ".apiGroup: Unsupported value: \"" + group + "\": supported values: \"" + kRbacGroup +
                         "\"");
    } else {
      errors.push_back(at + ".kind: Unsupported value: \"" + kind +
                       "\": supported values: \"ServiceAccount\", \"User\", \"Group\"");
    }
  }
}

Json role_object(const std::string& name, Json rules) {
  return {{"apiVersion", std::string(kRbacGroup) + "/v1"},
          {"kind", "ClusterRole"},
          {"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}}},
          {"rules", std::move(rules)}};
}

Json binding_object(const std::string& name, const std::vector<std::string>& groups) {
  Json subjects = Json::array();
  for (const auto& g : groups) subjects.push_back({{"apiGroup", kRbacGroup}, {"kind", "Group"}, {"name", g}});
  return {{"apiVersion", std::string(kRbacGroup) + "/v1"},
          {"kind", "ClusterRoleBinding"},
          {"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}}},
          {"roleRef", {{"apiGroup", kRbacGroup}, {"kind", "ClusterRole"}, {"name", name}}},
          {"subjects", std::move(subjects)}};
}

}  // namespace

// ---- request attributes ---------------------------------------------------------------------

RequestAttributes request_attributes(const HttpRequest& request) {
  RequestAttributes a;
  const auto [path, query] = split_target(request.target);
  const RestPath p = parse_rest_path(path);
  if (p.kind != RestPath::Kind::kResource) {
    a.verb = lower(request.method);
    a.path = std::string(path);
    return a;
  }
  a.resource_request = true;
  a.api_group = p.group;
  a.resource = p.resource;
  a.subresource = p.subresource;
  a.ns = p.namespace_;
  a.name = p.name;
  // A Namespace is addressed as itself and as the namespace of the request, as kube-apiserver
  // does (a RoleBinding in "x" may allow getting the Namespace "x").
  if (p.group.empty() && p.resource == "namespaces" && !p.name.empty()) a.ns = p.name;
  const std::string& m = request.method;
  if (m == "GET" || m == "HEAD") {
    a.verb = is_watch_request(request) ? "watch" : p.name.empty() ? "list" : "get";
  } else if (m == "POST") {
    a.verb = "create";
  } else if (m == "PUT") {
    a.verb = "update";
  } else if (m == "PATCH") {
    a.verb = "patch";
  } else if (m == "DELETE") {
    a.verb = p.name.empty() ? "deletecollection" : "delete";
  } else {
    a.verb = lower(m);
  }
  if ((a.verb == "list" || a.verb == "watch") && a.name.empty()) {
    const auto q = parse_query(query);
    if (auto it = q.find("fieldSelector"); it != q.end()) a.name = required_name(it->second);
  }
  return a;
}

// ---- rules and subjects ----------------------------------------------------------------------

bool rule_allows(const Json& rule, const RequestAttributes& a) {
  if (!rule.is_object()) return false;
  const auto verbs = strings_of(rule, "verbs");
  if (!contains(verbs, "*") && !contains(verbs, a.verb)) return false;
  if (!a.resource_request) {
    for (const auto& url : strings_of(rule, "nonResourceURLs")) {
      if (url == "*" || url == a.path) return true;
      if (!url.empty() && url.back() == '*' && a.path.rfind(url.substr(0, url.size() - 1), 0) == 0) return true;
    }
    return false;
  }
  const auto groups = strings_of(rule, "apiGroups");
  if (!contains(groups, "*") && !contains(groups, a.api_group)) return false;
  const std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  bool resource = false;
  for (const auto& r : strings_of(rule, "resources")) {
    if (r == "*" || r == combined) resource = true;
    // "*/status" grants the status subresource of every resource.
    if (!a.subresource.empty() && r == "*/" + a.subresource) resource = true;
  }
  if (!resource) return false;
  const auto names = strings_of(rule, "resourceNames");
  return names.empty() || contains(names, a.name);
}

bool subject_matches(const Json& subject, const RequestUser& user, const std::string& binding_namespace) {
  if (!subject.is_object()) return false;
  const std::string kind = str(subject, "kind"), name = str(subject, "name");
  if (kind == "User") return name == user.username;
  if (kind == "Group") return contains(user.groups, name);
  if (kind == "ServiceAccount") {
    std::string ns = str(subject, "namespace");
    if (ns.empty()) ns = binding_namespace;
    return !ns.empty() && user.username == "system:serviceaccount:" + ns + ":" + name;
  }
  return false;
}

// ---- the authorizer --------------------------------------------------------------------------

bool RbacAuthorizer::any_rule_allows(const Json& role_ref, const std::string& binding_namespace,
                                     const RequestAttributes& a) {
  const std::string kind = str(role_ref, "kind"), name = str(role_ref, "name");
  if (name.empty()) return false;
  kube::ResourceRef ref;
  if (kind == "ClusterRole") ref = kClusterRoles.named(name);
  else if (kind == "Role" && !binding_namespace.empty()) ref = kRoles.in(binding_namespace).named(name);
  else return false;
  auto role = client_.get(ref);
  if (!role.ok()) return false;  // a binding to a missing role grants nothing, as in Kubernetes
  for (const auto& rule : (*role)->value("rules", Json::array()))
    if (rule_allows(rule, a)) return true;
  return false;
}

Status RbacAuthorizer::authorize(const RequestUser& user, const RequestAttributes& a) {
  if (contains(user.groups, kMastersGroup)) return ok_status();
  auto applies = [&](const Json& binding, const std::string& ns) {
    for (const auto& s : binding.value("subjects", Json::array()))
      if (subject_matches(s, user, ns)) return true;
    return false;
  };
  if (auto bindings = client_.list(kClusterRoleBindings); bindings.ok())
    for (const auto& b : bindings->items)
      if (applies(*b, "") && any_rule_allows(b->value("roleRef", Json::object()), "", a)) return ok_status();
  // RoleBindings grant inside their own namespace only, and only resource rules.
  if (a.resource_request && !a.ns.empty())
    if (auto bindings = client_.list(kRoleBindings.in(a.ns)); bindings.ok())
      for (const auto& b : bindings->items)
        if (applies(*b, a.ns) && any_rule_allows(b->value("roleRef", Json::object()), a.ns, a)) return ok_status();
  return make_error(ErrorCode::kForbidden, forbidden_message(user, a), "Forbidden");
}

// ---- the refusal -----------------------------------------------------------------------------

std::string forbidden_message(const RequestUser& user, const RequestAttributes& a) {
  const std::string who = "User \"" + user.username + "\" cannot " + a.verb;
  if (!a.resource_request) return "forbidden: " + who + " path \"" + a.path + "\"";
  // The qualified resource: "pods", "deployments.apps".
  const std::string qualified = a.api_group.empty() ? a.resource : a.resource + "." + a.api_group;
  std::string message = qualified + (a.name.empty() ? "" : " \"" + a.name + "\"") + " is forbidden: " + who +
                        " resource \"" + (a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource) +
                        "\" in API group \"" + a.api_group + "\"";
  message += a.ns.empty() ? " at the cluster scope" : " in the namespace \"" + a.ns + "\"";
  return message;
}

HttpResponse forbidden_response(const RequestUser& user, const RequestAttributes& a) {
  Json details = Json::object();
  if (a.resource_request) {
    if (!a.name.empty()) details["name"] = a.name;
    if (!a.api_group.empty()) details["group"] = a.api_group;
    details["kind"] = a.resource;
  }
  const Json status = {{"kind", "Status"},
                       {"apiVersion", "v1"},
                       {"metadata", Json::object()},
                       {"status", "Failure"},
                       {"message", forbidden_message(user, a)},
                       {"reason", "Forbidden"},
                       {"details", details},
                       {"code", 403}};
  HttpResponse r;
  r.status = 403;
  r.body = status.dump();
  return r;
}

HttpResponse self_subject_access_review(RbacAuthorizer* authorizer, const RequestUser& user, std::string_view body) {
  auto refuse = [](int code, const std::string& reason, const std::string& message) {
    HttpResponse r;
    r.status = code;
    r.body = Json{{"kind", "Status"},       {"apiVersion", "v1"}, {"metadata", Json::object()},
                  {"status", "Failure"},    {"message", message}, {"reason", reason},
                  {"details", {{"group", "authorization.k8s.io"}, {"kind", "SelfSubjectAccessReview"}}},
                  {"code", code}}
                 .dump();
    return r;
  };
  // kubectl sends its review in protobuf; the answer is JSON, which every client reads.
  Json review;
  if (is_protobuf_body(body)) {
    auto decoded = decode_protobuf_body(body, "authorization.k8s.io/v1", "SelfSubjectAccessReview");
    if (!decoded.ok()) {
      const bool unsupported = decoded.error().code == ErrorCode::kUnsupported;
      return refuse(unsupported ? 415 : 400, unsupported ? "UnsupportedMediaType" : "BadRequest",
                    decoded.error().message);
    }
    review = std::move(*decoded);
  } else {
    review = Json::parse(body, nullptr, false);
  }
  if (!review.is_object() || review.value("kind", "SelfSubjectAccessReview") != "SelfSubjectAccessReview")
    return refuse(400, "BadRequest",
                  "the body is not a SelfSubjectAccessReview (authorization.k8s.io/v1) object in JSON: \"" +
                      std::string(body.substr(0, 40)) + (body.size() > 40 ? "...\"" : "\""));
  const Json spec = review.value("spec", Json::object());
  const Json res = spec.value("resourceAttributes", Json());
  const Json non = spec.value("nonResourceAttributes", Json());
  if (res.is_object() == non.is_object())
    return refuse(422, "Invalid",
                  "SelfSubjectAccessReview.authorization.k8s.io is invalid: spec.resourceAttributes: Invalid value: "
                  "exactly one of resourceAttributes or nonResourceAttributes must be given");
  RequestAttributes a;
  if (res.is_object()) {
    a.resource_request = true;
    a.verb = str(res, "verb");
    a.api_group = str(res, "group");
    a.resource = str(res, "resource");
    a.subresource = str(res, "subresource");
    a.ns = str(res, "namespace");
    a.name = str(res, "name");
  } else {
    a.verb = str(non, "verb");
    a.path = str(non, "path");
  }
  const Status decision = authorizer ? authorizer->authorize(user, a) : ok_status();
  review["apiVersion"] = "authorization.k8s.io/v1";
  review["kind"] = "SelfSubjectAccessReview";
  if (!review.contains("metadata") || !review["metadata"].is_object()) review["metadata"] = Json::object();
  review["status"] = {{"allowed", decision.ok()}};
  if (!decision.ok()) review["status"]["reason"] = "no RBAC rule allows it";
  HttpResponse r;
  r.status = 201;
  r.body = review.dump();
  return r;
}

// ---- the objects -----------------------------------------------------------------------------

bool is_rbac_resource(const kube::ResourceInfo& info) { return info.group == kRbacGroup; }

bool is_rbac_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('%') == std::string_view::npos;
}

void default_rbac_object(const kube::ResourceInfo& info, Json& object) {
  if (!is_binding(info)) return;
  auto subjects = object.find("subjects");
  if (subjects == object.end() || !subjects->is_array()) return;
  for (auto& s : *subjects) {
    if (!s.is_object()) continue;
    const std::string kind = str(s, "kind");
    if ((kind == "User" || kind == "Group") && str(s, "apiGroup").empty()) s["apiGroup"] = kRbacGroup;
  }
}

Status validate_rbac_object(const kube::ResourceInfo& info, const Json& object) {
  std::vector<std::string> errors;
  if (is_binding(info)) validate_binding(info, object, errors);
  else validate_rules(object, info.resource == "roles", errors);
  if (errors.empty()) return ok_status();
  std::string all;
  for (const auto& e : errors) all += (all.empty() ? "" : ", ") + e;
  return invalid_argument(std::move(all));
}

Status validate_rbac_update(const kube::ResourceInfo& info, const Json& old_object, const Json& new_object) {
  if (is_binding(info)) {
    const Json before = old_object.value("roleRef", Json());
    const Json after = new_object.value("roleRef", Json());
    if (before != after)
      return invalid_argument("roleRef: Invalid value: " + after.dump() +
                              ": cannot change roleRef (it was " + before.dump() +
                              "); delete the binding and create it again");
  }
  return validate_rbac_object(info, new_object);
}

std::vector<std::pair<kube::ResourceRef, Json>> bootstrap_rbac_objects() {
  const Json everything = Json::array({{{"apiGroups", {"*"}}, {"resources", {"*"}}, {"verbs", {"*"}}},
                                       {{"nonResourceURLs", {"*"}}, {"verbs", {"*"}}}});
  const Json discovery = Json::array({{{"nonResourceURLs",
                                        {"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                         "/openapi/*", "/readyz", "/version", "/version/"}},
                                       {"verbs", {"get"}}}});
  const Json public_info = Json::array(
      {{{"nonResourceURLs", {"/healthz", "/livez", "/readyz", "/version", "/version/"}}, {"verbs", {"get"}}}});
  return {
      {kClusterRoles, role_object("cluster-admin", everything)},
      {kClusterRoleBindings, binding_object("cluster-admin", {kMastersGroup})},
      {kClusterRoles, role_object("system:discovery", discovery)},
      {kClusterRoleBindings, binding_object("system:discovery", {kAuthenticatedGroup})},
      {kClusterRoles, role_object("system:public-info-viewer", public_info)},
      {kClusterRoleBindings,
       binding_object("system:public-info-viewer", {kAuthenticatedGroup, kUnauthenticatedGroup})},
  };
}

Status create_bootstrap_rbac(kube::KubeClient& client) {
  for (auto& [ref, object] : bootstrap_rbac_objects()) {
    auto created = client.create(ref, object);
    if (!created.ok() && created.error().code != ErrorCode::kAlreadyExists)
      return make_error(created.error().code,
                        "creating the default " + object.value("kind", "") + " " + name_of(object) + ": " +
                            created.error().message);
  }
  return ok_status();
}

}  // namespace kci::apiserver
