#include "fake-apiserver/api_server.h"

#include <algorithm>

#include "core/k8s/json_patch.h"
#include "core/k8s/object.h"
#include "fake-apiserver/admission.h"
#include "fake-apiserver/pod_validation.h"
#include "fake-apiserver/rbac.h"
#include "fake-apiserver/workload_validation.h"

namespace kci::apiserver {

using kube::Object;
using kube::ResourceRef;

namespace {

//! The label kube-apiserver puts on every namespace (NamespaceDefaultLabelName).
constexpr std::string_view kNamespaceNameLabel = "kubernetes.io/metadata.name";

// Characters of generateName suffixes: kube-apiserver's alphabet (no vowels, no look-alikes).
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
// Generated suffixes are 5 characters; the prefix is cut to 58 so the name fits in 63.
constexpr std::size_t kGeneratedSuffix = 5;
constexpr std::size_t kMaxGeneratePrefix = 58;
// A pod's grace period when neither DeleteOptions nor the spec gives one.
constexpr std::int64_t kDefaultPodGraceSeconds = 30;

const Json& meta_of(const Json& o) {
  static const Json empty = Json::object();
  auto it = o.find("metadata");
  return it != o.end() && it->is_object() ? *it : empty;
}

std::string str(const Json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool has_finalizers(const Json& o) {
  const Json& m = meta_of(o);
  auto f = m.find("finalizers");
  return f != m.end() && f->is_array() && !f->empty();
}

bool is_pod(const kube::ResourceInfo& info) { return info.group.empty() && info.resource == "pods"; }

//! Everything except metadata and status: what a generation counts changes of.
bool spec_equal(const Json& a, const Json& b) {
  for (const auto& [k, v] : a.items()) {
    if (k == "metadata" || k == "status") continue;
    auto it = b.find(k);
    if (it == b.end() || *it != v) return false;
  }
  for (const auto& [k, v] : b.items()) {
    if (k == "metadata" || k == "status") continue;
    if (!a.contains(k)) return false;
  }
  return true;
}

Error forbidden(std::string message) {
  return make_error(ErrorCode::kForbidden, std::move(message), "Forbidden");
}
Error bad_request(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message), "BadRequest");
}

}  // namespace

ApiServer::ApiServer(Executor& executor, ApiServerOptions options)
    : executor_(executor), options_(options), rng_(options.seed), store_(executor, options.store) {
  if (options_.default_namespaces)
    for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      auto r = create(kube::namespaces(), Json{{"apiVersion", "v1"},
                                               {"kind", "Namespace"},
                                               {"metadata", {{"name", ns}}}});
      (void)r;
    }
}

ApiServer::~ApiServer() = default;

std::string ApiServer::now_rfc3339() const {
  k8s::Time t;
  t.at = std::chrono::floor<std::chrono::seconds>(executor_.clock().now());
  return t.to_string();
}

Result<const kube::ResourceInfo*> ApiServer::resolve(const ResourceRef& ref) const {
  KCI_TRY(const kube::ResourceInfo* info, registry_.find(ref));
  if (!info->namespaced && !ref.namespace_.empty())
    return make_error(ErrorCode::kNotFound,
                      "the server could not find the requested resource (" + info->resource +
                          " is cluster-scoped; no namespace \"" + ref.namespace_ + "\" applies)",
                      "NotFound");
  return info;
}

Status ApiServer::check_namespace(const kube::ResourceInfo& info, const std::string& ns) const {
  if (!info.namespaced) return ok_status();
  if (ns.empty())
    return bad_request("the namespace of the object is empty: set metadata.namespace or the "
                       "namespace of the request");
  Object n = store_.get("/namespaces", "", ns);
  if (!n) return kube::not_found(kube::namespaces(ns));
  if (meta_of(*n).contains("deletionTimestamp"))
    return forbidden(info.resource + " is forbidden: unable to create new content in namespace " +
                     ns + " because it is being terminated");
  return ok_status();
}

// ---- reads --------------------------------------------------------------------------------

Result<Object> ApiServer::get(const ResourceRef& ref) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  if (ref.name.empty()) return bad_request("get needs a name; use list for a collection");
  Object o = store_.get(resource_key(info->group, info->resource), ref.namespace_, ref.name);
  if (!o) return kube::not_found(ref);
  return o;
}

