// The objects an installation of the profile webhook needs: the Selector
// CustomResourceDefinitions and the MutatingWebhookConfiguration. provider/deploy/ ships
// them as YAML; a test keeps those files equal to what these functions build.
// Must not: hold cluster-specific values beyond the endpoint and CA bundle passed in.
#pragma once

#include <optional>
#include <string>

#include "core/profile/selector.h"

namespace kci::profile {

//! kci.ksyun.com/v1 Selector (cluster-scoped), seed 004's schema.
Json selector_crd();
//! Seed 004's eci.aliyun.com/v1 Selector (namespaced), so its objects can be applied as they are.
Json eci_selector_crd();

//! Where the API server reaches the webhook: a Service (in-cluster) or a URL.
struct WebhookEndpoint {
  std::string service_namespace = "kube-system";
  std::string service_name = "kci-profile";
  std::string path = "/mutate";
  std::optional<std::string> url;  //!< when set, used instead of the Service
  std::string ca_bundle;           //!< base64 PEM; empty in the shipped file
};

//! The MutatingWebhookConfiguration kci-profile: pods CREATE, objectSelector excluding
//! opted-out pods, namespaceSelector excluding kube-system, failurePolicy Ignore,
//! timeoutSeconds 5, sideEffects None, reinvocationPolicy IfNeeded, admissionReviewVersions v1.
Json mutating_webhook_configuration(const WebhookEndpoint& endpoint = {});

}  // namespace kci::profile
