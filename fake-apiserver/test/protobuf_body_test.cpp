// The protobuf body decoder against bodies built byte by byte: the envelope, each
// well-known type, maps, lists, Go's zero-value rules, and every refusal. The field numbers
// here are written out from Kubernetes 1.32's generated.proto files, independently of the
// schema table; the kubectl ctest (scenarios/test/kubectl_test.cpp) checks both against
// what real kubectl sends.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>

#include "core/clock.h"
#include "fake-apiserver/protobuf_body.h"
#include "fake-apiserver/protobuf_schema.h"
#include "fake-apiserver/rest_api.h"
#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver {
namespace {

using nlohmann::json;

// ---- a tiny test-side encoder ----------------------------------------------------------------

std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

//! A message under construction: fields appended in the order written.
struct Pb {
  std::string bytes;
  //! A varint field (wire type 0); negative numbers as Go writes them (10 bytes).
  Pb& num(int field, std::int64_t v) {
    bytes += varint(static_cast<std::uint64_t>(field) << 3 | 0) + varint(static_cast<std::uint64_t>(v));
    return *this;
  }
  //! A length-delimited field (wire type 2): a string, bytes or a message.
  Pb& len(int field, std::string_view v) {
    bytes += varint(static_cast<std::uint64_t>(field) << 3 | 2) + varint(v.size()) + std::string(v);
    return *this;
  }
  Pb& msg(int field, const Pb& m) { return len(field, m.bytes); }
  //! A map<string, string> entry {1 key, 2 value}.
  Pb& entry(int field, std::string_view key, std::string_view value) {
    return msg(field, Pb().len(1, key).len(2, value));
  }
  //! Bytes as they are (for malformed input).
  Pb& raw(std::string_view v) {
    bytes += v;
    return *this;
  }
};

//! "k8s\0" + runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 "", 4 ""}, as
//! client-go writes it.
std::string envelope(std::string_view api_version, std::string_view kind, const Pb& object) {
  return std::string(kProtobufMagic) +
         Pb().msg(1, Pb().len(1, api_version).len(2, kind)).msg(2, object).len(3, "").len(4, "").bytes;
}

//! ObjectMeta as Go writes it for {name}: every non-pointer field, zero or not.
Pb meta(std::string_view name) {
  return Pb().len(1, name).len(2, "").len(3, "").len(4, "").len(5, "").len(6, "").num(7, 0).msg(8, Pb());
}

json decode(const std::string& body) {
  auto r = decode_protobuf_body(body);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : json();
}

//! The error message of a body that must be refused with `code`.
std::string refusal(const std::string& body, ErrorCode code = ErrorCode::kInvalidArgument) {
  auto r = decode_protobuf_body(body);
  EXPECT_FALSE(r.ok()) << r->dump();
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, code) << r.error().message;
  return r.error().message;
}

::testing::AssertionResult says(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (auto p : parts)
    if (message.find(p) == std::string::npos)
      return ::testing::AssertionFailure() << "\"" << p << "\" is not in: " << message;
  return ::testing::AssertionSuccess();
}

// ---- the envelope ------------------------------------------------------------------------------

TEST(ProtobufBody, NamespaceAsKubectlSendsIt) {
  // `kubectl create ns vk` (kubectl 1.32), byte for byte.
  const unsigned char sent[] = {
      0x6b, 0x38, 0x73, 0x00, 0x0a, 0x0f, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x09, 0x4e, 0x61, 0x6d, 0x65,
      0x73, 0x70, 0x61, 0x63, 0x65, 0x12, 0x1a, 0x0a, 0x12, 0x0a, 0x02, 0x76, 0x6b, 0x12, 0x00, 0x1a,
      0x00, 0x22, 0x00, 0x2a, 0x00, 0x32, 0x00, 0x38, 0x00, 0x42, 0x00, 0x12, 0x00, 0x1a, 0x02, 0x0a,
      0x00, 0x1a, 0x00, 0x22, 0x00};
  const std::string body(reinterpret_cast<const char*>(sent), sizeof sent);
  ASSERT_TRUE(is_protobuf_body(body));
  // What `kubectl create ns vk --dry-run=client -o json` prints.
  EXPECT_EQ(decode(body), json::parse(R"({"apiVersion": "v1", "kind": "Namespace",
      "metadata": {"name": "vk", "creationTimestamp": null}, "spec": {}, "status": {}})"));
}

