// Admission: the step between decoding a write and storing it, where mutating webhooks
// change objects. ApiServer calls the installed Admission for CREATE, UPDATE and DELETE of
// every resource; MutatingWebhookAdmission (mutating_webhooks.h) implements it from the
// MutatingWebhookConfiguration objects in the store.
//
// Must not: store objects; it returns the (possibly patched) object or a refusal.
#pragma once

#include <string>
#include <vector>

#include "core/kube/kube_client.h"
#include "core/kube/resources.h"
#include "core/result.h"

namespace kci::apiserver {

using kube::Json;
struct RequestUser;

//! What is being admitted.
struct AdmissionAttributes {
  const kube::ResourceInfo* resource = nullptr;
  std::string operation;    //!< "CREATE", "UPDATE", "DELETE"
  std::string subresource;  //!< "" or "status", ...
  std::string ns, name;     //!< name may be empty (generateName)
  const Json* old_object = nullptr;  //!< UPDATE / DELETE: the stored object
  const RequestUser* user = nullptr;
  bool dry_run = false;
};

class Admission {
 public:
  virtual ~Admission() = default;
  //! Returns the object to store (mutated or not), or the refusal (reason from the webhook,
  //! kForbidden / "Forbidden" by default, or kInternal when a Fail-policy webhook errs).
  virtual Result<Json> admit(const AdmissionAttributes& attributes, Json object) = 0;
};

}  // namespace kci::apiserver
