#include "fake-apiserver/rest_api.h"

#include <charconv>
#include <optional>
#include <vector>

#include "core/k8s/yaml.h"
#include "fake-apiserver/discovery.h"
#include "fake-apiserver/openapi_v2.h"
#include "fake-apiserver/protobuf_body.h"
#include "fake-apiserver/table.h"

namespace kci::apiserver {
namespace {

using kube::Json;

constexpr std::string_view kJson = "application/json";
//! The Content-Type of the protobuf OpenAPI answer. kubectl asks with "...spec.v2@v1.0+protobuf"
//! but Go's mime parser refuses '@' in an answer, so the answer spells it with a dot, as
//! kube-apiserver does.
constexpr std::string_view kProtobufOpenApi = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    const std::size_t j = path.find('/', i);
    const std::string_view seg = path.substr(i, j == std::string_view::npos ? path.size() - i : j - i);
    out.push_back(percent_decode(seg, false));
    i = j == std::string_view::npos ? path.size() : j;
  }
  return out;
}

//! Where the first `n` segments of `path` end (as segments() counts them).
std::size_t segments_end(std::string_view path, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t seg = 0; seg < n && i < path.size(); ++seg) {
    while (i < path.size() && path[i] == '/') ++i;
    const std::size_t j = path.find('/', i);
    i = j == std::string_view::npos ? path.size() : j;
  }
  return i;
}

Error bad_request(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message), "BadRequest");
}
Error not_found_path() {
  return make_error(ErrorCode::kNotFound, "the server could not find the requested resource",
                    "NotFound");
}
Error method_not_allowed(const std::string& method, const std::string& what) {
  return make_error(ErrorCode::kUnsupported,
                    "the server does not allow this method on the requested resource: " +
                        method + " " + what,
                    "MethodNotAllowed");
}

HttpResponse json_response(int status, const Json& body) {
  return HttpResponse{status, std::string(kJson), body.dump()};
}

//! True when the Accept header asks for a Table first (kubectl get).
bool wants_table(std::string_view accept) {
  const auto comma = accept.find(',');
  const std::string_view first = accept.substr(0, comma);
  return first.find("as=Table") != std::string_view::npos;
}

//! A boolean as kube-apiserver reads query parameters (Go's strconv.ParseBool): client-go
//! sends "true", the Python client "True".
std::optional<bool> parse_go_bool(const std::string& v) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
    if (v == t) return true;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"})
    if (v == f) return false;
  return std::nullopt;
}

Result<bool> bool_param(const std::map<std::string, std::string>& q, const std::string& key) {
  const auto it = q.find(key);
  if (it == q.end() || it->second.empty()) return false;
  if (auto b = parse_go_bool(it->second)) return *b;
  return bad_request("the query parameter " + key + "=" + it->second +
                     " is not a boolean; use true or false (or 1, t, T, TRUE, True, 0, f, F, FALSE, False)");
}

Result<std::int64_t> int_param(const std::map<std::string, std::string>& q, const std::string& key,
                               std::int64_t fallback) {
  const auto it = q.find(key);
  if (it == q.end() || it->second.empty()) return fallback;
  std::int64_t v = 0;
  const auto* end = it->second.data() + it->second.size();
  const auto [p, ec] = std::from_chars(it->second.data(), end, v);
  if (ec != std::errc() || p != end)
    return bad_request("the query parameter " + key + "=" + it->second + " is not an integer");
  return v;
}

std::string param(const std::map<std::string, std::string>& q, const std::string& key) {
  const auto it = q.find(key);
  return it == q.end() ? std::string() : it->second;
}

//! The body of a create or update as JSON. `api_version` and `kind` are the endpoint's; a
//! protobuf envelope that names no kind gets them, as in kube-apiserver.
Result<Json> parse_body(const HttpRequest& req, std::string_view api_version = {}, std::string_view kind = {}) {
  if (req.content_type.find("protobuf") != std::string::npos)
    return decode_protobuf_body(req.body, api_version, kind);
  if (req.content_type.find("cbor") != std::string::npos)
    return make_error(ErrorCode::kUnsupported,
                      "the body of the request was in an unknown format - accepted media types "
                      "include: application/json, application/yaml, application/vnd.kubernetes.protobuf "
                      "(Content-Type was \"" +
                          req.content_type + "\")",
                      "UnsupportedMediaType");
  if (req.body.empty()) return bad_request("the request body is empty; expected a JSON object");
  if (req.content_type.find("yaml") != std::string::npos &&
      req.content_type.find("apply-patch") == std::string::npos) {
    auto doc = k8s::yaml_document(req.body);
    if (!doc.ok()) return bad_request("the request body is not valid YAML: " + doc.error().message);
    return *doc;
  }
  Json j = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return bad_request("the request body is not valid JSON (Content-Type " + req.content_type + ")");
  return j;
}

