#include "provider/profile/manifests.h"

#include "core/profile/engine.h"

namespace kci::profile {

namespace {

Json label_selector_schema() {
  return {{"type", "object"},
          {"x-kubernetes-map-type", "atomic"},
          {"properties",
           {{"matchLabels", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}},
            {"matchExpressions",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"required", {"key", "operator"}},
                {"properties",
                 {{"key", {{"type", "string"}}},
                  {"operator", {{"type", "string"}}},
                  {"values", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}}}}}}};
}

Json spec_schema() {
  const Json string_map = {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}};
  const Json empty_object = {{"type", "object"}};
  return {{"type", "object"},
          {"properties",
           {{"objectLabels", label_selector_schema()},
            {"namespaceLabels", label_selector_schema()},
            {"effect", {{"type", "object"}, {"properties", {{"annotations", string_map}, {"labels", string_map}}}}},
            {"policy",
             {{"type", "object"},
              {"properties",
               {{"fair", empty_object},
                {"normalNodePrefer",
                 {{"type", "object"},
                  {"properties", {{"cpuRatio", {{"type", "integer"}}}, {"memoryRatio", {{"type", "integer"}}}}}}},
                {"virtualNodeOnly", empty_object},
                {"normalNodeOnly", empty_object}}}}},
            {"priority", {{"type", "integer"}, {"format", "int32"}}}}}};
}

Json crd(const std::string& group, const std::string& scope) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "selectors." + group}}},
          {"spec",
           {{"group", group},
            {"names", {{"kind", "Selector"}, {"listKind", "SelectorList"}, {"plural", "selectors"}, {"singular", "selector"}}},
            {"scope", scope},
            {"versions",
             Json::array({{{"name", "v1"},
                           {"served", true},
                           {"storage", true},
                           {"schema",
                            {{"openAPIV3Schema",
                              {{"type", "object"},
                               {"required", {"spec"}},
                               {"properties",
                                {{"apiVersion", {{"type", "string"}}},
                                 {"kind", {{"type", "string"}}},
                                 {"metadata", {{"type", "object"}}},
                                 {"spec", spec_schema()}}}}}}}}})}}}};
}

}  // namespace

Json selector_crd() { return crd(std::string(kSelectorGroup), "Cluster"); }
Json eci_selector_crd() {
  // Seed 004 shows both v1 and the v1beta1 its examples are written in; one schema serves
  // both, so the seed's Selector objects apply as they are.
  Json c = crd(std::string(kEciSelectorGroup), "Namespaced");
  Json beta = c["spec"]["versions"][0];
  beta["name"] = "v1beta1";
  beta["storage"] = false;
  c["spec"]["versions"].push_back(std::move(beta));
  return c;
}

Json mutating_webhook_configuration(const WebhookEndpoint& e) {
  Json client;
  if (e.url) {
    client["url"] = *e.url;
  } else {
    client["service"] = {{"namespace", e.service_namespace}, {"name", e.service_name}, {"path", e.path}, {"port", 443}};
  }
  if (!e.ca_bundle.empty()) client["caBundle"] = e.ca_bundle;
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", "MutatingWebhookConfiguration"},
          {"metadata", {{"name", "kci-profile"}}},
          {"webhooks",
           Json::array({{{"name", "profile.kci.ksyun.com"},
                         {"admissionReviewVersions", {"v1"}},
                         {"clientConfig", client},
                         {"rules",
                          Json::array({{{"operations", {"CREATE"}},
                                        {"apiGroups", {""}},
                                        {"apiVersions", {"v1"}},
                                        {"resources", {"pods"}},
                                        {"scope", "Namespaced"}}})},
                         {"namespaceSelector",
                          {{"matchExpressions",
                            Json::array({{{"key", "kubernetes.io/metadata.name"},
                                          {"operator", "NotIn"},
                                          {"values", {"kube-system"}}}})}}},
                         {"objectSelector",
                          {{"matchExpressions",
                            Json::array({{{"key", std::string(kOptOutLabel)},
                                          {"operator", "NotIn"},
                                          {"values", {std::string(kOptOutValue)}}}})}}},
                         {"failurePolicy", "Ignore"},
                         {"matchPolicy", "Equivalent"},
                         {"sideEffects", "None"},
                         // The admission chain's budget is shared; a profile answer takes
                         // microseconds, 5 s covers a GC pause or a slow TLS handshake.
                         {"timeoutSeconds", 5},
                         {"reinvocationPolicy", "IfNeeded"}}})}};
}

}  // namespace kci::profile
