// The fake API server's in-process call into the profile webhook: an Admission that wraps a
// write as an AdmissionReview v1, hands it to ProfileWebhook::review and applies the answer's
// JSONPatch, as kube-apiserver does for a MutatingWebhookConfiguration with failurePolicy
// Ignore (a refused review or a patch that does not apply leaves the object unchanged).
// Stands in until the fake API server calls webhooks from its MutatingWebhookConfigurations.
// Must not: change anything but pods on CREATE (the webhook's rules).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "fake-apiserver/admission.h"
#include "provider/profile/profile_webhook.h"

namespace kci::scenario {

class ProfileAdmission final : public apiserver::Admission {
 public:
  //! `log` receives webhook failures (ignored, as failurePolicy Ignore says).
  explicit ProfileAdmission(profile::ProfileWebhook& webhook, std::function<void(const std::string&)> log = {})
      : webhook_(webhook), log_(std::move(log)) {}

  Result<kube::Json> admit(const apiserver::AdmissionAttributes& attributes, kube::Json object) override;

  //! Warnings returned with the last review (kube-apiserver passes them to the client).
  const std::vector<std::string>& last_warnings() const { return last_warnings_; }

 private:
  profile::ProfileWebhook& webhook_;
  std::function<void(const std::string&)> log_;
  std::uint64_t next_uid_ = 1;
  std::vector<std::string> last_warnings_;
};

}  // namespace kci::scenario