Status check_field_validation(const std::map<std::string, std::string>& q) {
  const std::string v = param(q, "fieldValidation");
  if (v.empty() || v == "Ignore" || v == "Warn" || v == "Strict") return {};
  return bad_request("fieldValidation=" + v + " is not one of Ignore, Warn, Strict");
}

Result<kube::WriteOptions> write_options(const std::map<std::string, std::string>& q,
                                         const std::string& subresource) {
  kube::WriteOptions o;
  const std::string dry = param(q, "dryRun");
  if (!dry.empty() && dry != "All")
    return bad_request("dryRun=" + dry + " is not supported; the only accepted value is All");
  o.dryRun = dry == "All";
  o.fieldManager = param(q, "fieldManager");
  o.subresource = subresource;
  KCI_TRY_STATUS(check_field_validation(q));
  return o;
}

//! The kind a list of `info` is printed as ("PodList").
Json list_json(const ServedResource& r, const std::string& version, const kube::ObjectList& list) {
  Json items = Json::array();
  for (const auto& o : list.items) items.push_back(*o);
  Json meta = {{"resourceVersion", list.resourceVersion}};
  if (!list.continue_.empty()) meta["continue"] = list.continue_;
  const std::string av = r.info.group.empty() ? version : r.info.group + "/" + version;
  return {{"kind", r.info.kind + "List"},
          {"apiVersion", av},
          {"metadata", std::move(meta)},
          {"items", std::move(items)}};
}

bool has_deletion(const Json& o) {
  const auto m = o.find("metadata");
  return m != o.end() && m->is_object() && m->contains("deletionTimestamp") &&
         !(*m)["deletionTimestamp"].is_null();
}

}  // namespace

// ---- parsing -----------------------------------------------------------------------------

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i <= query.size() && !query.empty()) {
    const std::size_t amp = query.find('&', i);
    const std::string_view pair =
        query.substr(i, amp == std::string_view::npos ? query.size() - i : amp - i);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const std::string key = percent_decode(pair.substr(0, eq), true);
      const std::string value =
          eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
      out[key] = value;
    }
    if (amp == std::string_view::npos) break;
    i = amp + 1;
  }
  return out;
}