TEST(ProtobufBody, EnvelopeWithoutKindTakesTheEndpointsKind) {
  const std::string body = std::string(kProtobufMagic) + Pb().msg(2, Pb().msg(1, meta("a"))).bytes;
  auto r = decode_protobuf_body(body, "v1", "ServiceAccount");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["kind"], "ServiceAccount");
  EXPECT_EQ((*r)["apiVersion"], "v1");
  EXPECT_EQ((*r)["metadata"]["name"], "a");
  EXPECT_TRUE(says(refusal(body, ErrorCode::kUnsupported), {"the protobuf envelope names no kind", "v1 Namespace"}));
}

TEST(ProtobufBody, EnvelopeRefusals) {
  EXPECT_TRUE(says(refusal("{\"kind\":\"Namespace\"}"), {"must start with the 4 bytes"}));
  EXPECT_TRUE(says(refusal(""), {"the body is empty"}));
  // A kind without a schema: 415, naming what is accepted.
  EXPECT_TRUE(says(refusal(envelope("apps/v1", "StatefulSet", Pb()), ErrorCode::kUnsupported),
                   {"apps/v1 StatefulSet was sent in protobuf", "apps/v1 Deployment", "batch/v1 Job",
                    "send it as application/json"}));
  // A compressed object is not decoded.
  const std::string gzip = std::string(kProtobufMagic) +
                           Pb().msg(1, Pb().len(1, "v1").len(2, "Namespace")).msg(2, Pb()).len(3, "gzip").bytes;
  EXPECT_TRUE(says(refusal(gzip, ErrorCode::kUnsupported), {"contentEncoding \"gzip\""}));
  EXPECT_TRUE(says(refusal(std::string(kProtobufMagic) + Pb().len(4, "application/json").bytes, ErrorCode::kUnsupported),
                   {"contentType \"application/json\""}));
  EXPECT_TRUE(says(refusal(std::string(kProtobufMagic) + Pb().len(9, "x").bytes),
                   {"runtime.Unknown", "field 9", "1 typeMeta, 2 raw, 3 contentEncoding, 4 contentType"}));
  EXPECT_TRUE(says(refusal(std::string(kProtobufMagic) + Pb().num(2, 1).bytes), {"field 2 has wire type 0"}));
  EXPECT_TRUE(says(refusal(std::string(kProtobufMagic) + Pb().len(2, "").len(2, "").bytes), {"field 2 is sent twice"}));
  EXPECT_TRUE(says(refusal(std::string(kProtobufMagic) + Pb().msg(1, Pb().num(1, 3)).bytes),
                   {"typeMeta has field 1 (wire type 0)", "1 apiVersion and 2 kind"}));
  // The envelope's raw runs past the end of the body.
  EXPECT_TRUE(says(refusal(std::string(kProtobufMagic) + Pb().raw("\x12\x05" "ab").bytes),
                   {"length 5 runs past the end of the message (2 bytes left)"}));
}

// ---- well-known types ---------------------------------------------------------------------------

