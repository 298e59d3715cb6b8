#include "fake-apiserver/mutating_webhooks.h"

#include <algorithm>
#include <future>
#include <thread>

#include "core/k8s/selector.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/http_client.h"

namespace kci::apiserver {
namespace {

constexpr std::size_t kCallHistory = 1000;

bool listed(const std::vector<std::string>& values, std::string_view v) {
  for (const auto& x : values)
    if (x == "*" || x == v) return true;
  return false;
}

//! A rule's resources entry against "resource" or "resource/subresource".
bool resource_matches(const std::vector<std::string>& patterns, const std::string& resource,
                      const std::string& sub) {
  for (const auto& p : patterns) {
    if (p == "*/*") return true;
    const auto slash = p.find('/');
    const std::string pr = p.substr(0, slash);
    const std::string ps = slash == std::string::npos ? "" : p.substr(slash + 1);
    if (pr != "*" && pr != resource) continue;
    if (slash == std::string::npos ? sub.empty() : (ps == "*" || ps == sub)) return true;
  }
  return false;
}

bool rule_matches(const k8s::RuleWithOperations& rule, const AdmissionAttributes& a) {
  const auto& info = *a.resource;
  if (!listed(rule.operations, a.operation)) return false;
  if (!listed(rule.apiGroups, info.group) || !listed(rule.apiVersions, info.version)) return false;
  if (!resource_matches(rule.resources, info.resource, a.subresource)) return false;
  const std::string scope = rule.scope.empty() ? "*" : rule.scope;
  if (scope == "Cluster" && info.namespaced) return false;
  if (scope == "Namespaced" && !info.namespaced) return false;
  return true;
}

k8s::StringMap labels_of(const Json* object) {
  k8s::StringMap out;
  if (!object || !object->is_object()) return out;
  const auto meta = object->find("metadata");
  if (meta == object->end() || !meta->is_object()) return out;
  const auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return out;
  for (const auto& [k, v] : labels->items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

//! An absent webhook selector matches everything (the API server defaults it to {}).
Result<k8s::Selector> compile(const std::optional<k8s::LabelSelector>& s, std::string_view field) {
  if (!s) return k8s::Selector::everything();
  auto compiled = k8s::Selector::from_label_selector(*s);
  if (!compiled.ok()) return invalid_argument(std::string(field) + ": " + compiled.error().message);
  return compiled;
}

Json group_version_resource(const kube::ResourceInfo& info) {
  return {{"group", info.group}, {"version", info.version}, {"resource", info.resource}};
}
Json group_version_kind(const kube::ResourceInfo& info) {
  return {{"group", info.group}, {"version", info.version}, {"kind", info.kind}};
}

std::string options_kind(const std::string& operation) {
  if (operation == "CREATE") return "CreateOptions";
  if (operation == "UPDATE") return "UpdateOptions";
  return "DeleteOptions";
}

}  // namespace

// ---- InProcessWebhooks -----------------------------------------------------------------

void InProcessWebhooks::add_service(std::string ns, std::string name, std::string path, Handler handler) {
  handlers_["svc:" + ns + "/" + name + (path.empty() ? "/" : path)] = std::move(handler);
}

void InProcessWebhooks::add_url(std::string url, Handler handler) { handlers_["url:" + url] = std::move(handler); }

Result<Json> InProcessWebhooks::call(const k8s::WebhookClientConfig& client, const Json& review,
                                     std::chrono::milliseconds) {
  std::string key;
  if (client.url) {
    key = "url:" + *client.url;
  } else if (client.service) {
    const auto& s = *client.service;
    key = "svc:" + s.namespace_ + "/" + s.name + s.path.value_or("/");
  } else {
    return invalid_argument("clientConfig: Required value: exactly one of url or service is required");
  }
  const auto it = handlers_.find(key);
  if (it == handlers_.end())
    return make_error(ErrorCode::kUnavailable,
                      "no endpoints available for " + (client.url ? "url \"" + *client.url + "\""
                                                                  : "service \"" + client.service->namespace_ + "/" +
                                                                        client.service->name + "\""));
  return it->second(review);
}

// ---- HttpWebhooks ----------------------------------------------------------------------

void HttpWebhooks::add_service_address(std::string ns, std::string name, std::string address) {
  addresses_[ns + "/" + name] = std::move(address);
}

Result<Json> HttpWebhooks::call(const k8s::WebhookClientConfig& client, const Json& review,
                                std::chrono::milliseconds timeout) {
  std::string url;
  if (client.url) {
    url = *client.url;
  } else if (client.service) {
    const auto& s = *client.service;
    const auto it = addresses_.find(s.namespace_ + "/" + s.name);
    if (it == addresses_.end())
      return make_error(ErrorCode::kUnavailable, "service \"" + s.namespace_ + "/" + s.name +
                                                     "\" has no address (give one with --webhook-service)");
    url = "https://" + it->second + s.path.value_or("/");
  } else {
    return invalid_argument("clientConfig: Required value: exactly one of url or service is required");
  }
  std::string ca;
  if (!client.caBundle.empty()) {
    auto decoded = k8s::base64_decode(client.caBundle);
    if (!decoded) return invalid_argument("clientConfig.caBundle: not base64");
    ca = std::move(*decoded);
  }
  Result<HttpAnswer> posted = make_error(ErrorCode::kInternal, "not called");
  if (wait_) {
    // A webhook may read from this server while it decides (the profile webhook looks up the
    // pod's owners): the loop keeps answering reads until the answer comes.
    std::packaged_task<Result<HttpAnswer>()> task([&] { return post_json(url, review.dump(), ca, timeout); });
    auto answer = task.get_future();
    std::thread caller(std::move(task));
    wait_([&answer] { return answer.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    caller.join();
    posted = answer.get();
  } else {
    posted = post_json(url, review.dump(), ca, timeout);
  }
  KCI_TRY(HttpAnswer answer, std::move(posted));
  if (answer.status != 200)
    return make_error(ErrorCode::kUnavailable, "the server responded with HTTP " + std::to_string(answer.status) +
                                                   ": " + answer.body.substr(0, 512));
  Json decoded = Json::parse(answer.body, nullptr, false);
  if (decoded.is_discarded()) return make_error(ErrorCode::kUnavailable, "the answer is not JSON");
  return decoded;
}

// ---- MutatingWebhookAdmission -------------------------------------------------------------

MutatingWebhookAdmission::MutatingWebhookAdmission(ApiServer& server, WebhookTransport& transport,
                                                   std::function<void(const std::string&)> log)
    : server_(server), transport_(transport), log_(std::move(log)) {}

std::vector<MutatingWebhookAdmission::Hook> MutatingWebhookAdmission::hooks() {
  kube::ResourceRef ref{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "", ""};
  auto list = server_.list(ref, {});
  std::vector<Hook> out;
  if (!list.ok()) return out;
  std::map<std::string, std::pair<std::string, k8s::MutatingWebhookConfiguration>> fresh;
  for (const auto& item : list->items) {
    const Json& meta = (*item)["metadata"];
    const std::string name = meta.value("name", "");
    const std::string rv = meta.value("resourceVersion", "");
    auto cached = cache_.find(name);
    if (cached != cache_.end() && cached->second.first == rv) {
      fresh.emplace(name, std::move(cached->second));
      continue;
    }
    auto typed = k8s::decode<k8s::MutatingWebhookConfiguration>(*item);
    if (!typed.ok()) continue;  // the store validated it on write; a stale shape is skipped
    fresh.emplace(name, std::make_pair(rv, std::move(*typed)));
  }
  cache_ = std::move(fresh);
  for (const auto& [name, entry] : cache_)  // by name, as kube-apiserver sorts them
    for (const auto& w : entry.second.webhooks) out.push_back({name, w});
  return out;
}

Result<bool> MutatingWebhookAdmission::matches(const Hook& hook, const AdmissionAttributes& a, const Json& object) {
  bool rule = false;
  for (const auto& r : hook.spec.rules) rule = rule || rule_matches(r, a);
  if (!rule) return false;

  // namespaceSelector: the namespace's labels; a Namespace is matched on its own labels;
  // other cluster-scoped objects are not subject to it.
  const auto& info = *a.resource;
  KCI_TRY(auto ns_selector, compile(hook.spec.namespaceSelector, "namespaceSelector"));
  if (!ns_selector.empty()) {
    if (info.group.empty() && info.resource == "namespaces") {
      const Json* subject = object.is_null() ? a.old_object : &object;
      if (!ns_selector.matches(labels_of(subject))) return false;
    } else if (info.namespaced) {
      auto ns = server_.get({"", "v1", "namespaces", "", a.ns});
      const k8s::StringMap labels = ns.ok() ? labels_of(ns->get()) : k8s::StringMap{};
      if (!ns_selector.matches(labels)) return false;
    }
  }
  // objectSelector: either the new or the old object matching is enough.
  KCI_TRY(auto obj_selector, compile(hook.spec.objectSelector, "objectSelector"));
  if (!obj_selector.empty()) {
    const bool now = !object.is_null() && obj_selector.matches(labels_of(&object));
    const bool before = a.old_object && obj_selector.matches(labels_of(a.old_object));
    if (!now && !before) return false;
  }
  return true;
}

void MutatingWebhookAdmission::record(WebhookCall call) {
  if (calls_.size() >= kCallHistory) calls_.erase(calls_.begin(), calls_.begin() + kCallHistory / 2);
  calls_.push_back(std::move(call));
}

Result<bool> MutatingWebhookAdmission::call(const Hook& hook, const AdmissionAttributes& a, Json& object,
                                            bool reinvocation) {
  const auto& w = hook.spec;
  const auto& info = *a.resource;
  WebhookCall rec{w.name, a.operation, false, reinvocation, {}};
  const bool ignore = w.failurePolicy == "Ignore";
  // A failure to reach or understand the webhook: refused or skipped by failurePolicy.
  auto call_failed = [&](const std::string& why) -> Result<bool> {
    rec.error = why;
    record(rec);
    if (ignore) {
      if (log_) log_("failed calling webhook \"" + w.name + "\" for " + info.resource + " " + a.operation + ", failing open: " + why);
      return false;
    }
    return make_error(ErrorCode::kInternal, "Internal error occurred: failed calling webhook \"" + w.name + "\": " + why,
                      "InternalError");
  };

  if (a.dry_run && w.sideEffects != "None" && w.sideEffects != "NoneOnDryRun")
    return make_error(ErrorCode::kInvalidArgument,
                      "admission webhook \"" + w.name + "\" does not support dry run", "BadRequest");
  if (!w.matchConditions.is_null() && !(w.matchConditions.is_array() && w.matchConditions.empty()))
    return call_failed("matchConditions (CEL) are not supported by this API server");
  const auto& versions = w.admissionReviewVersions;
  if (!versions.empty() && std::find(versions.begin(), versions.end(), "v1") == versions.end())
    return call_failed("admissionReviewVersions does not include v1, the only version this server sends");

  const std::string uid = server_.rng().uuid();
  Json request = {{"uid", uid},
                  {"kind", group_version_kind(info)},
                  {"resource", group_version_resource(info)},
                  {"requestKind", group_version_kind(info)},
                  {"requestResource", group_version_resource(info)},
                  {"name", a.name},
                  {"operation", a.operation},
                  {"object", object},
                  {"oldObject", a.old_object ? *a.old_object : Json()},
                  {"dryRun", a.dry_run},
                  {"options", {{"kind", options_kind(a.operation)}, {"apiVersion", "meta.k8s.io/v1"}}}};
  if (!a.subresource.empty()) {
    request["subResource"] = a.subresource;
    request["requestSubResource"] = a.subresource;
  }
  if (info.namespaced) request["namespace"] = a.ns;
  if (a.user) request["userInfo"] = {{"username", a.user->username}, {"groups", a.user->groups}};
  const Json review = {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", std::move(request)}};

  const auto timeout = std::chrono::seconds(w.timeoutSeconds.value_or(10));
  auto answer = transport_.call(w.clientConfig, review, timeout);
  if (!answer.ok()) return call_failed(answer.error().message);
  const Json& ans = *answer;
  if (!ans.is_object() || !ans.contains("response") || !ans["response"].is_object())
    return call_failed("the answer is not an AdmissionReview with a response");
  const Json& response = ans["response"];
  if (response.value("uid", "") != uid)
    return call_failed("expected response.uid=\"" + uid + "\", got \"" + response.value("uid", "") + "\"");
  for (const auto& warning : response.value("warnings", Json::array()))
    if (warning.is_string()) warnings_.push_back(warning.get<std::string>());

  if (!response.value("allowed", false)) {
    rec.error = "denied";
    record(rec);
    Json status = response.value("status", Json::object());
    Error e = status.is_object() ? kube::error_of_status(status) : Error{};
    std::string detail = status.is_object() ? status.value("message", "") : "";
    if (detail.empty() && status.is_object()) detail = status.value("reason", "");
    const int code = status.is_object() ? status.value("code", 0) : 0;
    if (code < 400) {
      e.code = ErrorCode::kInvalidArgument;
      if (e.reason.empty()) e.reason = "BadRequest";
    }
    e.message = "admission webhook \"" + w.name + "\" denied the request" +
                (detail.empty() ? " without explanation" : ": " + detail);
    return e;
  }
  if (!response.contains("patch")) {
    record(rec);
    return false;
  }
  // A patch that cannot be applied is the webhook's bug: an internal error whatever the
  // failurePolicy, as kube-apiserver treats it.
  auto internal = [&](const std::string& why) -> Result<bool> {
    rec.error = why;
    record(rec);
    return make_error(ErrorCode::kInternal, "Internal error occurred: admission webhook \"" + w.name + "\": " + why,
                      "InternalError");
  };
  if (response.value("patchType", "") != "JSONPatch")
    return internal("patchType \"" + response.value("patchType", "") + "\" is not supported; expected \"JSONPatch\"");
  if (a.operation == "DELETE") return internal("a patch on DELETE has no object to apply to");
  const Json& encoded = response["patch"];
  auto text = encoded.is_string() ? k8s::base64_decode(encoded.get<std::string>()) : std::nullopt;
  if (!text) return internal("patch is not base64");
  Json patch = Json::parse(*text, nullptr, false);
  if (!patch.is_array()) return internal("patch is not a JSON Patch array");
  Json patched;
  try {
    patched = object.patch(patch);
  } catch (const Json::exception& e) {
    return internal(std::string("patch does not apply: ") + e.what());
  }
  const bool changed = patched != object;
  object = std::move(patched);
  rec.patched = changed;
  record(rec);
  return changed;
}

Result<Json> MutatingWebhookAdmission::admit(const AdmissionAttributes& a, Json object) {
  warnings_.clear();
  if (!a.resource) return object;
  // Webhook configurations themselves are never subject to webhooks (a bad one could lock
  // the cluster out), as in kube-apiserver.
  if (a.resource->group == "admissionregistration.k8s.io") return object;
  const std::vector<Hook> all = hooks();
  std::vector<std::size_t> called;
  std::vector<bool> reinvoke(all.size(), false);
  for (std::size_t i = 0; i < all.size(); ++i) {
    KCI_TRY(bool match, matches(all[i], a, object));
    if (!match) continue;
    KCI_TRY(bool changed, call(all[i], a, object, false));
    if (changed)
      for (std::size_t j : called) reinvoke[j] = true;
    called.push_back(i);
  }
  // reinvocationPolicy IfNeeded: once more, in order, for a webhook that saw an object a
  // later webhook then changed.
  for (std::size_t i : called) {
    if (!reinvoke[i] || all[i].spec.reinvocationPolicy != "IfNeeded") continue;
    KCI_TRY(bool match, matches(all[i], a, object));
    if (match) KCI_TRY_STATUS(call(all[i], a, object, true));
  }
  return object;
}

}  // namespace kci::apiserver