RestPath parse_rest_path(std::string_view path) {
  RestPath p;
  auto s = segments(path);
  using K = RestPath::Kind;
  if (s.empty()) return p;
  if (s.size() == 1 && s[0] == "version") {
    p.kind = K::kVersion;
    return p;
  }
  if (s.size() >= 1 && (s[0] == "healthz" || s[0] == "livez" || s[0] == "readyz")) {
    p.kind = K::kHealth;
    return p;
  }
  if ((s.size() == 2 && s[0] == "openapi" && s[1] == "v2") ||
      (s.size() == 1 && s[0] == "swagger-2.0.0.pb-v1")) {
    p.kind = K::kOpenApiV2;
    return p;
  }
  std::size_t i = 0;
  if (s[0] == "api") {
    if (s.size() == 1) {
      p.kind = K::kApi;
      return p;
    }
    p.version = s[1];
    i = 2;
  } else if (s[0] == "apis") {
    if (s.size() == 1) {
      p.kind = K::kApis;
      return p;
    }
    p.group = s[1];
    if (s.size() == 2) {
      p.kind = K::kGroup;
      return p;
    }
    p.version = s[2];
    i = 3;
  } else {
    return p;
  }
  if (i == s.size()) {
    p.kind = K::kGroupVersion;
    return p;
  }
  if (s[i] == "watch") {
    p.watch_prefix = true;
    ++i;
  }
  std::vector<std::string> rest(s.begin() + static_cast<std::ptrdiff_t>(i), s.end());
  // nodes/<name>/proxy[/<path>]: kube-apiserver relays the rest of the path to the node's
  // kubelet; it is passed on as the client sent it.
  if (rest.size() >= 3 && rest[0] == "nodes" && rest[2] == "proxy" && !p.watch_prefix) {
    p.kind = K::kResource;
    p.resource = rest[0];
    p.name = rest[1];
    p.subresource = rest[2];
    const std::string_view tail = path.substr(segments_end(path, i + 3));
    p.proxy_path = tail.empty() ? "/" : std::string(tail);
    return p;
  }
  // namespaces/<ns>/<resource>[/<name>[/<sub>]] is a namespaced path, except
  // namespaces/<name>[/<sub>] which addresses the Namespace itself.
  if (rest.size() >= 3 && rest[0] == "namespaces" && !(rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize"))) {
    p.namespace_ = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) return p;
  p.resource = rest[0];
  if (rest.size() >= 2) p.name = rest[1];
  if (rest.size() == 3) p.subresource = rest[2];
  p.kind = K::kResource;
  return p;
}

bool is_watch_request(const HttpRequest& request) {
  if (request.method != "GET") return false;
  const auto [path, query] = split_target(request.target);
  if (parse_rest_path(path).watch_prefix) return true;
  const auto q = parse_query(query);
  return parse_go_bool(param(q, "watch")).value_or(false);
}

HttpResponse error_response(const Error& error, const kube::ResourceRef* ref) {
  Json status = kube::status_of(error, ref);
  int code = kube::http_status_of(error);
  if (error.reason == "MethodNotAllowed") code = 405;
  if (error.reason == "UnsupportedMediaType") code = 415;
  if (error.reason == "NotAcceptable") code = 406;
  status["code"] = code;
  return json_response(code, status);
}

// ---- the API -----------------------------------------------------------------------------

RestApi::RestApi(kube::KubeClient& client, const Clock& clock, std::string server_address)
    : client_(client), clock_(clock), server_address_(std::move(server_address)) {}

namespace {

//! Everything a resource request needs, resolved.
struct Target {
  const ServedResource* served = nullptr;
  kube::ResourceRef ref;
  std::string subresource;
};

Result<Target> resolve(const Catalogue& catalogue, const RestPath& p) {
  Target t;
  t.served = catalogue.find(p.group, p.version, p.resource);
  if (!t.served) return not_found_path();
  const auto& info = t.served->info;
  if (!info.namespaced && !p.namespace_.empty()) return not_found_path();
  t.ref = {p.group, p.version, p.resource, p.namespace_, p.name};
  t.subresource = p.subresource;
  if (!t.subresource.empty() && !info.has_subresource(t.subresource)) return not_found_path();
  if (info.namespaced && !p.name.empty() && p.namespace_.empty()) {
    // An object of a namespaced resource is always addressed inside its namespace.
    return not_found_path();
  }
  return t;
}

kube::PatchType patch_type_of(std::string_view content_type, bool* ok) {
  *ok = true;
  const std::string_view ct = content_type.substr(0, content_type.find(';'));
  if (ct == "application/json-patch+json") return kube::PatchType::kJson;
  if (ct == "application/merge-patch+json") return kube::PatchType::kMerge;
  if (ct == "application/strategic-merge-patch+json") return kube::PatchType::kStrategicMerge;
  *ok = false;
  return kube::PatchType::kMerge;
}

}  // namespace

const Catalogue& RestApi::catalogue() {
  auto crds = client_.list(kube::custom_resource_definitions());
  std::string key;
  if (crds.ok())
    for (const auto& crd : crds->items) {
      const auto meta = crd->find("metadata");
      if (meta != crd->end()) key += meta->value("uid", "") + "/" + meta->value("resourceVersion", "") + ";";
    }
  if (!catalogue_ || key != catalogue_key_) {
    catalogue_ = crds.ok() ? Catalogue::with_crds(crds->items) : Catalogue::builtin();
    catalogue_key_ = std::move(key);
  }
  return *catalogue_;
}

HttpResponse RestApi::handle(const HttpRequest& req) {
  const auto [path_text, query_text] = split_target(req.target);
  const RestPath p = parse_rest_path(path_text);
  const auto q = parse_query(query_text);
  using K = RestPath::Kind;

  const bool read = req.method == "GET" || req.method == "HEAD";
  switch (p.kind) {
    case K::kUnknown: return error_response(not_found_path());
    case K::kHealth: return HttpResponse{200, "text/plain; charset=utf-8", "ok"};
    case K::kVersion:
      if (!read) return error_response(method_not_allowed(req.method, "/version"));
      return json_response(200, version_info());
    default: break;
  }
  const Catalogue& catalogue = this->catalogue();
  switch (p.kind) {
    case K::kApi:
      if (!read) return error_response(method_not_allowed(req.method, "/api"));
      return json_response(200, catalogue.api_versions(server_address_));
    case K::kApis:
      if (!read) return error_response(method_not_allowed(req.method, "/apis"));
      return json_response(200, catalogue.api_group_list());
    case K::kGroup: {
      auto g = catalogue.api_group(p.group);
      if (!g.ok()) return error_response(g.error());
      return json_response(200, *g);
    }
    case K::kGroupVersion: {
      auto l = catalogue.api_resource_list(p.group, p.version);
      if (!l.ok()) return error_response(l.error());
      return json_response(200, *l);
    }
    case K::kOpenApiV2: {
      const Json doc = openapi_v2_document(catalogue);
      if (req.accept.find("protobuf") != std::string::npos || path_text.ends_with("pb-v1"))
        return HttpResponse{200, std::string(kProtobufOpenApi), encode_openapi_v2_protobuf(doc)};
      return json_response(200, doc);
    }
    default: break;
  }

  auto resolved = resolve(catalogue, p);
  if (!resolved.ok()) return error_response(resolved.error());
  const Target& t = *resolved;
  const ServedResource& served = *t.served;
  const kube::ResourceRef& ref = t.ref;

  if (t.subresource == "proxy" && req.method != "GET")
    return error_response(method_not_allowed(req.method, "nodes/proxy (only GET is relayed to the kubelet here)"));

  // ---- reads ----
  if (read) {
    if (p.watch_prefix || parse_go_bool(param(q, "watch")).value_or(false))
      return error_response(bad_request("a watch must be served as a stream"));
    IncludeObject include = IncludeObject::kMetadata;
    if (!parse_include_object(param(q, "includeObject"), &include))
      return error_response(bad_request("includeObject=" + param(q, "includeObject") +
                                        " is not one of None, Metadata, Object"));
    const bool table = wants_table(req.accept) && t.subresource.empty();
    const TablePrinter printer(served.info, served.columns_of(p.version));
    if (ref.name.empty()) {
      kube::ListOptions o;
      o.labelSelector = param(q, "labelSelector");
      o.fieldSelector = param(q, "fieldSelector");
      o.resourceVersion = param(q, "resourceVersion");
      o.continue_ = param(q, "continue");
      auto limit = int_param(q, "limit", 0);
      if (!limit.ok()) return error_response(limit.error());
      o.limit = *limit;
      auto list = client_.list(ref, o);
      if (!list.ok()) return error_response(list.error(), &ref);
      if (!table) return json_response(200, list_json(served, p.version, *list));
      std::vector<const Json*> objects;
      for (const auto& obj : list->items) objects.push_back(obj.get());
      Json meta = {{"resourceVersion", list->resourceVersion}};
      if (!list->continue_.empty()) meta["continue"] = list->continue_;
      return json_response(200, printer.table(objects, clock_.now(), include, meta));
    }
    if (t.subresource == "log") return log_proxy(ref, q);
    if (t.subresource == "proxy") return node_proxy(ref, p.proxy_path, query_text);
    auto obj = t.subresource.empty() ? client_.get(ref) : client_.get_subresource(ref, t.subresource);
    if (!obj.ok()) return error_response(obj.error(), &ref);
    if (!table) return json_response(200, **obj);
    Json meta = {{"resourceVersion", (*obj)->value("metadata", Json::object()).value("resourceVersion", "")}};
    return json_response(200, printer.table({obj->get()}, clock_.now(), include, meta));
  }

  // ---- writes ----
  // A protobuf body that names no kind is the endpoint's kind (the status subresource takes
  // the whole object too).
  const std::string api_version = ref.group.empty() ? ref.version : ref.group + "/" + ref.version;
  const bool whole_object = t.subresource.empty() || t.subresource == "status";
  auto body_of = [&] { return whole_object ? parse_body(req, api_version, served.info.kind) : parse_body(req); };
  if (req.method == "POST") {
    if (!ref.name.empty() && t.subresource.empty())
      return error_response(method_not_allowed("POST", ref.resource + "/" + ref.name));
    auto body = body_of();
    if (!body.ok()) return error_response(body.error());
    if (!body->is_object()) return error_response(bad_request("the request body must be a JSON object"));
    if (!t.subresource.empty()) {
      if (t.subresource != "binding" && t.subresource != "eviction")
        return error_response(method_not_allowed("POST", ref.resource + "/" + t.subresource));
      auto out = client_.create_subresource(ref, t.subresource, std::move(*body));
      if (!out.ok()) return error_response(out.error(), &ref);
      if (t.subresource == "binding" || t.subresource == "eviction") {
        return json_response(201, {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()},
                                   {"status", "Success"}, {"code", 201}});
      }
      return json_response(201, **out);
    }
    const Json meta = body->value("metadata", Json::object());
    const std::string body_ns = meta.is_object() ? meta.value("namespace", "") : "";
    if (served.info.namespaced && !body_ns.empty() && body_ns != ref.namespace_)
      return error_response(bad_request(
          "the namespace of the provided object (" + body_ns +
          ") does not match the namespace sent on the request (" + ref.namespace_ + ")"));
    auto o = write_options(q, "");
    if (!o.ok()) return error_response(o.error());
    auto out = client_.create(ref, std::move(*body), *o);
    if (!out.ok()) {
      kube::ResourceRef named = ref;
      if (meta.is_object()) named.name = meta.value("name", "");
      return error_response(out.error(), &named);
    }
    return json_response(201, **out);
  }
  if (ref.name.empty()) {
    return error_response(method_not_allowed(
        req.method, ref.resource + (req.method == "DELETE" ? " (deletecollection is not served)" : "")));
  }
  if (req.method == "PUT") {
    auto body = body_of();
    if (!body.ok()) return error_response(body.error());
    if (!body->is_object()) return error_response(bad_request("the request body must be a JSON object"));
    const std::string body_name = body->value("metadata", Json::object()).value("name", "");
    if (!body_name.empty() && body_name != ref.name)
      return error_response(bad_request("the name of the object (" + body_name +
                                        ") does not match the name on the URL (" + ref.name + ")"));
    auto o = write_options(q, t.subresource);
    if (!o.ok()) return error_response(o.error());
    auto out = client_.update(ref, std::move(*body), *o);
    if (!out.ok()) return error_response(out.error(), &ref);
    return json_response(200, **out);
  }
  if (req.method == "PATCH") {
    bool known = false;
    const kube::PatchType type = patch_type_of(req.content_type, &known);
    if (!known) {
      return error_response(make_error(
          ErrorCode::kUnsupported,
          "the body of the request was in an unknown format - accepted media types include: "
          "application/json-patch+json, application/merge-patch+json, "
          "application/strategic-merge-patch+json (server-side apply, "
          "application/apply-patch+yaml, is not served; Content-Type was \"" +
              req.content_type + "\")",
          "UnsupportedMediaType"));
    }
    if (type == kube::PatchType::kStrategicMerge && served.custom && t.subresource != "scale") {
      return error_response(make_error(
          ErrorCode::kUnsupported,
          "strategic merge patch is not supported for custom resources (" + served.info.kind +
              "); use application/merge-patch+json",
          "UnsupportedMediaType"));
    }
    Json patch = Json::parse(req.body, nullptr, false);
    if (patch.is_discarded())
      return error_response(bad_request("the patch is not valid JSON (" + req.content_type + ")"));
    auto o = write_options(q, t.subresource);
    if (!o.ok()) return error_response(o.error());
    auto out = client_.patch(ref, type, patch, *o);
    if (!out.ok()) return error_response(out.error(), &ref);
    return json_response(200, **out);
  }
  if (req.method == "DELETE") {
    if (!t.subresource.empty())
      return error_response(method_not_allowed("DELETE", ref.resource + "/" + t.subresource));
    kube::DeleteOptions o;
    if (!req.body.empty()) {
      Json b = Json::parse(req.body, nullptr, false);
      if (b.is_discarded() || !b.is_object())
        return error_response(bad_request("the DeleteOptions body is not a JSON object"));
      if (auto it = b.find("gracePeriodSeconds"); it != b.end() && it->is_number_integer())
        o.gracePeriodSeconds = it->get<std::int64_t>();
      o.propagationPolicy = b.value("propagationPolicy", "");
      if (auto pre = b.find("preconditions"); pre != b.end() && pre->is_object()) {
        if (pre->contains("uid") && (*pre)["uid"].is_string()) o.preconditionUid = (*pre)["uid"];
        if (pre->contains("resourceVersion") && (*pre)["resourceVersion"].is_string())
          o.preconditionResourceVersion = (*pre)["resourceVersion"];
      }
      if (auto dr = b.find("dryRun"); dr != b.end() && dr->is_array())
        for (const auto& d : *dr)
          if (d == "All") o.dryRun = true;
    }
    if (q.count("gracePeriodSeconds")) {
      auto g = int_param(q, "gracePeriodSeconds", 0);
      if (!g.ok()) return error_response(g.error());
      o.gracePeriodSeconds = *g;
    }
    if (q.count("propagationPolicy")) o.propagationPolicy = param(q, "propagationPolicy");
    if (!o.propagationPolicy.empty() && o.propagationPolicy != "Orphan" &&
        o.propagationPolicy != "Background" && o.propagationPolicy != "Foreground")
      return error_response(bad_request("propagationPolicy=" + o.propagationPolicy +
                                        " is not one of Orphan, Background, Foreground"));
    if (param(q, "dryRun") == "All") o.dryRun = true;
    auto out = client_.remove(ref, o);
    if (!out.ok()) return error_response(out.error(), &ref);
    // Still there (finalizers, a grace period, a dry run): the object. Gone: a Success Status.
    auto still = client_.get(ref);
    if (o.dryRun || (still.ok() && has_deletion(**still))) return json_response(200, still.ok() ? **still : **out);
    Json details = {{"name", ref.name}, {"kind", ref.resource}};
    if (!ref.group.empty()) details["group"] = ref.group;
    const std::string uid = (*out)->value("metadata", Json::object()).value("uid", "");
    if (!uid.empty()) details["uid"] = uid;
    return json_response(200, {{"kind", "Status"},
                               {"apiVersion", "v1"},
                               {"metadata", Json::object()},
                               {"status", "Success"},
                               {"details", std::move(details)}});
  }
  return error_response(method_not_allowed(req.method, ref.resource));
}