TEST(ProtobufBody, TimeIsRfc3339InWholeSeconds) {
  auto ns = [](const Pb& time) { return envelope("v1", "Namespace", Pb().msg(1, Pb().len(1, "a").msg(8, time))); };
  EXPECT_EQ(decode(ns(Pb().num(1, 1704067200)))["metadata"]["creationTimestamp"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(decode(ns(Pb().num(1, 1704067200).num(2, 0)))["metadata"]["creationTimestamp"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(decode(ns(Pb().num(1, 0)))["metadata"]["creationTimestamp"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(decode(ns(Pb().num(1, -86400)))["metadata"]["creationTimestamp"], "1969-12-31T00:00:00Z");
  EXPECT_EQ(decode(ns(Pb().num(1, 253402300799)))["metadata"]["creationTimestamp"], "9999-12-31T23:59:59Z");
  // Go writes a zero Time as an empty message; 0001-01-01 is Go's zero time too: both null.
  EXPECT_TRUE(decode(ns(Pb()))["metadata"]["creationTimestamp"].is_null());
  EXPECT_TRUE(decode(ns(Pb().num(1, -62135596800)))["metadata"]["creationTimestamp"].is_null());
  EXPECT_TRUE(says(refusal(ns(Pb().num(1, 1704067200).num(2, 5))),
                   {"metadata.creationTimestamp (meta.v1.Time)", "nanos 5", "whole seconds"}));
  EXPECT_TRUE(says(refusal(ns(Pb().num(1, 253402300800))), {"seconds 253402300800 is outside the years 0000-9999"}));
  EXPECT_TRUE(says(refusal(ns(Pb().num(3, 1))), {"field number 3 is not a field of meta.v1.Time",
                                                 "its fields: 1 seconds, 2 nanos"}));
}

//! A Pod whose only container is `container`.
std::string pod_with(const Pb& container) {
  return envelope("v1", "Pod", Pb().msg(1, meta("p")).msg(2, Pb().msg(2, container)));
}

TEST(ProtobufBody, QuantityIsItsString) {
  const Pb resources = Pb()
                           .msg(1, Pb().len(1, "cpu").msg(2, Pb().len(1, "500m")))
                           .msg(1, Pb().len(1, "memory").msg(2, Pb().len(1, "1Gi")))
                           .msg(2, Pb().len(1, "cpu").msg(2, Pb()));  // an empty Quantity is Go's zero: "0"
  const json pod = decode(pod_with(Pb().len(1, "c").msg(8, resources)));
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"],
            json::parse(R"({"limits": {"cpu": "500m", "memory": "1Gi"}, "requests": {"cpu": "0"}})"));
  // A map entry without a value: the value's zero.
  const json zero = decode(pod_with(Pb().len(1, "c").msg(8, Pb().msg(1, Pb().len(1, "cpu")))));
  EXPECT_EQ(zero["spec"]["containers"][0]["resources"]["limits"]["cpu"], "0");
}

TEST(ProtobufBody, IntOrStringIsANumberOrAString) {
  // ServicePort {1 name, 2 protocol, 3 port, 4 targetPort, 5 nodePort}
  auto service = [](const Pb& target) {
    return envelope("v1", "Service", Pb().msg(1, meta("s")).msg(2, Pb().msg(1, Pb().num(3, 80).msg(4, target))));
  };
  EXPECT_EQ(decode(service(Pb().num(1, 0).num(2, 8080).len(3, "")))["spec"]["ports"][0]["targetPort"], 8080);
  EXPECT_EQ(decode(service(Pb().num(1, 1).num(2, 0).len(3, "http")))["spec"]["ports"][0]["targetPort"], "http");
  EXPECT_EQ(decode(service(Pb()))["spec"]["ports"][0]["targetPort"], 0);
  EXPECT_TRUE(says(refusal(service(Pb().num(1, 2))), {"spec.ports[0].targetPort (intstr.IntOrString)", "type 2",
                                                      "type 0 (int) or 1 (string)"}));
  EXPECT_TRUE(says(refusal(service(Pb().num(1, 0).num(2, 1).len(3, "http"))), {"with strVal \"http\""}));
  EXPECT_TRUE(says(refusal(service(Pb().num(1, 1).num(2, 1).len(3, "http"))), {"with intVal 1"}));
}

TEST(ProtobufBody, FieldsV1IsTheJsonItHolds) {
  // ObjectMeta.managedFields (17): ManagedFieldsEntry {1 manager, 2 operation, 3 apiVersion,
  // 4 time, 6 fieldsType, 7 fieldsV1 {1 Raw}}
  auto cm = [](std::string_view raw) {
    const Pb entry = Pb().len(1, "kubectl").len(2, "Update").len(3, "v1").len(6, "FieldsV1").msg(7, Pb().len(1, raw));
    return envelope("v1", "ConfigMap", Pb().msg(1, Pb().len(1, "c").msg(17, entry)));
  };
  const json got = decode(cm(R"({"f:data":{".":{},"f:a":{}}})"));
  EXPECT_EQ(got["metadata"]["managedFields"], json::parse(R"([{"manager": "kubectl", "operation": "Update",
      "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {".": {}, "f:a": {}}}}])"));
  EXPECT_TRUE(says(refusal(cm("{not json")), {"metadata.managedFields[0].fieldsV1 (meta.v1.FieldsV1)", "field 1 (Raw)",
                                              "not valid JSON"}));
  EXPECT_TRUE(says(refusal(cm(std::string(200, '[') + std::string(200, ']'))), {"nests deeper than 100 levels"}));
  // A number too large for a double is refused, not thrown.
  EXPECT_TRUE(says(refusal(cm(R"({"f:n":1E400})")), {"not valid JSON"}));
}

TEST(ProtobufBody, BytesAreBase64) {
  // Secret {1 metadata, 2 data map<string, bytes>, 3 type, 4 stringData, 5 immutable}
  const std::string secret =
      envelope("v1", "Secret",
               Pb().msg(1, meta("s")).entry(2, "bin", std::string("\0\xff\x01", 3)).entry(2, "text", "v").len(3, "Opaque"));
  EXPECT_EQ(decode(secret), json::parse(R"({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
      "metadata": {"name": "s", "creationTimestamp": null}, "data": {"bin": "AP8B", "text": "dg=="}})"));
  // ConfigMap {1 metadata, 2 data, 3 binaryData, 4 immutable}
  const std::string cm = envelope("v1", "ConfigMap",
                                  Pb().msg(1, meta("c")).entry(2, "a", "1").entry(3, "b", std::string("\x89PNG", 4)));
  const json got = decode(cm);
  EXPECT_EQ(got["data"], json::parse(R"({"a": "1"})"));
  EXPECT_EQ(got["binaryData"], json::parse(R"({"b": "iVBORw=="})"));
}

// ---- maps and lists ----------------------------------------------------------------------------

TEST(ProtobufBody, MapsAreObjects) {
  const std::string body = envelope(
      "v1", "Namespace",
      Pb().msg(1, Pb().len(1, "n").entry(11, "app", "web").entry(11, "tier", "").entry(12, "note", "x").msg(11, Pb().len(1, "k"))));
  EXPECT_EQ(decode(body)["metadata"], json::parse(R"({"name": "n", "labels": {"app": "web", "tier": "", "k": ""},
      "annotations": {"note": "x"}})"));
  EXPECT_TRUE(says(refusal(envelope("v1", "Namespace", Pb().msg(1, Pb().entry(11, "a", "1").entry(11, "a", "2")))),
                   {"metadata.labels[1] (meta.v1.ObjectMeta)", "field 11 (labels)", "key \"a\" is sent twice"}));
  EXPECT_TRUE(says(refusal(envelope("v1", "Namespace", Pb().msg(1, Pb().msg(11, Pb().len(1, "a").len(3, "x"))))),
                   {"field 11 (labels)", "a map entry has field 3; map entries have 1 key and 2 value"}));
  EXPECT_TRUE(says(refusal(envelope("v1", "Namespace", Pb().msg(1, Pb().msg(11, Pb().len(1, "a").num(2, 1))))),
                   {"the map entry's value (field 2) has wire type 0"}));
}

TEST(ProtobufBody, RepeatedFieldsAreArraysInOrder) {
  // Container {1 name, 2 image, 3 command, 4 args}; PodSpec {2 containers, 20 initContainers}
  const std::string body = envelope(
      "v1", "Pod",
      Pb().msg(1, meta("p"))
          .msg(2, Pb().msg(2, Pb().len(1, "a").len(2, "nginx").len(3, "sh").len(3, "-c").len(3, "").len(4, "x"))
                  .msg(2, Pb().len(1, "b"))
                  .msg(20, Pb().len(1, "init"))));
  const json spec = decode(body)["spec"];
  EXPECT_EQ(spec["containers"], json::parse(R"([{"name": "a", "image": "nginx", "command": ["sh", "-c", ""],
      "args": ["x"]}, {"name": "b"}])"));
  EXPECT_EQ(spec["initContainers"], json::parse(R"([{"name": "init"}])"));
}

TEST(ProtobufBody, RepeatedNumbersPackedOrNot) {
  // PodSecurityContext (PodSpec 14) {4 supplementalGroups repeated int64}
  auto pod = [](const Pb& security) { return envelope("v1", "Pod", Pb().msg(2, Pb().msg(14, security))); };
  const json expected = json::parse("[1000, 0, 300]");
  EXPECT_EQ(decode(pod(Pb().num(4, 1000).num(4, 0).num(4, 300)))["spec"]["securityContext"]["supplementalGroups"],
            expected);
  EXPECT_EQ(decode(pod(Pb().len(4, varint(1000) + varint(0) + varint(300))))["spec"]["securityContext"]["supplementalGroups"],
            expected);
  EXPECT_TRUE(says(refusal(pod(Pb().len(4, "\x80"))), {"field 4 (supplementalGroups)", "malformed packed list"}));
}

TEST(ProtobufBody, InlineStructsJoinTheirParent) {
  // EnvVar {1 name, 2 value, 3 valueFrom {3 configMapKeyRef {1 LocalObjectReference {1 name}, 2 key}}}
  const Pb env = Pb().len(1, "A").len(2, "").msg(3, Pb().msg(3, Pb().msg(1, Pb().len(1, "cm")).len(2, "k")));
  // Probe {1 ProbeHandler {1 exec {1 command}}, 4 periodSeconds}
  const Pb probe = Pb().msg(1, Pb().msg(1, Pb().len(1, "true"))).num(2, 0).num(4, 5);
  // Volume {1 name, 2 VolumeSource {2 emptyDir {1 medium}}}
  const std::string body =
      envelope("v1", "Pod",
               Pb().msg(2, Pb().msg(1, Pb().len(1, "tmp").msg(2, Pb().msg(2, Pb().len(1, "Memory"))))
                               .msg(2, Pb().len(1, "c").msg(7, env).msg(10, probe))));
  const json spec = decode(body)["spec"];
  EXPECT_EQ(spec["volumes"], json::parse(R"([{"name": "tmp", "emptyDir": {"medium": "Memory"}}])"));
  EXPECT_EQ(spec["containers"][0]["env"],
            json::parse(R"([{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}])"));
  EXPECT_EQ(spec["containers"][0]["livenessProbe"], json::parse(R"({"exec": {"command": ["true"]}, "periodSeconds": 5})"));
}

TEST(ProtobufBody, JobPodFailurePolicy) {
  // JobSpec {11 podFailurePolicy {1 rules {1 action, 2 onExitCodes {1 containerName,
  // 2 operator, 3 values}, 3 onPodConditions {1 type, 2 status}}}}
  const Pb exit_codes = Pb().len(1, "main").len(2, "In").num(3, 1).num(3, 42);
  const Pb rules = Pb()
                       .msg(1, Pb().len(1, "FailJob").msg(2, exit_codes))
                       .msg(1, Pb().len(1, "Ignore").msg(3, Pb().len(1, "DisruptionTarget").len(2, "True")));
  const json spec = decode(envelope("batch/v1", "Job", Pb().msg(1, meta("j")).msg(2, Pb().msg(11, rules))))["spec"];
  EXPECT_EQ(spec["podFailurePolicy"], json::parse(R"({"rules": [
      {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [1, 42]}},
      {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]})"));
}

TEST(ProtobufBody, ANonEmptyStatusIsDecodedLikeTheRest) {
  // DeploymentStatus {2 replicas, 6 conditions {1 type, 2 status, 6 lastUpdateTime}}: what
  // the server does with it is what it does with a JSON body's status.
  const Pb status = Pb().num(2, 3).msg(6, Pb().len(1, "Available").len(2, "True").msg(6, Pb().num(1, 1704067200)));
  const json got = decode(envelope("apps/v1", "Deployment", Pb().msg(1, meta("d")).msg(3, status)));
  EXPECT_EQ(got["status"], json::parse(R"({"replicas": 3, "conditions": [{"type": "Available", "status": "True",
      "lastUpdateTime": "2024-01-01T00:00:00Z"}]})"));
}

// ---- Go's zero values ----------------------------------------------------------------------------

TEST(ProtobufBody, ZeroValuesAsGoJsonHasThem) {
  // DeploymentSpec {1 replicas *int32, 3 template {2 PodSpec {11 hostNetwork, 21
  // automountServiceAccountToken *bool, 2 containers {1 name, 6 ports {3 containerPort}}}},
  // 5 minReadySeconds, 7 paused}
  const Pb container = Pb().len(1, "").len(2, "").msg(6, Pb().len(1, "").num(2, 0).num(3, 0).len(4, "").len(5, ""));
  const Pb pod_spec = Pb().msg(2, container).len(3, "").num(11, 0).num(21, 0);
  const std::string body = envelope(
      "apps/v1", "Deployment",
      Pb().msg(1, meta("web")).msg(2, Pb().num(1, 0).msg(3, Pb().msg(1, meta("")).msg(2, pod_spec)).num(5, 0).num(7, 0)));
  const json spec = decode(body)["spec"];
  EXPECT_EQ(spec["replicas"], 0);  // --replicas=0: a pointer, kept
  EXPECT_FALSE(spec.contains("minReadySeconds"));  // omitempty: left out
  EXPECT_FALSE(spec.contains("paused"));
  const json& ps = spec["template"]["spec"];
  EXPECT_FALSE(ps.contains("hostNetwork"));
  EXPECT_FALSE(ps.contains("restartPolicy"));
  EXPECT_EQ(ps["automountServiceAccountToken"], false);  // a pointer, kept
  // Container.name and ContainerPort.containerPort have no omitempty: kept.
  EXPECT_EQ(ps["containers"], json::parse(R"([{"name": "", "ports": [{"containerPort": 0}]}])"));
  // ObjectMeta: generateName, namespace, ... empty are left out; creationTimestamp is null.
  EXPECT_EQ(spec["template"]["metadata"], json::parse(R"({"creationTimestamp": null})"));

  // PriorityClass {2 value int32 (no omitempty), 3 globalDefault, 4 description}
  const json pc = decode(envelope("scheduling.k8s.io/v1", "PriorityClass",
                                  Pb().msg(1, meta("low")).num(2, 0).num(3, 0).len(4, "")));
  EXPECT_EQ(pc, json::parse(R"({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
      "metadata": {"name": "low", "creationTimestamp": null}, "value": 0})"));
  // Negative numbers arrive as 10-byte varints.
  EXPECT_EQ(decode(envelope("scheduling.k8s.io/v1", "PriorityClass", Pb().num(2, -5)))["value"], -5);
}

// ---- refusals ------------------------------------------------------------------------------------

TEST(ProtobufBody, UnknownFieldNumberNamesTheMessageAndItsFields) {
  const std::string body = pod_with(Pb().len(1, "c").msg(6, Pb().num(3, 80).num(7, 1)));
  EXPECT_TRUE(says(refusal(body), {"protobuf body of v1 Pod", "at spec.containers[0].ports[0] (core.v1.ContainerPort)",
                                   "field number 7 is not a field of core.v1.ContainerPort in Kubernetes 1.32",
                                   "1 name, 2 hostPort, 3 containerPort, 4 protocol, 5 hostIP"}));
  // A top-level field too.
  EXPECT_TRUE(says(refusal(envelope("apps/v1", "Deployment", Pb().len(4, "x"))),
                   {"at the object (apps.v1.Deployment)", "field number 4", "1 metadata, 2 spec, 3 status"}));
}

TEST(ProtobufBody, WrongWireTypeNamesWhatIsAccepted) {
  EXPECT_TRUE(says(refusal(pod_with(Pb().len(1, "c").msg(6, Pb().len(3, "80")))),
                   {"(core.v1.ContainerPort)", "field 3 (containerPort)", "wire type 2 (length-delimited)",
                    "containerPort (int32) is sent as wire type 0 (varint)"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().num(1, 7))), {"field 1 (name)", "wire type 0 (varint)",
                                                        "name (string) is sent as wire type 2"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw("\x0d\x01\x02\x03\x04"))), {"field 1 (name)", "wire type 5 (fixed32)"}));
  EXPECT_TRUE(says(refusal(envelope("v1", "Pod", Pb().num(2, 1))), {"field 2 (spec)", "core.v1.PodSpec"}));
}

