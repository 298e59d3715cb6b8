// The profile webhook and the autoscaler at run time, over the in-process fake API server:
// Selector objects, the kci-profile ConfigMap and namespace labels kept current by watch;
// pods mutated on CREATE through the API server's admission step; unschedulable pods moved;
// the HTTPS face; the shipped manifests.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/k8s/yaml.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-apiserver/mutating_webhooks.h"
#include "provider/profile/manifests.h"
#include "provider/profile/profile_webhook.h"
#include "provider/profile/unschedulable_autoscaler.h"
#include "provider/profile/webhook_server.h"

namespace kci::profile {
namespace {

using kube::Json;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Cluster {
  SimExecutor ex;
  apiserver::ApiServer server{ex};
  apiserver::InProcessClient client{server};
  ProfileWebhook hook{client, ex};
  apiserver::InProcessWebhooks endpoints;
  apiserver::MutatingWebhookAdmission admission{server, endpoints};

  Cluster() {
    // The shipped CRDs, as an operator applies them.
    auto docs = k8s::yaml_documents(read_file(std::string(KCI_SOURCE_DIR) + "/provider/deploy/profile-selector-crds.yaml"));
    EXPECT_TRUE(docs.ok());
    for (const auto& d : *docs) EXPECT_TRUE(client.create(kube::custom_resource_definitions(), d).ok());
    EXPECT_TRUE(client.create(kube::namespaces(), {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "apps"}}}}).ok());
    // The shipped MutatingWebhookConfiguration; its Service is answered in-process.
    auto hooks = k8s::yaml_documents(read_file(std::string(KCI_SOURCE_DIR) + "/provider/deploy/profile-webhook.yaml"));
    EXPECT_TRUE(hooks.ok());
    for (const auto& d : *hooks)
      if (d.value("kind", "") == "MutatingWebhookConfiguration") {
        EXPECT_TRUE(client.create({"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "", ""}, d).ok());
      }
    endpoints.add_service("kube-system", "kci-profile", "/mutate", [this](const Json& review) { return hook.review(review); });
    server.set_admission(&admission);
    hook.start();
    ex.run_until_idle();
  }

  Json create_pod(const std::string& name, Json labels = Json::object(), Json meta_extra = Json::object(),
                  const std::string& ns = "apps") {
    Json p = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
              {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
    for (auto& [k, v] : meta_extra.items()) p["metadata"][k] = v;
    auto r = client.create(kube::pods(ns), p);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? **r : Json();
  }

  void apply(const kube::ResourceRef& ref, const Json& obj) {
    auto r = client.create(ref, obj);
    if (!r.ok() && r.error().code == ErrorCode::kAlreadyExists) r = client.update(ref.named(obj["metadata"]["name"]), obj);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ex.run_until_idle();
  }

  std::vector<Json> events(const std::string& ns, const std::string& reason) {
    std::vector<Json> out;
    auto list = client.list(kube::events(ns));
    if (!list.ok()) return out;
    for (const auto& e : list->items)
      if ((*e)["reason"] == reason) out.push_back(*e);
    return out;
  }
};

Json selector(const std::string& name, Json spec) {
  return {{"apiVersion", "kci.ksyun.com/v1"}, {"kind", "Selector"}, {"metadata", {{"name", name}}}, {"spec", spec}};
}

bool has_virtual_toleration(const Json& pod) {
  for (const auto& t : pod["spec"].value("tolerations", Json::array()))
    if (t.value("key", "") == "virtual-kubelet.io/provider") return true;
  return false;
}

TEST(ProfileRuntime, SelectorObjectSteersPodsOnCreate) {
  Cluster c;
  c.apply(kci_selectors(), selector("only-virtual", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}},
                                                     {"effect", {{"labels", {{"eci-schedulable", "true"}}}}},
                                                     {"policy", {{"virtualNodeOnly", Json::object()}}}}));
  ASSERT_TRUE(c.hook.synced());
  ASSERT_EQ(c.hook.profiles().selectors().size(), 1u);
  Json pod = c.create_pod("web-1", {{"app", "nginx"}});
  EXPECT_EQ(pod["spec"]["nodeSelector"]["type"], "virtual-kubelet");
  EXPECT_TRUE(has_virtual_toleration(pod));
  EXPECT_EQ(pod["metadata"]["labels"]["eci-schedulable"], "true");
  Json other = c.create_pod("db-1", {{"app", "redis"}});
  EXPECT_FALSE(other["spec"].contains("nodeSelector"));
  EXPECT_EQ(c.hook.reviews(), 2u);
  EXPECT_EQ(c.hook.patched(), 1u);
  // Deleting the Selector stops it.
  ASSERT_TRUE(c.client.remove(kci_selectors().named("only-virtual")).ok());
  c.ex.run_until_idle();
  EXPECT_FALSE(c.create_pod("web-2", {{"app", "nginx"}})["spec"].contains("nodeSelector"));
}

