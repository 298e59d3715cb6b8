#include "scenarios/cmd_provider.h"

#include <csignal>
#include <future>
#include <random>

#include "core/kci/catalogue.h"
#include "fake-apiserver/owner_loop.h"
#include "provider/http/http_service.h"
#include "provider/kci_http_client.h"
#include "provider/kube_http/http_kube_client.h"
#include "provider/vk/kubelet_api.h"
#include "provider/vk/virtual_kubelet.h"
#include "scenarios/cli_flags.h"

namespace kci::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: kci-vk provider [seed flags] [--listen HOST:PORT] [--tls-cert-file F --tls-private-key-file F]\n"
    "                       [--kubeconfig PATH [--context NAME] | --in-cluster]\n"
    "                       (--real-cluster | --kci-endpoint URL) [--kci-ca-file F]\n"
    "                       [--kube-qps N] [--kube-burst N] [--kci-qps N] [--kci-burst N]\n"
    "                       [--capacity-cpu Q] [--capacity-memory Q] [--capacity-pods N]\n"
    "seed flags (seed 001/000; --flag=value or --flag value):\n"
    "  --provider=kingsoftcloud  --nodename NAME (default virtual-kubelet)  --cluster-dns IP[,IP]\n"
    "  --virtual-node-dns IP[,IP]  --cluster-domain D (default cluster.local)  --disable-taint\n"
    "  --enable-node-lease  --kube-proxy-enable  --base-system-disk-size GB (20-500, default 20)\n"
    "  --kcilet-kubeconfig-path P (also --kci-let-kubeconfig-path)  --sizing-policy kci|cci\n"
    "environment: KCI_CLUSTER_ID and KCI_REGION (required); KCI_ACCESS_KEY and KCI_SECRET_KEY, or\n"
    "  TEMP_AKSK_CM (a ConfigMap in kube-system with data keys ak and sk; wins when both are set);\n"
    "  KCI_SUBNET_ID, KCI_SECURITY_GROUP_IDS (at most 3), KCI_KUBE_PROXY, KCI_CLUSTER_SERVER,\n"
    "  KCI_REQUEST_INTERNAL, KCI_INSTANCE_FAMILY, KCI_BASE_IMAGE, KCI_PROJECT_ID, VKUBELET_POD_IP\n"
    "  --listen         the kubelet API (default 0.0.0.0:10250; port 0 = any): /containerLogs, /pods,\n"
    "                   /runningpods/, /stats/summary, /healthz, /metrics, /metrics/resource\n"
    "  --tls-cert-file, --tls-private-key-file  serve the kubelet API over HTTPS (else plain HTTP)\n"
    "  --kubeconfig     the cluster (default: --in-cluster, the pod's service account)\n"
    "  --real-cluster   production: KCI at https://kci.api.ksyun.com (kci.internal.api.ksyun.com\n"
    "                   with KCI_REQUEST_INTERNAL) unless --kci-endpoint says otherwise\n"
    "  --kci-endpoint   http://HOST:PORT or https://HOST[:PORT] (required without --real-cluster,\n"
    "                   so that nothing reaches the real cloud by accident)\n"
    "  --kci-ca-file    PEM roots for an HTTPS KCI endpoint (default: the system's)\n"
    "  --kube-qps/--kube-burst  client-side limit toward the API server (default 20/40)\n"
    "  --kci-qps/--kci-burst    our own limit toward KCI (default 50/100)\n"
    "  --capacity-*     the node's capacity (default 1000 CPUs, 4Ti, 1000 pods)\n";

//! Seed flags that take no value (presence = true).
bool is_presence_flag(const std::string& name) {
  return name == "--disable-taint" || name == "--enable-node-lease" || name == "--kube-proxy-enable";
}

bool is_seed_flag(const std::string& name) {
  for (auto k : translate::node_setting_keys())
    if (k == name) return true;
  return false;
}

}  // namespace

