// AdmissionReview v1 decoding and encoding, and the profile's answer.
#include <gtest/gtest.h>

#include "core/profile/admission.h"

namespace kci::profile {
namespace {

Json review(Json object, std::string operation = "CREATE") {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
            {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
            {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
            {"namespace", "apps"},
            {"operation", operation},
            {"userInfo", {{"username", "admin"}}},
            {"object", std::move(object)},
            {"dryRun", false}}}};
}

Json kci_pod() {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"generateName", "web-"}, {"labels", {{"k8s.ksyun.com/kci", "true"}}}}},
          {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
}

TEST(AdmissionReview, DecodesV1Request) {
  auto r = decode_admission_review(review(kci_pod()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(r->resource, (GroupVersionName{"", "v1", "pods"}));
  EXPECT_EQ(r->kind.name, "Pod");
  EXPECT_EQ(r->operation, "CREATE");
  EXPECT_EQ(r->namespace_, "apps");
  EXPECT_TRUE(is_pod_create(*r));
}

TEST(AdmissionReview, AnswersWithUidAndBase64JsonPatch) {
  auto r = decode_admission_review(review(kci_pod()));
  ASSERT_TRUE(r.ok());
  PodContext ctx{.namespace_ = "apps"};
  auto resp = admit(*r, ctx, {});
  Json out = encode_admission_review(resp, r->api_version);
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(out["kind"], "AdmissionReview");
  EXPECT_EQ(out["response"]["uid"], r->uid);
  EXPECT_EQ(out["response"]["allowed"], true);
  EXPECT_EQ(out["response"]["patchType"], "JSONPatch");
  auto decoded = k8s::base64_decode(out["response"]["patch"].get<std::string>());
  ASSERT_TRUE(decoded);
  Json patch = Json::parse(*decoded);
  Json patched = kci_pod().patch(patch);
  EXPECT_EQ(patched["spec"]["nodeSelector"]["type"], "virtual-kubelet");
}

TEST(AdmissionReview, NoPatchFieldsWhenNothingChanges) {
  auto r = decode_admission_review(review(kci_pod(), "UPDATE"));
  ASSERT_TRUE(r.ok());
  Json out = encode_admission_review(admit(*r, {.namespace_ = "apps"}, {}), r->api_version);
  EXPECT_FALSE(out["response"].contains("patch"));
  EXPECT_FALSE(out["response"].contains("patchType"));
  EXPECT_EQ(out["response"]["allowed"], true);
}

TEST(AdmissionReview, EchoesV1beta1) {
  Json rv = review(kci_pod());
  rv["apiVersion"] = "admission.k8s.io/v1beta1";
  auto r = decode_admission_review(rv);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(encode_admission_review(admit(*r, {}, {}), r->api_version)["apiVersion"], "admission.k8s.io/v1beta1");
}

TEST(AdmissionReview, UndecodablePodIsAllowedWithWarning) {
  Json p = kci_pod();
  p["spec"]["containers"] = "nginx";
  auto r = decode_admission_review(review(p));
  ASSERT_TRUE(r.ok());
  auto resp = admit(*r, {.namespace_ = "apps"}, {});
  EXPECT_TRUE(resp.allowed);
  EXPECT_TRUE(resp.patch.empty());
  ASSERT_EQ(resp.warnings.size(), 1u);
  EXPECT_NE(resp.warnings[0].find("spec.containers"), std::string::npos) << resp.warnings[0];
}

struct Malformed {
  std::string body;
  std::string expected;
};

TEST(AdmissionReview, RefusesMalformedWithPreciseMessages) {
  const std::vector<Malformed> cases = {
      {"", "empty body"},
      {"{\"apiVersion\":", "not valid JSON at byte"},
      // Lexed as a number, too large for a double: nlohmann throws out_of_range, not
      // parse_error (a fuzzer found it; it used to terminate the webhook).
      {R"({"request":{"n":1E400}})", "number overflow parsing '1E400'"},
      {"[]", "expected a JSON object, found a list"},
      {R"({"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}})",
       "\"admission.k8s.io/v2\" is not accepted; use admission.k8s.io/v1"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"Pod","request":{"uid":"u","operation":"CREATE"}})",
       "kind: \"Pod\" is not accepted"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", "request: missing"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}})",
       "request.uid: missing"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7,"operation":"CREATE"}})",
       "request.uid: expected a string, found number 7"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"","operation":"CREATE"}})",
       "request.uid: empty"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"PATCH"}})",
       "operation: \"PATCH\" is not accepted"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":"pod"}})",
       "request.object: expected an object"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","resource":[]}})",
       "request.resource: expected an object"},
  };
  for (const auto& c : cases) {
    auto r = parse_admission_review(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.expected), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace kci::profile
