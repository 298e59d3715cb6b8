// The virtual kubelet as seed 001 deploys it, each piece its own process: `kci-vk fake-kci`
// (signatures checked), `kci-vk fake-apiserver`, and `kci-vk provider` reaching both over
// HTTP with the seed's flags and variables, its kubelet API over HTTPS. kubectl then sees
// what the seed shows: the node Ready with ROLES agent, a pod on it Running with an IP,
// `kubectl logs` through the API server's proxy to the kubelet API, and a deleted pod gone
// with its container group. Skipped when kubectl is not installed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include "core/kci/api.h"
#include "provider/kci_http_client.h"
#include "scenarios/cmd_provider.h"
#include "scenarios/test/process.h"
#include "fake-apiserver/local_pki.h"

namespace kci {
namespace {

using testing_process::Clock;
using testing_process::free_port;
using testing_process::Process;
constexpr const char* kKubectl = "/usr/bin/kubectl";
constexpr auto kTimeout = std::chrono::seconds(30);

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> v;
  for (auto& a : args) v.push_back(a.data());
  return v;
}

TEST(ProviderFlags, SeedFlagsAndVariablesBecomeNodeSettings) {
  std::vector<std::string> args = {"--provider=kingsoftcloud", "--nodename", "vk-1", "--cluster-dns=10.254.0.10",
                                   "--enable-node-lease", "--disable-taint", "--kci-let-kubeconfig-path=/root/.kube/config",
                                   "--base-system-disk-size=50", "--kci-endpoint", "http://127.0.0.1:8443",
                                   "--listen", "127.0.0.1:10251"};
  auto argv = argv_of(args);
  bool help = false;
  auto f = cli::parse_provider_flags(static_cast<int>(argv.size()), argv.data(),
                                     {{"KCI_CLUSTER_ID", "c1"}, {"KCI_REGION", "cn-beijing-6"},
                                      {"KCI_ACCESS_KEY", "AK"}, {"KCI_SECRET_KEY", "SK"},
                                      {"KCI_SECURITY_GROUP_IDS", "sg-1,sg-2"}, {"VKUBELET_POD_IP", "10.0.0.9"},
                                      {"KCI_REQUEST_INTERNAL", ""}},
                                     help);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->settings.node_name, "vk-1");
  EXPECT_EQ(f->settings.cluster_dns, std::vector<std::string>{"10.254.0.10"});
  EXPECT_TRUE(f->settings.enable_node_lease);
  EXPECT_TRUE(f->settings.disable_taint);
  EXPECT_EQ(f->settings.kcilet_kubeconfig_path, "/root/.kube/config");
  EXPECT_EQ(f->settings.base_system_disk_gb, 50);
  EXPECT_EQ(f->settings.security_group_ids.size(), 2u);
  EXPECT_EQ(f->settings.pod_ip, "10.0.0.9");
  EXPECT_TRUE(f->settings.request_internal);
  EXPECT_EQ(f->port, 10251);
  EXPECT_TRUE(f->in_cluster) << "no --kubeconfig: the pod's service account, as seed 001 deploys it";
}

