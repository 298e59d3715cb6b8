// Real kubectl against `kci-vk fake-apiserver`: the binary is started on port 0, its
// kubeconfig is the only thing kubectl is given, and each test checks what kubectl prints.
// Skipped when kubectl is not installed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake-apiserver/local_pki.h"
#include "scenarios/test/process.h"

namespace kci {
namespace {

namespace fs = std::filesystem;
using testing_process::Clock;
using testing_process::Outcome;
using testing_process::Process;

constexpr const char* kKubectl = "/usr/bin/kubectl";
//! Generous bounds for a loaded 2-core machine; a healthy run takes a fraction of them.
constexpr auto kCommandTimeout = std::chrono::seconds(30);
constexpr auto kStartTimeout = std::chrono::seconds(20);

class Kubectl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kKubectl, X_OK) != 0) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
    const std::string binary = std::string(KCI_BINARY_DIR) + "/bin/kci-vk";
    ASSERT_EQ(access(binary.c_str(), X_OK), 0) << binary << " is not built";
    char tmpl[] = "/tmp/kci-kubectl-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    kubeconfig_ = dir_ + "/kubeconfig";
    server_ = std::make_unique<Process>(std::vector<std::string>{
        binary, "fake-apiserver", "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig_});
    ASSERT_TRUE(server_->started());
    const bool up = server_->read_until(
        [](const std::string& o) { return o.find("kubeconfig written") != std::string::npos; },
        Clock::now() + kStartTimeout);
    ASSERT_TRUE(up) << "the server did not start: " << server_->out << server_->err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(server_->out, m, std::regex("serving (http://127\\.0\\.0\\.1:[0-9]+)")));
    url_ = m[1];
  }

  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->terminate(Clock::now() + kStartTimeout), 0) << server_->err;
      EXPECT_NE(server_->out.find("stopped"), std::string::npos);
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::vector<std::string> argv(const std::vector<std::string>& args) const {
    std::vector<std::string> a = {kKubectl, "--kubeconfig", kubeconfig_};
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  std::vector<std::string> env() const {
    // A private HOME keeps kubectl's discovery cache out of the user's.
    return {"HOME=" + dir_, "KUBECONFIG="};
  }

  Outcome kubectl(const std::vector<std::string>& args) {
    Process p(argv(args), env());
    Outcome r;
    r.code = p.wait(Clock::now() + kCommandTimeout);
    r.out = p.out;
    r.err = p.err;
    return r;
  }
  //! Runs kubectl and expects success.
  std::string ok(const std::vector<std::string>& args) {
    Outcome r = kubectl(args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.code, 0) << "kubectl " << line << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return r.out;
  }

  //! Polls `kubectl args` until its output satisfies `done` (the controllers work on the
  //! server's own loop, a moment after the write that triggers them).
  template <class Pred>
  std::string eventually(const std::vector<std::string>& args, Pred done) {
    std::string out;
    const auto deadline = Clock::now() + kCommandTimeout;
    while (Clock::now() < deadline) {
      out = ok(args);
      if (done(out)) return out;
      usleep(200 * 1000);
    }
    return out;
  }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  //! Runs kubectl and parses what it prints as JSON.
  nlohmann::json ok_json(const std::vector<std::string>& args) {
    const std::string out = ok(args);
    nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << out;
    return j;
  }

  //! `kubectl create <create...>`, which sends the object in protobuf, against what kubectl
  //! means to send (the same command with --dry-run=client -o json, printed by kubectl's own
  //! JSON encoding of the object): every field of that must be in the stored object
  //! (`kubectl get <get...> -o json`) with the same value. The decoder's field numbers
  //! against the real thing.
  void expect_stored_as_meant(const std::vector<std::string>& create, const std::vector<std::string>& get);

  std::string dir_, kubeconfig_, url_;
  std::unique_ptr<Process> server_;
};

