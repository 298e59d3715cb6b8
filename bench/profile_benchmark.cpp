// Admissions per second of the profile webhook with 100 Selector objects and a 20-entry
// ConfigMap form: the whole HTTP body path (parse, decide, patch, encode) and the engine
// alone. One admission reads every selector once (they are kept in precedence order).
#include <benchmark/benchmark.h>

#include <string>

#include "core/profile/admission.h"

namespace {

using kci::profile::Json;

//! Selectors: 100 objects over 10 apps and 5 teams, every policy, a few priorities; 20
//! ConfigMap entries. Realistic clusters have a handful; 100 is a generous upper bound.
constexpr int kSelectors = 100;
constexpr int kConfigMapSelectors = 20;

kci::profile::ProfileSet make_profiles() {
  static const char* policies[] = {"fair", "normalNodePrefer", "virtualNodeOnly", "normalNodeOnly"};
  kci::profile::ProfileSet set;
  for (int i = 0; i < kSelectors; ++i) {
    Json spec = {{"objectLabels", {{"matchLabels", {{"app", "app-" + std::to_string(i % 10)}, {"tier", "t" + std::to_string(i % 7)}}}}},
                 {"policy", {{policies[i % 4], Json::object()}}},
                 {"priority", i % 5},
                 {"effect", {{"labels", {{"profile-" + std::to_string(i), "true"}}}}}};
    if (i % 3 == 0)
      spec["namespaceLabels"] = {{"matchExpressions", Json::array({{{"key", "team"}, {"operator", "In"}, {"values", {"a", "b", "c"}}}})}};
    auto s = kci::profile::parse_selector_object(
        {{"apiVersion", "kci.ksyun.com/v1"}, {"kind", "Selector"}, {"metadata", {{"name", "s-" + std::to_string(i)}}}, {"spec", spec}});
    if (s.ok()) set.put(std::move(*s));
  }
  Json list = Json::array();
  for (int i = 0; i < kConfigMapSelectors; ++i)
    list.push_back({{"name", "cm-" + std::to_string(i)},
                    {"objectSelector", {{"matchLabels", {{"job", "j" + std::to_string(i)}}}}},
                    {"effect", {{"annotations", {{"k8s.aliyun.com/eci-image-cache", "true"}}}}}});
  kci::k8s::ConfigMap cm;
  cm.data["selectors"] = list.dump();
  set.set_config(kci::profile::parse_profile_configmap(cm));
  return set;
}

Json pod_json() {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"generateName", "web-"},
            {"namespace", "apps"},
            {"labels", {{"app", "app-3"}, {"tier", "t3"}, {"pod-template-hash", "5d4f8c"}}},
            {"annotations", {{"k8s.ksyun.com/kci-instance-cpu", "2"}}}}},
          {"spec",
           {{"containers", Json::array({{{"name", "web"}, {"image", "nginx:1.25"},
                                         {"resources", {{"requests", {{"cpu", "500m"}, {"memory", "512Mi"}}}}}}})},
            {"tolerations", Json::array({{{"key", "node.kubernetes.io/not-ready"}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}}})}}}};
}

std::string review_body() {
  return Json{{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request",
               {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
                {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                {"namespace", "apps"},
                {"operation", "CREATE"},
                {"object", pod_json()}}}}
      .dump();
}

void BM_AdmissionReviewBody100Selectors(benchmark::State& state) {
  const auto profiles = make_profiles();
  const std::string body = review_body();
  kci::profile::PodContext ctx{.namespace_ = "apps", .namespace_labels = {{"team", "b"}}};
  for (auto _ : state) {
    auto request = kci::profile::parse_admission_review(body);
    auto response = kci::profile::admit(*request, ctx, profiles);
    std::string out = kci::profile::encode_admission_review(response, request->api_version).dump();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AdmissionReviewBody100Selectors);

void BM_MutatePod100Selectors(benchmark::State& state) {
  const auto profiles = make_profiles();
  const Json pod = pod_json();
  kci::profile::PodContext ctx{.namespace_ = "apps", .namespace_labels = {{"team", "b"}}};
  for (auto _ : state) {
    auto m = kci::profile::mutate_pod(pod, ctx, profiles);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MutatePod100Selectors);

}  // namespace
