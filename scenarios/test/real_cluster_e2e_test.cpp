// --real-cluster on loopback (issue 12), each piece its own process as in a cluster:
// `kci-vk fake-apiserver` over HTTPS authenticating clients by certificate (a test CA),
// `kci-vk fake-kci` checking signatures over HTTP, and the product started against them as
// against a real cluster: `provider`, `extender --real-cluster` (kube-scheduler calls it)
// and `webhook --real-cluster` (its Selectors read from the cluster). `kci-vk sim
// --real-cluster` then replays seed 004's virtualNodeOnly scenario through all of it and
// passes; kubectl and a second real client (python3-kubernetes) list and watch through the
// same server; a certificate from another CA, and a server the kubeconfig does not trust,
// are refused with clear messages. Skipped when kubectl is not installed.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "core/k8s/object.h"
#include "scenarios/test/process.h"
#include "fake-apiserver/local_pki.h"

namespace kci {
namespace {

using testing_process::Clock;
using testing_process::free_port;
using testing_process::Process;
constexpr const char* kKubectl = "/usr/bin/kubectl";
constexpr const char* kPython = "/usr/bin/python3";
constexpr auto kTimeout = std::chrono::seconds(60);

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

//! A kubeconfig for `server` with a client certificate (no token).
std::string kubeconfig_text(const std::string& server, const std::string& ca, const std::string& cert,
                            const std::string& key) {
  return "apiVersion: v1\nkind: Config\n"
         "clusters: [{name: loopback, cluster: {server: \"" + server + "\", certificate-authority: \"" + ca + "\"}}]\n"
         "users: [{name: admin, user: {client-certificate: \"" + cert + "\", client-key: \"" + key + "\"}}]\n"
         "contexts: [{name: loopback, context: {cluster: loopback, user: admin}}]\n"
         "current-context: loopback\n";
}

//! Waits for `pattern` in the process's stdout and returns its first group.
std::string wait_for(Process& p, const std::string& pattern) {
  const std::regex re(pattern);
  std::smatch m;
  p.read_until([&](const std::string& o) { return std::regex_search(o, re); }, Clock::now() + kTimeout);
  if (!std::regex_search(p.out, m, re)) return "";
  return m.size() > 1 ? m[1].str() : m[0].str();
}

TEST(RealClusterLoopback, ProductAndSimAgainstHttpsApiServerWithClientCertificates) {
  if (access(kKubectl, X_OK) != 0) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
  const std::string binary = std::string(KCI_BINARY_DIR) + "/bin/kci-vk";
  const std::string source = KCI_SOURCE_DIR;
  tls::LocalPki pki("IP:127.0.0.1,DNS:localhost,DNS:kci-profile.kube-system.svc");
  tls::LocalPki stranger("IP:127.0.0.1,DNS:localhost", "another CA");
  const std::string dir = pki.dir.string();

  Process kci({binary, "fake-kci", "--listen", "127.0.0.1:0"});
  const std::string kci_port = wait_for(kci, "on 127\\.0\\.0\\.1:(\\d+)");
  ASSERT_FALSE(kci_port.empty()) << kci.out << kci.err;
  const std::string kci_endpoint = "http://127.0.0.1:" + kci_port;

  // kube-scheduler's extender and the webhook's Service, at ports chosen now.
  const int extender_port = free_port(), webhook_port = free_port();
  std::ofstream(dir + "/scheduler.yaml")
      << "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nextenders:\n"
         "  - urlPrefix: http://127.0.0.1:" << extender_port << "/scheduler\n"
      << "    filterVerb: predicates/always_true\n    prioritizeVerb: priorities/group_score\n"
         "    preemptVerb: preemption\n    weight: 1\n    nodeCacheCapable: false\n";
  Process server({binary, "fake-apiserver", "--listen", "127.0.0.1:0", "--kubeconfig-out", dir + "/token.kubeconfig",
                  "--tls-cert-file", pki.file("server.crt"), "--tls-private-key-file", pki.file("server.key"),
                  "--client-ca-file", pki.file("ca.crt"), "--scheduler-config", dir + "/scheduler.yaml",
                  "--webhook-service", "kube-system/kci-profile=127.0.0.1:" + std::to_string(webhook_port)});
  const std::string url = wait_for(server, "serving (https://127\\.0\\.0\\.1:\\d+)");
  ASSERT_FALSE(url.empty()) << server.out << server.err;

  // The test CA's server certificate carries clientAuth too: it is the admin's certificate.
  const std::string kubeconfig = dir + "/admin.kubeconfig";
  std::ofstream(kubeconfig) << kubeconfig_text(url, pki.file("ca.crt"), pki.file("server.crt"), pki.file("server.key"));
  const std::vector<std::string> env = {"HOME=" + dir, "KUBECONFIG="};
  auto kubectl = [&](std::vector<std::string> args, const std::string& config) {
    args.insert(args.begin(), {kKubectl, "--kubeconfig", config});
    Process p(args, env);
    const int code = p.wait(Clock::now() + kTimeout);
    return testing_process::Outcome{code, p.out, p.err};
  };

  // Refused: a certificate another CA signed (the handshake), a wrong token and no certificate (401),
  // and a server certificate the kubeconfig's CA did not sign (the client refuses).
  const std::string wrong_cert = dir + "/wrong-cert.kubeconfig";
  std::ofstream(wrong_cert) << kubeconfig_text(url, pki.file("ca.crt"), stranger.file("server.crt"),
                                               stranger.file("server.key"));
  auto refused = kubectl({"get", "pods"}, wrong_cert);
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find("certificate"), std::string::npos) << refused.err;
  const std::string no_cert = dir + "/no-cert.kubeconfig";
  std::ofstream(no_cert) << "apiVersion: v1\nkind: Config\nclusters: [{name: l, cluster: {server: \"" << url
                         << "\", certificate-authority: \"" << pki.file("ca.crt")
                         << "\"}}]\nusers: [{name: u, user: {token: not-the-token}}]\ncontexts: [{name: l, context: {cluster: l, user: "
                            "u}}]\ncurrent-context: l\n";
  auto anonymous = kubectl({"get", "pods"}, no_cert);
  EXPECT_NE(anonymous.code, 0);
  EXPECT_NE(anonymous.err.find("provide credentials"), std::string::npos) << anonymous.err;
  const std::string untrusted = dir + "/untrusted.kubeconfig";
  std::ofstream(untrusted) << kubeconfig_text(url, stranger.file("ca.crt"), pki.file("server.crt"),
                                              pki.file("server.key"));
  Process sim_untrusted({binary, "sim", "--real-cluster", "--kubeconfig", untrusted,
                         source + "/scenarios/seeds/seed-004-virtual-node-only.yaml"},
                        env);
  EXPECT_EQ(sim_untrusted.wait(Clock::now() + kTimeout), 1);
  EXPECT_NE(sim_untrusted.out.find("does not answer"), std::string::npos) << sim_untrusted.out;
  EXPECT_NE(sim_untrusted.out.find("the server's certificate was refused"), std::string::npos) << sim_untrusted.out;

