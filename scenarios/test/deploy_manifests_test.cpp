// The deployment material under provider/deploy/: every YAML document parses and names
// itself; RBAC never grants cluster-admin and binds every ServiceAccount a workload runs as;
// the virtual kubelet's Deployment carries every flag and variable of seed 001; every
// Deployment's args are accepted by the command's own flag parser (with the manifest's env,
// placeholders replaced as an operator would); and, when kubectl is installed, every
// manifest applies to `kci-vk fake-apiserver` and make-certs.sh creates its Secrets there,
// and with RBAC enforced (--authorization-mode RBAC) the virtual kubelet, the extender and
// the profile webhook do their work as their ServiceAccounts without a refused request,
// while a role with one rule removed gets the component refused.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/k8s/yaml.h"
#include "scenarios/cmd_extender.h"
#include "scenarios/cmd_provider.h"
#include "scenarios/test/process.h"
#include "fake-apiserver/local_pki.h"

namespace kci {
namespace {

using k8s::Json;
using testing_process::Clock;
using testing_process::Process;

namespace fs = std::filesystem;

constexpr const char* kKubectl = "/usr/bin/kubectl";
constexpr auto kTimeout = std::chrono::seconds(30);

const fs::path kDeployDir = fs::path(KCI_SOURCE_DIR) / "provider" / "deploy";

//! What an operator puts in place of each ${...} (the headers of the manifests list them).
const std::map<std::string, std::string>& placeholder_values() {
  static const std::map<std::string, std::string> values{
      {"kci_vk_image", "kci-vk:test"},
      {"nodename", "rbkci-virtual-kubelet"},
      {"cluster_dns", "10.254.0.10"},
      {"virtual_node_dns", "10.0.0.2"},
      {"kci_region", "cn-beijing-6"},
      {"cluster_id", "c0ffee00-1111-2222-3333-444455556666"},
      {"subnet_id", "subnet-1"},
      {"security_group_ids", "sg-1,sg-2"},
      {"cluster_server", "10.0.0.1:6443"},
      {"access_key", "AKLTtest"},
      {"secret_key", "SKtest"},
      {"kci_base_image", "base-image-1"},  // in a comment of vk.yaml (seed 000's option)
  };
  return values;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

//! ${name} -> its value; an unknown name is a failure (a header forgot to list it).
std::string substitute(const std::string& text, const std::string& file) {
  static const std::regex placeholder(R"(\$\{([A-Za-z0-9_]+)\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), placeholder);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += text.substr(last, static_cast<std::size_t>(it->position()) - last);
    const std::string name = (*it)[1];
    auto v = placeholder_values().find(name);
    EXPECT_NE(v, placeholder_values().end()) << file << ": placeholder ${" << name << "} has no test value";
    out += v == placeholder_values().end() ? "" : v->second;
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  return out + text.substr(last);
}

struct Doc {
  std::string file;  //!< relative to provider/deploy/
  Json object;
};

std::vector<fs::path> yaml_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(kDeployDir))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

//! Every document of every manifest, placeholders replaced.
const std::vector<Doc>& all_docs() {
  static const std::vector<Doc> docs = [] {
    std::vector<Doc> out;
    for (const auto& f : yaml_files()) {
      const std::string rel = fs::relative(f, kDeployDir).string();
      auto parsed = k8s::yaml_documents(substitute(read_text(f), rel));
      EXPECT_TRUE(parsed.ok()) << rel << ": " << (parsed.ok() ? "" : parsed.error().message);
      if (!parsed.ok()) continue;
      for (auto& d : *parsed)
        if (!d.is_null()) out.push_back({rel, std::move(d)});
    }
    return out;
  }();
  return docs;
}

std::string name_of(const Json& o) { return o.value("metadata", Json::object()).value("name", ""); }
std::string namespace_of(const Json& o) { return o.value("metadata", Json::object()).value("namespace", ""); }

const Json* find(const std::string& kind, const std::string& name) {
  for (const auto& d : all_docs())
    if (d.object.value("kind", "") == kind && name_of(d.object) == name) return &d.object;
  return nullptr;
}

//! A component configuration file that kube-scheduler reads with --config; not an API object.
bool is_component_config(const Json& o) { return o.value("kind", "") == "KubeSchedulerConfiguration"; }

TEST(DeployManifests, EveryDocumentParsesAndNamesItself) {
  ASSERT_FALSE(yaml_files().empty());
  std::set<std::string> files_with_docs;
  for (const auto& f : yaml_files()) {
    // Also as shipped, before substitution: the placeholders must not break the YAML.
    auto raw = k8s::yaml_documents(read_text(f));
    EXPECT_TRUE(raw.ok()) << f << ": " << (raw.ok() ? "" : raw.error().message);
  }
  for (const auto& d : all_docs()) {
    files_with_docs.insert(d.file);
    ASSERT_TRUE(d.object.is_object()) << d.file;
    EXPECT_FALSE(d.object.value("apiVersion", "").empty()) << d.file << ": a document without apiVersion";
    EXPECT_FALSE(d.object.value("kind", "").empty()) << d.file << ": a document without kind";
    if (is_component_config(d.object)) continue;
    EXPECT_FALSE(name_of(d.object).empty()) << d.file << ": " << d.object.value("kind", "") << " without metadata.name";
  }
  EXPECT_EQ(files_with_docs.size(), yaml_files().size());
  for (const char* kind : {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Service",
                           "MutatingWebhookConfiguration", "CustomResourceDefinition", "Job"}) {
    bool found = false;
    for (const auto& d : all_docs()) found |= d.object.value("kind", "") == kind;
    EXPECT_TRUE(found) << "no " << kind << " under provider/deploy/";
  }
}

TEST(DeployManifests, RbacIsLeastPrivilege) {
  for (const auto& d : all_docs()) {
    const std::string kind = d.object.value("kind", "");
    if (kind == "ClusterRoleBinding" || kind == "RoleBinding") {
      const Json ref = d.object.value("roleRef", Json::object());
      EXPECT_NE(ref.value("name", ""), "cluster-admin") << d.file << ": " << name_of(d.object);
      EXPECT_NE(ref.value("name", ""), "admin") << d.file << ": " << name_of(d.object);
      EXPECT_NE(ref.value("name", ""), "edit") << d.file << ": " << name_of(d.object);
      // The role is ours, so what it grants is written here.
      const Json* role = find(ref.value("kind", ""), ref.value("name", ""));
      ASSERT_NE(role, nullptr) << d.file << ": " << name_of(d.object) << " refers to " << ref.dump()
                               << ", which provider/deploy/ does not define";
      if (kind == "RoleBinding") {
        EXPECT_EQ(namespace_of(*role), namespace_of(d.object)) << name_of(d.object);
      }
    }
    if (kind == "ClusterRole" || kind == "Role") {
      ASSERT_TRUE(d.object.contains("rules")) << name_of(d.object);
      for (const auto& rule : d.object["rules"]) {
        for (const char* key : {"apiGroups", "resources", "verbs"})
          for (const auto& v : rule.value(key, Json::array()))
            EXPECT_NE(v.get<std::string>(), "*") << d.file << ": " << name_of(d.object) << " " << key;
        EXPECT_FALSE(rule.contains("nonResourceURLs")) << name_of(d.object);
        for (const auto& v : rule.value("verbs", Json::array()))
          for (const char* never : {"escalate", "bind", "impersonate", "deletecollection"})
            EXPECT_NE(v.get<std::string>(), never) << name_of(d.object);
      }
    }
  }
}

TEST(DeployManifests, EveryWorkloadServiceAccountIsDefinedAndBound) {
  int workloads = 0;
  for (const auto& d : all_docs()) {
    const std::string kind = d.object.value("kind", "");
    if (kind != "Deployment" && kind != "Job") continue;
    ++workloads;
    const Json spec = d.object["spec"]["template"]["spec"];
    const std::string sa = spec.value("serviceAccountName", "");
    if (kind == "Deployment") {
      ASSERT_FALSE(sa.empty()) << d.file << ": Deployment " << name_of(d.object);
    }
    if (sa.empty()) continue;
    const std::string ns = namespace_of(d.object);
    const Json* account = find("ServiceAccount", sa);
    ASSERT_NE(account, nullptr) << d.file << ": ServiceAccount " << sa << " is not defined";
    EXPECT_EQ(namespace_of(*account), ns);
    int bindings = 0;
    for (const auto& b : all_docs()) {
      const std::string bk = b.object.value("kind", "");
      if (bk != "ClusterRoleBinding" && bk != "RoleBinding") continue;
      for (const auto& s : b.object.value("subjects", Json::array()))
        if (s.value("kind", "") == "ServiceAccount" && s.value("name", "") == sa && s.value("namespace", "") == ns)
          ++bindings;
    }
    EXPECT_GT(bindings, 0) << d.file << ": " << kind << " " << name_of(d.object) << " runs as " << ns << "/" << sa
                           << ", which no binding names";
  }
  EXPECT_GE(workloads, 4);
}

const Json& container_of(const std::string& deployment) {
  const Json* d = find("Deployment", deployment);
  static const Json none = Json::object();
  EXPECT_NE(d, nullptr) << "no Deployment " << deployment;
  if (!d) return none;
  return (*d)["spec"]["template"]["spec"]["containers"][0];
}

std::vector<std::string> args_of(const Json& container) {
  std::vector<std::string> out;
  for (const auto& a : container.value("args", Json::array())) out.push_back(a.get<std::string>());
  return out;
}

//! The environment the container gets: values, fieldRefs as the kubelet fills them, and
//! secretKeyRefs from the Secrets shipped beside it.
std::map<std::string, std::string> env_of(const Json& container) {
  std::map<std::string, std::string> env;
  for (const auto& e : container.value("env", Json::array())) {
    const std::string name = e.value("name", "");
    if (e.contains("value")) {
      env[name] = e["value"].get<std::string>();
    } else if (e.contains("valueFrom") && e["valueFrom"].contains("fieldRef")) {
      EXPECT_EQ(e["valueFrom"]["fieldRef"].value("fieldPath", ""), "status.podIP") << name;
      env[name] = "10.0.0.42";
    } else if (e.contains("valueFrom") && e["valueFrom"].contains("secretKeyRef")) {
      const Json ref = e["valueFrom"]["secretKeyRef"];
      const Json* secret = find("Secret", ref.value("name", ""));
      const Json data = secret ? secret->value("stringData", Json::object()) : Json::object();
      if (!data.contains(ref.value("key", ""))) {
        ADD_FAILURE() << name << ": Secret " << ref.value("name", "") << " with key " << ref.value("key", "")
                      << " is not shipped";
        continue;
      }
      env[name] = data[ref.value("key", "")].get<std::string>();
    } else {
      ADD_FAILURE() << "env " << name << ": neither a value, a fieldRef nor a secretKeyRef";
    }
  }
  return env;
}

//! The flag names of an args list ("--a=b" and "--a b" both give "--a").
std::set<std::string> flag_names(const std::vector<std::string>& args) {
  std::set<std::string> out;
  for (const auto& a : args)
    if (a.rfind("--", 0) == 0) out.insert(a.substr(0, a.find('=')));
  return out;
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  return out;
}

// Seed 001 (001_*.txt), the variables of "部署virtual-kubelet准备工作" and vk.yaml:
//   环境变量 | 含义 | 是否必填
//   KCI_ACCESS_KEY | 用户AccessKey | 否,若未提供TEMP_AKSK_CM则必填
//   KCI_SECRET_KEY | 用户SecretKey | 否,若未提供TEMP_AKSK_CM则必填
//   TEMP_AKSK_CM | KCE集群中临时AK/SK configmap name ... 原始名称为user-temp-aksk | 否,若未提供KCI_ACCESS_KEY和KCI_SECRET_KEY则必填
//   KCI_CLUSTER_ID | 集群ID | 是
//   KCI_REGION | 地域名称 | 是
//   KCI_SUBNET_ID | 容器实例部署的子网 | 否
//   KCI_SECURITY_GROUP_IDS | 容器实例所属的安全组,支持设置多个,请以","分割,最多允许设置3个 | 否
//   and in vk.yaml: VKUBELET_POD_IP (fieldRef status.podIP), KCI_KUBE_PROXY, KCI_CLUSTER_SERVER,
//   KCI_REQUEST_INTERNAL (值为空,集群无公网访问能力时配置该环境变量通过内网请求金山云api)
// and its flags, "virtual kubelet部署中支持参数汇总" plus vk.yaml's --provider=kingsoftcloud:
//   nodename | 支持自定义节点名称,默认名称为virtual-kubelet
//   cluster-dns | 对于dnsPolicy=ClusterFirst的实例:用于指定集群的DNS配置
//   virtual-node-dns | 对于dnsPolicy=Default的实例:用于指定虚拟节点的DNS配置
//   cluster-domain | 自定义集群域名,默认为'cluster.local'
//   disable-taint | 取消虚拟节点创建时默认存在的污点
//   enable-node-lease | kubernetes版本大于等于1.13建议启用lease资源用于节点心跳
const std::vector<std::string> kSeedOneVariables = {
    "KCI_ACCESS_KEY", "KCI_SECRET_KEY",         "TEMP_AKSK_CM",   "KCI_CLUSTER_ID",     "KCI_REGION",
    "KCI_SUBNET_ID",  "KCI_SECURITY_GROUP_IDS", "VKUBELET_POD_IP", "KCI_KUBE_PROXY", "KCI_CLUSTER_SERVER"};
const std::vector<std::string> kSeedOneFlags = {"--provider",       "--nodename",      "--cluster-dns",
                                                "--virtual-node-dns", "--cluster-domain", "--disable-taint",
                                                "--enable-node-lease"};

TEST(DeployManifests, VirtualKubeletCarriesEverySeedOneFlagAndVariable) {
  const Json& c = container_of("virtual-kubelet");
  const auto args = args_of(c);
  ASSERT_FALSE(args.empty());
  EXPECT_EQ(args.front(), "provider");
  const auto flags = flag_names(args);
  for (const auto& f : kSeedOneFlags) EXPECT_TRUE(flags.count(f)) << "vk.yaml lacks seed 001's " << f;
  const auto env = env_of(c);
  for (const auto& v : kSeedOneVariables) EXPECT_TRUE(env.count(v)) << "vk.yaml lacks seed 001's " << v;
  // KCI_REQUEST_INTERNAL switches to the internal endpoint by its presence alone, so it is
  // shipped commented out, ready to be uncommented.
  EXPECT_FALSE(env.count("KCI_REQUEST_INTERNAL"));
  EXPECT_NE(read_text(kDeployDir / "vk.yaml").find("# - name: KCI_REQUEST_INTERNAL"), std::string::npos);

  // The seed's own tables name nothing that the lists above miss.
  const fs::path seeds = fs::path(KCI_SHARED_DIR) / "seeds";
  if (!fs::is_directory(seeds)) GTEST_SKIP() << "the seeds are not at " << seeds;
  std::string seed;
  for (const auto& e : fs::directory_iterator(seeds))
    if (e.path().filename().string().rfind("001_", 0) == 0) seed = read_text(e.path());
  ASSERT_FALSE(seed.empty());
  std::set<std::string> in_seed;
  static const std::regex variable(R"((?:^|\n)(?:- name: )?([A-Z][A-Z_]+[A-Z])(?= \||\n))");
  for (auto it = std::sregex_iterator(seed.begin(), seed.end(), variable); it != std::sregex_iterator(); ++it)
    in_seed.insert("env " + (*it)[1].str());
  static const std::regex flag(R"((?:^|\n)(?:- )?(--)?([a-z]+(?:-[a-z]+)+|nodename|provider)(?==| \|))");
  for (auto it = std::sregex_iterator(seed.begin(), seed.end(), flag); it != std::sregex_iterator(); ++it)
    in_seed.insert("flag --" + (*it)[2].str());
  std::set<std::string> shipped;
  for (const auto& v : kSeedOneVariables) shipped.insert("env " + v);
  shipped.insert("env KCI_REQUEST_INTERNAL");
  for (const auto& f : kSeedOneFlags) shipped.insert("flag " + f);
  EXPECT_GE(in_seed.size(), 15u);
  for (const auto& s : in_seed) EXPECT_TRUE(shipped.count(s)) << "seed 001 names " << s << ", vk.yaml does not";
}

TEST(DeployManifests, VirtualKubeletArgsAndEnvAreAcceptedByTheProvider) {
  const Json& c = container_of("virtual-kubelet");
  auto args = args_of(c);
  ASSERT_GE(args.size(), 2u);
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto argv = argv_of(rest);
  auto env = env_of(c);
  bool help = true;
  auto flags = cli::parse_provider_flags(static_cast<int>(argv.size()), argv.data(), env, help);
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_FALSE(help);
  EXPECT_TRUE(flags->real_cluster);
  EXPECT_TRUE(flags->in_cluster);
  EXPECT_TRUE(flags->kci_endpoint.empty());
  EXPECT_EQ(flags->port, 10250);
  const auto& s = flags->settings;
  EXPECT_EQ(s.node_name, "rbkci-virtual-kubelet");
  EXPECT_EQ(s.region, "cn-beijing-6");
  EXPECT_EQ(s.cluster_id, placeholder_values().at("cluster_id"));
  EXPECT_EQ(s.access_key, "AKLTtest");
  EXPECT_EQ(s.secret_key, "SKtest");
  EXPECT_TRUE(s.temp_aksk_cm.empty());
  EXPECT_EQ(s.security_group_ids.size(), 2u);
  EXPECT_EQ(s.cluster_dns, std::vector<std::string>{"10.254.0.10"});
  EXPECT_EQ(s.virtual_node_dns, std::vector<std::string>{"10.0.0.2"});
  EXPECT_TRUE(s.disable_taint);
  EXPECT_TRUE(s.enable_node_lease);
  EXPECT_FALSE(s.request_internal);
  EXPECT_EQ(s.pod_ip, "10.0.0.42");

  // The kubelet API's certificate is mounted where the flags say, from make-certs.sh's Secret.
  std::string mount;
  for (const auto& m : c["volumeMounts"])
    if (m.value("name", "") == "kubelet-tls") mount = m.value("mountPath", "");
  EXPECT_EQ(flags->tls_cert_file, mount + "/tls.crt");
  EXPECT_EQ(flags->tls_key_file, mount + "/tls.key");
  EXPECT_EQ(c["ports"][0].value("containerPort", 0), 10250);

  // The commented alternatives parse too: KCE's TEMP_AKSK_CM, the internal endpoint.
  env["TEMP_AKSK_CM"] = "user-temp-aksk";
  env["KCI_REQUEST_INTERNAL"] = "";
  flags = cli::parse_provider_flags(static_cast<int>(argv.size()), argv.data(), env, help);
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_TRUE(flags->settings.request_internal);
  EXPECT_EQ(flags->settings.temp_aksk_cm, "user-temp-aksk");
}

int target_port(const Json& service, const Json& container) {
  const Json port = service["spec"]["ports"][0]["targetPort"];
  if (port.is_number()) return port.get<int>();
  for (const auto& p : container["ports"])
    if (p.value("name", "") == port.get<std::string>()) return p.value("containerPort", 0);
  return -1;
}

TEST(DeployManifests, ExtenderArgsAreAcceptedAndItsServiceIsTheOneKubeSchedulerCalls) {
  const Json& c = container_of("kci-scheduler-extender");
  auto args = args_of(c);
  ASSERT_GE(args.size(), 1u);
  EXPECT_EQ(args.front(), "extender");
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto argv = argv_of(rest);
  bool help = true;
  auto flags = cli::parse_extender_flags(static_cast<int>(argv.size()), argv.data(), help);
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_FALSE(help);
  EXPECT_TRUE(flags->in_cluster);
  const Json* service = find("Service", "kci-scheduler-extender");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(target_port(*service, c), flags->port);
  // kube-scheduler-config.yaml and policy-configmap.yaml call
  // http://kci-scheduler-extender.kube-system/scheduler: port 80 of this Service.
  EXPECT_EQ(namespace_of(*service), "kube-system");
  EXPECT_EQ((*service)["spec"]["ports"][0].value("port", 0), 80);
  for (const auto& d : all_docs())
    if (is_component_config(d.object)) {
      EXPECT_EQ(d.object["extenders"][0].value("urlPrefix", ""), "http://kci-scheduler-extender.kube-system/scheduler");
    }
}

//! A container's args as a process on this machine runs them: `binary` first, mounted files
//! (volumeMounts) moved to `mounted`, --listen HOST:PORT on 127.0.0.1:`port` (the manifest's
//! port is returned in `*manifest_port`), and --in-cluster replaced by --kubeconfig
//! `kubeconfig`. Why not --in-cluster itself: it reads the token and CA from the fixed
//! /var/run/secrets/kubernetes.io/serviceaccount, as client-go's rest.InClusterConfig does
//! (client-go has no variable that moves them), so the test gives the same ServiceAccount
//! token and CA in a kubeconfig instead.
std::vector<std::string> local_argv(const std::string& binary, const Json& container, const std::string& mounted,
                                    int port, const std::string& kubeconfig, int* manifest_port) {
  const auto args = args_of(container);
  std::vector<std::string> argv = {binary};
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    for (const auto& m : container.value("volumeMounts", Json::array())) {
      const std::string from = m.value("mountPath", "");
      if (a.rfind(from + "/", 0) == 0) a = mounted + a.substr(from.size());
    }
    if (i > 0 && args[i - 1] == "--listen") {
      if (manifest_port) *manifest_port = std::stoi(a.substr(a.rfind(':') + 1));
      a = "127.0.0.1:" + std::to_string(port);
    }
    if (a == "--in-cluster") {
      argv.insert(argv.end(), {"--kubeconfig", kubeconfig});
      continue;
    }
    argv.push_back(a);
  }
  return argv;
}

//! `kci-vk fake-apiserver` over HTTPS with RBAC enforced and a static token file that holds a
//! token for each ServiceAccount the manifests run as: the admin applies the manifests with
//! kubectl, the components connect as their ServiceAccounts. Every refusal is on its stderr.
struct RbacCluster {
  explicit RbacCluster(std::vector<std::string> extra_flags = {})
      : pki("IP:127.0.0.1,DNS:localhost,DNS:kci-profile.kube-system.svc"), dir(pki.dir.string()) {
    std::ofstream(dir + "/tokens.csv") << "vk-token,system:serviceaccount:kube-system:virtual-kubelet-sa,uid-vk\n"
                                       << "extender-token,system:serviceaccount:kube-system:scheduler-extender,uid-ext\n"
                                       << "profile-token,system:serviceaccount:kube-system:kci-profile,uid-profile\n";
    std::vector<std::string> argv = {binary(), "fake-apiserver", "--listen", "127.0.0.1:0", "--kubeconfig-out",
                                     dir + "/generated.kubeconfig", "--token", "admin-token", "--tls-cert-file",
                                     pki.file("server.crt"), "--tls-private-key-file", pki.file("server.key"),
                                     "--token-auth-file", dir + "/tokens.csv", "--authorization-mode", "RBAC"};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    server = std::make_unique<Process>(argv);
    const std::regex serving("serving (https://127\\.0\\.0\\.1:\\d+)");
    server->read_until([&](const std::string& o) { return std::regex_search(o, serving); }, Clock::now() + kTimeout);
    std::smatch m;
    if (std::regex_search(server->out, m, serving)) url = m[1];
    admin = kubeconfig_for("admin", "admin-token");
  }
  ~RbacCluster() {
    if (server) server->terminate(Clock::now() + kTimeout);
  }
  RbacCluster(const RbacCluster&) = delete;
  RbacCluster& operator=(const RbacCluster&) = delete;

