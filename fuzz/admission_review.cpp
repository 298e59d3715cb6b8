// Fuzzes AdmissionReview decoding and everything the profile does with a decoded review:
// parse_admission_review -> admit (the engine over a fixed set of selectors, including a
// ConfigMap form) -> encode. Must never crash, hang or throw; a patch must apply to the
// object it was made for and a second pass over the patched object must add nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/k8s/object.h"
#include "core/profile/admission.h"

namespace {

const kci::profile::ProfileSet& profiles() {
  static const kci::profile::ProfileSet set = [] {
    using kci::profile::Json;
    kci::profile::ProfileSet s;
    const Json objects[] = {
        {{"apiVersion", "kci.ksyun.com/v1"}, {"kind", "Selector"}, {"metadata", {{"name", "web"}}},
         {"spec", {{"objectLabels", {{"matchLabels", {{"app", "web"}}}}}, {"policy", {{"normalNodePrefer", Json::object()}}},
                   {"effect", {{"labels", {{"eci", "true"}}}, {"annotations", {{"k8s.ksyun.com/x", "1"}}}}}, {"priority", 2}}}},
        {{"apiVersion", "eci.aliyun.com/v1beta1"}, {"kind", "Selector"}, {"metadata", {{"name", "team"}}},
         {"spec", {{"namespaceLabels", {{"matchExpressions", Json::array({{{"key", "team"}, {"operator", "Exists"}}})}}},
                   {"policy", {{"normalNodeOnly", Json::object()}}}}}}};
    for (const auto& o : objects) {
      auto p = kci::profile::parse_selector_object(o);
      if (p.ok()) s.put(std::move(*p));
    }
    kci::k8s::ConfigMap cm;
    cm.data["selectors"] = R"([{"name":"batch","objectSelector":{"matchLabels":{"type":"batch"}},
                               "effect":{"labels":{"virtual-kubelet.io/burst-to-cci":"off"}}},
                              {"name":"all","effect":{"annotations":{"k8s.aliyun.com/eci-image-cache":"true"}}}])";
    s.set_config(kci::profile::parse_profile_configmap(cm));
    return s;
  }();
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kci::profile;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto request = parse_admission_review(text);
  if (!request.ok()) {
    if (request.error().message.empty()) std::abort();
    return 0;
  }
  PodContext ctx;
  ctx.namespace_ = request->namespace_;
  ctx.namespace_labels = {{"team", "a"}};
  const AdmissionResponse response = admit(*request, ctx, profiles());
  if (response.uid != request->uid || !response.allowed) std::abort();
  const Json encoded = encode_admission_review(response, request->api_version);
  (void)encoded.dump();
  if (!response.patch.empty()) {
    Json patched;
    try {
      patched = request->object.patch(response.patch);
    } catch (const Json::exception&) {
      std::abort();  // a patch that does not apply to its own object is a bug
    }
    auto again = mutate_pod(patched, ctx, profiles());
    if (!again.ok() || !again->patch.empty()) std::abort();
  }
  return 0;
}
