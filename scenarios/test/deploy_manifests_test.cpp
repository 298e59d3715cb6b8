// The deployment material under provider/deploy/: every YAML document parses and names
// itself; RBAC never grants cluster-admin and binds every ServiceAccount a workload runs as;
// the virtual kubelet's Deployment carries every flag and variable of seed 001; every
// Deployment's args are accepted by the command's own flag parser (with the manifest's env,
// placeholders replaced as an operator would); and, when kubectl is installed, every
// manifest applies to `kci-vk fake-apiserver` and make-certs.sh creates its Secrets there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
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
#include "scenarios/local_pki.h"

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

TEST(DeployManifests, WebhookServesWithTheManifestsArgsBehindTheConfiguredService) {
  const Json& c = container_of("kci-profile");
  auto args = args_of(c);
  ASSERT_GE(args.size(), 1u);
  EXPECT_EQ(args.front(), "webhook");
  // The MutatingWebhookConfiguration calls this Service, which leads to the container.
  const Json* config = find("MutatingWebhookConfiguration", "kci-profile");
  ASSERT_NE(config, nullptr);
  const Json svc_ref = (*config)["webhooks"][0]["clientConfig"]["service"];
  const Json* service = find("Service", svc_ref.value("name", ""));
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(namespace_of(*service), svc_ref.value("namespace", ""));
  EXPECT_EQ((*service)["spec"]["ports"][0].value("port", 0), svc_ref.value("port", 443));

  // kci-vk webhook has no parse function of its own: run it with the manifest's args, the
  // mounted files replaced by a test certificate and the shipped kci-profile-files.
  const std::string binary = std::string(KCI_BINARY_DIR) + "/bin/kci-vk";
  ASSERT_EQ(access(binary.c_str(), X_OK), 0) << binary << " is not built";
  tls::LocalPki pki;
  const Json* files = find("ConfigMap", "kci-profile-files");
  ASSERT_NE(files, nullptr);
  std::map<std::string, std::string> mounts;  // mountPath -> the test's directory
  for (const auto& m : c["volumeMounts"]) mounts[m.value("mountPath", "")] = pki.dir.string();
  pki.write("tls.crt", pki.cert_pem);
  pki.write("tls.key", pki.key_pem);
  for (const auto& [key, text] : (*files)["data"].items()) pki.write(key, text.get<std::string>());
  std::vector<std::string> argv = {binary};
  int listen_port = -1;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    for (const auto& [from, to] : mounts)
      if (a.rfind(from + "/", 0) == 0) a = to + a.substr(from.size());
    if (i > 0 && args[i - 1] == "--listen") {
      listen_port = std::stoi(a.substr(a.rfind(':') + 1));
      a = "127.0.0.1:0";
    }
    argv.push_back(a);
  }
  EXPECT_EQ(target_port(*service, c), listen_port);
  Process hook(argv);
  ASSERT_TRUE(hook.started());
  const bool serving = hook.read_until(
      [](const std::string& o) { return o.find("webhook: serving") != std::string::npos; }, Clock::now() + kTimeout);
  EXPECT_TRUE(serving) << hook.out << hook.err;
  EXPECT_NE(hook.out.find("with 1 Selector(s)"), std::string::npos) << hook.out;
  EXPECT_EQ(hook.err.find("kci-vk webhook:"), std::string::npos) << hook.err;  // no problems reported
  EXPECT_EQ(hook.terminate(Clock::now() + kTimeout), 0) << hook.err;
}

// RBAC kinds (Role, ClusterRole and their bindings) are not served by the fake API server
// (core/kube/resources.cpp has no rbac.authorization.k8s.io), so kubectl cannot apply them
// there; the KubeSchedulerConfiguration is a file for kube-scheduler --config, not an object.
bool applies_to_fake(const Json& o) {
  const std::string api = o.value("apiVersion", "");
  return !is_component_config(o) && api.rfind("rbac.authorization.k8s.io/", 0) != 0;
}

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
    EXPECT_GE(applied, 15);
    EXPECT_GE(skipped, 10);
    for (const char* what : {"deployment/virtual-kubelet", "deployment/kci-scheduler-extender", "deployment/kci-profile",
                             "service/kci-profile", "service/kci-scheduler-extender", "job/kci-vk-cleanup",
                             "serviceaccount/virtual-kubelet-sa", "configmap/extender-conf"})
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

}  // namespace
}  // namespace kci