// Seed 004's eci.aliyun.com objects apply as they are.
TEST(ProfileRuntime, EciSelectorObjectsAreAccepted) {
  Cluster c;
  Json s = selector("test-normal-node-prefer", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}},
                                                {"policy", {{"normalNodePrefer", Json::object()}}}});
  s["apiVersion"] = "eci.aliyun.com/v1";
  s["metadata"]["namespace"] = "apps";
  c.apply(eci_selectors().in("apps"), s);
  Json pod = c.create_pod("web-1", {{"app", "nginx"}});
  EXPECT_TRUE(has_virtual_toleration(pod));
  EXPECT_TRUE(pod["spec"]["affinity"]["nodeAffinity"].contains("preferredDuringSchedulingIgnoredDuringExecution"));
}

TEST(ProfileRuntime, BrokenSelectorIsReportedAndNeverBlocksPods) {
  Cluster c;
  c.apply(kci_selectors(), selector("no-selector", {{"policy", {{"virtualNodeOnly", Json::object()}}}}));
  c.apply(kci_selectors(), selector("bad-expression", {{"objectLabels", {{"matchExpressions", Json::array({{{"key", "app"}, {"operator", "Like"}}})}}}}));
  EXPECT_TRUE(c.hook.profiles().selectors().empty());
  const auto problems = c.hook.problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("Like"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("neither objectLabels nor namespaceLabels"), std::string::npos) << problems[1];
  const auto events = c.events("default", "InvalidSelector");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Selector");
  Json pod = c.create_pod("web-1", {{"app", "nginx"}});
  EXPECT_FALSE(pod["spec"].contains("nodeSelector"));
  // Fixing it brings it in force.
  c.apply(kci_selectors(), selector("no-selector", {{"objectLabels", {{"matchLabels", {{"app", "nginx"}}}}},
                                                    {"policy", {{"virtualNodeOnly", Json::object()}}}}));
  EXPECT_EQ(c.hook.problems().size(), 1u);
  EXPECT_EQ(c.create_pod("web-2", {{"app", "nginx"}})["spec"]["nodeSelector"]["type"], "virtual-kubelet");
}

// Seed 003: the ConfigMap form, "更新后的配置可以即时生效".
TEST(ProfileRuntime, ConfigMapIsReloadedOnChange) {
  Cluster c;
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "kci-profile"}, {"namespace", "kube-system"}}},
             {"data",
              {{"vpcId", "vpc-1"},
               {"selectors", R"([{"name":"demo","objectSelector":{"matchLabels":{"type":"offline-task"}},
                                 "effect":{"labels":{"created-by-eci":"true"}}}])"}}}};
  c.apply(kube::configmaps("kube-system"), cm);
  EXPECT_EQ(c.hook.node_defaults().at("vpcId"), "vpc-1");
  Json p1 = c.create_pod("job-1", {{"type", "offline-task"}});
  EXPECT_EQ(p1["metadata"]["labels"]["created-by-eci"], "true");
  EXPECT_EQ(p1["spec"]["nodeSelector"]["type"], "virtual-kubelet");
  cm["data"]["selectors"] = R"([{"name":"demo","objectSelector":{"matchLabels":{"type":"batch"}}}])";
  c.apply(kube::configmaps("kube-system"), cm);
  EXPECT_FALSE(c.create_pod("job-2", {{"type", "offline-task"}})["spec"].contains("nodeSelector"));
  EXPECT_EQ(c.create_pod("job-3", {{"type", "batch"}})["spec"]["nodeSelector"]["type"], "virtual-kubelet");
  // An unreadable list is reported as an event on the ConfigMap.
  cm["data"]["selectors"] = "[{";
  c.apply(kube::configmaps("kube-system"), cm);
  EXPECT_EQ(c.events("kube-system", "InvalidProfile").size(), 1u);
}

