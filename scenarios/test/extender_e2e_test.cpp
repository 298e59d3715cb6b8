// Seed 000's walk-through across processes, as a cluster runs it: `kci-vk fake-apiserver`
// with a scheduler configured by seed 000's Policy (its extender reached over HTTP),
// `kci-vk extender` watching that server through a kubeconfig, and kubectl applying the
// seed's objects and scaling the seed's Deployment from 1 to 7. The pods land as the seed
// says: three on the workers, then three on the weight-3 virtual node and one on the
// weight-1 one. Skipped when kubectl is not installed.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "scenarios/test/process.h"

namespace kci {
namespace {

using testing_process::Clock;
using testing_process::free_port;
using testing_process::Process;
constexpr const char* kKubectl = "/usr/bin/kubectl";
constexpr auto kTimeout = std::chrono::seconds(30);

TEST(ExtenderEndToEnd, SeedZeroWalkThroughOverHttp) {
  if (access(kKubectl, X_OK) != 0) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
  const std::string binary = std::string(KCI_BINARY_DIR) + "/bin/kci-vk";
  char tmpl[] = "/tmp/kci-extender-e2e-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const int port = free_port();
  // Seed 000's Policy, as the seed ships it in ConfigMap custom-scheduler-policy, pointed at
  // the extender's loopback address instead of its Service.
  std::ofstream(dir + "/policy.json") << R"({"kind": "Policy", "apiVersion": "v1", "extenders": [{
      "urlPrefix": "http://127.0.0.1:)" << port << R"(/scheduler",
      "filterVerb": "predicates/always_true", "prioritizeVerb": "priorities/group_score",
      "preemptVerb": "preemption", "bindVerb": "", "weight": 1, "enableHttps": false,
      "nodeCacheCapable": false}]})";

  const std::string kubeconfig = dir + "/kubeconfig";
  Process server({binary, "fake-apiserver", "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig,
                  "--scheduler-config", dir + "/policy.json"});
  ASSERT_TRUE(server.read_until([](const std::string& o) { return o.find("kubeconfig written") != std::string::npos; },
                                Clock::now() + kTimeout))
      << server.out << server.err;
  const std::vector<std::string> env = {"HOME=" + dir, "KUBECONFIG="};
  auto kubectl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kKubectl, "--kubeconfig", kubeconfig});
    Process p(args, env);
    const int code = p.wait(Clock::now() + kTimeout);
    EXPECT_EQ(code, 0) << p.out << p.err;
    return p.out;
  };
  // The seed's cluster: workers, masters, the extender-conf ConfigMap; the two virtual
  // nodes as registered nodes (no kubelet here: the test is about placement).
  kubectl({"apply", "-f", std::string(KCI_SOURCE_DIR) + "/scenarios/seeds/manifests/seed-000-cluster.yaml"});
  std::ofstream(dir + "/virtual.yaml") << R"(apiVersion: v1
kind: Node
metadata:
  name: rbkci-virtual-kubelet
  labels: {type: virtual-kubelet, kubernetes.io/role: agent}
status:
  allocatable: {cpu: "1000", memory: 4000Gi, pods: "1000"}
  capacity: {cpu: "1000", memory: 4000Gi, pods: "1000"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Node
metadata:
  name: cn-zhangjiakou.vnd-8vbahalwna5205drcwvr
  labels: {type: virtual-kubelet, kubernetes.io/role: agent}
status:
  allocatable: {cpu: "1000", memory: 4000Gi, pods: "1000"}
  capacity: {cpu: "1000", memory: 4000Gi, pods: "1000"}
  conditions: [{type: Ready, status: "True"}]
)";
  kubectl({"apply", "-f", dir + "/virtual.yaml"});

  Process extender({binary, "extender", "--listen", "127.0.0.1:" + std::to_string(port), "--kubeconfig", kubeconfig});
  ASSERT_TRUE(extender.read_until([](const std::string& o) { return o.find("serving") != std::string::npos; },
                                  Clock::now() + kTimeout))
      << extender.out << extender.err;

  // The seed's Deployment, replicas 1, then scaled to 7 one replica at a time (as pods
  // arrive in a real burst, each decision sees the previous placement).
  std::ofstream(dir + "/nginx.yaml") << R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, labels: {app: nginx}}
spec:
  replicas: 1
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
        - {name: nginx, image: nginx, resources: {requests: {cpu: 100m, memory: 100Mi}}}
)";
  kubectl({"apply", "-f", dir + "/nginx.yaml"});
  std::map<std::string, int> placed;
  auto placement = [&] {
    placed.clear();
    const std::string out = kubectl({"get", "pods", "-l", "app=nginx", "-o",
                                     "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}"});
    std::istringstream lines(out);
    int bound = 0;
    for (std::string node; std::getline(lines, node);)
      if (!node.empty()) ++placed[node], ++bound;
    return bound;
  };
  for (int replicas = 1; replicas <= 7; ++replicas) {
    if (replicas > 1) kubectl({"scale", "deployment/nginx", "--replicas=" + std::to_string(replicas)});
    const auto deadline = Clock::now() + kTimeout;
    while (placement() < replicas && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(placement(), replicas) << "replicas " << replicas << ": not every pod was bound";
  }
  EXPECT_EQ(placed["10.0.0.179"] + placed["10.0.0.96"], 3);
  EXPECT_EQ(placed["rbkci-virtual-kubelet"], 3);
  EXPECT_EQ(placed["cn-zhangjiakou.vnd-8vbahalwna5205drcwvr"], 1);

  EXPECT_EQ(extender.terminate(Clock::now() + kTimeout), 0) << extender.err;
  EXPECT_EQ(server.terminate(Clock::now() + kTimeout), 0) << server.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kci
