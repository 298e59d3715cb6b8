#include "scenarios/profile_admission.h"

#include "core/k8s/object.h"

namespace kci::scenario {

Result<kube::Json> ProfileAdmission::admit(const apiserver::AdmissionAttributes& a, kube::Json object) {
  if (!a.resource || a.resource->resource != "pods" || !a.resource->group.empty() || a.operation != "CREATE" ||
      !a.subresource.empty())
    return object;
  const kube::Json review = {
      {"apiVersion", "admission.k8s.io/v1"},
      {"kind", "AdmissionReview"},
      {"request",
       {{"uid", "admission-" + std::to_string(next_uid_++)},
        {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
        {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
        {"namespace", a.ns},
        {"name", a.name},
        {"operation", a.operation},
        {"object", object},
        {"dryRun", a.dry_run}}}};
  auto answer = webhook_.review(review);
  last_warnings_.clear();
  if (!answer.ok()) {
    if (log_) log_("profile webhook refused the review (ignored): " + answer.error().message);
    return object;
  }
  const kube::Json& response = (*answer)["response"];
  for (const auto& w : response.value("warnings", kube::Json::array())) last_warnings_.push_back(w.get<std::string>());
  if (!response.contains("patch")) return object;
  auto text = k8s::base64_decode(response["patch"].get<std::string>());
  kube::Json patch = text ? kube::Json::parse(*text, nullptr, false) : kube::Json();
  if (!patch.is_array()) {
    if (log_) log_("profile webhook returned an unreadable patch (ignored)");
    return object;
  }
  try {
    return object.patch(patch);
  } catch (const kube::Json::exception& e) {
    if (log_) log_(std::string("profile webhook patch does not apply (ignored): ") + e.what());
    return object;
  }
}

}  // namespace kci::scenario