Json scale_of(const Json& object) {
  const Json& m = meta_of(object);
  Json meta = Json::object();
  for (const char* k : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (m.contains(k)) meta[k] = m[k];
  const Json spec = object.value("spec", Json::object());
  const Json status = object.value("status", Json::object());
  Json s = {{"apiVersion", "autoscaling/v1"},
            {"kind", "Scale"},
            {"metadata", meta},
            {"spec", {{"replicas", spec.value("replicas", 1)}}},
            {"status", {{"replicas", status.value("replicas", 0)}}}};
  // status.selector is the label selector in its string form.
  if (auto sel = spec.find("selector"); sel != spec.end() && sel->is_object()) {
    std::string text;
    const Json labels = sel->value("matchLabels", Json::object());
    for (const auto& [k, v] : labels.items()) {
      if (!text.empty()) text += ",";
      text += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    s["status"]["selector"] = text;
  }
  return s;
}

Result<Object> ApiServer::get_subresource(const ResourceRef& ref, std::string_view sub) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  if (!info->has_subresource(sub))
    return make_error(ErrorCode::kNotFound,
                      "the server could not find the requested resource (" + info->resource +
                          "/" + std::string(sub) + ")",
                      "NotFound");
  KCI_TRY(Object o, get(ref));
  if (sub == "scale") return std::make_shared<const Json>(scale_of(*o));
  return o;
}

Result<kube::ObjectList> ApiServer::list(const ResourceRef& ref, const kube::ListOptions& options) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  KCI_TRY(Selection sel, Selection::compile(*info, options.labelSelector, options.fieldSelector));
  if (!ref.name.empty()) sel.pin_name(ref.name);
  std::string after;
  if (!options.continue_.empty()) {
    auto decoded = k8s::base64_decode(options.continue_);
    if (!decoded) return bad_request("continue token is not valid: " + options.continue_);
    after = *decoded;
  }
  if (options.limit < 0) return bad_request("limit must not be negative");
  kube::ObjectList out;
  std::string next;
  out.items = store_.list(resource_key(info->group, info->resource), ref.namespace_, sel,
                          static_cast<std::size_t>(options.limit), after, &next);
  out.resourceVersion = std::to_string(store_.resource_version());
  if (!next.empty()) out.continue_ = k8s::base64_encode(next);
  return out;
}

Result<std::unique_ptr<kube::WatchHandle>> ApiServer::watch(const ResourceRef& ref,
                                                            const kube::WatchOptions& options,
                                                            Executor& executor,
                                                            kube::WatchCallback on_event,
                                                            kube::WatchErrorCallback on_error) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  KCI_TRY(Selection sel, Selection::compile(*info, options.labelSelector, options.fieldSelector));
  if (!ref.name.empty()) sel.pin_name(ref.name);
  std::optional<std::uint64_t> from;
  if (options.sendInitialEvents) {
    if (!options.allowWatchBookmarks)
      return make_error(ErrorCode::kInvalidArgument,
                        "sendInitialEvents requires allowWatchBookmarks=true", "Invalid");
  } else if (!options.resourceVersion.empty() && options.resourceVersion != "0") {
    Json probe = {{"metadata", {{"resourceVersion", options.resourceVersion}}}};
    const std::uint64_t v = resource_version_of(probe);
    if (v == 0)
      return make_error(ErrorCode::kInvalidArgument,
                        "invalid resource version: \"" + options.resourceVersion + "\"",
                        "BadRequest");
    from = v;
  }
  return store_.watch(*info, ref.namespace_, std::move(sel), from, options.allowWatchBookmarks,
                      options.sendInitialEvents, executor, std::move(on_event),
                      std::move(on_error));
}

// ---- create -------------------------------------------------------------------------------