// Seed 003 方式二: "创建一个Namespace并添加 alibabacloud.com/eci=true 的Label".
TEST(ProfileRuntime, NamespaceLabelTrigger) {
  Cluster c;
  c.apply(kube::namespaces(), {{"apiVersion", "v1"}, {"kind", "Namespace"},
                               {"metadata", {{"name", "vk"}, {"labels", {{"alibabacloud.com/eci", "true"}}}}}});
  Json pod = c.create_pod("nginx", Json::object(), Json::object(), "vk");
  EXPECT_EQ(pod["spec"]["nodeSelector"]["type"], "virtual-kubelet");
  // kube-system is never touched.
  Json sys = c.create_pod("agent", {{"k8s.ksyun.com/kci", "true"}}, Json::object(), "kube-system");
  EXPECT_FALSE(sys["spec"].contains("nodeSelector"));
}

// Seed 002: the label sits on the workload ("在工作负载中添加virtual-kubelet.io/burst-to-cci").
TEST(ProfileRuntime, WorkloadBurstToCciLabel) {
  Cluster c;
  Json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata", {{"name", "test-5d4f"}, {"namespace", "apps"}, {"labels", {{"virtual-kubelet.io/burst-to-cci", "enforce"}}}}},
             {"spec",
              {{"replicas", 0},
               {"selector", {{"matchLabels", {{"app", "test"}}}}},
               {"template",
                {{"metadata", {{"labels", {{"app", "test"}}}}},
                 {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx"}}})}}}}}}}};
  auto stored = c.client.create(kube::replicasets("apps"), rs);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  Json owner = Json::array({{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "test-5d4f"},
                             {"uid", (**stored)["metadata"]["uid"]}, {"controller", true}}});
  Json pod = c.create_pod("test-5d4f-x", {{"app", "test"}}, {{"ownerReferences", owner}});
  EXPECT_EQ(pod["spec"]["nodeSelector"]["type"], "virtual-kubelet");
}

Json node(const std::string& name, bool is_virtual) {
  Json n = {{"apiVersion", "v1"},
            {"kind", "Node"},
            {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
            {"status",
             {{"allocatable", {{"cpu", "1"}, {"memory", "1Gi"}, {"pods", "110"}}},
              {"capacity", {{"cpu", "1"}, {"memory", "1Gi"}, {"pods", "110"}}},
              {"conditions", Json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
  if (is_virtual) {
    n["metadata"]["labels"]["type"] = "virtual-kubelet";
    n["spec"]["taints"] = Json::array({{{"key", "virtual-kubelet.io/provider"}, {"value", "kingsoftcloud"}, {"effect", "NoSchedule"}}});
  }
  return n;
}

void mark_unschedulable(Cluster& c, const std::string& name) {
  auto got = c.client.get(kube::pods("apps", name));
  ASSERT_TRUE(got.ok());
  Json p = **got;
  p["status"]["phase"] = "Pending";
  p["status"]["conditions"] = Json::array({{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"},
                                            {"message", "0/1 nodes are available: 1 Insufficient cpu."},
                                            {"lastTransitionTime", c.server.now_rfc3339()}}});
  ASSERT_TRUE(c.client.update_status(kube::pods("apps", name), p).ok());
}

// Seed 003: "把调度失败的Pod重新调度到ECI上".
TEST(ProfileRuntime, AutoscalerMovesUnschedulablePodsAllowedToBurst) {
  Cluster c;
  ASSERT_TRUE(c.client.create(kube::nodes(), node("normal-1", false)).ok());
  ASSERT_TRUE(c.client.create(kube::nodes(), node("vk-1", true)).ok());
  UnschedulableAutoscaler autoscaler(c.client, c.ex, c.hook);
  autoscaler.start();
  c.ex.run_until_idle();
  // burst-to-cci=auto: admitted with the toleration and a preference for normal nodes.
  c.create_pod("auto-1", {{"virtual-kubelet.io/burst-to-cci", "auto"}});
  c.create_pod("plain-1");
  c.create_pod("off-1", {{"virtual-kubelet.io/burst-to-cci", "off"}});
  for (const char* name : {"auto-1", "plain-1", "off-1"}) mark_unschedulable(c, name);
  c.ex.run_for(std::chrono::seconds(29));
  EXPECT_EQ((**c.client.get(kube::pods("apps", "auto-1")))["spec"].value("nodeName", ""), "");
  c.ex.run_for(std::chrono::seconds(2));
  EXPECT_EQ((**c.client.get(kube::pods("apps", "auto-1")))["spec"].value("nodeName", ""), "vk-1");
  EXPECT_EQ((**c.client.get(kube::pods("apps", "plain-1")))["spec"].value("nodeName", ""), "");
  EXPECT_EQ((**c.client.get(kube::pods("apps", "off-1")))["spec"].value("nodeName", ""), "");
  EXPECT_EQ(autoscaler.moved(), 1u);
  const auto events = c.events("apps", "BurstToVirtualNode");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0]["message"].get<std::string>().find("burst-to-cci=auto"), std::string::npos) << events[0]["message"];
  // Once only.
  c.ex.run_for(std::chrono::minutes(2));
  EXPECT_EQ(autoscaler.moved(), 1u);
  EXPECT_EQ(c.events("apps", "BurstToVirtualNode").size(), 1u);
  autoscaler.stop();
}

TEST(ProfileRuntime, AutoscalerAddsTheTolerationWhenAdmissionDidNot) {
  Cluster c;
  ASSERT_TRUE(c.client.create(kube::nodes(), node("vk-1", true)).ok());
  c.server.set_admission(nullptr);  // created before the webhook was installed
  c.create_pod("late-1", {{"k8s.ksyun.com/kci", "true"}});
  mark_unschedulable(c, "late-1");
  UnschedulableAutoscaler autoscaler(c.client, c.ex, c.hook);
  autoscaler.start();
  c.ex.run_for(std::chrono::seconds(31));
  Json pod = **c.client.get(kube::pods("apps", "late-1"));
  EXPECT_EQ(pod["spec"].value("nodeName", ""), "vk-1");
  EXPECT_TRUE(has_virtual_toleration(pod));
}

// ---- the HTTPS face -------------------------------------------------------------------------

//! A self-signed certificate for 127.0.0.1 (CN and subjectAltName), written as PEM files in a
//! fresh directory.
struct TestCertificate {
  std::string dir, cert, key;
  explicit TestCertificate(const std::string& tag = "a") {
    dir = (std::filesystem::temp_directory_path() /
           ("kci-webhook-test-" + std::to_string(::getpid()) + "-" + tag)).string();
    std::filesystem::create_directories(dir);
    cert = dir + "/tls.crt";
    key = dir + "/tls.key";
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("kci-profile"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(x, pkey, EVP_sha256());
    FILE* f = std::fopen(cert.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    f = std::fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~TestCertificate() { std::filesystem::remove_all(dir); }
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

HttpAnswer https_request(std::uint16_t port, boost::beast::http::verb verb, const std::string& target, const std::string& body) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.handshake(asio::ssl::stream_base::client);
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  beast::error_code ec;
  stream.shutdown(ec);
  return {static_cast<int>(res.result_int()), res.body()};
}

TEST(ProfileRuntime, HttpsFaceAnswersAdmissionReviews) {
  Cluster c;
  TestCertificate tls;
  WebhookServer server([&](std::string_view body) { return c.hook.handle(body); });
  ASSERT_TRUE(server.start("127.0.0.1", 0, tls.cert, tls.key).ok());
  const Json review = {{"apiVersion", "admission.k8s.io/v1"},
                       {"kind", "AdmissionReview"},
                       {"request",
                        {{"uid", "u-1"},
                         {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                         {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                         {"namespace", "apps"},
                         {"operation", "CREATE"},
                         {"object",
                          {{"apiVersion", "v1"}, {"kind", "Pod"},
                           {"metadata", {{"name", "p"}, {"labels", {{"k8s.ksyun.com/kci", "true"}}}}},
                           {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx"}}})}}}}}}}};
  auto ok = https_request(server.port(), boost::beast::http::verb::post, "/mutate", review.dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  Json answer = Json::parse(ok.body);
  EXPECT_EQ(answer["response"]["uid"], "u-1");
  EXPECT_EQ(answer["response"]["patchType"], "JSONPatch");
  auto bad = https_request(server.port(), boost::beast::http::verb::post, "/mutate", R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("request.uid: missing"), std::string::npos) << bad.body;
  auto garbled = https_request(server.port(), boost::beast::http::verb::post, "/mutate", "{not json");
  EXPECT_EQ(garbled.status, 400);
  EXPECT_NE(garbled.body.find("not valid JSON at byte"), std::string::npos) << garbled.body;
  EXPECT_EQ(https_request(server.port(), boost::beast::http::verb::get, "/healthz", "").status, 200);
  EXPECT_EQ(https_request(server.port(), boost::beast::http::verb::get, "/mutate", "").status, 405);
  EXPECT_EQ(https_request(server.port(), boost::beast::http::verb::post, "/other", "{}").status, 404);
  server.stop();
}

TEST(ProfileRuntime, ApiServerCallsTheWebhookOverHttpsWithItsCaBundle) {
  Cluster c;
  TestCertificate tls("served"), stranger("stranger");
  WebhookServer server([&](std::string_view body) { return c.hook.handle(body); });
  ASSERT_TRUE(server.start("127.0.0.1", 0, tls.cert, tls.key).ok());
  apiserver::HttpWebhooks network;
  apiserver::MutatingWebhookAdmission admission{c.server, network};
  c.server.set_admission(&admission);
  const kube::ResourceRef configs{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "", ""};
  auto install = [&](const std::string& ca_pem) {
    WebhookEndpoint endpoint;
    endpoint.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/mutate";
    endpoint.ca_bundle = k8s::base64_encode(ca_pem);
    ASSERT_TRUE(c.client.remove(configs.named("kci-profile")).ok());
    ASSERT_TRUE(c.client.create(configs, mutating_webhook_configuration(endpoint)).ok());
  };

  install(read_file(tls.cert));
  Json pod = c.create_pod("over-https", {{"k8s.ksyun.com/kci", "true"}});
  EXPECT_TRUE(has_virtual_toleration(pod)) << pod.dump();
  ASSERT_FALSE(admission.calls().empty());
  EXPECT_EQ(admission.calls().back().error, "");

  // A caBundle that did not sign the server's certificate: the call fails, and the shipped
  // failurePolicy Ignore lets the pod through unchanged.
  install(read_file(stranger.cert));
  Json unchanged = c.create_pod("wrong-ca", {{"k8s.ksyun.com/kci", "true"}});
  EXPECT_FALSE(has_virtual_toleration(unchanged));
  EXPECT_NE(admission.calls().back().error.find("tls handshake"), std::string::npos) << admission.calls().back().error;
  server.stop();
}

TEST(ProfileRuntime, HttpsFaceRefusesMissingCertificate) {
  WebhookServer server([](std::string_view) { return WebhookReply{}; });
  auto st = server.start("127.0.0.1", 0, "/nonexistent/tls.crt", "/nonexistent/tls.key");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("--tls-cert /nonexistent/tls.crt"), std::string::npos) << st.error().message;
}

// ---- manifests ---------------------------------------------------------------------------------

TEST(ProfileManifests, ShippedYamlMatchesTheCode) {
  auto crds = k8s::yaml_documents(read_file(std::string(KCI_SOURCE_DIR) + "/provider/deploy/profile-selector-crds.yaml"));
  ASSERT_TRUE(crds.ok());
  ASSERT_EQ(crds->size(), 2u);
  EXPECT_EQ((*crds)[0], selector_crd());
  EXPECT_EQ((*crds)[1], eci_selector_crd());
  auto hook = k8s::yaml_document(read_file(std::string(KCI_SOURCE_DIR) + "/provider/deploy/profile-webhook.yaml"));
  ASSERT_TRUE(hook.ok());
  EXPECT_EQ(*hook, mutating_webhook_configuration());
  const Json& w = (*hook)["webhooks"][0];
  EXPECT_EQ(w["failurePolicy"], "Ignore");
  EXPECT_EQ(w["timeoutSeconds"], 5);
  EXPECT_EQ(w["sideEffects"], "None");
  EXPECT_EQ(w["reinvocationPolicy"], "IfNeeded");
  EXPECT_EQ(w["namespaceSelector"]["matchExpressions"][0]["values"][0], "kube-system");
  // It decodes as the typed object the fake API server stores.
  EXPECT_TRUE(k8s::decode<k8s::MutatingWebhookConfiguration>(*hook).ok());
}

}  // namespace
}  // namespace kci::profile
