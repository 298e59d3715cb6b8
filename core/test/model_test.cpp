// The Kubernetes model's codec: strict types with precise errors, and lossless round trips.
#include <gtest/gtest.h>

#include "core/k8s/object.h"
#include "core/k8s/yaml.h"

namespace kci::k8s {
namespace {

Json parse_yaml(const char* text) {
  auto j = yaml_document(text);
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
  return j.ok() ? *j : Json();
}

TEST(Model, DecodesAPodWithTypedFields) {
  const Json j = parse_yaml(R"(
apiVersion: v1
kind: Pod
metadata:
  name: nginx
  namespace: default
  labels: {app: nginx}
  annotations: {k8s.ksyun.com/kci-instance-type: S6.4B}
spec:
  nodeName: rbkci-virtual-kubelet
  containers:
  - name: nginx
    image: nginx:1.25
    ports: [{containerPort: 80}]
    resources:
      limits: {cpu: "4", memory: 8Gi}
      requests: {cpu: 500m}
    env:
    - name: A
      value: b
    - name: FROM_CM
      valueFrom: {configMapKeyRef: {name: cm, key: k, optional: true}}
  tolerations:
  - {key: virtual-kubelet.io/provider, operator: Equal, value: kingsoftcloud, effect: NoSchedule}
)");
  auto pod = decode<Pod>(j);
  ASSERT_TRUE(pod.ok()) << pod.error().message;
  EXPECT_EQ(pod->metadata.name, "nginx");
  EXPECT_EQ(pod->metadata.namespace_, "default");
  EXPECT_EQ(pod->metadata.labels.at("app"), "nginx");
  EXPECT_EQ(pod->spec.nodeName, "rbkci-virtual-kubelet");
  ASSERT_EQ(pod->spec.containers.size(), 1u);
  const auto& c = pod->spec.containers[0];
  EXPECT_EQ(c.ports.at(0).containerPort, 80);
  EXPECT_EQ(c.resources.limits.at("memory"), Quantity::from_bytes(8LL << 30));
  EXPECT_EQ(c.resources.requests.at("cpu"), Quantity::from_milli(500));
  ASSERT_TRUE(c.env.at(1).valueFrom.has_value());
  EXPECT_EQ(c.env.at(1).valueFrom->configMapKeyRef->optional, std::optional<bool>(true));
  EXPECT_EQ(pod->spec.tolerations.at(0).operator_, "Equal");
}

TEST(Model, UnknownFieldsSurviveAReadModifyWrite) {
  const Json j = Json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "managedFields": [{"manager": "kubectl"}], "futureMeta": 1},
    "spec": {"containers": [{"name": "c", "image": "i", "resizePolicy": [{"resourceName": "cpu"}]}],
             "schedulingGates": [{"name": "g"}], "os": {"name": "linux"}},
    "status": {"resize": "Proposed"},
    "someFutureTopLevel": {"x": [1, 2, 3]}
  })");
  auto pod = decode<Pod>(j);
  ASSERT_TRUE(pod.ok()) << pod.error().message;
  EXPECT_EQ(encode(*pod), j);

  pod->metadata.labels["added"] = "yes";
  pod->spec.containers[0].image = "j";
  Json want = j;
  want["metadata"]["labels"] = {{"added", "yes"}};
  want["spec"]["containers"][0]["image"] = "j";
  EXPECT_EQ(encode(*pod), want);
}

TEST(Model, PresentButEmptyFieldsKeepTheirSpelling) {
  const Json j = Json::parse(R"({
    "metadata": {"name": "p", "labels": {}, "creationTimestamp": null},
    "spec": {"hostNetwork": false, "containers": [{"name": "c", "args": [], "resources": {}}],
             "terminationGracePeriodSeconds": 0}
  })");
  auto pod = decode<Pod>(j);
  ASSERT_TRUE(pod.ok()) << pod.error().message;
  EXPECT_EQ(pod->spec.terminationGracePeriodSeconds, std::optional<std::int64_t>(0));
  EXPECT_EQ(encode(*pod), j);
}

TEST(Model, ClearingAFieldRemovesIt) {
  auto pod = decode<Pod>(Json::parse(R"({"metadata": {"name": "p", "labels": {"a": "b"}}})"));
  ASSERT_TRUE(pod.ok());
  pod->metadata.labels.clear();
  EXPECT_EQ(encode(*pod), Json::parse(R"({"metadata": {"name": "p"}})"));
}

