#include "provider/elastic/manifests.h"

#include <string>

namespace kci::elastic {

namespace {

Json spec_schema() {
  const Json string_map = {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}};
  const Json count = {{"type", "integer"}, {"format", "int32"}, {"minimum", 0}};
  const Json free_object = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  return {{"type", "object"},
          {"required", {"sourceTarget"}},
          {"properties",
           {{"sourceTarget",
             {{"type", "object"},
              {"required", {"kind", "name"}},
              {"properties",
               {{"apiVersion", {{"type", "string"}}},
                {"kind", {{"type", "string"}}},
                {"name", {{"type", "string"}}},
                {"min", count},
                {"max", count}}}}},
            {"replicas", count},
            {"elasticUnit",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"name", {{"type", "string"}}},
                  {"labels", string_map},
                  {"annotations", string_map},
                  {"nodeSelector", string_map},
                  {"tolerations", {{"type", "array"}, {"items", free_object}}},
                  {"affinity", free_object},
                  {"min", count},
                  {"max", count}}}}}}}}}};
}

Json status_schema() {
  const Json count = {{"type", "integer"}, {"format", "int32"}};
  return {{"type", "object"},
          {"properties",
           {{"replicas", count},
            {"selector", {{"type", "string"}}},
            {"observedGeneration", {{"type", "integer"}, {"format", "int64"}}},
            {"sourceTarget",
             {{"type", "object"},
              {"properties",
               {{"apiVersion", {{"type", "string"}}},
                {"kind", {{"type", "string"}}},
                {"name", {{"type", "string"}}},
                {"desiredReplicas", count},
                {"updateTimestamp", {{"type", "string"}, {"format", "date-time"}}}}}}},
            {"elasticUnitsStatus",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"name", {{"type", "string"}}},
                  {"unit", {{"type", "string"}}},
                  {"desiredReplicas", count},
                  {"updateTimestamp", {{"type", "string"}, {"format", "date-time"}}}}}}}}},
            {"conditions",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"required", {"type", "status"}},
                {"properties",
                 {{"type", {{"type", "string"}}},
                  {"status", {{"type", "string"}}},
                  {"reason", {{"type", "string"}}},
                  {"message", {{"type", "string"}}},
                  {"lastTransitionTime", {{"type", "string"}, {"format", "date-time"}}}}}}}}}}}};
}

Json version(std::string_view name) {
  return {{"name", std::string(name)},
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
                {"spec", spec_schema()},
                {"status", status_schema()}}}}}}},
          {"subresources",
           {{"status", Json::object()},
            {"scale",
             {{"specReplicasPath", ".spec.replicas"},
              {"statusReplicasPath", ".status.replicas"},
              {"labelSelectorPath", ".status.selector"}}}}},
          {"additionalPrinterColumns",
           Json::array({{{"name", "Source"}, {"type", "string"}, {"jsonPath", ".spec.sourceTarget.name"}},
                        {{"name", "Replicas"}, {"type", "integer"}, {"jsonPath", ".spec.replicas"}},
                        {{"name", "Source-Desired"},
                         {"type", "integer"},
                         {"jsonPath", ".status.sourceTarget.desiredReplicas"}},
                        {{"name", "Status-Replicas"}, {"type", "integer"}, {"jsonPath", ".status.replicas"}},
                        {{"name", "Age"}, {"type", "date"}, {"jsonPath", ".metadata.creationTimestamp"}}})}};
}

Json crd(std::string_view group, std::string_view ver) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "elasticworkloads." + std::string(group)}}},
          {"spec",
           {{"group", std::string(group)},
            {"names",
             {{"kind", "ElasticWorkload"},
              {"listKind", "ElasticWorkloadList"},
              {"plural", "elasticworkloads"},
              {"singular", "elasticworkload"},
              {"shortNames", {"ew"}}}},
            {"scope", "Namespaced"},
            {"versions", Json::array({version(ver)})}}}};
}

}  // namespace

Json elastic_workload_crd() { return crd(kGroup, kVersion); }
Json alibaba_elastic_workload_crd() { return crd(kAlibabaGroup, kAlibabaVersion); }

}  // namespace kci::elastic