Result<std::unique_ptr<kube::WatchHandle>> RestApi::watch(const HttpRequest& req,
                                                          Executor& executor, WatchSink sink) {
  const auto [path_text, query_text] = split_target(req.target);
  const RestPath p = parse_rest_path(path_text);
  const auto q = parse_query(query_text);
  if (p.kind != RestPath::Kind::kResource) return not_found_path();
  KCI_TRY(Target t, resolve(catalogue(), p));
  if (!t.subresource.empty()) return method_not_allowed("WATCH", p.resource + "/" + t.subresource);
  IncludeObject include = IncludeObject::kMetadata;
  if (!parse_include_object(param(q, "includeObject"), &include))
    return bad_request("includeObject=" + param(q, "includeObject") + " is not one of None, Metadata, Object");

  kube::WatchOptions o;
  o.labelSelector = param(q, "labelSelector");
  o.fieldSelector = param(q, "fieldSelector");
  o.resourceVersion = param(q, "resourceVersion");
  KCI_TRY(o.allowWatchBookmarks, bool_param(q, "allowWatchBookmarks"));
  KCI_TRY(o.sendInitialEvents, bool_param(q, "sendInitialEvents"));
  kube::ResourceRef ref = t.ref;
  if (!ref.name.empty()) {
    // GET .../pods/<name>?watch=true watches one object: a field selector on its name.
    const std::string by_name = "metadata.name=" + ref.name;
    o.fieldSelector = o.fieldSelector.empty() ? by_name : o.fieldSelector + "," + by_name;
    ref.name.clear();
  }

  struct StreamState {
    std::shared_ptr<TablePrinter> printer;  //!< set when Tables were asked for
    bool columns_sent = false;
    IncludeObject include = IncludeObject::kMetadata;
    const Clock* clock = nullptr;
    WatchSink sink;
  };
  auto state = std::make_shared<StreamState>();
  if (wants_table(req.accept))
    state->printer = std::make_shared<TablePrinter>(t.served->info, t.served->columns_of(p.version));
  state->include = include;
  state->clock = &clock_;
  state->sink = std::move(sink);

  auto on_event = [state](const kube::WatchEvent& e) {
    Json object = e.object ? *e.object : Json::object();
    if (state->printer && e.type != kube::WatchEventType::kBookmark &&
        e.type != kube::WatchEventType::kError) {
      // As kube-apiserver does: column definitions on the first event only.
      object = state->printer->table({&object}, state->clock->now(), state->include,
                                     Json::object(), !state->columns_sent);
      state->columns_sent = true;
    }
    Json line = {{"type", kube::watch_event_type_name(e.type)}, {"object", std::move(object)}};
    state->sink.line(line.dump() + "\n");
  };
  auto on_error = [state](const Error& err) {
    Json line = {{"type", "ERROR"}, {"object", kube::status_of(err)}};
    state->sink.line(line.dump() + "\n");
    state->sink.end();
  };
  auto handle = client_.watch(ref, o, executor, on_event, on_error);
  if (!handle.ok()) return handle.take_error();
  return std::move(*handle);
}