Result<Object> ApiServer::create(const ResourceRef& ref, Json object,
                                 const kube::WriteOptions& options, const RequestUser& user) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  if (!ref.name.empty() && options.subresource.empty())
    return bad_request("create is addressed to the collection, not to \"" + ref.name + "\"");
  if (!options.subresource.empty()) return create_subresource(ref, options.subresource, object, user);
  if (!object.is_object()) return bad_request("the body of a create must be an object");
  // apiVersion and kind: filled when absent, refused when they name another resource.
  const std::string av = str(object, "apiVersion"), kind = str(object, "kind");
  if ((!av.empty() && av != info->api_version() && !registry_.find_kind(av, info->kind)) ||
      (!kind.empty() && kind != info->kind))
    return bad_request("the API version in the data (" + av + ") and the kind (" + kind +
                       ") do not match the resource " + info->api_version() + " " +
                       info->resource);
  object["apiVersion"] = info->api_version();
  object["kind"] = info->kind;
  Json& meta = object["metadata"];
  if (meta.is_null()) meta = Json::object();
  if (!meta.is_object()) return bad_request("metadata must be an object");
  std::string ns = str(meta, "namespace");
  if (info->namespaced) {
    if (!ref.namespace_.empty() && !ns.empty() && ns != ref.namespace_)
      return bad_request("the namespace of the provided object (" + ns +
                         ") does not match the namespace sent on the request (" +
                         ref.namespace_ + ")");
    if (ns.empty()) ns = ref.namespace_;
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
    ns.clear();
  }
  KCI_TRY_STATUS(check_namespace(*info, ns));
  const std::string key = resource_key(info->group, info->resource);

  // Server-owned metadata: whatever the client sent is replaced.
  for (const char* k : {"uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation", "selfLink"})
    meta.erase(k);
  if (is_pod(*info)) {
    default_pod(object);
    initialise_pod_status(object);
  } else if (info->has_subresource("status") && info->resource != "nodes" &&
             info->resource != "namespaces") {
    // Status is the controllers' to write; a create starts without it.
    object.erase("status");
  }
  if (info->group.empty() && info->resource == "namespaces") {
    object["status"] = {{"phase", "Active"}};
    object["spec"] = {{"finalizers", {"kubernetes"}}};
  }

  std::string name = str(meta, "name");
  const std::string generate = str(meta, "generateName");
  if (name.empty() && generate.empty())
    return kube::invalid(ref, "metadata.name: Required value: name or generateName is required");

  if (admission_) {
    AdmissionAttributes attrs;
    attrs.resource = info;
    attrs.operation = "CREATE";
    attrs.ns = ns;
    attrs.name = name;
    attrs.user = &user;
    attrs.dry_run = options.dryRun;
    KCI_TRY(object, admission_->admit(attrs, std::move(object)));
    Json& m2 = object["metadata"];
    // Webhooks may not move the object.
    m2["namespace"] = ns;
    if (!info->namespaced) m2.erase("namespace");
  }
  if (name.empty()) {
    std::string prefix = generate.substr(0, kMaxGeneratePrefix);
    // Retries a taken name, as kube-apiserver's generateName does on a clash.
    for (int attempt = 0; attempt < 8; ++attempt) {
      std::string candidate = prefix;
      for (std::size_t i = 0; i < kGeneratedSuffix; ++i)
        candidate.push_back(kNameAlphabet[rng_.below(kNameAlphabet.size())]);
      if (!store_.get(key, ns, candidate)) {
        name = std::move(candidate);
        break;
      }
    }
    if (name.empty()) return kube::already_exists(ref.named(generate));
    object["metadata"]["name"] = name;
  } else {
    object["metadata"]["name"] = name;
  }
  // Every namespace carries its name as a label, so namespaceSelectors can name it.
  if (info->group.empty() && info->resource == "namespaces")
    object["metadata"]["labels"][std::string(kNamespaceNameLabel)] = name;
  // RBAC objects take path-segment names (the built-in ones have ':'), as kube-apiserver's
  // RBAC registries validate them.
  const bool dns_ok = info->resource == "namespaces" ? is_dns1123_label(name)
                      : is_rbac_resource(*info)      ? is_rbac_name(name)
                                                     : is_dns1123_subdomain(name) ||
                                                           info->resource == "events";
  if (!dns_ok && is_rbac_resource(*info))
    return kube::invalid(ref.named(name), "metadata.name: Invalid value: \"" + name +
                                              "\": may not be '.' or '..' or contain '/' or '%'");
  if (!dns_ok)
    return kube::invalid(ref.named(name),
                         "metadata.name: Invalid value: \"" + name +
                             "\": a lowercase RFC 1123 subdomain must consist of lower case "
                             "alphanumeric characters, '-' or '.', and must start and end with "
                             "an alphanumeric character");
  if (is_pod(*info)) {
    Status v = validate_pod(object);
    if (!v.ok()) return kube::invalid(ref.named(name), v.error().message);
  }
  if (info->group == "apiextensions.k8s.io" && info->resource == "customresourcedefinitions") {
    ResourceRegistry probe = registry_;
    auto r = probe.register_crd(object);
    if (!r.ok()) return kube::invalid(ref.named(name), r.error().message);
  }
  if (is_rbac_resource(*info)) {
    default_rbac_object(*info, object);
    Status v = validate_rbac_object(*info, object);
    if (!v.ok()) return kube::invalid(ref.named(name), v.error().message);
  }
  if (store_.get(key, ns, name)) return kube::already_exists(ref.named(name));
  Json& m = object["metadata"];
  m["uid"] = rng_.uuid();
  m["creationTimestamp"] = now_rfc3339();
  // Generation starts at 1 for everything with a spec, as the registries set it.
  m["generation"] = 1;
  // Workload defaults that need the uid (a Job's generated selector), then validation.
  if (info->group == "batch" && info->resource == "jobs") {
    default_job(object);
    Status v = validate_job(object);
    if (!v.ok()) return kube::invalid(ref.named(name), v.error().message);
  } else if (info->group == "apps" && info->resource == "statefulsets") {
    default_statefulset(object);
    Status v = validate_statefulset(object);
    if (!v.ok()) return kube::invalid(ref.named(name), v.error().message);  } else if (info->group == "apps" && info->resource == "deployments") {
    default_deployment(object);
  } else if (info->group == "apps" && info->resource == "replicasets") {
    default_replicaset(object);
  } else if (info->group.empty() && info->resource == "secrets") {
    default_secret(object);
  } else if (info->group.empty() && info->resource == "services") {
    default_service(object);
  }
  if (options.dryRun) return std::make_shared<const Json>(std::move(object));
  Object stored = store_.put(*info, ns, name, std::move(object));
  after_write(*info, stored);
  return stored;
}