Result<ProviderFlags> parse_provider_flags(int argc, char** argv, const std::map<std::string, std::string>& env,
                                           bool& help) {
  ProviderFlags f;
  help = false;
  std::map<std::string, std::string> settings;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    std::optional<std::string> inline_value;
    if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto value = [&]() -> Result<std::string> {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) return invalid_argument(a + " needs a value");
      return std::string(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      help = true;
      return f;
    }
    if (is_seed_flag(a)) {
      if (settings.count(a)) return invalid_argument(a + " is given twice; give it once");
      if (is_presence_flag(a)) {
        settings[a] = inline_value.value_or("");
      } else {
        KCI_TRY(settings[a], value());
      }
    } else if (a == "--listen") {
      KCI_TRY(std::string v, value());
      KCI_TRY(auto hp, parse_host_port("--listen", v));
      f.host = hp.first;
      f.port = hp.second;
    } else if (a == "--tls-cert-file") {
      KCI_TRY(f.tls_cert_file, value());
    } else if (a == "--tls-private-key-file") {
      KCI_TRY(f.tls_key_file, value());
    } else if (a == "--kubeconfig") {
      KCI_TRY(f.kubeconfig, value());
      if (f.kubeconfig.empty()) return invalid_argument("--kubeconfig is empty; expected a file");
    } else if (a == "--context") {
      KCI_TRY(f.context, value());
    } else if (a == "--in-cluster") {
      f.in_cluster = true;
    } else if (a == "--real-cluster") {
      f.real_cluster = true;
    } else if (a == "--kci-endpoint") {
      KCI_TRY(f.kci_endpoint, value());
    } else if (a == "--kci-ca-file") {
      KCI_TRY(f.kci_ca_file, value());
    } else if (a == "--kube-qps" || a == "--kube-burst" || a == "--kci-qps" || a == "--kci-burst") {
      KCI_TRY(std::string v, value());
      KCI_TRY(double d, parse_non_negative(a, v));
      if (a.find("burst") != std::string::npos && d < 1)
        return invalid_argument(a + " is \"" + v + "\"; expected at least 1");
      (a == "--kube-qps" ? f.qps : a == "--kube-burst" ? f.burst : a == "--kci-qps" ? f.kci_qps : f.kci_burst) = d;
    } else if (a == "--capacity-cpu") {
      KCI_TRY(f.capacity_cpu, value());
    } else if (a == "--capacity-memory") {
      KCI_TRY(f.capacity_memory, value());
    } else if (a == "--capacity-pods") {
      KCI_TRY(f.capacity_pods, value());
    } else {
      return invalid_argument("unknown flag \"" + a + "\" (kci-vk provider --help lists them)");
    }
  }
  for (auto k : translate::node_setting_keys()) {
    if (k.rfind("--", 0) == 0) continue;
    if (auto it = env.find(std::string(k)); it != env.end()) settings[std::string(k)] = it->second;
  }
  auto parsed = translate::parse_node_settings(settings);
  if (!parsed.ok()) return parsed.take_error();
  f.settings = std::move(*parsed);
  auto& s = f.settings;
  if (s.cluster_id.empty()) return invalid_argument("KCI_CLUSTER_ID is not set; it is required (seed 001: 集群ID)");
  if (s.region.empty()) return invalid_argument("KCI_REGION is not set; it is required (seed 001: 地域名称)");
  if (!s.temp_aksk_cm.empty()) {
    // Seed 000: with TEMP_AKSK_CM set "虚拟节点仍将使用集群中的临时AK/SK,配置的子用户AK/SK不会生效".
    s.access_key.clear();
    s.secret_key.clear();
  } else if (s.access_key.empty() || s.secret_key.empty()) {
    return invalid_argument(std::string(s.access_key.empty() ? "KCI_ACCESS_KEY" : "KCI_SECRET_KEY") +
                            " is not set; give KCI_ACCESS_KEY and KCI_SECRET_KEY, or TEMP_AKSK_CM");
  }
  KCI_TRY_STATUS(check_cluster_flags(f, /*default_in_cluster=*/true));
  if (f.tls_cert_file.empty() != f.tls_key_file.empty())
    return invalid_argument("--tls-cert-file and --tls-private-key-file go together; give both or neither");
  if (!f.real_cluster && f.kci_endpoint.empty())
    return invalid_argument(
        "--kci-endpoint is required without --real-cluster (a kci-vk fake-kci, e.g. http://127.0.0.1:8443); "
        "give --real-cluster to use the real KCI endpoint");
  provider::KciHttpClientOptions probe;
  if (!f.kci_endpoint.empty()) KCI_TRY_STATUS(provider::parse_kci_endpoint(f.kci_endpoint, probe));
  return f;
}

struct ProviderProcess::State {
  apiserver::RealTimeLoop loop;
  std::unique_ptr<provider::HttpKubeClient> kube;
  std::unique_ptr<provider::KciHttpClient> kci;
  std::unique_ptr<vk::VirtualKubelet> vk;
  std::unique_ptr<vk::KubeletApi> api;
  std::unique_ptr<provider::HttpService> server;
  std::string description;
  bool stopped = false;

  template <class F>
  auto on_loop(F&& f) {
    return apiserver::run_on(loop, std::forward<F>(f));
  }
};

ProviderProcess::ProviderProcess(std::unique_ptr<State> state) : state_(std::move(state)) {}
ProviderProcess::~ProviderProcess() { stop(); }