HttpResponse RestApi::log_proxy(const kube::ResourceRef& ref, const std::map<std::string, std::string>& q) {
  // kube-apiserver's pods/log: find the pod's node and its kubelet endpoint, and proxy
  // GET /containerLogs/{ns}/{pod}/{container} with the log options.
  auto pod = client_.get(ref);
  if (!pod.ok()) return error_response(pod.error(), &ref);
  const Json& spec = (**pod)["spec"];
  std::vector<std::string> names;
  for (const auto& c : spec.value("containers", Json::array())) names.push_back(c.value("name", ""));
  std::string container = param(q, "container");
  if (container.empty()) {
    if (names.size() != 1) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : " ") + n;
      return error_response(bad_request("a container name must be specified for pod " + ref.name + ", choose one of: [" +
                                        list + "]"));
    }
    container = names.front();
  }
  const std::string node_name = spec.value("nodeName", "");
  if (node_name.empty()) return error_response(bad_request("pod " + ref.name + " does not have a host assigned"));
  auto base = kubelet_url(node_name);
  if (!base.ok()) return error_response(base.error());
  std::string query;
  for (const char* k : {"follow", "previous", "sinceSeconds", "sinceTime", "timestamps", "tailLines", "limitBytes"}) {
    const std::string v = param(q, k);
    if (!v.empty()) query += (query.empty() ? "?" : "&") + std::string(k) + "=" + v;
  }
  HttpResponse r;
  r.proxy_url = *base + "/containerLogs/" + ref.namespace_ + "/" + ref.name + "/" + container + query;
  return r;
}