void ApiServer::after_write(const kube::ResourceInfo& info, const Object& obj) {
  if (info.group == "apiextensions.k8s.io" && info.resource == "customresourcedefinitions" &&
      !meta_of(*obj).contains("deletionTimestamp")) {
    auto r = registry_.register_crd(*obj);
    if (r.ok()) {
      const Json status = obj->value("status", Json::object());
      if (!status.contains("conditions")) {
        // Established and NamesAccepted: what clients wait for before using the resource.
        Json updated = *obj;
        const std::string now = now_rfc3339();
        updated["status"] = {
            {"conditions",
             {{{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"},
               {"lastTransitionTime", now}},
              {{"type", "Established"}, {"status", "True"}, {"reason", "InitialNamesAccepted"},
               {"lastTransitionTime", now}}}},
            {"acceptedNames", obj->at("spec").value("names", Json::object())},
            {"storedVersions", Json::array({r->version})}};
        store_.put(info, "", str(meta_of(*obj), "name"), std::move(updated));
      }
    }
  }
}

// ---- update -------------------------------------------------------------------------------

Result<Object> ApiServer::update(const ResourceRef& ref, Json object,
                                 const kube::WriteOptions& options, const RequestUser& user) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  if (ref.name.empty()) return bad_request("update needs a name");
  if (!object.is_object()) return bad_request("the body of an update must be an object");
  const std::string key = resource_key(info->group, info->resource);
  Object current = store_.get(key, ref.namespace_, ref.name);
  if (!options.subresource.empty() && !info->has_subresource(options.subresource))
    return make_error(ErrorCode::kNotFound,
                      "the server could not find the requested resource (" + info->resource +
                          "/" + options.subresource + ")",
                      "NotFound");
  if (!current) return kube::not_found(ref);
  if (options.subresource == "scale") return update_scale(*info, ref, object, options);
  const Json& nm = meta_of(object);
  const std::string body_name = str(nm, "name");
  if (!body_name.empty() && body_name != ref.name)
    return bad_request("the name of the object (" + body_name +
                       ") does not match the name on the URL (" + ref.name + ")");
  return write_update(*info, ref, std::move(object), current, options, user);
}