  static std::string binary() { return std::string(KCI_BINARY_DIR) + "/bin/kci-vk"; }

  //! A kubeconfig that presents `token`.
  std::string kubeconfig_for(const std::string& name, const std::string& token) const {
    const std::string path = dir + "/" + name + ".kubeconfig";
    std::ofstream(path) << "apiVersion: v1\nkind: Config\n"
                        << "clusters: [{name: c, cluster: {server: \"" << url << "\", certificate-authority: \""
                        << pki.file("ca.crt") << "\"}}]\n"
                        << "users: [{name: " << name << ", user: {token: \"" << token << "\"}}]\n"
                        << "contexts: [{name: c, context: {cluster: c, user: " << name << "}}]\n"
                        << "current-context: c\n";
    return path;
  }

  testing_process::Outcome kubectl(std::vector<std::string> args, const std::string& config = "") const {
    args.insert(args.begin(), {kKubectl, "--kubeconfig", config.empty() ? admin : config});
    Process p(args, {"HOME=" + dir, "KUBECONFIG="});
    const int code = p.wait(Clock::now() + kTimeout);
    return {code, p.out, p.err};
  }

  //! Applies every document of the shipped files that `keep` accepts (placeholders replaced;
  //! the CRD files first, as the README orders them), as the admin. Returns how many.
  int apply_manifests(const std::function<bool(const std::string& file, const Json&)>& keep,
                      const std::function<void(Json&)>& edit = {}) const {
    std::vector<fs::path> files = yaml_files();
    std::stable_partition(files.begin(), files.end(),
                          [](const fs::path& f) { return f.filename().string().find("crd") != std::string::npos; });
    int applied = 0;
    for (const auto& f : files) {
      const std::string rel = fs::relative(f, kDeployDir).string();
      auto docs = k8s::yaml_documents(substitute(read_text(f), rel));
      EXPECT_TRUE(docs.ok()) << rel;
      if (!docs.ok()) continue;
      std::string out;
      for (auto d : *docs) {
        if (d.is_null() || !keep(rel, d)) continue;
        if (edit) edit(d);
        out += "---\n" + k8s::to_yaml(d);
        ++applied;
      }
      if (out.empty()) continue;
      const std::string path = dir + "/" + f.filename().string();
      std::ofstream(path) << out;
      const auto r = kubectl({"apply", "-f", path});
      EXPECT_EQ(r.code, 0) << rel << ": " << r.out << r.err;
    }
    return applied;
  }