//! Where `expected` is not in `actual`, one line each: every field of `expected` must be in
//! `actual` with the same value (lists element by element), while `actual` may have more
//! (server-set metadata, defaults). A null in `expected` is an unset field (kubectl prints
//! creationTimestamp: null) and matches anything; the top-level status is the server's (it
//! resets it on create) and is not compared.
void missing_fields(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& path,
                    std::vector<std::string>& out) {
  if (expected.is_null()) return;
  const std::string here = path.empty() ? "the object" : path;
  if (expected.is_object()) {
    if (!actual.is_object()) {
      out.push_back(here + ": " + expected.dump() + " was stored as " + actual.dump());
      return;
    }
    for (const auto& [key, value] : expected.items()) {
      if (path.empty() && key == "status") continue;
      const std::string at = path.empty() ? key : path + "." + key;
      const auto it = actual.find(key);
      if (it == actual.end()) {
        if (!value.is_null()) out.push_back(at + ": " + value.dump() + " is missing");
        continue;
      }
      missing_fields(value, *it, at, out);
    }
    return;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      out.push_back(here + ": " + expected.dump() + " was stored as " + actual.dump());
      return;
    }
    for (std::size_t i = 0; i < expected.size(); ++i)
      missing_fields(expected[i], actual[i], path + "[" + std::to_string(i) + "]", out);
    return;
  }
  if (expected != actual) out.push_back(here + ": " + expected.dump() + " was stored as " + actual.dump());
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

void Kubectl::expect_stored_as_meant(const std::vector<std::string>& create, const std::vector<std::string>& get) {
  std::vector<std::string> dry = {"create", "--dry-run=client", "-o", "json"};
  dry.insert(dry.end(), create.begin(), create.end());
  const nlohmann::json meant = ok_json(dry);
  std::vector<std::string> real = {"create"};
  real.insert(real.end(), create.begin(), create.end());
  const std::string created = ok(real);
  EXPECT_NE(created.find(" created"), std::string::npos) << created;
  std::vector<std::string> read = {"get"};
  read.insert(read.end(), get.begin(), get.end());
  read.insert(read.end(), {"-o", "json"});
  const nlohmann::json stored = ok_json(read);
  std::vector<std::string> missing;
  missing_fields(meant, stored, "", missing);
  EXPECT_TRUE(missing.empty()) << "kubectl create " << joined(create, " ") << "\n  " << joined(missing, "\n  ")
                               << "\nmeant: " << meant.dump() << "\nstored: " << stored.dump();
}

//! Matches a table line: the words in order, separated by the padding kubectl prints.
::testing::AssertionResult has_row(const std::string& out, const std::vector<std::string>& cells) {
  std::string pattern = "(^|\\n)";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) pattern += " +";
    pattern += cells[i];
  }
  pattern += " *(\\n|$)";
  if (std::regex_search(out, std::regex(pattern))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no row /" << pattern << "/ in:\n" << out;
}

const char* kPod = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
)";

const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: front
spec:
  replicas: 2
  selector:
    matchLabels:
      app: front
  template:
    metadata:
      labels:
        app: front
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        env:
        - name: MODE
          value: a
)";