Result<std::unique_ptr<ProviderProcess>> ProviderProcess::start(const ProviderFlags& flags) {
  auto state = std::make_unique<State>();
  std::string api;
  KCI_TRY(state->kube, connect_cluster(flags, state->loop, "kci-vk-provider/" + flags.settings.node_name, &api));

  KCI_TRY(provider::KciHttpClientOptions ko, provider::kci_endpoint_options(flags.kci_endpoint, flags.settings.request_internal));
  ko.ca_file = flags.kci_ca_file;
  ko.access_key = flags.settings.access_key;
  ko.secret_key = flags.settings.secret_key;
  ko.region = flags.settings.region;
  state->kci = std::make_unique<provider::KciHttpClient>(ko, state->loop.sim().clock());
  state->description = "API server " + api + ", KCI " +
                       (ko.tls ? "https://" : "http://") + ko.host + ":" + std::to_string(ko.port);

  vk::VirtualKubeletOptions vo;
  vo.settings = flags.settings;
  vo.capacity_cpu = flags.capacity_cpu;
  vo.capacity_memory = flags.capacity_memory;
  vo.capacity_pods = flags.capacity_pods;
  vo.kci_qps = flags.kci_qps;
  vo.kci_burst = flags.kci_burst;
  vo.kubelet_port = flags.port;
  provider::KciHttpClient* kci = state->kci.get();
  vo.on_credentials = [kci](const std::string& ak, const std::string& sk) { kci->set_credentials(ak, sk); };
  std::random_device rd;
  const std::uint64_t seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  state->vk = std::make_unique<vk::VirtualKubelet>(std::move(vo), *state->kube, *state->kci, state->loop.sim(),
                                                   Rng(seed), kcicloud::default_catalogue());
  state->api = std::make_unique<vk::KubeletApi>(*state->vk);
  state->loop.start();
  State* s = state.get();
  if (auto st = s->on_loop([s] { return s->vk->start(); }); !st.ok()) {
    ProviderProcess failed(std::move(state));
    return make_error(st.error().code, "registering node " + flags.settings.node_name + ": " + st.error().message);
  }
  state->server = std::make_unique<provider::HttpService>([s](const provider::HttpRequest& req) {
    auto resp = s->on_loop([s, &req] { return s->api->handle(req); });
    if (resp.stream) {
      // The stream reads the virtual kubelet's state: each poll hops to its loop too.
      resp.stream = [s, inner = std::move(resp.stream)]() { return s->on_loop([&inner] { return inner(); }); };
    }
    return resp;
  });
  if (auto st = state->server->start(flags.host, flags.port, flags.tls_cert_file, flags.tls_key_file); !st.ok()) {
    ProviderProcess failed(std::move(state));
    return st.take_error();
  }
  return std::unique_ptr<ProviderProcess>(new ProviderProcess(std::move(state)));
}

std::uint16_t ProviderProcess::port() const { return state_->server ? state_->server->port() : 0; }
std::string ProviderProcess::describe() const { return state_->description; }

std::string ProviderProcess::status_line() {
  State* s = state_.get();
  return s->on_loop([s] {
    return "node " + s->vk->node_name() + ": " + std::to_string(s->vk->groups().size()) + " pods tracked, " +
           std::to_string(s->vk->stats().groups_created) + " groups created" +
           (s->vk->reconciled() ? "" : " (start-up reconciliation pending)");
  });
}

void ProviderProcess::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  if (state_->server) state_->server->stop();
  State* s = state_.get();
  s->on_loop([s] {
    if (s->vk) s->vk->stop();
    s->api.reset();
    s->vk.reset();
  });
  s->loop.stop();
}

int run_provider(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::map<std::string, std::string> env;
  for (auto k : translate::node_setting_keys()) {
    if (k.rfind("--", 0) == 0) continue;
    if (const char* v = std::getenv(std::string(k).c_str())) env[std::string(k)] = v;
  }
  bool help = false;
  auto flags = parse_provider_flags(argc - 2, argv + 2, env, help);
  if (help) {
    out << kUsage;
    return 0;
  }
  if (!flags.ok()) {
    err << "kci-vk provider: " << flags.error().message << "\n" << kUsage;
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto p = ProviderProcess::start(*flags);
  if (!p.ok()) {
    err << "kci-vk provider: " << p.error().message << "\n";
    return 1;
  }
  out << "provider: node " << flags->settings.node_name << " registered; kubelet API on "
      << (flags->tls_cert_file.empty() ? "http://" : "https://") << flags->host << ":" << (*p)->port() << "; "
      << (*p)->describe() << "\n"
      << std::flush;
  int sig = 0;
  sigwait(&set, &sig);
  out << "provider: " << (*p)->status_line() << "\n";
  (*p)->stop();
  out << "provider: stopped (" << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ")\n";
  return 0;
}

}  // namespace kci::cli