  //! The server's refusals so far: its "403 <kube-apiserver's message>" lines.
  std::vector<std::string> refusals() {
    server->read_until([](const std::string&) { return false; }, Clock::now() + std::chrono::milliseconds(100));
    std::vector<std::string> out;
    std::istringstream lines(server->err);
    for (std::string line; std::getline(lines, line);)
      if (line.find(": 403 ") != std::string::npos) out.push_back(line);
    return out;
  }

  //! Waits (bounded) until a refusal containing `text` is on the server's stderr.
  bool wait_refusal(const std::string& text) {
    const auto deadline = Clock::now() + kTimeout;
    while (Clock::now() < deadline)
      for (const auto& r : refusals())
        if (r.find(text) != std::string::npos) return true;
    return false;
  }

  tls::LocalPki pki;
  std::string dir, url, admin;
  std::unique_ptr<Process> server;
};

//! The webhook's configuration with the test CA as caBundle (make-certs.sh's job in a cluster).
void with_test_ca_bundle(Json& doc, const std::string& ca_pem) {
  if (doc.value("kind", "") != "MutatingWebhookConfiguration") return;
  for (auto& w : doc["webhooks"]) w["clientConfig"]["caBundle"] = k8s::base64_encode(ca_pem);
}

//! The status code of a plain HTTP GET of `path` on 127.0.0.1:`port`; -1 when it fails.
int http_status(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval limit{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[256];
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) answer.assign(buf, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  // "HTTP/1.1 200 OK"
  if (answer.rfind("HTTP/1.", 0) != 0 || answer.size() < 12) return -1;
  return std::atoi(answer.substr(9, 3).c_str());
}

//! A pod in default, labelled for the example Selector when `burst`.
std::string pod_yaml(const std::string& name, bool burst) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: default\n" +
         (burst ? "  labels: {k8s.ksyun.com/burst: \"true\"}\n" : "") +
         "spec:\n  containers: [{name: c, image: \"nginx:1.25\"}]\n";
}

TEST(DeployManifests, WebhookServesInClusterAsItsServiceAccountBehindTheConfiguredService) {
  const Json& c = container_of("kci-profile");
  auto args = args_of(c);
  ASSERT_GE(args.size(), 1u);
  EXPECT_EQ(args.front(), "webhook");
  EXPECT_NE(std::find(args.begin(), args.end(), "--in-cluster"), args.end()) << "the webhook watches its cluster";
  // The MutatingWebhookConfiguration calls this Service, which leads to the container.
  const Json* config = find("MutatingWebhookConfiguration", "kci-profile");
  ASSERT_NE(config, nullptr);
  const Json svc_ref = (*config)["webhooks"][0]["clientConfig"]["service"];
  const Json* service = find("Service", svc_ref.value("name", ""));
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(namespace_of(*service), svc_ref.value("namespace", ""));
  EXPECT_EQ((*service)["spec"]["ports"][0].value("port", 0), svc_ref.value("port", 443));
  if (access(kKubectl, X_OK) != 0) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
  ASSERT_EQ(access(RbacCluster::binary().c_str(), X_OK), 0) << RbacCluster::binary() << " is not built";

  // The cluster: RBAC enforced; the webhook's files (CRDs, its roles and Deployment, the
  // example Selector, its configuration with the test CA) applied by the admin.
  const int hook_port = testing_process::free_port();
  RbacCluster cluster({"--webhook-service", "kube-system/kci-profile=127.0.0.1:" + std::to_string(hook_port)});
  ASSERT_FALSE(cluster.url.empty()) << cluster.server->out << cluster.server->err;
  const std::set<std::string> files = {"profile-selector-crds.yaml", "profile-webhook-deployment.yaml",
                                       "profile-example-selector.yaml", "profile-webhook.yaml"};
  const int applied = cluster.apply_manifests([&](const std::string& f, const Json&) { return files.count(f) > 0; },
                                              [&](Json& d) { with_test_ca_bundle(d, cluster.pki.ca_pem); });
  EXPECT_GE(applied, 8);

  // The webhook as the Deployment runs it, as its ServiceAccount kube-system/kci-profile.
  cluster.pki.write("tls.crt", cluster.pki.cert_pem);
  cluster.pki.write("tls.key", cluster.pki.key_pem);
  int manifest_port = -1;
  Process hook(local_argv(RbacCluster::binary(), c, cluster.dir, hook_port,
                          cluster.kubeconfig_for("kci-profile", "profile-token"), &manifest_port));
  ASSERT_TRUE(hook.started());
  EXPECT_EQ(target_port(*service, c), manifest_port);
  const bool serving = hook.read_until(
      [](const std::string& o) { return o.find("webhook: serving") != std::string::npos; }, Clock::now() + kTimeout);
  ASSERT_TRUE(serving) << hook.out << hook.err;

  // Its work: the API server's admission calls it for a pod the example Selector picks, and it
  // pins that pod to virtual nodes by the Selector it read from the cluster. Until its watches
  // have synced a pod may pass unchanged (failurePolicy Ignore), so retry, bounded.
  bool mutated = false;
  std::string seen;
  const auto deadline = Clock::now() + kTimeout;
  for (int i = 0; !mutated && Clock::now() < deadline; ++i) {
    const std::string name = "burst-" + std::to_string(i);
    std::ofstream(cluster.dir + "/" + name + ".yaml") << pod_yaml(name, true);
    EXPECT_EQ(cluster.kubectl({"create", "-f", cluster.dir + "/" + name + ".yaml"}).code, 0);
    seen = cluster.kubectl({"-n", "default", "get", "pod", name, "-o", "json"}).out;
    mutated = seen.find("virtual-kubelet") != std::string::npos;
    if (!mutated) hook.read_until([](const std::string&) { return false; }, Clock::now() + std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(mutated) << seen << "\nwebhook:\n" << hook.out << hook.err << "\nserver:\n" << cluster.server->err;
  std::ofstream(cluster.dir + "/plain.yaml") << pod_yaml("plain", false);
  EXPECT_EQ(cluster.kubectl({"create", "-f", cluster.dir + "/plain.yaml"}).code, 0);
  EXPECT_EQ(cluster.kubectl({"-n", "default", "get", "pod", "plain", "-o", "json"}).out.find("virtual-kubelet"),
            std::string::npos);

  // Nothing the webhook asked for was refused, and the webhook reported no problem.
  EXPECT_EQ(cluster.refusals(), std::vector<std::string>{});
  EXPECT_EQ(hook.err.find("kci-vk webhook:"), std::string::npos) << hook.err;
  EXPECT_EQ(hook.terminate(Clock::now() + kTimeout), 0) << hook.err;
}

// The KubeSchedulerConfiguration is a file for kube-scheduler --config, not an object;
// everything else, the RBAC documents included, is applied.
bool applies_to_fake(const Json& o) { return !is_component_config(o); }

TEST(DeployManifests, EveryManifestAppliesWithKubectlAndMakeCertsCreatesTheSecrets) {
  if (access(kKubectl, X_OK) != 0) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
  const std::string binary = std::string(KCI_BINARY_DIR) + "/bin/kci-vk";
  char tmpl[] = "/tmp/kci-deploy-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string kubeconfig = dir + "/kubeconfig";
  {
    Process server({binary, "fake-apiserver", "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig});
    ASSERT_TRUE(server.read_until([](const std::string& o) { return o.find("kubeconfig written") != std::string::npos; },
                                  Clock::now() + kTimeout))
        << server.out << server.err;
    const std::vector<std::string> env = {"HOME=" + dir, "KUBECONFIG="};
    auto kubectl = [&](std::vector<std::string> args, bool must = true) {
      args.insert(args.begin(), {kKubectl, "--kubeconfig", kubeconfig});
      Process p(args, env);
      const int code = p.wait(Clock::now() + kTimeout);
      if (must) {
        EXPECT_EQ(code, 0) << p.out << p.err;
      }
      return p.out;
    };
    // The order of the README: the CRDs first, then everything else.
    std::vector<fs::path> files = yaml_files();
    std::stable_partition(files.begin(), files.end(),
                          [](const fs::path& f) { return f.filename().string().find("crd") != std::string::npos; });
    int applied = 0, skipped = 0;
    for (const auto& f : files) {
      const std::string rel = fs::relative(f, kDeployDir).string();
      auto docs = k8s::yaml_documents(substitute(read_text(f), rel));
      ASSERT_TRUE(docs.ok()) << rel;
      std::string out;
      for (const auto& d : *docs) {
        if (d.is_null()) continue;
        if (!applies_to_fake(d)) {
          ++skipped;
          continue;
        }
        out += "---\n" + k8s::to_yaml(d);
        ++applied;
      }
      if (out.empty()) continue;
      const std::string path = dir + "/" + f.filename().string();
      std::ofstream(path) << out;
      SCOPED_TRACE(rel);
      kubectl({"apply", "-f", path});
    }
    EXPECT_GE(applied, 30);
    EXPECT_EQ(skipped, 1);  // the KubeSchedulerConfiguration
    for (const char* what : {"deployment/virtual-kubelet", "deployment/kci-scheduler-extender", "deployment/kci-profile",
                             "service/kci-profile", "service/kci-scheduler-extender", "job/kci-vk-cleanup",
                             "serviceaccount/virtual-kubelet-sa", "configmap/extender-conf",
                             "role.rbac.authorization.k8s.io/kci-scheduler-extender",
                             "rolebinding.rbac.authorization.k8s.io/kci-profile-webhook"})
      EXPECT_NE(kubectl({"-n", "kube-system", "get", what, "-o", "name"}), "") << what;

    // make-certs.sh against the same server: both TLS Secrets, and the caBundle.
    Process certs({"/bin/bash", (kDeployDir / "make-certs.sh").string()},
                  {"HOME=" + dir, "KUBECONFIG=", "KUBECTL=" + std::string(kKubectl) + " --kubeconfig " + kubeconfig});
    EXPECT_EQ(certs.wait(Clock::now() + std::chrono::seconds(60)), 0) << certs.out << certs.err;
    for (const char* secret : {"kci-profile-tls", "virtual-kubelet-tls"})
      EXPECT_EQ(kubectl({"-n", "kube-system", "get", "secret", secret, "-o", "jsonpath={.type}"}), "kubernetes.io/tls")
          << secret;
    const std::string ca =
        kubectl({"get", "mutatingwebhookconfiguration", "kci-profile", "-o", "jsonpath={.webhooks[0].clientConfig.caBundle}"});
    EXPECT_GT(ca.size(), 100u) << "caBundle not set: " << ca;
    EXPECT_EQ(server.terminate(Clock::now() + kTimeout), 0) << server.err;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// The proof that the shipped roles are enough and no more: the fake API server enforces RBAC,
// every manifest (the RBAC documents too) is applied with kubectl, and the virtual kubelet,
// the extender and the profile webhook run as their ServiceAccounts (tokens from the
// server's token file) while seed 004's virtualNodeOnly scenario places pods on the virtual
// node and sees them Running. No request of theirs is refused. Then one rule is taken out of
// the extender's ClusterRole, and the extender's next start is refused with kube-apiserver's
// Forbidden message: the check can fail.
TEST(DeployManifests, ComponentsWorkAsTheirServiceAccountsWithRbacEnforced) {
  if (access(kKubectl, X_OK) != 0) GTEST_SKIP() << "kubectl is not installed at " << kKubectl;
  const std::string binary = RbacCluster::binary();
  ASSERT_EQ(access(binary.c_str(), X_OK), 0) << binary << " is not built";
  const std::string source = KCI_SOURCE_DIR;

  Process kci({binary, "fake-kci", "--listen", "127.0.0.1:0"});
  const std::regex kci_listening("on 127\\.0\\.0\\.1:(\\d+)");
  std::smatch m;
  kci.read_until([&](const std::string& o) { return std::regex_search(o, kci_listening); }, Clock::now() + kTimeout);
  ASSERT_TRUE(std::regex_search(kci.out, m, kci_listening)) << kci.out << kci.err;
  const std::string kci_endpoint = "http://127.0.0.1:" + m[1].str();

  // kube-scheduler calls the extender, admission the webhook, at ports chosen now.
  const int extender_port = testing_process::free_port(), hook_port = testing_process::free_port();
  char tmpl[] = "/tmp/kci-rbac-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string scratch = tmpl;
  std::ofstream(scratch + "/scheduler.yaml")
      << "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nextenders:\n"
         "  - urlPrefix: http://127.0.0.1:" << extender_port << "/scheduler\n"
      << "    filterVerb: predicates/always_true\n    prioritizeVerb: priorities/group_score\n"
         "    preemptVerb: preemption\n    weight: 1\n    nodeCacheCapable: false\n";
  RbacCluster cluster({"--scheduler-config", scratch + "/scheduler.yaml", "--webhook-service",
                       "kube-system/kci-profile=127.0.0.1:" + std::to_string(hook_port)});
  ASSERT_FALSE(cluster.url.empty()) << cluster.server->out << cluster.server->err;

  const int applied = cluster.apply_manifests([](const std::string&, const Json& d) { return applies_to_fake(d); },
                                              [&](Json& d) { with_test_ca_bundle(d, cluster.pki.ca_pem); });
  EXPECT_GE(applied, 30);
  // The workloads the manifests deploy would be these processes in a cluster; here nothing runs
  // their pods, and the processes below stand in for them.
  EXPECT_EQ(cluster.kubectl({"-n", "kube-system", "scale", "deployment", "--all", "--replicas=0"}).code, 0);

  // The components, each as its ServiceAccount.
  cluster.pki.write("tls.crt", cluster.pki.cert_pem);
  cluster.pki.write("tls.key", cluster.pki.key_pem);
  Process webhook(local_argv(binary, container_of("kci-profile"), cluster.dir, hook_port,
                             cluster.kubeconfig_for("kci-profile", "profile-token"), nullptr));
  const std::string extender_config = cluster.kubeconfig_for("scheduler-extender", "extender-token");
  Process extender(local_argv(binary, container_of("kci-scheduler-extender"), cluster.dir, extender_port,
                              extender_config, nullptr));
  const std::vector<std::string> kci_env = {"KCI_ACCESS_KEY=AKowner", "KCI_SECRET_KEY=SKowner",
                                            "KCI_REGION=cn-beijing-6"};
  std::vector<std::string> provider_env = kci_env;
  provider_env.insert(provider_env.end(), {"KCI_CLUSTER_ID=c1", "KCI_SUBNET_ID=subnet-cn-beijing-6a",
                                           "KCI_SECURITY_GROUP_IDS=sg-default", "VKUBELET_POD_IP=127.0.0.1"});
  // vk.yaml's flags that reach the API server (the node lease in kube-node-lease); the node
  // name and the cloud endpoint are the scenario's.
  Process provider({binary, "provider", "--provider=kingsoftcloud", "--nodename", "virtual-kubelet", "--enable-node-lease",
                    "--kubeconfig", cluster.kubeconfig_for("virtual-kubelet-sa", "vk-token"), "--kci-endpoint",
                    kci_endpoint, "--listen", "127.0.0.1:0"},
                   provider_env);
  auto has = [](const std::string& text) {
    return [text](const std::string& o) { return o.find(text) != std::string::npos; };
  };
  ASSERT_TRUE(webhook.read_until(has("webhook: serving"), Clock::now() + kTimeout)) << webhook.out << webhook.err;
  ASSERT_TRUE(extender.read_until(has("extender: serving"), Clock::now() + kTimeout)) << extender.out << extender.err;
  ASSERT_TRUE(provider.read_until(has("registered"), Clock::now() + kTimeout)) << provider.out << provider.err;
  // The extender is ready once it has listed nodes, pods and its ConfigMap (its readinessProbe).
  bool ready = false;
  for (const auto deadline = Clock::now() + kTimeout; !ready && Clock::now() < deadline;) {
    ready = http_status(extender_port, "/healthz") == 200;
    if (!ready) extender.read_until(has("\x01"), Clock::now() + std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(ready) << extender.out << extender.err << cluster.server->err;

  // Seed 004's virtualNodeOnly example against them, as the admin.
  std::vector<std::string> sim_env = {"HOME=" + cluster.dir, "KUBECONFIG="};
  sim_env.insert(sim_env.end(), kci_env.begin(), kci_env.end());
  Process sim({binary, "sim", "--real-cluster", "--kubeconfig", cluster.admin, "--kci-endpoint", kci_endpoint,
               source + "/scenarios/seeds/seed-004-virtual-node-only.yaml"},
              sim_env);
  EXPECT_EQ(sim.wait(Clock::now() + std::chrono::minutes(3)), 0)
      << sim.out << sim.err << "\nAPI server:\n" << cluster.server->err << "\nprovider:\n" << provider.err;
  EXPECT_NE(sim.out.find("seed-004-virtual-node-only  PASS"), std::string::npos) << sim.out;
  const auto wide = cluster.kubectl({"get", "pods", "-l", "app=nginx", "-o", "wide"});
  EXPECT_NE(wide.out.find("virtual-kubelet"), std::string::npos) << wide.out << wide.err;
  EXPECT_NE(wide.out.find("Running"), std::string::npos) << wide.out;
  // The node lease, renewed through the kube-node-lease Role.
  EXPECT_EQ(cluster.kubectl({"-n", "kube-node-lease", "get", "lease", "virtual-kubelet"}).code, 0);

  // kubectl auth can-i, as the virtual kubelet's ServiceAccount.
  const std::string vk_config = cluster.dir + "/virtual-kubelet-sa.kubeconfig";
  const auto can = cluster.kubectl({"auth", "can-i", "update", "nodes/status"}, vk_config);
  EXPECT_EQ(can.code, 0) << can.out << can.err;
  EXPECT_EQ(can.out, "yes\n") << can.err;
  const auto cannot = cluster.kubectl({"auth", "can-i", "delete", "nodes"}, vk_config);
  EXPECT_NE(cannot.code, 0);
  EXPECT_EQ(cannot.out.substr(0, 2), "no") << cannot.out << cannot.err;

  // No request of any component was refused.
  EXPECT_EQ(cluster.refusals(), std::vector<std::string>{});
  for (Process* p : {&provider, &webhook, &extender}) {
    EXPECT_EQ(p->out.find("forbidden"), std::string::npos) << p->out;
    EXPECT_EQ(p->err.find("forbidden"), std::string::npos) << p->err;
  }

  // One rule fewer: the extender's ClusterRole without pods. Its next start is refused.
  const int applied_again = cluster.apply_manifests(
      [](const std::string&, const Json& d) {
        return d.value("kind", "") == "ClusterRole" && name_of(d) == "kci-scheduler-extender";
      },
      [](Json& d) { d["rules"][0]["resources"] = Json::array({"nodes"}); });
  EXPECT_EQ(applied_again, 1);
  Process narrowed(local_argv(binary, container_of("kci-scheduler-extender"), cluster.dir, testing_process::free_port(),
                              extender_config, nullptr));
  EXPECT_TRUE(cluster.wait_refusal(
      "pods is forbidden: User \"system:serviceaccount:kube-system:scheduler-extender\" cannot list resource "
      "\"pods\" in API group \"\" at the cluster scope"))
      << cluster.server->err;
  narrowed.terminate(Clock::now() + kTimeout);

  for (Process* p : {&provider, &webhook, &extender, &kci})
    EXPECT_EQ(p->terminate(Clock::now() + kTimeout), 0) << p->out << p->err;
  std::error_code ec;
  fs::remove_all(scratch, ec);
}

}  // namespace
}  // namespace kci
