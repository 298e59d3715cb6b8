// kubeconfig and in-cluster configuration: what is read, and errors that name the file, the
// field and the value.
#include "provider/kube_http/rest_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "provider/kube_http/http_kube_client.h"

namespace kci::provider {
namespace {

const std::string kDir = std::string(KCI_SOURCE_DIR) + "/provider/test/testdata/kubeconfig/";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Kubeconfig, CurrentContextWithTokenFileAndCaFile) {
  auto c = load_kubeconfig(kDir + "good.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->token, "dev-token");  // the file, trailing newline dropped, relative to the kubeconfig
  EXPECT_TRUE(contains(c->ca_pem, "BEGIN CERTIFICATE"));
  EXPECT_EQ(c->namespace_, "team-a");
  EXPECT_FALSE(c->insecure_skip_tls_verify);
  EXPECT_TRUE(contains(c->origin, "context dev"));
}

TEST(Kubeconfig, NamedContextWithEmbeddedData) {
  auto c = load_kubeconfig(kDir + "good.yaml", "prod");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server, "https://api.prod.example.com");
  EXPECT_TRUE(contains(c->ca_pem, "fake"));
  EXPECT_EQ(c->client_cert_pem, "cert");
  EXPECT_EQ(c->client_key_pem, "key");
  EXPECT_EQ(c->tls_server_name, "kubernetes.default.svc");
  EXPECT_EQ(c->namespace_, "default");
  EXPECT_TRUE(c->token.empty());

  auto lab = load_kubeconfig(kDir + "good.yaml", "lab");
  ASSERT_TRUE(lab.ok()) << lab.error().message;
  EXPECT_TRUE(lab->insecure_skip_tls_verify);
  EXPECT_EQ(lab->token, "abc");
}

TEST(Kubeconfig, UnknownContextIsNamed) {
  auto c = load_kubeconfig(kDir + "good.yaml", "staging");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().message, "good.yaml")) << c.error().message;
  EXPECT_TRUE(contains(c.error().message, "\"staging\"")) << c.error().message;
  EXPECT_TRUE(contains(c.error().message, "contexts")) << c.error().message;
}

TEST(Kubeconfig, ExecPluginsAreRefusedNamingTheUser) {
  auto c = load_kubeconfig(kDir + "exec.yaml");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_TRUE(contains(m, "exec.yaml")) << m;
  EXPECT_TRUE(contains(m, "users[name=aws-user].user.exec")) << m;
  EXPECT_TRUE(contains(m, "\"aws\"")) << m;
  EXPECT_TRUE(contains(m, "not supported")) << m;
}

TEST(Kubeconfig, ContextNamingAMissingClusterIsNamed) {
  auto c = load_kubeconfig(kDir + "bad-cluster-ref.yaml");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_TRUE(contains(m, "bad-cluster-ref.yaml")) << m;
  EXPECT_TRUE(contains(m, "contexts[name=broken].context.cluster")) << m;
  EXPECT_TRUE(contains(m, "\"missing-cluster\"")) << m;
}