HttpResponse RestApi::node_proxy(const kube::ResourceRef& ref, const std::string& path, std::string_view query) {
  // kube-apiserver's nodes/{name}/proxy/{path}: the same request to the node's kubelet API
  // (GET only here: the kubelet API's reads, which is what the harness and kubectl ask).
  auto base = kubelet_url(ref.name);
  if (!base.ok()) return error_response(base.error(), &ref);
  HttpResponse r;
  r.proxy_url = *base + path + (query.empty() ? "" : "?" + std::string(query));
  r.proxy_verbatim = true;
  return r;
}

Result<std::string> RestApi::kubelet_url(const std::string& node_name) {
  KCI_TRY(auto node, client_.get(kube::nodes(node_name)));
  const Json status = node->value("status", Json::object());
  std::string address;
  for (const char* type : {"InternalIP", "ExternalIP", "Hostname"}) {
    for (const auto& a : status.value("addresses", Json::array()))
      if (address.empty() && a.value("type", "") == type) address = a.value("address", "");
  }
  if (address.empty())
    return make_error(ErrorCode::kUnavailable, "node " + node_name + " has no address to reach its kubelet",
                      "ServiceUnavailable");
  const int port = status.value("daemonEndpoints", Json::object()).value("kubeletEndpoint", Json::object()).value("Port", 10250);
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return kubelet_scheme_ + "://" + host + ":" + std::to_string(port);
}

}  // namespace kci::apiserver
