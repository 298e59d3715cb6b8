// `kci-vk up`, as a person uses it: the embedded cluster on loopback, then seed 001's kubectl
// steps by hand. kubectl get node shows the virtual nodes Ready with ROLES agent; a pod on a
// virtual node runs, `kubectl get pod -o wide` shows its NODE, `kubectl describe pod` its
// events and `kubectl logs` its log through the node's kubelet API. Skipped without kubectl.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <fstream>
#include <regex>
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

TEST(UpCommand, SeedOneKubectlStepsAgainstTheEmbeddedCluster) {
  if (access(kKubectl, X_OK) != 0) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
  const std::string binary = std::string(KCI_BINARY_DIR) + "/bin/kci-vk";
  char tmpl[] = "/tmp/kci-up-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::ofstream(dir + "/cloud.yaml") << "latency: {create: 100ms, start: 200ms}\n";
  const std::string kubeconfig = dir + "/kubeconfig";
  // The kubelet APIs take two consecutive ports: a free one and the next, which another test
  // running in parallel may hold; `up` then says so and exits, and the test tries other ports.
  int base = 0;
  std::unique_ptr<Process> started;
  for (int attempt = 0; attempt < 5 && !started; ++attempt) {
    base = free_port();
    auto up = std::make_unique<Process>(std::vector<std::string>{
        binary, "up", "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig, "--kubelet-port-base",
        std::to_string(base), "--kci-config", dir + "/cloud.yaml"});
    const bool ready = up->read_until([](const std::string& o) { return o.find("try: export") != std::string::npos; },
                                      Clock::now() + kTimeout);
    if (ready) {
      started = std::move(up);
    } else {
      up->wait(Clock::now() + kTimeout);
      ASSERT_NE(up->err.find("Address already in use"), std::string::npos) << up->out << up->err;
    }
  }
  ASSERT_TRUE(started) << "no two consecutive free ports in five attempts";
  Process& up = *started;
  EXPECT_NE(up.out.find("virtual node virtual-kubelet01, kubelet API http://127.0.0.1:" + std::to_string(base + 1)),
            std::string::npos)
      << up.out;

  const std::vector<std::string> env = {"HOME=" + dir, "KUBECONFIG="};
  auto kubectl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kKubectl, "--kubeconfig", kubeconfig});
    Process p(args, env);
    p.wait(Clock::now() + kTimeout);
    return p.out + p.err;
  };
  auto eventually = [&](std::vector<std::string> args, const std::regex& want) {
    std::string got;
    for (auto deadline = Clock::now() + kTimeout; Clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
      got = kubectl(args);
      if (std::regex_search(got, want)) return got;
    }
    ADD_FAILURE() << "never matched: " << got;
    return got;
  };
  // Seed 001: "virtual-kubelet01 Ready agent 55m v1.17.6-vk-v1.6.0".
  eventually({"get", "node"}, std::regex("virtual-kubelet01\\s+Ready\\s+agent"));
  eventually({"get", "node"}, std::regex("rbkci-virtual-kubelet\\s+Ready\\s+agent"));

  std::ofstream(dir + "/pod.yaml") << R"(apiVersion: v1
kind: Pod
metadata: {name: nginx, namespace: default}
spec:
  nodeName: virtual-kubelet01
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
  containers: [{name: nginx, image: "nginx:1.25"}]
)";
  kubectl({"apply", "-f", dir + "/pod.yaml"});
  eventually({"get", "pod", "-o", "wide"}, std::regex("nginx\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+\\S+\\s+virtual-kubelet01"));
  const std::string describe = kubectl({"describe", "pod", "nginx"});
  EXPECT_NE(describe.find("ProviderCreateSuccess"), std::string::npos) << describe;
  EXPECT_NE(kubectl({"logs", "nginx"}).find("nginx: started nginx:1.25"), std::string::npos);

  EXPECT_EQ(up.terminate(Clock::now() + kTimeout), 0) << up.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kci