TEST_F(Kubectl, GetPrintsServerSideTables) {
  const Outcome empty = kubectl({"get", "pods"});
  EXPECT_EQ(empty.code, 0) << empty.err;
  EXPECT_NE(empty.err.find("No resources found in default namespace."), std::string::npos) << empty.err;

  EXPECT_EQ(ok({"create", "-f", write("pod.yaml", kPod)}), "pod/web created\n");
  const std::string get = ok({"get", "pods"});
  EXPECT_TRUE(has_row(get, {"NAME", "READY", "STATUS", "RESTARTS", "AGE"}));
  EXPECT_TRUE(has_row(get, {"web", "0/1", "Pending", "0", "[0-9]+s"}));

  const std::string wide = ok({"get", "pods", "-o", "wide"});
  EXPECT_TRUE(has_row(wide, {"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                             "NOMINATED NODE", "READINESS GATES"}));
  EXPECT_TRUE(has_row(wide, {"web", "0/1", "Pending", "0", "[0-9]+s", "<none>", "<none>",
                             "<none>", "<none>"}));

  const std::string all = ok({"get", "pods", "-A"});
  EXPECT_TRUE(has_row(all, {"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"}));
  EXPECT_TRUE(has_row(all, {"default", "web", "0/1", "Pending", "0", "[0-9]+s"}));

  const std::string ns = ok({"get", "namespaces"});
  EXPECT_TRUE(has_row(ns, {"NAME", "STATUS", "AGE"}));
  EXPECT_TRUE(has_row(ns, {"kube-system", "Active", "[0-9]+s"}));

  const std::string yaml = ok({"get", "pod", "web", "-o", "yaml"});
  EXPECT_NE(yaml.find("image: nginx:1.25"), std::string::npos);
  EXPECT_EQ(ok({"get", "pod", "web", "-o", "jsonpath={.spec.containers[0].name}"}), "nginx");

  const Outcome missing = kubectl({"get", "pod", "nope"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("Error from server (NotFound): pods \"nope\" not found"), std::string::npos)
      << missing.err;
}

TEST_F(Kubectl, NodesLeasesEventsConfigMapsSecrets) {
  ok({"create", "-f", write("node.yaml", R"(apiVersion: v1
kind: Node
metadata:
  name: vk-1
  labels:
    kubernetes.io/role: agent
    type: virtual-kubelet
status:
  addresses:
  - type: InternalIP
    address: 10.1.0.2
  conditions:
  - type: Ready
    status: "True"
  nodeInfo:
    kubeletVersion: v1.32.0-kci
    osImage: KCI
    kernelVersion: "5.10"
    containerRuntimeVersion: kci://1.0
)")});
  const std::string nodes = ok({"get", "nodes", "-o", "wide"});
  EXPECT_TRUE(has_row(nodes, {"NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP",
                              "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"}));
  // Status is written by the status subresource only, so a created Node starts without it.
  EXPECT_TRUE(has_row(nodes, {"vk-1", "(Ready|Unknown)", "agent", "[0-9]+s", "\\S*", "\\S+", "<none>",
                              "\\S+", "\\S+", "\\S+"}));

  ok({"create", "-f", write("lease.yaml", R"(apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: vk-1
  namespace: kube-node-lease
spec:
  holderIdentity: vk-1
  leaseDurationSeconds: 40
)")});
  const std::string leases = ok({"get", "leases", "-n", "kube-node-lease"});
  EXPECT_TRUE(has_row(leases, {"NAME", "HOLDER", "AGE"}));
  EXPECT_TRUE(has_row(leases, {"vk-1", "vk-1", "[0-9]+s"}));

  ok({"create", "-f", write("cm.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
  b: "2"
)")});
  const std::string cms = ok({"get", "configmaps"});
  EXPECT_TRUE(has_row(cms, {"NAME", "DATA", "AGE"}));
  EXPECT_TRUE(has_row(cms, {"settings", "2", "[0-9]+s"}));
  ok({"create", "-f", write("secret.yaml", R"(apiVersion: v1
kind: Secret
metadata:
  name: creds
type: Opaque
data:
  k: dg==
)")});
  EXPECT_TRUE(has_row(ok({"get", "secrets"}), {"creds", "Opaque", "1", "[0-9]+s"}));
  // kubectl's generators (create configmap/secret) send protobuf, which the fake decodes.
  EXPECT_EQ(ok({"create", "configmap", "other", "--from-literal=a=1"}), "configmap/other created\n");
  EXPECT_TRUE(has_row(ok({"get", "configmaps"}), {"other", "1", "[0-9]+s"}));
}

TEST_F(Kubectl, ApplyScaleLabelAnnotateDelete) {
  const std::string manifest = write("deploy.yaml", kDeployment);
  EXPECT_EQ(ok({"apply", "-f", manifest}), "deployment.apps/front created\n");
  EXPECT_EQ(ok({"apply", "-f", manifest}), "deployment.apps/front unchanged\n");
  std::string changed = kDeployment;
  changed.replace(changed.find("value: a"), 8, "value: b");
  changed.replace(changed.find("replicas: 2"), 11, "replicas: 4");
  EXPECT_EQ(ok({"apply", "-f", write("deploy2.yaml", changed)}), "deployment.apps/front configured\n");
  EXPECT_EQ(ok({"get", "deploy", "front", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].env[0].value}"}),
            "4 b");
  EXPECT_NE(ok({"get", "deploy", "front", "-o", "yaml"}).find("kubectl.kubernetes.io/last-applied-configuration"),
            std::string::npos);

  const std::string deploys = ok({"get", "deployments", "-o", "wide"});
  EXPECT_TRUE(has_row(deploys, {"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS",
                                "IMAGES", "SELECTOR"}));
  EXPECT_TRUE(has_row(deploys, {"front", "[0-9]+/4", "[0-9]+", "[0-9]+", "[0-9]+s", "nginx",
                                "nginx:1.25", "app=front"}));

  EXPECT_EQ(ok({"scale", "deployment", "front", "--replicas=3"}), "deployment.apps/front scaled\n");
  EXPECT_EQ(ok({"get", "deploy", "front", "-o", "jsonpath={.spec.replicas}"}), "3");

  EXPECT_EQ(ok({"label", "deployment", "front", "tier=edge"}), "deployment.apps/front labeled\n");
  EXPECT_TRUE(has_row(ok({"get", "deploy", "-l", "tier=edge"}), {"front", "[0-9]+/3", "[0-9]+", "[0-9]+", "[0-9]+s"}));
  EXPECT_EQ(ok({"annotate", "deployment", "front", "owner=team-a"}), "deployment.apps/front annotated\n");
  EXPECT_EQ(ok({"get", "deploy", "front", "-o", "jsonpath={.metadata.annotations.owner}"}), "team-a");

  EXPECT_EQ(ok({"create", "-f", write("pod.yaml", kPod)}), "pod/web created\n");
  EXPECT_EQ(ok({"label", "pod", "web", "tier=front"}), "pod/web labeled\n");
  EXPECT_NE(ok({"get", "pods", "--show-labels"}).find("tier=front"), std::string::npos);
  EXPECT_EQ(ok({"delete", "pod", "web"}), "pod \"web\" deleted\n");
  EXPECT_EQ(ok({"delete", "-f", manifest}), "deployment.apps \"front\" deleted\n");
  const Outcome gone = kubectl({"get", "deploy", "front"});
  EXPECT_EQ(gone.code, 1);
  EXPECT_NE(gone.err.find("NotFound"), std::string::npos);
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST_F(Kubectl, DeploymentScaleReachesReplicaSetAndPods) {
  std::string manifest = kDeployment;
  manifest.replace(manifest.find("replicas: 2"), 11, "replicas: 1");
  for (std::size_t at; (at = manifest.find("front")) != std::string::npos;) manifest.replace(at, 5, "api");
  EXPECT_EQ(ok({"create", "-f", write("api.yaml", manifest)}), "deployment.apps/api created\n");
  std::string rs = eventually({"get", "rs"}, [](const std::string& o) {
    return std::regex_search(o, std::regex("api-[a-z0-9]+ +1 +1 +0"));
  });
  EXPECT_TRUE(has_row(rs, {"NAME", "DESIRED", "CURRENT", "READY", "AGE"}));
  EXPECT_TRUE(has_row(rs, {"api-[a-z0-9]+", "1", "1", "0", "[0-9]+s"}));
  EXPECT_EQ(ok({"scale", "deployment", "api", "--replicas=3"}), "deployment.apps/api scaled\n");
  rs = eventually({"get", "rs"}, [](const std::string& o) {
    return std::regex_search(o, std::regex("api-[a-z0-9]+ +3 +3 +0"));
  });
  EXPECT_TRUE(has_row(rs, {"api-[a-z0-9]+", "3", "3", "0", "[0-9]+s"}));
  const std::string pods = ok({"get", "pods", "-l", "app=api", "-o", "name"});
  EXPECT_EQ(lines(pods), 3u) << pods;
  const std::string d = eventually({"get", "deploy", "api"}, [](const std::string& o) {
    return std::regex_search(o, std::regex("api +0/3 +3 +0"));
  });
  EXPECT_TRUE(has_row(d, {"api", "0/3", "3", "0", "[0-9]+s"}));
  EXPECT_EQ(ok({"scale", "deployment", "api", "--replicas=1"}), "deployment.apps/api scaled\n");
  const std::string one = eventually({"get", "pods", "-l", "app=api", "-o", "name"},
                                     [](const std::string& o) { return lines(o) == 1; });
  EXPECT_EQ(lines(one), 1u) << one;
  // Deleting the Deployment takes its ReplicaSet and pods with it (the garbage collector).
  EXPECT_EQ(ok({"delete", "deployment", "api"}), "deployment.apps \"api\" deleted\n");
  const std::string left = eventually({"get", "rs,pods", "-o", "name"},
                                      [](const std::string& o) { return o.empty(); });
  EXPECT_EQ(left, "");
}

TEST_F(Kubectl, DescribeShowsTheObjectAndItsEvents) {
  ok({"create", "-f", write("pod.yaml", kPod)});
  const std::string uid = ok({"get", "pod", "web", "-o", "jsonpath={.metadata.uid}"});
  ASSERT_FALSE(uid.empty());
  ok({"create", "-f", write("event.yaml", R"(apiVersion: v1
kind: Event
metadata:
  name: web.probe
  namespace: default
involvedObject:
  apiVersion: v1
  kind: Pod
  name: web
  namespace: default
  uid: )" + uid + R"(
reason: ProviderCreateFailed
message: no stock of the instance type in cn-beijing-6a
type: Warning
source:
  component: kci-vk
count: 2
firstTimestamp: "2024-01-01T00:00:00Z"
lastTimestamp: "2024-01-01T00:00:00Z"
)")});
  const std::string d = ok({"describe", "pod", "web"});
  EXPECT_TRUE(has_row(d, {"Name:", "web"}));
  EXPECT_TRUE(has_row(d, {"Namespace:", "default"}));
  EXPECT_NE(d.find("Status:"), std::string::npos);
  EXPECT_NE(d.find("nginx:1.25"), std::string::npos);
  EXPECT_NE(d.find("Events:"), std::string::npos);
  EXPECT_NE(d.find("ProviderCreateFailed"), std::string::npos) << d;
  EXPECT_NE(d.find("no stock of the instance type"), std::string::npos);

  const std::string events = ok({"get", "events"});
  EXPECT_TRUE(has_row(events, {"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}));
  EXPECT_NE(events.find("pod/web"), std::string::npos) << events;

  ok({"apply", "-f", write("deploy.yaml", kDeployment)});
  const std::string dd = ok({"describe", "deployment", "front"});
  EXPECT_TRUE(has_row(dd, {"Name:", "front"}));
  EXPECT_NE(dd.find("Replicas:"), std::string::npos);
}

TEST_F(Kubectl, GetWatchPrintsChanges) {
  ok({"create", "-f", write("pod.yaml", kPod)});
  // --request-timeout bounds the watch: the server ends the stream and kubectl exits.
  Process watch(argv({"get", "pods", "--watch", "--request-timeout=8s"}), env());
  ASSERT_TRUE(watch.started());
  ASSERT_TRUE(watch.read_until([](const std::string& o) { return o.find("web") != std::string::npos; },
                               Clock::now() + kCommandTimeout))
      << watch.err;
  std::string second = kPod;
  second.replace(second.find("name: web"), 9, "name: api");
  ok({"create", "-f", write("pod2.yaml", second)});
  ASSERT_TRUE(watch.read_until([](const std::string& o) { return o.find("api") != std::string::npos; },
                               Clock::now() + kCommandTimeout))
      << watch.out << watch.err;
  watch.wait(Clock::now() + kCommandTimeout);
  EXPECT_TRUE(has_row(watch.out, {"NAME", "READY", "STATUS", "RESTARTS", "AGE"}));
  EXPECT_TRUE(has_row(watch.out, {"web", "0/1", "Pending", "0", "[0-9]+s"}));
  EXPECT_TRUE(has_row(watch.out, {"api", "0/1", "Pending", "0", "[0-9]+s"}));
  // The header is printed once.
  EXPECT_EQ(watch.out.find("NAME"), watch.out.rfind("NAME")) << watch.out;
}

TEST_F(Kubectl, CustomResourcesWithPrinterColumns) {
  ok({"apply", "-f", write("crd.yaml", R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: profiles.kci.ksyun.com
spec:
  group: kci.ksyun.com
  scope: Namespaced
  names:
    plural: profiles
    singular: profile
    kind: Profile
    shortNames: [kp]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
    additionalPrinterColumns:
    - name: Weight
      type: integer
      jsonPath: .spec.weight
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
)")});
  EXPECT_EQ(ok({"apply", "-f", write("profile.yaml", R"(apiVersion: kci.ksyun.com/v1
kind: Profile
metadata:
  name: gpu
spec:
  weight: 7
)")}),
            "profile.kci.ksyun.com/gpu created\n");
  const std::string got = ok({"get", "kp"});
  EXPECT_TRUE(has_row(got, {"NAME", "WEIGHT", "AGE"}));
  EXPECT_TRUE(has_row(got, {"gpu", "7", "[0-9]+s"}));
  EXPECT_EQ(ok({"label", "profile", "gpu", "tier=a"}), "profile.kci.ksyun.com/gpu labeled\n");
  EXPECT_EQ(ok({"delete", "profile", "gpu"}), "profile.kci.ksyun.com \"gpu\" deleted\n");
}

// ---- protobuf bodies: kubectl's generators ---------------------------------------------------
// `kubectl create <kind>` encodes the object in protobuf; each case compares what the server
// stored with what kubectl meant, with many flags set.

TEST_F(Kubectl, CreateNamespaceDeploymentJobInProtobuf) {
  // Seed 003's step, then the namespace as stored.
  expect_stored_as_meant({"ns", "vk"}, {"ns", "vk"});
  EXPECT_TRUE(has_row(ok({"get", "ns", "vk"}), {"vk", "Active", "[0-9]+s"}));
  expect_stored_as_meant({"deployment", "web", "--image=nginx", "--replicas=3"}, {"deploy", "web"});
  // Two images, a port, and --replicas=0 (a pointer: 0 is kept, not left out).
  expect_stored_as_meant({"deployment", "two", "-n", "vk", "--image=nginx:1.25", "--image=busybox", "--replicas=0",
                          "--port=8080"},
                         {"deploy", "two", "-n", "vk"});
  EXPECT_EQ(ok({"get", "deploy", "two", "-n", "vk", "-o", "jsonpath={.spec.replicas}"}), "0");
  expect_stored_as_meant({"deployment", "cmd", "--image=busybox", "--port=80", "--", "sh", "-c", "sleep 3600"},
                         {"deploy", "cmd"});
  expect_stored_as_meant({"job", "j1", "--image=busybox", "--", "sh", "-c", "echo hi"}, {"job", "j1"});
}

TEST_F(Kubectl, CreateConfigMapsAndSecretsInProtobuf) {
  // Bytes that are not UTF-8 go to binaryData (bytes on the wire, base64 in JSON).
  const std::string binary = write("logo.png", std::string("\x89PNG\r\n\x1a\n\x00\x01\xff\xfe", 12));
  const std::string text = write("app.properties", "mode=a\nlevel=2\n");
  const std::string env = write("app.env", "A=1\nB=two words\n");
  expect_stored_as_meant({"configmap", "files", "--from-literal=a=1", "--from-literal=empty=",
                          "--from-file=logo=" + binary, "--from-file=" + text},
                         {"cm", "files"});
  expect_stored_as_meant({"configmap", "env", "--from-env-file=" + env}, {"cm", "env"});
  expect_stored_as_meant({"secret", "generic", "creds", "--from-literal=user=admin", "--from-file=logo=" + binary,
                          "--type=Opaque"},
                         {"secret", "creds"});
  const tls::LocalPki pki;
  expect_stored_as_meant({"secret", "tls", "web-tls", "--cert=" + pki.file("server.crt"), "--key=" + pki.file("server.key")},
                         {"secret", "web-tls"});
  expect_stored_as_meant({"secret", "docker-registry", "pull", "--docker-server=registry.example.com",
                          "--docker-username=u", "--docker-password=p", "--docker-email=u@example.com"},
                         {"secret", "pull"});
  expect_stored_as_meant({"serviceaccount", "robot"}, {"sa", "robot"});
}

TEST_F(Kubectl, CreateServicesInProtobuf) {
  expect_stored_as_meant({"service", "clusterip", "api", "--tcp=80:8080", "--tcp=443:8443"}, {"svc", "api"});
  expect_stored_as_meant({"service", "clusterip", "headless", "--clusterip=None"}, {"svc", "headless"});
  expect_stored_as_meant({"service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"}, {"svc", "np"});
  expect_stored_as_meant({"service", "loadbalancer", "lb", "--tcp=80:8080"}, {"svc", "lb"});
  expect_stored_as_meant({"service", "externalname", "ext", "--external-name=db.example.com", "--tcp=5432"},
                         {"svc", "ext"});
}

TEST_F(Kubectl, CreateRbacAndPriorityClassesInProtobuf) {
  expect_stored_as_meant({"role", "reader", "--verb=get,list", "--resource=pods,deployments.apps",
                          "--resource-name=a", "--resource-name=b"},
                         {"role", "reader"});
  expect_stored_as_meant({"clusterrole", "logs", "--verb=get", "--non-resource-url=/logs/*",
                          "--non-resource-url=/healthz"},
                         {"clusterrole", "logs"});
  expect_stored_as_meant({"clusterrole", "monitoring", "--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true"},
                         {"clusterrole", "monitoring"});
  expect_stored_as_meant({"rolebinding", "read", "--role=reader", "--user=u", "--group=g",
                          "--serviceaccount=default:robot"},
                         {"rolebinding", "read"});
  expect_stored_as_meant({"clusterrolebinding", "read-logs", "--clusterrole=logs", "--user=u", "--group=g",
                          "--serviceaccount=default:robot"},
                         {"clusterrolebinding", "read-logs"});
  expect_stored_as_meant({"priorityclass", "high", "--value=1000", "--global-default=false", "--description=for the front",
                          "--preemption-policy=Never"},
                         {"priorityclass", "high"});
  // value has no omitempty: 0 is sent and kept.
  expect_stored_as_meant({"priorityclass", "zero", "--value=0"}, {"priorityclass", "zero"});
  EXPECT_EQ(ok({"get", "priorityclass", "zero", "-o", "jsonpath={.value}"}), "0");
}

//! A pod with most of PodSpec and Container set (every field non-zero: Go's JSON would leave
//! a zero omitempty field out, the manifest would not).
const char* kRichPod = R"yaml(apiVersion: v1
kind: Pod
metadata:
  name: rich
  labels: {app: rich}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 0
  activeDeadlineSeconds: 3600
  dnsPolicy: ClusterFirst
  nodeSelector: {disk: ssd}
  serviceAccountName: default
  automountServiceAccountToken: false
  hostname: h1
  subdomain: sub
  schedulerName: default-scheduler
  enableServiceLinks: false
  shareProcessNamespace: true
  preemptionPolicy: PreemptLowerPriority
  hostUsers: true
  os: {name: linux}
  readinessGates: [{conditionType: "example.com/ready"}]
  schedulingGates: [{name: "example.com/gate"}]
  imagePullSecrets: [{name: regcred}]
  hostAliases: [{ip: 10.0.0.1, hostnames: [a.example, b.example]}]
  dnsConfig:
    nameservers: [1.1.1.1]
    searches: [example.com]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    runAsNonRoot: true
    fsGroup: 2000
    fsGroupChangePolicy: OnRootMismatch
    supplementalGroups: [4000, 0]
    sysctls: [{name: net.core.somaxconn, value: "1024"}]
    seccompProfile: {type: RuntimeDefault}
    seLinuxOptions: {level: "s0:c1,c2"}
  tolerations:
  - {key: k, operator: Equal, value: v, effect: NoSchedule}
  - {operator: Exists, effect: NoExecute, tolerationSeconds: 30}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: zone, operator: In, values: [a, b]}]
          matchFields: [{key: metadata.name, operator: NotIn, values: [n0]}]
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 10
        preference: {matchExpressions: [{key: gpu, operator: Exists}]}
    podAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 5
        podAffinityTerm:
          labelSelector: {matchLabels: {app: db}}
          topologyKey: kubernetes.io/hostname
          namespaces: [default]
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchExpressions: [{key: app, operator: In, values: [rich]}]}
        topologyKey: zone
        namespaceSelector: {}
        matchLabelKeys: [pod-template-hash]
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector: {matchLabels: {app: rich}}
    minDomains: 2
    nodeAffinityPolicy: Honor
    nodeTaintsPolicy: Ignore
    matchLabelKeys: [pod-template-hash]
  volumes:
  - name: scratch
    emptyDir: {medium: Memory, sizeLimit: 64Mi}
  - name: cfg
    configMap: {name: cm1, items: [{key: a, path: a.txt, mode: 0400}], defaultMode: 0644, optional: true}
  - name: sec
    secret: {secretName: s1, optional: false, defaultMode: 0600}
  - name: proj
    projected:
      defaultMode: 0440
      sources:
      - serviceAccountToken: {audience: api, expirationSeconds: 3600, path: token}
      - downwardAPI:
          items:
          - {path: labels, fieldRef: {fieldPath: metadata.labels}}
          - {path: cpu, resourceFieldRef: {containerName: main, resource: limits.cpu, divisor: 1m}}
      - configMap: {name: cm1, items: [{key: a, path: cm-a}]}
      - secret: {name: s1, optional: true}
  - name: host
    hostPath: {path: /var/log, type: Directory}
  - name: claim
    persistentVolumeClaim: {claimName: data, readOnly: true}
  - name: csi
    csi: {driver: csi.example.com, readOnly: true, fsType: ext4, volumeAttributes: {size: "1"}, nodePublishSecretRef: {name: s1}}
  - name: eph
    ephemeral:
      volumeClaimTemplate:
        metadata: {labels: {t: eph}}
        spec: {accessModes: [ReadWriteOnce], storageClassName: fast, resources: {requests: {storage: 1Gi}}}
  - name: nfs
    nfs: {server: nfs.example.com, path: /export, readOnly: true}
  - name: dapi
    downwardAPI: {items: [{path: name, fieldRef: {apiVersion: v1, fieldPath: metadata.name}}]}
  containers:
  - name: main
    image: nginx:1.25
    imagePullPolicy: IfNotPresent
    command: [nginx]
    args: ["-g", "daemon off;"]
    workingDir: /srv
    ports:
    - {name: http, containerPort: 80, protocol: TCP}
    - {containerPort: 53, protocol: UDP, hostPort: 5353, hostIP: 0.0.0.0}
    env:
    - {name: PLAIN, value: "1"}
    - {name: FROM_FIELD, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: FROM_RES, valueFrom: {resourceFieldRef: {resource: requests.memory, divisor: 1Mi}}}
    - {name: FROM_CM, valueFrom: {configMapKeyRef: {name: cm1, key: a, optional: true}}}
    - {name: FROM_SEC, valueFrom: {secretKeyRef: {name: s1, key: k}}}
    envFrom:
    - {prefix: CM_, configMapRef: {name: cm1, optional: true}}
    - {secretRef: {name: s1}}
    resources:
      limits: {cpu: 500m, memory: 256Mi}
      requests: {cpu: 250m, memory: 128Mi}
    resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
    volumeMounts:
    - {name: scratch, mountPath: /tmp}
    - {name: cfg, mountPath: /etc/cfg, readOnly: true, subPath: a.txt}
    - {name: host, mountPath: /host, readOnly: true, mountPropagation: HostToContainer}
    - {name: sec, mountPath: /sec, subPathExpr: "$(PLAIN)", readOnly: true, recursiveReadOnly: Disabled}
    livenessProbe:
      httpGet: {path: /healthz, port: http, scheme: HTTP, httpHeaders: [{name: X-Probe, value: "1"}]}
      initialDelaySeconds: 5
      periodSeconds: 10
      timeoutSeconds: 2
      successThreshold: 1
      failureThreshold: 3
      terminationGracePeriodSeconds: 15
    readinessProbe:
      tcpSocket: {port: 80}
    startupProbe:
      grpc: {port: 9090, service: health}
    lifecycle:
      postStart: {exec: {command: [sh, -c, "echo up"]}}
      preStop: {sleep: {seconds: 5}}
    securityContext:
      privileged: false
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      runAsUser: 1001
      runAsNonRoot: true
      capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
      seccompProfile: {type: Localhost, localhostProfile: profiles/x.json}
      appArmorProfile: {type: RuntimeDefault}
      procMount: Default
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: FallbackToLogsOnError
    stdin: true
    stdinOnce: true
    tty: true
  - name: side
    image: busybox
    lifecycle:
      preStop: {httpGet: {port: 8080, host: localhost, path: /stop}}
      postStart: {tcpSocket: {port: 8080, host: localhost}}
    readinessProbe:
      exec: {command: ["true"]}
)yaml";

TEST_F(Kubectl, DebugCopySendsTheWholePodSpecInProtobuf) {
  // `kubectl debug --copy-to` reads a pod (created here from a manifest, in JSON) and
  // creates its copy with one more container through the typed client, in protobuf: the
  // whole PodSpec through the decoder, field numbers against kubectl's own encoder.
  ok({"create", "-f", write("rich.yaml", kRichPod)});
  ok({"debug", "rich", "--copy-to=rich-copy", "--image=busybox", "--container=debugger"});
  const nlohmann::json original = ok_json({"get", "pod", "rich", "-o", "json"})["spec"];
  nlohmann::json copy = ok_json({"get", "pod", "rich-copy", "-o", "json"})["spec"];
  ASSERT_TRUE(copy["containers"].is_array() && !copy["containers"].empty()) << copy.dump();
  EXPECT_EQ(copy["containers"].back()["name"], "debugger");
  copy["containers"].erase(copy["containers"].size() - 1);
  // Both ways: nothing lost, nothing invented (a null the copy gains, such as the claim
  // template's creationTimestamp, is Go's JSON of an unset time).
  std::vector<std::string> lost, invented;
  missing_fields(original, copy, "spec", lost);
  missing_fields(copy, original, "spec", invented);
  EXPECT_TRUE(lost.empty()) << "lost in the copy:\n  " << joined(lost, "\n  ");
  EXPECT_TRUE(invented.empty()) << "not in the original:\n  " << joined(invented, "\n  ");
  EXPECT_EQ(copy["volumes"].size(), 10u);
}

}  // namespace
}  // namespace kci