  // The product, started against the cluster as in one.
  Process extender({binary, "extender", "--real-cluster", "--kubeconfig", kubeconfig, "--listen",
                    "127.0.0.1:" + std::to_string(extender_port)});
  ASSERT_FALSE(wait_for(extender, "serving").empty()) << extender.out << extender.err;
  auto crds = kubectl({"apply", "-f", source + "/provider/deploy/profile-selector-crds.yaml"}, kubeconfig);
  ASSERT_EQ(crds.code, 0) << crds.out << crds.err;
  std::string hook_config = read_file(source + "/provider/deploy/profile-webhook.yaml");
  const auto at = hook_config.find("    clientConfig:\n");
  ASSERT_NE(at, std::string::npos);
  hook_config.insert(at + 18, "      caBundle: " + k8s::base64_encode(pki.ca_pem) + "\n");
  std::ofstream(dir + "/webhook.yaml") << hook_config;
  auto hook = kubectl({"apply", "-f", dir + "/webhook.yaml"}, kubeconfig);
  ASSERT_EQ(hook.code, 0) << hook.out << hook.err;
  Process webhook({binary, "webhook", "--real-cluster", "--kubeconfig", kubeconfig, "--tls-cert", pki.file("server.crt"),
                   "--tls-key", pki.file("server.key"), "--listen", "127.0.0.1:" + std::to_string(webhook_port)});
  ASSERT_FALSE(wait_for(webhook, "serving").empty()) << webhook.out << webhook.err;
  const std::vector<std::string> kci_env = {"KCI_ACCESS_KEY=AKowner", "KCI_SECRET_KEY=SKowner",
                                            "KCI_REGION=cn-beijing-6"};
  std::vector<std::string> provider_env = kci_env;
  provider_env.insert(provider_env.end(), {"KCI_CLUSTER_ID=c1", "KCI_SUBNET_ID=subnet-cn-beijing-6a",
                                           "KCI_SECURITY_GROUP_IDS=sg-default", "VKUBELET_POD_IP=127.0.0.1"});
  Process provider({binary, "provider", "--provider=kingsoftcloud", "--nodename", "virtual-kubelet", "--kubeconfig",
                    kubeconfig, "--kci-endpoint", kci_endpoint, "--listen", "127.0.0.1:0"},
                   provider_env);
  ASSERT_FALSE(wait_for(provider, "registered").empty()) << provider.out << provider.err;