TEST(ProviderFlags, MissingOrInvalidSettingsAreNamedAndKeysNeverShown) {
  auto parse = [](std::vector<std::string> args, std::map<std::string, std::string> env) {
    auto argv = argv_of(args);
    bool help = false;
    return cli::parse_provider_flags(static_cast<int>(argv.size()), argv.data(), env, help);
  };
  const std::vector<std::string> ok_args = {"--kci-endpoint", "http://127.0.0.1:1"};
  std::map<std::string, std::string> env = {{"KCI_CLUSTER_ID", "c1"}, {"KCI_REGION", "r"},
                                            {"KCI_ACCESS_KEY", "AKsecretish"}, {"KCI_SECRET_KEY", "SKtopsecret"}};
  ASSERT_TRUE(parse(ok_args, env).ok());
  auto without = [&](const std::string& k) {
    auto e = env;
    e.erase(k);
    return parse(ok_args, e);
  };
  EXPECT_NE(without("KCI_CLUSTER_ID").error().message.find("KCI_CLUSTER_ID is not set"), std::string::npos);
  EXPECT_NE(without("KCI_REGION").error().message.find("KCI_REGION is not set"), std::string::npos);
  EXPECT_NE(without("KCI_SECRET_KEY").error().message.find("KCI_SECRET_KEY is not set; give KCI_ACCESS_KEY and "
                                                           "KCI_SECRET_KEY, or TEMP_AKSK_CM"),
            std::string::npos);
  auto bad_sg = env;
  bad_sg["KCI_SECURITY_GROUP_IDS"] = "a,b,c,d";
  auto r = parse(ok_args, bad_sg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("KCI_SECURITY_GROUP_IDS"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("at most 3"), std::string::npos) << r.error().message;
  r = parse({}, env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--kci-endpoint is required without --real-cluster"), std::string::npos);
  r = parse({"--kci-endpoint", "ftp://x"}, env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--kci-endpoint is \"ftp://x\""), std::string::npos) << r.error().message;
  r = parse({"--real-cluster", "--nodename"}, env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--nodename needs a value"), std::string::npos);
  r = parse({"--real-cluster", "--bogus"}, env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown flag \"--bogus\""), std::string::npos);
  r = parse({"--real-cluster", "--provider=aws"}, env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("kingsoftcloud"), std::string::npos) << r.error().message;
  r = parse({"--real-cluster", "--tls-cert-file", "c.pem"}, env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("give both or neither"), std::string::npos);
  auto no_region = without("KCI_REGION");
  for (const auto* e : {&no_region, &r}) {
    EXPECT_EQ(e->error().message.find("SKtopsecret"), std::string::npos);
    EXPECT_EQ(e->error().message.find("AKsecretish"), std::string::npos);
  }
  // TEMP_AKSK_CM wins over the keys (seed 000's warning), and replaces them.
  auto temp = env;
  temp["TEMP_AKSK_CM"] = "user-temp-aksk";
  auto t = parse(ok_args, temp);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->settings.access_key.empty());
  EXPECT_EQ(t->settings.temp_aksk_cm, "user-temp-aksk");
  temp.erase("KCI_ACCESS_KEY");
  temp.erase("KCI_SECRET_KEY");
  EXPECT_TRUE(parse(ok_args, temp).ok());
}

// Waits for a started `kci-vk fake-kci` to serve: the port it serves on, or 0 (a failure).
int fake_kci_port(Process& kci) {
  if (!kci.read_until([](const std::string& o) { return o.find("serving") != std::string::npos; },
                      Clock::now() + kTimeout)) {
    ADD_FAILURE() << "kci-vk fake-kci never served: " << kci.out << kci.err;
    return 0;
  }
  std::smatch m;
  if (!std::regex_search(kci.out, m, std::regex("on 127\\.0\\.0\\.1:(\\d+)"))) {
    ADD_FAILURE() << "kci-vk fake-kci named no port: " << kci.out;
    return 0;
  }
  return std::stoi(m[1].str());
}

TEST(ProviderEndToEnd, FakeKciConfigurationMakesImageCaches) {
  // `kci-vk fake-kci --config FILE`: `imageCaches:` exist from the start, over signed HTTP.
  const std::string binary = std::string(KCI_BINARY_DIR) + "/bin/kci-vk";
  tls::LocalPki pki;
  pki.write("cloud.yaml", "imageCaches: [{name: nginx-cache, id: imc-2ze5tm5gehgtiiga, images: [\"nginx:1.7.9\"]}]\n");
  Process kci({binary, "fake-kci", "--listen", "127.0.0.1:0", "--config", pki.file("cloud.yaml")});
  const int port = fake_kci_port(kci);
  ASSERT_NE(port, 0);
  provider::KciHttpClientOptions o;
  o.port = static_cast<std::uint16_t>(port);
  o.access_key = "AKowner";
  o.secret_key = "SKowner";
  // The server is `kci-vk fake-kci` in real time: the signature carries the wall clock's date.
  struct : kci::Clock {
    TimePoint now() const override { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }
  } wall;
  provider::KciHttpClient client(o, wall);
  auto d = client.describe_image_caches({"AKowner", ""}, {.match_images = {"nginx:1.7.9"}});
  ASSERT_TRUE(d.ok()) << d.error().message;
  ASSERT_EQ(d->image_caches.size(), 1u);
  EXPECT_EQ(d->image_caches[0].image_cache_id, "imc-2ze5tm5gehgtiiga");
  EXPECT_EQ(d->image_caches[0].status, "Ready");
  pki.write("bad.yaml", "imageCaches: [{name: x, images: [nginx], id: cache-1}]\n");
  Process bad({binary, "fake-kci", "--listen", "127.0.0.1:0", "--config", pki.file("bad.yaml")});
  EXPECT_NE(bad.wait(Clock::now() + kTimeout), 0);
  EXPECT_NE((bad.out + bad.err).find("kci.imageCaches[0].id is \"cache-1\""), std::string::npos) << bad.out << bad.err;
}