TEST(Model, FieldsGoWritesWithoutOmitemptyAreWrittenWhenEmpty) {
  // A container that has not started: ready false, no restarts, exit code 0. Go writes
  // these (no omitempty) and the Python client refuses a status without them.
  ContainerStatus cs;
  cs.name = "app";
  cs.state.terminated = ContainerStateTerminated{};
  const Json j = encode(cs);
  EXPECT_EQ(j, Json::parse(R"({"name": "app", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                               "state": {"terminated": {"exitCode": 0}}})"))
      << j.dump();
  auto back = decode<ContainerStatus>(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(encode(*back), j);
}

TEST(Model, ErrorsNameThePathAndTheValue) {
  auto pod = decode<Pod>(Json::parse(
      R"({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": "80"}]}]}})"));
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.error().message,
            "spec.containers[0].ports[0].containerPort: expected a 32-bit integer, found string \"80\"");
  EXPECT_EQ(pod.error().code, ErrorCode::kInvalidArgument);

  auto bad_q = decode<Pod>(Json::parse(
      R"({"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "2 cores"}}}]}})"));
  ASSERT_FALSE(bad_q.ok());
  EXPECT_NE(bad_q.error().message.find("spec.containers[0].resources.limits.cpu: "),
            std::string::npos)
      << bad_q.error().message;
  EXPECT_NE(bad_q.error().message.find("2 cores"), std::string::npos) << bad_q.error().message;

  auto not_object = decode<Node>(Json::parse(R"({"metadata": []})"));
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().message, "metadata: expected an object, found a list");

  auto overflow = decode<Pod>(Json::parse(R"({"spec": {"priority": 3000000000}})"));
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.error().message.find("out of range"), std::string::npos);

  auto top = decode<Pod>(Json::parse(R"("a string")"));
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.error().message, "expected an object, found string \"a string\"");

  // A long value is cut for the message at a character boundary: byte 64 falls inside
  // a two-byte character here, which used to end the message in half a character and make
  // the JSON dump of it throw (found by the fuzzer).
  const std::string long_text = std::string(63, 'a') + "\u0580" + "tail";
  auto cut = decode<Pod>(Json(long_text));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().message, "expected an object, found string \"" + std::string(63, 'a') + "...\"");
}

