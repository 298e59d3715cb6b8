#include "core/kube/kube_client.h"

#include "core/kube/resources.h"

namespace kci::kube {

Result<ResourceRef> builtin_ref(std::string_view api_version, std::string_view kind,
                                std::string ns, std::string name) {
  const ResourceInfo* info = find_builtin_by_kind(api_version, kind);
  if (!info)
    return make_error(ErrorCode::kNotFound,
                      "no built-in resource for kind \"" + std::string(kind) + "\" in \"" +
                          std::string(api_version) + "\" (custom resources need their plural)",
                      "NotFound");
  return ResourceRef{info->group, info->version, info->resource,
                     info->namespaced ? std::move(ns) : std::string(), std::move(name)};
}

Result<ResourceRef> ref_of(const Json& object) {
  if (!object.is_object()) return invalid_argument("ref_of: expected an object");
  auto str = [](const Json& j, const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string ns, name;
  if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
    ns = str(*m, "namespace");
    name = str(*m, "name");
  }
  return builtin_ref(str(object, "apiVersion"), str(object, "kind"), std::move(ns),
                     std::move(name));
}

std::string_view watch_event_type_name(WatchEventType t) {
  switch (t) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
    case WatchEventType::kError: return "ERROR";
  }
  return "ERROR";
}

Result<Object> KubeClient::bind(const ResourceRef& pod, const std::string& node,
                                const std::string& uid) {
  Json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", pod.name}, {"namespace", pod.namespace_}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  if (!uid.empty()) binding["metadata"]["uid"] = uid;
  return create_subresource(pod, "binding", std::move(binding));
}

Result<Object> KubeClient::scale(const ResourceRef& ref, std::int32_t replicas) {
  WriteOptions o;
  o.subresource = "scale";
  return patch(ref, PatchType::kMerge, Json{{"spec", {{"replicas", replicas}}}}, o);
}

int http_status_of(const Error& error) {
  if (error.reason == "Invalid") return 422;
  switch (error.code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kGone: return 410;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kThrottled: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kResourceExhausted: return 403;
    case ErrorCode::kUnsupported: return 405;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

namespace {
std::string default_reason(const Error& e) {
  if (!e.reason.empty()) return e.reason;
  switch (e.code) {
    case ErrorCode::kInvalidArgument: return "BadRequest";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kConflict: return "Conflict";
    case ErrorCode::kGone: return "Expired";
    case ErrorCode::kUnauthorized: return "Unauthorized";
    case ErrorCode::kForbidden: return "Forbidden";
    case ErrorCode::kThrottled: return "TooManyRequests";
    case ErrorCode::kUnavailable: return "ServiceUnavailable";
    case ErrorCode::kResourceExhausted: return "Forbidden";
    case ErrorCode::kUnsupported: return "MethodNotAllowed";
    case ErrorCode::kInternal: return "InternalError";
  }
  return "InternalError";
}
}  // namespace

Json status_of(const Error& error, const ResourceRef* ref) {
  Json s = {{"kind", "Status"},          {"apiVersion", "v1"},
            {"metadata", Json::object()}, {"status", "Failure"},
            {"message", error.message},  {"reason", default_reason(error)},
            {"code", http_status_of(error)}};
  if (ref) {
    Json d = Json::object();
    if (!ref->name.empty()) d["name"] = ref->name;
    if (!ref->group.empty()) d["group"] = ref->group;
    d["kind"] = ref->resource;
    s["details"] = std::move(d);
  }
  return s;
}

Error error_of_status(const Json& status) {
  std::string reason, message;
  int code = 500;
  if (status.is_object()) {
    if (auto it = status.find("reason"); it != status.end() && it->is_string()) reason = *it;
    if (auto it = status.find("message"); it != status.end() && it->is_string()) message = *it;
    if (auto it = status.find("code"); it != status.end() && it->is_number_integer()) code = *it;
  }
  ErrorCode ec = ErrorCode::kInternal;
  if (reason == "NotFound" || code == 404) ec = ErrorCode::kNotFound;
  else if (reason == "AlreadyExists") ec = ErrorCode::kAlreadyExists;
  else if (reason == "Conflict" || code == 409) ec = ErrorCode::kConflict;
  else if (reason == "Expired" || reason == "Gone" || code == 410) ec = ErrorCode::kGone;
  else if (code == 400 || code == 422 || reason == "Invalid" || reason == "BadRequest")
    ec = ErrorCode::kInvalidArgument;
  else if (code == 401) ec = ErrorCode::kUnauthorized;
  else if (code == 403) ec = ErrorCode::kForbidden;
  else if (code == 429) ec = ErrorCode::kThrottled;
  else if (code == 405) ec = ErrorCode::kUnsupported;
  else if (code >= 500 && code != 500) ec = ErrorCode::kUnavailable;
  return make_error(ec, message, reason);
}

namespace {
std::string describe(const ResourceRef& ref) {
  std::string what = ref.group.empty() ? ref.resource : ref.resource + "." + ref.group;
  return what + " \"" + ref.name + "\"";
}
}  // namespace

Error not_found(const ResourceRef& ref) {
  return make_error(ErrorCode::kNotFound, describe(ref) + " not found", "NotFound");
}
Error already_exists(const ResourceRef& ref) {
  return make_error(ErrorCode::kAlreadyExists, describe(ref) + " already exists", "AlreadyExists");
}
Error conflict(const ResourceRef& ref, std::string why) {
  return make_error(ErrorCode::kConflict,
                    "Operation cannot be fulfilled on " + describe(ref) + ": " + why, "Conflict");
}
Error expired(std::string why) { return make_error(ErrorCode::kGone, std::move(why), "Expired"); }
Error invalid(const ResourceRef& ref, std::string why) {
  return make_error(ErrorCode::kInvalidArgument, describe(ref) + " is invalid: " + why, "Invalid");
}

}  // namespace kci::kube