TEST(ProviderEndToEnd, SeedOneDeploymentAcrossProcesses) {
  if (access(kKubectl, X_OK) != 0) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
  const std::string binary = std::string(KCI_BINARY_DIR) + "/bin/kci-vk";
  tls::LocalPki pki;
  const std::string dir = pki.dir.string();
  // A cloud without latency to speak of, so the pod runs within a second.
  pki.write("cloud.yaml",
            "latency: {create: 100ms, start: 200ms}\n"
            "scripts: [{image: busybox, exitAfter: 2s, exitCode: 0, logs: [counting 1, counting 2]}]\n");
  Process kci({binary, "fake-kci", "--listen", "127.0.0.1:0", "--config", pki.file("cloud.yaml")});
  const int kci_port = fake_kci_port(kci);
  ASSERT_NE(kci_port, 0);
  const std::string kci_endpoint = "http://127.0.0.1:" + std::to_string(kci_port);

  const std::string kubeconfig = dir + "/kubeconfig";
  Process server({binary, "fake-apiserver", "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig});
  ASSERT_TRUE(server.read_until([](const std::string& o) { return o.find("kubeconfig written") != std::string::npos; },
                                Clock::now() + kTimeout))
      << server.out << server.err;

  const int kubelet_port = free_port();
  Process provider({binary, "provider", "--provider=kingsoftcloud", "--nodename", "virtual-kubelet01",
                    "--cluster-dns=10.254.0.10", "--enable-node-lease", "--kubeconfig", kubeconfig, "--kci-endpoint",
                    kci_endpoint, "--listen", "127.0.0.1:" + std::to_string(kubelet_port), "--tls-cert-file",
                    pki.file("server.crt"), "--tls-private-key-file", pki.file("server.key")},
                   {"KCI_ACCESS_KEY=AKowner", "KCI_SECRET_KEY=SKowner", "KCI_REGION=cn-beijing-6", "KCI_CLUSTER_ID=c1",
                    "KCI_SUBNET_ID=subnet-cn-beijing-6a", "KCI_SECURITY_GROUP_IDS=sg-default",
                    "VKUBELET_POD_IP=127.0.0.1"});
  ASSERT_TRUE(provider.read_until([](const std::string& o) { return o.find("registered") != std::string::npos; },
                                  Clock::now() + kTimeout))
      << provider.out << provider.err;

  const std::vector<std::string> env = {"HOME=" + dir, "KUBECONFIG="};
  auto kubectl = [&](std::vector<std::string> args, bool must_succeed = true) {
    args.insert(args.begin(), {kKubectl, "--kubeconfig", kubeconfig});
    Process p(args, env);
    const int code = p.wait(Clock::now() + kTimeout);
    if (must_succeed) {
      EXPECT_EQ(code, 0) << p.out << p.err;
    }
    return p.out + p.err;
  };
  auto eventually = [&](std::vector<std::string> args, const std::string& want) {
    std::string got;
    for (auto deadline = Clock::now() + kTimeout; Clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
      got = kubectl(args, false);
      if (got.find(want) != std::string::npos) return got;
    }
    ADD_FAILURE() << "kubectl " << args.front() << " " << args.at(1) << " never showed \"" << want << "\": " << got;
    return got;
  };
  // Seed 001: "virtual-kubelet01 Ready agent ... v1.17.6-vk-v1.6.0" (ours: v1.28.0-vk-kci-...).
  std::string nodes = eventually({"get", "node", "virtual-kubelet01"}, "Ready");
  EXPECT_TRUE(std::regex_search(nodes, std::regex("virtual-kubelet01\\s+Ready\\s+agent\\s+\\S+\\s+v1\\.28\\.0-vk-kci-")))
      << nodes;

  pki.write("pod.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: nginx, namespace: default}
spec:
  nodeName: virtual-kubelet01
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
  containers:
    - {name: nginx, image: "nginx:1.25", resources: {requests: {cpu: "1", memory: 2Gi}}}
)");
  kubectl({"apply", "-f", pki.file("pod.yaml")});
  eventually({"get", "pod", "nginx", "-o", "jsonpath={.status.phase}"}, "Running");
  const std::string wide = kubectl({"get", "pod", "nginx", "-o", "wide"});
  EXPECT_NE(wide.find("virtual-kubelet01"), std::string::npos) << wide;
  // kubectl logs: the API server proxies to the node's kubelet API (HTTPS, at its InternalIP
  // and kubelet port), which reads DescribeContainerLog.
  const std::string logs = kubectl({"logs", "nginx"});
  EXPECT_NE(logs.find("nginx: started nginx:1.25"), std::string::npos) << logs;
  EXPECT_EQ(kubectl({"logs", "nginx", "--tail=0"}), "");
  const std::string bad = kubectl({"logs", "nginx", "-c", "nope"}, false);
  EXPECT_NE(bad.find("container nope is not valid for pod nginx"), std::string::npos) << bad;
  const std::string events = kubectl({"get", "events", "--field-selector", "involvedObject.name=nginx"});
  EXPECT_NE(events.find("ProviderCreateSuccess"), std::string::npos) << events;
  // The kubelet API through the API server's nodes/{name}/proxy, as `kubectl get --raw` reaches it.
  const std::string running = kubectl({"get", "--raw", "/api/v1/nodes/virtual-kubelet01/proxy/runningpods/"});
  EXPECT_NE(running.find("\"name\":\"nginx\""), std::string::npos) << running;

  // A scenario's kubeletApi checks against this cluster (`kci-vk sim --real-cluster`) go the
  // same way: they run, none is skipped.
  pki.write("kubelet-api-through-the-api-server.yaml", R"(name: kubelet-api-through-the-api-server
virtualNodes: [{name: virtual-kubelet01}]
steps:
  - apply:
      objects:
        - apiVersion: v1
          kind: Pod
          metadata: {name: kubelet-probe, namespace: default, labels: {e2e: kubelet-probe}}
          spec:
            nodeName: virtual-kubelet01
            tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
            containers: [{name: nginx, image: "nginx:1.25"}]
  - wait: {until: {pods: {selector: e2e=kubelet-probe, count: 1, phase: Running}}, timeout: 30s}
  - expect:
      containerGroups: [{pod: default/kubelet-probe, count: 1, status: Running}]
      kubeletApi:
        - {node: virtual-kubelet01, path: /runningpods/, contains: [kubelet-probe]}
        - {node: virtual-kubelet01, path: "/containerLogs/default/kubelet-probe/nginx?tailLines=1", contains: ["nginx: started nginx:1.25"]}
        - {node: virtual-kubelet01, path: /containerLogs/default/kubelet-probe/nope, status: 400, contains: [is not valid]}
)");
  Process sim({binary, "sim", "--real-cluster", "--kubeconfig", kubeconfig, "--kci-endpoint", kci_endpoint,
               pki.file("kubelet-api-through-the-api-server.yaml")},
              {"HOME=" + dir, "KCI_ACCESS_KEY=AKowner", "KCI_SECRET_KEY=SKowner", "KCI_REGION=cn-beijing-6"});
  EXPECT_EQ(sim.wait(Clock::now() + kTimeout), 0) << sim.out << sim.err;
  EXPECT_EQ(sim.out.find("kubeletApi["), std::string::npos) << sim.out;  // neither failed nor skipped

  // kubectl logs -f: the kubelet API streams as the log grows and ends with the container;
  // the API server relays the chunks as they come.
  pki.write("job.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: counter, namespace: default}
spec:
  nodeName: virtual-kubelet01
  restartPolicy: Never
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
  containers:
    - {name: count, image: "busybox:1.36"}
)");
  kubectl({"apply", "-f", pki.file("job.yaml")});
  eventually({"get", "pod", "counter", "-o", "jsonpath={.status.phase}"}, "Running");
  const std::string followed = kubectl({"logs", "-f", "counter"});
  EXPECT_NE(followed.find("counting 1\ncounting 2\n"), std::string::npos) << followed;
  EXPECT_NE(followed.find("count: exited with code 0"), std::string::npos) << followed;
  eventually({"get", "pod", "counter", "-o", "jsonpath={.status.phase}"}, "Succeeded");

  // Deleting the pod deletes its container group and confirms the removal.
  kubectl({"delete", "pod", "nginx", "counter", "kubelet-probe", "--wait=true", "--timeout=30s"});
  EXPECT_NE(kubectl({"get", "pod", "nginx"}, false).find("NotFound"), std::string::npos);

  EXPECT_EQ(provider.terminate(Clock::now() + kTimeout), 0) << provider.err;
  EXPECT_NE(provider.out.find("3 groups created"), std::string::npos) << provider.out;
  EXPECT_NE(provider.out.find("0 pods tracked"), std::string::npos) << provider.out;
  for (const std::string* text : {&provider.out, &provider.err}) EXPECT_EQ(text->find("SKowner"), std::string::npos);
  EXPECT_EQ(server.terminate(Clock::now() + kTimeout), 0) << server.err;
  EXPECT_EQ(kci.terminate(Clock::now() + kTimeout), 0) << kci.err;
}

}  // namespace
}  // namespace kci