Result<Object> ApiServer::write_update(const kube::ResourceInfo& info, const ResourceRef& ref,
                                       Json object, const Object& current,
                                       const kube::WriteOptions& options,
                                       const RequestUser& user) {
  const Json& cur = *current;
  const Json& cm = meta_of(cur);
  const std::string want_rv = str(meta_of(object), "resourceVersion");
  if (!want_rv.empty() && want_rv != str(cm, "resourceVersion"))
    return kube::conflict(ref, "the object has been modified; please apply your changes to the "
                               "latest version and try again");
  const std::string want_uid = str(meta_of(object), "uid");
  if (!want_uid.empty() && want_uid != str(cm, "uid"))
    return kube::conflict(ref, "Precondition failed: UID in precondition: " + want_uid +
                                   ", UID in object meta: " + str(cm, "uid"));
  const bool status_only = options.subresource == "status";
  Json next;
  if (status_only) {
    // The status subresource takes status only; everything else stays as stored.
    next = cur;
    auto st = object.find("status");
    if (st != object.end()) next["status"] = std::move(*st);
    else next.erase("status");
  } else {
    next = std::move(object);
    next["apiVersion"] = info.api_version();
    next["kind"] = info.kind;
    if (info.group.empty() && info.resource == "namespaces")
      next["metadata"]["labels"][std::string(kNamespaceNameLabel)] = ref.name;
    // kube-apiserver defaults every object it decodes, an update's too.
    if (info.group == "apps" && info.resource == "deployments") default_deployment(next);
    if (info.group == "apps" && info.resource == "replicasets") default_replicaset(next);
    if (info.group.empty() && info.resource == "secrets") default_secret(next);
    if (info.group.empty() && info.resource == "services") default_service(next);
    if (info.has_subresource("status")) {
      // The main resource ignores status when a status subresource exists.
      if (cur.contains("status")) next["status"] = cur["status"];
      else next.erase("status");
    }
    Json& m = next["metadata"];
    if (!m.is_object()) m = Json::object();
    for (const char* k : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation"}) {
      if (cm.contains(k)) m[k] = cm[k];
      else m.erase(k);
    }
    if (cm.contains("deletionTimestamp")) {
      // No new finalizers once deletion has begun.
      const Json old_f = cm.value("finalizers", Json::array());
      for (const auto& f : m.value("finalizers", Json::array()))
        if (std::find(old_f.begin(), old_f.end(), f) == old_f.end())
          return forbidden("no new finalizers can be added if the object is being deleted, "
                           "found new finalizers [" + f.dump() + "]");
    }
    if (!spec_equal(cur, next))
      m["generation"] = cm.value("generation", std::int64_t{1}) + 1;
  }
  if (admission_) {
    AdmissionAttributes attrs;
    attrs.resource = &info;
    attrs.operation = "UPDATE";
    attrs.subresource = options.subresource;
    attrs.ns = ref.namespace_;
    attrs.name = ref.name;
    attrs.old_object = &cur;
    attrs.user = &user;
    attrs.dry_run = options.dryRun;
    KCI_TRY(next, admission_->admit(attrs, std::move(next)));
  }
  if (is_pod(info)) {
    Status v = status_only ? ok_status() : validate_pod_update(cur, next);
    if (!v.ok()) return kube::invalid(ref, v.error().message);
  }
  if (info.group == "apiextensions.k8s.io" && info.resource == "customresourcedefinitions") {
    ResourceRegistry probe = registry_;
    auto r = probe.register_crd(next);
    if (!r.ok()) return kube::invalid(ref, r.error().message);
  }
  if (is_rbac_resource(info)) {
    default_rbac_object(info, next);
    Status v = validate_rbac_update(info, cur, next);
    if (!v.ok()) return kube::invalid(ref, v.error().message);
  }
  next["metadata"]["resourceVersion"] = cm.value("resourceVersion", "");
  // A no-op write keeps the version and sends no event, as kube-apiserver does.
  if (next == cur) return current;
  if (options.dryRun) return std::make_shared<const Json>(std::move(next));
  const bool deleting = meta_of(next).contains("deletionTimestamp");
  const bool grace_over = !is_pod(info) || meta_of(next).value("deletionGracePeriodSeconds",
                                                               std::int64_t{1}) == 0;
  if (deleting && !has_finalizers(next) && grace_over) {
    Object last = store_.put(info, ref.namespace_, ref.name, std::move(next));
    (void)last;
    return erase(info, ref.namespace_, ref.name);
  }
  Object stored = store_.put(info, ref.namespace_, ref.name, std::move(next));
  after_write(info, stored);
  return stored;
}