TEST(Kubeconfig, BadFieldsAreNamedWithTheirValues) {
  auto c = load_kubeconfig(kDir + "bad-fields.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().message, "clusters[name=k].cluster.certificate-authority-data")) << c.error().message;
  EXPECT_TRUE(contains(c.error().message, "%%%not-base64%%%")) << c.error().message;

  const std::string text = R"(
kind: Config
current-context: c
clusters:
- name: k
  cluster:
    server: https://10.0.0.1:6443
    insecure-skip-tls-verify: "maybe"
contexts:
- name: c
  context: {cluster: k}
)";
  auto b = parse_kubeconfig(text, "/tmp/inline");
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(contains(b.error().message, "/tmp/inline")) << b.error().message;
  EXPECT_TRUE(contains(b.error().message, "clusters[name=k].cluster.insecure-skip-tls-verify")) << b.error().message;
  EXPECT_TRUE(contains(b.error().message, "\"maybe\"")) << b.error().message;

  auto s = load_kubeconfig(kDir + "no-server.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(contains(s.error().message, "clusters[name=k].cluster.server")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "tcp://10.0.0.1:6443")) << s.error().message;
}

TEST(Kubeconfig, MissingFilesAndBrokenYamlAreNamed) {
  auto none = load_kubeconfig(kDir + "absent.yaml");
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(contains(none.error().message, "absent.yaml")) << none.error().message;

  auto yaml = parse_kubeconfig("clusters: [\n", "/x/config");
  ASSERT_FALSE(yaml.ok());
  EXPECT_TRUE(contains(yaml.error().message, "/x/config")) << yaml.error().message;

  const std::string missing_token_file = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h"}}]
users: [{name: u, user: {tokenFile: nowhere/token}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)";
  auto t = parse_kubeconfig(missing_token_file, "/cfg/kubeconfig");
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(contains(t.error().message, "users[name=u].user.tokenFile")) << t.error().message;
  EXPECT_TRUE(contains(t.error().message, "/cfg/nowhere/token")) << t.error().message;

  const std::string no_current = "clusters: []\ncontexts: []\n";
  auto n = parse_kubeconfig(no_current, "/k");
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(contains(n.error().message, "current-context")) << n.error().message;

  const std::string key_only = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h"}}]
users: [{name: u, user: {client-key-data: a2V5}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)";
  auto k = parse_kubeconfig(key_only, "/k");
  ASSERT_FALSE(k.ok());
  EXPECT_TRUE(contains(k.error().message, "users[name=u].user")) << k.error().message;
}

struct TempRoot {
  std::filesystem::path dir;
  TempRoot() {
    dir = std::filesystem::temp_directory_path() / ("kci-incluster-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir / std::string(kServiceAccountDir));
  }
  ~TempRoot() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir / std::string(kServiceAccountDir) / name) << text;
  }
};

EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(InClusterConfig, ReadsTheServiceAccount) {
  TempRoot root;
  root.write("token", "sa-token\n");
  root.write("ca.crt", "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
  root.write("namespace", "kube-system");
  auto c = in_cluster_config(root.dir.string(),
                             env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token, "sa-token");
  EXPECT_EQ(c->namespace_, "kube-system");
  EXPECT_TRUE(contains(c->ca_pem, "BEGIN CERTIFICATE"));

  auto v6 = in_cluster_config(root.dir.string(),
                              env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}));
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->server, "https://[fd00::1]:6443");
}

TEST(InClusterConfig, ErrorsNameWhatIsMissing) {
  TempRoot root;
  auto no_env = in_cluster_config(root.dir.string(), env({}));
  ASSERT_FALSE(no_env.ok());
  EXPECT_TRUE(contains(no_env.error().message, "KUBERNETES_SERVICE_HOST")) << no_env.error().message;

  const auto vars = env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
  auto no_token = in_cluster_config(root.dir.string(), vars);
  ASSERT_FALSE(no_token.ok());
  EXPECT_TRUE(contains(no_token.error().message, "serviceaccount/token")) << no_token.error().message;

  root.write("token", "t");
  root.write("ca.crt", "garbage");
  auto bad_ca = in_cluster_config(root.dir.string(), vars);
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_TRUE(contains(bad_ca.error().message, "ca.crt")) << bad_ca.error().message;

  auto bad_port = in_cluster_config(root.dir.string(),
                                    env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "https"}}));
  ASSERT_FALSE(bad_port.ok());
  EXPECT_TRUE(contains(bad_port.error().message, "\"https\"")) << bad_port.error().message;
}

TEST(HttpKubeClientConfig, RefusesBadPemNamingTheField) {
  RestConfig c;
  c.server = "https://10.0.0.1:6443";
  c.origin = "kubeconfig k, context c";
  c.ca_pem = "not a certificate";
  auto r = HttpKubeClient::create(c);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "certificate-authority")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "kubeconfig k")) << r.error().message;

  c.ca_pem.clear();
  c.client_cert_pem = "cert";
  c.client_key_pem = "key";
  auto cert = HttpKubeClient::create(c);
  ASSERT_FALSE(cert.ok());
  EXPECT_TRUE(contains(cert.error().message, "client-certificate")) << cert.error().message;

  RestConfig port;
  port.server = "https://h:99999";
  auto p = HttpKubeClient::create(port);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(contains(p.error().message, "99999")) << p.error().message;
}

TEST(RestPath, BuildsCoreGroupAndSubresourcePaths) {
  EXPECT_EQ(rest_path(kube::pods("default", "web"), "status"), "/api/v1/namespaces/default/pods/web/status");
  EXPECT_EQ(rest_path(kube::nodes()), "/api/v1/nodes");
  EXPECT_EQ(rest_path(kube::deployments("ns", "d"), "scale"), "/apis/apps/v1/namespaces/ns/deployments/d/scale");
  EXPECT_EQ(rest_path(kube::leases()), "/apis/coordination.k8s.io/v1/leases");
  EXPECT_EQ(query_escape("app in (a,b),!x"), "app%20in%20%28a%2Cb%29%2C%21x");
}

}  // namespace
}  // namespace kci::provider