TEST(Model, QuantitiesAcceptNumbersAndPrintCanonically) {
  auto c = decode<Container>(Json::parse(R"({"resources": {"limits": {"cpu": 0.5, "memory": 1073741824}}})"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(encode(*c)["resources"]["limits"]["cpu"], "500m");
  EXPECT_EQ(encode(*c)["resources"]["limits"]["memory"], "1073741824");
}

TEST(Model, IntOrStringPorts) {
  auto p = decode<Probe>(Json::parse(R"({"httpGet": {"port": "http", "path": "/"}, "tcpSocket": {"port": 8080}})"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_FALSE(p->httpGet->port->is_int);
  EXPECT_EQ(p->httpGet->port->str_value, "http");
  EXPECT_TRUE(p->tcpSocket->port->is_int);
  EXPECT_EQ(p->tcpSocket->port->int_value, 8080);
  EXPECT_FALSE(decode<Probe>(Json::parse(R"({"tcpSocket": {"port": true}})")).ok());
}

TEST(Model, KeywordFieldsUseTheirJsonNames) {
  auto d = decode<Deployment>(Json::parse(
      R"({"spec": {"replicas": 0, "template": {"spec": {"nodeSelector": {"type": "virtual-kubelet"}}},
          "selector": {"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]}]}}})"));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->spec.replicas, std::optional<std::int32_t>(0));
  EXPECT_EQ(d->spec.template_.spec.nodeSelector.at("type"), "virtual-kubelet");
  EXPECT_EQ(d->spec.selector->matchExpressions.at(0).operator_, "In");
  const Json back = encode(*d);
  EXPECT_EQ(back["spec"]["replicas"], 0);
  EXPECT_TRUE(back["spec"].contains("template"));
  EXPECT_FALSE(back["spec"].contains("template_"));
}

TEST(Time, ParsesAndPrintsRfc3339) {
  auto t = Time::parse("2024-03-01T08:30:05+08:00");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->to_string(), "2024-03-01T00:30:05Z");
  auto micro = Time::parse("2024-03-01T00:30:05.123456Z");
  ASSERT_TRUE(micro.ok());
  EXPECT_TRUE(micro->micro);
  EXPECT_EQ(micro->to_string(), "2024-03-01T00:30:05.123456Z");
  auto nano = Time::parse("2024-03-01T00:30:05.1234567Z");
  ASSERT_TRUE(nano.ok());
  EXPECT_EQ(nano->to_string(), "2024-03-01T00:30:05.123456Z");
  EXPECT_EQ(Time::parse("2024-01-31T23:59:59-01:00")->to_string(), "2024-02-01T00:59:59Z");
}

TEST(Time, RefusesWhatIsNotRfc3339) {
  for (const char* bad : {"", "2024-01-01", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
                          "2024-01-01T24:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z",
                          "2024-01-01T00:00:00Zjunk", "2024-01-01 00:00:00Z"}) {
    auto t = Time::parse(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_NE(t.error().message.find("RFC 3339"), std::string::npos);
    }
  }
}

TEST(Base64, RoundTripsAndRefusesGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(base64_decode("aGVsbG8").has_value());
  EXPECT_FALSE(base64_decode("a=bc").has_value());
  EXPECT_FALSE(base64_decode("****").has_value());
}

TEST(Secret, ValueFromDataOrStringData) {
  auto s = decode<Secret>(Json::parse(R"({"data": {"a": "aGVsbG8=", "bad": "!!"}, "stringData": {"b": "plain"}})"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(secret_value(*s, "a"), std::optional<std::string>("hello"));
  EXPECT_EQ(secret_value(*s, "b"), std::optional<std::string>("plain"));
  EXPECT_EQ(secret_value(*s, "bad"), std::nullopt);
  EXPECT_EQ(secret_value(*s, "missing"), std::nullopt);
}

TEST(Yaml, ResolvesScalarsAsKubernetesDoes) {
  const Json j = parse_yaml(R"(
a: yes
b: "yes"
c: 8080
d: "8080"
e: 1.5
f: ~
g: 0x1F
h: hello world
i: |
  line
j: 'single'
k: -3
l: 1e3
m: 12345678901234567890
)");
  EXPECT_EQ(j["a"], true);
  EXPECT_EQ(j["b"], "yes");
  EXPECT_EQ(j["c"], 8080);
  EXPECT_EQ(j["d"], "8080");
  EXPECT_EQ(j["e"], 1.5);
  EXPECT_TRUE(j["f"].is_null());
  EXPECT_EQ(j["g"], 31);
  EXPECT_EQ(j["h"], "hello world");
  EXPECT_EQ(j["i"], "line\n");
  EXPECT_EQ(j["j"], "single");
  EXPECT_EQ(j["k"], -3);
  EXPECT_EQ(j["l"], 1000.0);
  EXPECT_TRUE(j["m"].is_number_unsigned());
}

TEST(Yaml, MultipleDocumentsAndErrors) {
  auto docs = yaml_documents("a: 1\n---\n---\nb: 2\n");
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ(docs->size(), 2u);
  auto bad = yaml_documents("a: [1, 2\nb: 3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("YAML line"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(yaml_document("").ok());
  EXPECT_FALSE(yaml_document("a: 1\n---\nb: 2\n").ok());
}

TEST(Yaml, EmitsWhatReadsBackTheSame) {
  const Json j = Json::parse(R"({"s": "true", "n": "8080", "e": "", "x": "a: b", "h": "#c",
    "l": [1, "2", {"k": null}], "o": {}, "a": [], "f": 1.25, "b": false, "multi": "a\nb\n"})");
  auto back = yaml_document(to_yaml(j));
  ASSERT_TRUE(back.ok()) << back.error().message << "\n" << to_yaml(j);
  EXPECT_EQ(*back, j) << to_yaml(j);
}

}  // namespace
}  // namespace kci::k8s

namespace kci::k8s {
namespace {
TEST(Model, QuantityStringsAreTrimmedAsKubernetesDoes) {
  auto c = decode<Container>(Json::parse(R"({"resources": {"requests": {"cpu": " 250m\n"}}})"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->resources.requests.at("cpu"), Quantity::from_milli(250));
}
}  // namespace
}  // namespace kci::k8s