TEST(ProtobufBody, MalformedMessages) {
  // A length past the end, a cut varint, an 11-byte varint, a group, a field number 0.
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw("\x0a\x09" "abc"))),
                   {"(core.v1.Container)", "malformed message", "field 1: length 9 runs past the end"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw("\x28\x80\x80"))), {"a varint is cut off"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw("\x28" + std::string(10, '\x80') + "\x01"))), {"longer than 10 bytes"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw("\x28" + std::string(9, '\xff') + "\x02"))), {"does not fit in 64 bits"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw("\x0b"))), {"wire type 3 (start-group)"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw(std::string("\x00\x00", 2)))), {"field number 0 is outside"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw("\x0e"))), {"wire type 6, which is not a protobuf wire type"}));
  // A huge length does not allocate or read: refused at once.
  EXPECT_TRUE(says(refusal(pod_with(Pb().raw("\x0a" + varint(std::uint64_t{1} << 62)))), {"runs past the end"}));
}

TEST(ProtobufBody, ValuesOutsideTheirTypes) {
  EXPECT_TRUE(says(refusal(pod_with(Pb().len(1, "c").num(16, 2))), {"field 16 (stdin)", "bool value 2; a bool is 0 or 1"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().len(1, "c").msg(6, Pb().num(3, std::int64_t{1} << 31)))),
                   {"field 3 (containerPort)", "value 2147483648 does not fit an int32"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().len(1, "\xc3\x28"))), {"field 1 (name)", "not valid UTF-8"}));
  EXPECT_TRUE(says(refusal(pod_with(Pb().len(1, "\xed\xa0\x80"))), {"not valid UTF-8"}));  // a surrogate
  EXPECT_TRUE(says(refusal(envelope("v1", "Namespace", Pb().msg(1, Pb().entry(11, "\xff", "v")))),
                   {"a map key is not valid UTF-8"}));
  EXPECT_EQ(decode(pod_with(Pb().len(1, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82")))["spec"]["containers"][0]["name"],
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82");
}

TEST(ProtobufBody, SingularFieldSentTwice) {
  EXPECT_TRUE(says(refusal(pod_with(Pb().len(1, "a").len(1, "b"))),
                   {"(core.v1.Container)", "field 1 (name): sent twice; it is not a list"}));
  EXPECT_TRUE(says(refusal(envelope("v1", "Pod", Pb().msg(2, Pb()).msg(2, Pb()))), {"field 2 (spec): sent twice"}));
}

// ---- the schema -----------------------------------------------------------------------------------

//! How deep messages nest below `m` (1 for a message of scalars).
int depth_below(const protobuf::Message& m) {
  int deepest = 0;
  for (const auto& f : m.fields) {
    if (f.type.type != protobuf::Type::kMessage && !(f.type.type == protobuf::Type::kMap && !f.type.message.empty()))
      continue;
    const protobuf::Message* sub = protobuf::find_message(f.type.message);
    if (sub) deepest = std::max(deepest, depth_below(*sub));
  }
  return deepest + 1;
}

TEST(ProtobufSchema, EveryReferenceResolvesAndNumbersAreOrderedAndUnique) {
  for (const auto& m : protobuf::messages()) {
    int last = 0;
    std::set<std::string_view> names;
    for (const auto& f : m.fields) {
      EXPECT_GT(f.number, last) << m.name << " field " << f.number;
      last = f.number;
      EXPECT_TRUE(names.insert(f.json).second) << m.name << " repeats the name " << f.json;
      if (f.type.type == protobuf::Type::kMessage || !f.type.message.empty()) {
        EXPECT_NE(protobuf::find_message(f.type.message), nullptr) << m.name << "." << f.json << " -> " << f.type.message;
      }
      // A pointer or non-omitempty flag matters for scalars only.
      if (f.flags & (protobuf::kPointer | protobuf::kKeepZero)) {
        EXPECT_TRUE(f.type.type != protobuf::Type::kMessage && f.type.type != protobuf::Type::kMap) << m.name << "." << f.json;
      }
    }
  }
  for (const auto& k : protobuf::kinds()) {
    const protobuf::Message* m = protobuf::message_of_kind(k.api_version, k.kind);
    ASSERT_NE(m, nullptr) << k.kind;
    // The decoder's depth bound is never reached by a body the schema accepts.
    EXPECT_LT(depth_below(*m), protobuf::kMaxDepth) << k.kind;
  }
}

// ---- through the REST layer ---------------------------------------------------------------------

TEST(ProtobufBody, RestApiCreatesFromProtobufAndAnswersJson) {
  testing::Cluster c;
  VirtualClock clock;
  RestApi api(c.client, clock, "127.0.0.1:6443");
  auto post = [&](const std::string& target, const std::string& body) {
    return api.handle(HttpRequest{"POST", target, "application/vnd.kubernetes.protobuf, application/json",
                                  std::string(kProtobufContentType), body});
  };
  const Pb container = Pb().len(1, "nginx").len(2, "nginx:1.25").msg(6, Pb().num(3, 80));
  const Pb template_ = Pb().msg(1, Pb().entry(11, "app", "web")).msg(2, Pb().msg(2, container));
  const Pb spec = Pb().num(1, 2).msg(2, Pb().entry(1, "app", "web")).msg(3, template_);
  const HttpResponse created = post("/apis/apps/v1/namespaces/default/deployments",
                                    envelope("apps/v1", "Deployment", Pb().msg(1, meta("web")).msg(2, spec)));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.content_type, "application/json");
  const json stored = json::parse(created.body);
  EXPECT_EQ(stored["spec"]["replicas"], 2);
  EXPECT_EQ(stored["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"], 80);
  EXPECT_FALSE(stored["metadata"]["uid"].get<std::string>().empty());

  // A status sent on create is replaced by the server's, as for JSON.
  const HttpResponse service = post(
      "/api/v1/namespaces/default/services",
      envelope("v1", "Service",
               Pb().msg(1, meta("s"))
                   .msg(2, Pb().msg(1, Pb().num(3, 80)))
                   .msg(3, Pb().msg(1, Pb().msg(1, Pb().len(1, "192.0.2.1"))))));
  ASSERT_EQ(service.status, 201) << service.body;
  EXPECT_EQ(json::parse(service.body).dump().find("192.0.2.1"), std::string::npos) << service.body;

  const HttpResponse bad = post("/api/v1/namespaces/default/configmaps",
                                envelope("v1", "ConfigMap", Pb().msg(1, meta("c")).len(9, "x")));
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_TRUE(says(json::parse(bad.body)["message"].get<std::string>(), {"field number 9 is not a field of core.v1.ConfigMap"}));
  const HttpResponse unknown_kind = post("/apis/apps/v1/namespaces/default/statefulsets",
                                         envelope("apps/v1", "StatefulSet", Pb().msg(1, meta("s"))));
  EXPECT_EQ(unknown_kind.status, 415) << unknown_kind.body;
  EXPECT_EQ(json::parse(unknown_kind.body)["reason"], "UnsupportedMediaType");
}

}  // namespace
}  // namespace kci::apiserver
