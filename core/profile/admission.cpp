#include "core/profile/admission.h"

#include "core/k8s/codec.h"

namespace kci::profile {

namespace {

Result<std::string> string_field(const Json& parent, const char* key, const std::string& where, bool required) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) {
    if (required) return invalid_argument(where + "." + key + ": missing; it is required");
    return std::string();
  }
  if (!it->is_string())
    return invalid_argument(where + "." + key + ": expected a string, found " + k8s::codec::describe(*it));
  return it->get<std::string>();
}

Result<GroupVersionName> gvn_field(const Json& parent, const char* key, const char* name_key,
                                   const std::string& where) {
  GroupVersionName out;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return out;
  const std::string w = where + "." + key;
  if (!it->is_object())
    return invalid_argument(w + ": expected an object {group, version, " + name_key + "}, found " +
                            k8s::codec::describe(*it));
  KCI_TRY(out.group, string_field(*it, "group", w, false));
  KCI_TRY(out.version, string_field(*it, "version", w, false));
  KCI_TRY(out.name, string_field(*it, name_key, w, false));
  return out;
}

}  // namespace

Result<AdmissionRequest> decode_admission_review(const Json& review) {
  if (!review.is_object())
    return invalid_argument("AdmissionReview: expected a JSON object, found " + k8s::codec::describe(review));
  AdmissionRequest r;
  KCI_TRY(r.api_version, string_field(review, "apiVersion", "AdmissionReview", true));
  if (r.api_version != "admission.k8s.io/v1" && r.api_version != "admission.k8s.io/v1beta1")
    return invalid_argument("AdmissionReview.apiVersion: \"" + r.api_version +
                            "\" is not accepted; use admission.k8s.io/v1 (or admission.k8s.io/v1beta1)");
  KCI_TRY(std::string kind, string_field(review, "kind", "AdmissionReview", true));
  if (kind != "AdmissionReview")
    return invalid_argument("AdmissionReview.kind: \"" + kind + "\" is not accepted; expected AdmissionReview");
  auto req = review.find("request");
  if (req == review.end() || req->is_null())
    return invalid_argument("AdmissionReview.request: missing; a webhook is sent a review with a request");
  if (!req->is_object())
    return invalid_argument("AdmissionReview.request: expected an object, found " + k8s::codec::describe(*req));
  const std::string w = "AdmissionReview.request";
  KCI_TRY(r.uid, string_field(*req, "uid", w, true));
  if (r.uid.empty()) return invalid_argument(w + ".uid: empty; the response must echo a non-empty uid");
  KCI_TRY(r.kind, gvn_field(*req, "kind", "kind", w));
  KCI_TRY(r.resource, gvn_field(*req, "resource", "resource", w));
  KCI_TRY(r.sub_resource, string_field(*req, "subResource", w, false));
  KCI_TRY(r.name, string_field(*req, "name", w, false));
  KCI_TRY(r.namespace_, string_field(*req, "namespace", w, false));
  KCI_TRY(r.operation, string_field(*req, "operation", w, true));
  if (r.operation != "CREATE" && r.operation != "UPDATE" && r.operation != "DELETE" && r.operation != "CONNECT")
    return invalid_argument(w + ".operation: \"" + r.operation + "\" is not accepted; expected CREATE, UPDATE, DELETE or CONNECT");
  if (auto o = req->find("object"); o != req->end()) r.object = *o;
  if (auto o = req->find("oldObject"); o != req->end()) r.old_object = *o;
  if (auto o = req->find("userInfo"); o != req->end()) r.user_info = *o;
  if (auto d = req->find("dryRun"); d != req->end() && !d->is_null()) {
    if (!d->is_boolean()) return invalid_argument(w + ".dryRun: expected a boolean, found " + k8s::codec::describe(*d));
    r.dry_run = d->get<bool>();
  }
  if (!r.object.is_null() && !r.object.is_object())
    return invalid_argument(w + ".object: expected an object, found " + k8s::codec::describe(r.object));
  return r;
}

Result<AdmissionRequest> parse_admission_review(std::string_view body) {
  if (body.size() > kMaxAdmissionReviewBytes)
    return invalid_argument("AdmissionReview: body of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                            std::to_string(kMaxAdmissionReviewBytes) + " bytes");
  if (body.empty()) return invalid_argument("AdmissionReview: empty body; expected a JSON AdmissionReview");
  Json j;
  try {
    j = Json::parse(body);
  } catch (const Json::parse_error& e) {
    return invalid_argument("AdmissionReview: not valid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const Json::exception& e) {
    // The lexer accepts a number the parser cannot hold (out_of_range 406, "number
    // overflow"): still input to refuse, not a crash.
    return invalid_argument(std::string("AdmissionReview: not valid JSON: ") + e.what());
  }
  return decode_admission_review(j);
}

Json encode_admission_review(const AdmissionResponse& r, std::string_view api_version) {
  Json resp = {{"uid", r.uid}, {"allowed", r.allowed}};
  if (!r.patch.empty()) {
    resp["patchType"] = "JSONPatch";
    resp["patch"] = k8s::base64_encode(r.patch.dump());
  }
  if (!r.warnings.empty()) resp["warnings"] = r.warnings;
  if (!r.allowed)
    resp["status"] = {{"status", "Failure"}, {"message", r.message}, {"code", r.code == 0 ? 400 : r.code}};
  return {{"apiVersion", api_version.empty() ? "admission.k8s.io/v1" : std::string(api_version)},
          {"kind", "AdmissionReview"},
          {"response", std::move(resp)}};
}

bool is_pod_create(const AdmissionRequest& r) {
  const bool pod = (r.resource.name == "pods" && r.resource.group.empty()) ||
                   (r.resource.name.empty() && r.kind.name == "Pod" && r.kind.group.empty());
  return pod && r.sub_resource.empty() && r.operation == "CREATE";
}

AdmissionResponse admit(const AdmissionRequest& request, const PodContext& context, const ProfileSet& profiles,
                        const EngineOptions& options) {
  AdmissionResponse out;
  out.uid = request.uid;
  if (!is_pod_create(request) || !request.object.is_object()) return out;
  auto m = mutate_pod(request.object, context, profiles, options);
  if (!m.ok()) {
    out.warnings.push_back("kci profile: the pod was not changed: " + m.error().message);
    return out;
  }
  out.patch = std::move(m->patch);
  for (auto& w : m->warnings) out.warnings.push_back("kci profile: " + w);
  return out;
}

}  // namespace kci::profile