Result<Object> ApiServer::update_scale(const kube::ResourceInfo& info, const ResourceRef& ref,
                                       const Json& scale, const kube::WriteOptions& options) {
  Object current = store_.get(resource_key(info.group, info.resource), ref.namespace_, ref.name);
  if (!current) return kube::not_found(ref);
  const Json spec = scale.value("spec", Json::object());
  auto replicas = spec.find("replicas");
  if (replicas == spec.end() || !replicas->is_number_integer() || replicas->get<std::int64_t>() < 0)
    return kube::invalid(ref, "spec.replicas: Invalid value: must be a non-negative integer");
  Json next = *current;
  next["spec"]["replicas"] = *replicas;
  const std::string want_rv = str(meta_of(scale), "resourceVersion");
  next["metadata"]["resourceVersion"] = want_rv.empty() ? str(meta_of(*current), "resourceVersion")
                                                        : want_rv;
  kube::WriteOptions o = options;
  o.subresource.clear();
  KCI_TRY(Object stored, write_update(info, ref, std::move(next), current, o, RequestUser{}));
  return std::make_shared<const Json>(scale_of(*stored));
}

Result<Object> ApiServer::patch(const ResourceRef& ref, kube::PatchType type, const Json& patch,
                                const kube::WriteOptions& options, const RequestUser& user) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  if (ref.name.empty()) return bad_request("patch needs a name");
  const bool builtin = kube::find_builtin(info->group, info->resource) != nullptr;
  if (type == kube::PatchType::kStrategicMerge && !builtin)
    return make_error(ErrorCode::kUnsupported,
                      "the body of the request was in an unknown format - accepted media types "
                      "include: application/json-patch+json, application/merge-patch+json "
                      "(strategic merge patch is not supported for custom resources)",
                      "UnsupportedMediaType");
  Object current;
  if (options.subresource == "scale") {
    KCI_TRY(current, get_subresource(ref, "scale"));
  } else {
    KCI_TRY(current, get(ref));
  }
  Json patched;
  switch (type) {
    case kube::PatchType::kJson: {
      auto r = k8s::apply_json_patch(*current, patch);
      if (!r.ok()) return kube::invalid(ref, r.error().message);
      patched = std::move(r).value();
      break;
    }
    case kube::PatchType::kMerge:
      if (!patch.is_object()) return bad_request("a merge patch must be a JSON object");
      patched = k8s::apply_merge_patch(*current, patch);
      break;
    case kube::PatchType::kStrategicMerge: {
      auto r = k8s::apply_strategic_merge_patch(*current, patch, info->kind);
      if (!r.ok()) return bad_request(r.error().message);
      patched = std::move(r).value();
      break;
    }
  }
  if (!patched.is_object()) return bad_request("the patched object is not an object");
  if (options.subresource == "scale") return update_scale(*info, ref, patched, options);
  return update(ref, std::move(patched), options, user);
}

// ---- delete -------------------------------------------------------------------------------

Object ApiServer::erase(const kube::ResourceInfo& info, const std::string& ns,
                        const std::string& name) {
  Object last = store_.remove(info, ns, name);
  if (!last) return last;
  if (info.group == "apiextensions.k8s.io" && info.resource == "customresourcedefinitions") {
    const Json spec = last->value("spec", Json::object());
    const std::string group = spec.value("group", "");
    const std::string plural = spec.value("names", Json::object()).value("plural", "");
    ResourceRef r{group, "", plural, "", ""};
    if (auto found = registry_.find(r); found.ok()) {
      const kube::ResourceInfo copy = **found;
      store_.drop_resource(copy);
      registry_.unregister(group, plural);
    }
  }
  for (const auto& obs : removal_observers_) obs(info, last);
  return last;
}