  // A second real client watches pods while the scenario runs, and lists them after.
  std::ofstream(dir + "/watch.py") << R"(import sys
from kubernetes import client, config, watch
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
seen = set()
for event in watch.Watch().stream(v1.list_namespaced_pod, "default", label_selector="app=nginx", timeout_seconds=120):
    pod = event["object"]
    if pod.status.phase == "Running" and pod.spec.node_name == "virtual-kubelet":
        seen.add(pod.metadata.name)
    if len(seen) == 3:
        break
print("watched running on virtual-kubelet:", len(seen))
pods = v1.list_namespaced_pod("default", label_selector="app=nginx,eci-schedulable=true").items
print("listed:", len(pods), sorted(p.spec.node_name for p in pods))
)";
  std::unique_ptr<Process> python;
  if (access(kPython, X_OK) == 0)
    python = std::make_unique<Process>(std::vector<std::string>{kPython, dir + "/watch.py", kubeconfig}, env);

  // Seed 004's virtualNodeOnly example, replayed against the processes instead of the stand-ins.
  std::vector<std::string> sim_env = env;
  sim_env.insert(sim_env.end(), kci_env.begin(), kci_env.end());
  Process sim({binary, "sim", "--real-cluster", "--kubeconfig", kubeconfig, "--kci-endpoint", kci_endpoint, "--json",
               dir + "/report.json", source + "/scenarios/seeds/seed-004-virtual-node-only.yaml"},
              sim_env);
  EXPECT_EQ(sim.wait(Clock::now() + std::chrono::minutes(3)), 0)
      << sim.out << sim.err << "\nAPI server:\n" << server.out << server.err << "\nwebhook:\n" << webhook.out << webhook.err;
  EXPECT_NE(sim.out.find("seed-004-virtual-node-only  PASS"), std::string::npos) << sim.out;
  // What the stand-ins would have set up is reported, not faked.
  EXPECT_NE(sim.out.find("webhook: the cluster's own MutatingWebhookConfiguration is used"), std::string::npos)
      << sim.out;
  const std::string report = read_file(dir + "/report.json");
  EXPECT_NE(report.find("\"passed\": true"), std::string::npos) << report;

  auto wide = kubectl({"get", "pods", "-l", "app=nginx", "-o", "wide"}, kubeconfig);
  EXPECT_EQ(wide.code, 0) << wide.err;
  EXPECT_NE(wide.out.find("virtual-kubelet"), std::string::npos) << wide.out;
  if (python) {
    EXPECT_EQ(python->wait(Clock::now() + kTimeout), 0) << python->out << python->err;
    EXPECT_NE(python->out.find("watched running on virtual-kubelet: 3"), std::string::npos) << python->out << python->err;
    EXPECT_NE(python->out.find("listed: 3 ['virtual-kubelet', 'virtual-kubelet', 'virtual-kubelet']"),
              std::string::npos)
        << python->out << python->err;
  }
  for (Process* p : {&provider, &webhook, &extender, &server, &kci})
    EXPECT_EQ(p->terminate(Clock::now() + kTimeout), 0) << p->out << p->err;
}

}  // namespace
}  // namespace kci
