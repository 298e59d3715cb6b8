// AdmissionReview (admission.k8s.io/v1, and v1beta1 which has the same shape): decoding the
// request the API server sends a mutating webhook, encoding the answer, and the profile
// webhook's answer itself.
//
// Decoding is strict: a body that is not JSON, not an AdmissionReview, or lacks request.uid
// is refused with a message naming the field, the value found and what is accepted (the
// HTTP face answers 400). A well-formed review is always answered `allowed: true`: the
// profile only adds, and a pod it cannot read goes through unchanged with a warning.
// Must not: do I/O; look anything up (the caller passes the pod's context).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/profile/engine.h"
#include "core/result.h"

namespace kci::profile {

//! Largest AdmissionReview body accepted: kube-apiserver's own request limit is 3 MiB and a
//! review carries the object (and, for UPDATE, the old one) plus a little envelope.
inline constexpr std::size_t kMaxAdmissionReviewBytes = 7u << 20;

//! group/version/kind or group/version/resource as the request names them.
struct GroupVersionName {
  std::string group, version, name;
  bool operator==(const GroupVersionName&) const = default;
};

//! The parts of AdmissionRequest the webhook reads.
struct AdmissionRequest {
  std::string api_version;  //!< of the review: "admission.k8s.io/v1" or ".../v1beta1"
  std::string uid;
  GroupVersionName kind;      //!< {"", "v1", "Pod"}
  GroupVersionName resource;  //!< {"", "v1", "pods"}
  std::string sub_resource, name, namespace_, operation;
  Json object, old_object, user_info;
  bool dry_run = false;
};

//! Decodes an AdmissionReview object.
Result<AdmissionRequest> decode_admission_review(const Json& review);
//! Parses then decodes a body (size limit, JSON syntax errors with their byte offset).
Result<AdmissionRequest> parse_admission_review(std::string_view body);

//! The answer.
struct AdmissionResponse {
  std::string uid;
  bool allowed = true;
  //! RFC 6902 operations; sent base64-encoded with patchType JSONPatch when not empty.
  Json patch = Json::array();
  std::vector<std::string> warnings;
  //! When refused: the Status message and code.
  std::string message;
  int code = 0;
};

//! The AdmissionReview carrying `response`, in `api_version` (the request's).
Json encode_admission_review(const AdmissionResponse& response, std::string_view api_version);

//! The profile's answer: pods on CREATE get the engine's patch; anything else is allowed
//! unchanged. A pod that does not decode is allowed unchanged, with a warning.
AdmissionResponse admit(const AdmissionRequest& request, const PodContext& context, const ProfileSet& profiles,
                        const EngineOptions& options = {});

//! Whether the request is a pod CREATE (the only one the profile changes).
bool is_pod_create(const AdmissionRequest& request);

}  // namespace kci::profile