Result<Object> ApiServer::remove(const ResourceRef& ref, const kube::DeleteOptions& options,
                                 const RequestUser& user) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  if (ref.name.empty()) return bad_request("delete needs a name");
  const std::string key = resource_key(info->group, info->resource);
  Object current = store_.get(key, ref.namespace_, ref.name);
  if (!current) return kube::not_found(ref);
  const Json& cm = meta_of(*current);
  if (options.preconditionUid && *options.preconditionUid != str(cm, "uid"))
    return kube::conflict(ref, "Precondition failed: UID in precondition: " +
                                   *options.preconditionUid + ", UID in object meta: " +
                                   str(cm, "uid"));
  if (options.preconditionResourceVersion &&
      *options.preconditionResourceVersion != str(cm, "resourceVersion"))
    return kube::conflict(ref, "Precondition failed: ResourceVersion in precondition: " +
                                   *options.preconditionResourceVersion +
                                   ", ResourceVersion in object meta: " +
                                   str(cm, "resourceVersion"));
  const std::string& policy = options.propagationPolicy;
  if (!policy.empty() && policy != "Orphan" && policy != "Background" && policy != "Foreground")
    return kube::invalid(ref, "propagationPolicy: Unsupported value: \"" + policy +
                                  "\": supported values: \"Foreground\", \"Background\", "
                                  "\"Orphan\"");
  if (options.gracePeriodSeconds && *options.gracePeriodSeconds < 0)
    return kube::invalid(ref, "gracePeriodSeconds: Invalid value: must be >= 0");
  if (admission_) {
    AdmissionAttributes attrs;
    attrs.resource = info;
    attrs.operation = "DELETE";
    attrs.ns = ref.namespace_;
    attrs.name = ref.name;
    attrs.old_object = current.get();
    attrs.user = &user;
    attrs.dry_run = options.dryRun;
    KCI_TRY(Json ignored, admission_->admit(attrs, Json()));
    (void)ignored;
  }
  if (options.dryRun) return current;

  // The grace period: pods only. Unscheduled and terminal pods go at once.
  std::int64_t grace = 0;
  if (is_pod(*info)) {
    const Json spec = current->value("spec", Json::object());
    const std::string phase = current->value("status", Json::object()).value("phase", "");
    grace = options.gracePeriodSeconds.value_or(
        spec.value("terminationGracePeriodSeconds", kDefaultPodGraceSeconds));
    if (str(spec, "nodeName").empty() || phase == "Succeeded" || phase == "Failed") grace = 0;
  }
  Json next = *current;
  Json& m = next["metadata"];
  bool changed = false;
  // Propagation: Orphan and Foreground are finalizers the garbage collector acts on.
  auto add_finalizer = [&](const char* f) {
    Json& fs = m["finalizers"];
    if (!fs.is_array()) fs = Json::array();
    if (std::find(fs.begin(), fs.end(), f) == fs.end()) {
      fs.push_back(f);
      changed = true;
    }
  };
  if (policy == "Orphan") add_finalizer("orphan");
  if (policy == "Foreground") add_finalizer("foregroundDeletion");
  if (info->group.empty() && info->resource == "namespaces") {
    if (!m.contains("deletionTimestamp")) {
      m["deletionTimestamp"] = now_rfc3339();
      m["deletionGracePeriodSeconds"] = 0;
      next["status"]["phase"] = "Terminating";
      Object stored = store_.put(*info, "", ref.name, std::move(next));
      const std::string ns = ref.name;
      executor_.post([this, ns] { delete_namespace_contents(ns); });
      return stored;
    }
    return current;
  }
  if (m.contains("deletionTimestamp")) {
    // Already terminating: a shorter grace period may be asked for (the kubelet's grace 0).
    const std::int64_t have = m.value("deletionGracePeriodSeconds", std::int64_t{0});
    if (grace < have) {
      m["deletionGracePeriodSeconds"] = grace;
      const TimePoint at = executor_.clock().now() + std::chrono::seconds(grace);
      k8s::Time t;
      t.at = std::chrono::floor<std::chrono::seconds>(at);
      m["deletionTimestamp"] = t.to_string();
      changed = true;
    }
    if (grace == 0 && !has_finalizers(next)) return erase(*info, ref.namespace_, ref.name);
    if (!changed) return current;
    return store_.put(*info, ref.namespace_, ref.name, std::move(next));
  }
  if (grace == 0 && !has_finalizers(next)) return erase(*info, ref.namespace_, ref.name);
  k8s::Time t;
  t.at = std::chrono::floor<std::chrono::seconds>(executor_.clock().now() +
                                                  std::chrono::seconds(grace));
  m["deletionTimestamp"] = t.to_string();
  m["deletionGracePeriodSeconds"] = grace;
  Object stored = store_.put(*info, ref.namespace_, ref.name, std::move(next));
  for (const auto& obs : removal_observers_) obs(*info, stored);
  return stored;
}

void ApiServer::delete_namespace_contents(const std::string& ns) {
  for (const kube::ResourceInfo* info : registry_.all()) {
    if (!info->namespaced) continue;
    const std::string key = resource_key(info->group, info->resource);
    for (const Object& o : store_.list(key, ns, Selection{})) {
      const std::string name = str(meta_of(*o), "name");
      // Finalizers and grace periods of the contents are not waited for: the namespace
      // controller's end state, reached at once.
      const kube::ResourceInfo copy = *info;
      erase(copy, ns, name);
    }
  }
  erase(*registry_.find(kube::namespaces()).value(), "", ns);
}

// ---- subresources -------------------------------------------------------------------------

Result<Object> ApiServer::create_subresource(const ResourceRef& ref, std::string_view sub,
                                             Json body, const RequestUser& user) {
  KCI_TRY(const kube::ResourceInfo* info, resolve(ref));
  if (!is_pod(*info) || (sub != "binding" && sub != "eviction"))
    return make_error(ErrorCode::kNotFound,
                      "the server could not find the requested resource (POST " + info->resource +
                          "/" + std::string(sub) + ")",
                      "NotFound");
  KCI_TRY(Object current, get(ref));
  if (sub == "eviction") {
    kube::DeleteOptions d;
    const Json opts = body.value("deleteOptions", Json::object());
    if (opts.contains("gracePeriodSeconds") && opts["gracePeriodSeconds"].is_number_integer())
      d.gracePeriodSeconds = opts["gracePeriodSeconds"].get<std::int64_t>();
    return remove(ref, d, user);
  }
  const Json target = body.value("target", Json::object());
  const std::string node = target.is_object() ? target.value("name", "") : "";
  if (node.empty()) return kube::invalid(ref, "target.name: Required value");
  const std::string want_uid = str(meta_of(body), "uid");
  const Json& cm = meta_of(*current);
  if (!want_uid.empty() && want_uid != str(cm, "uid"))
    return kube::conflict(ref, "Precondition failed: UID in precondition: " + want_uid +
                                   ", UID in object meta: " + str(cm, "uid"));
  if (cm.contains("deletionTimestamp"))
    return kube::conflict(ref, "pod " + ref.name + " is being deleted, cannot be assigned to a host");
  const std::string bound = current->value("spec", Json::object()).value("nodeName", "");
  if (!bound.empty())
    return kube::conflict(ref, "pod " + ref.name + " is already assigned to node \"" + bound + "\"");
  Json next = *current;
  next["spec"]["nodeName"] = node;
  Json& conds = next["status"]["conditions"];
  if (!conds.is_array()) conds = Json::array();
  Json cond = {{"type", "PodScheduled"}, {"status", "True"}, {"lastProbeTime", nullptr},
               {"lastTransitionTime", now_rfc3339()}};
  auto it = std::find_if(conds.begin(), conds.end(),
                         [](const Json& c) { return c.value("type", "") == "PodScheduled"; });
  if (it != conds.end()) *it = std::move(cond);
  else conds.push_back(std::move(cond));
  return store_.put(*info, ref.namespace_, ref.name, std::move(next));
}

}  // namespace kci::apiserver
