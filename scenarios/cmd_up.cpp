#include "scenarios/cmd_up.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <random>
#include <sstream>

#include "core/k8s/yaml.h"
#include "core/random.h"
#include "fake-apiserver/http_server.h"
#include "fake-apiserver/kubeconfig.h"
#include "fake-apiserver/owner_loop.h"
#include "provider/http/http_service.h"
#include "provider/system_clock.h"
#include "scenarios/cli_flags.h"
#include "scenarios/world.h"

namespace kci::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: kci-vk up [--listen HOST:PORT] [--kubeconfig-out PATH] [--virtual-node NAME]...\n"
    "                 [--kubelet-port-base N] [--kci-config FILE] [--seed N]\n"
    "  --listen             the API server's address (default 127.0.0.1:6443; port 0 = any)\n"
    "  --kubeconfig-out     where to write the kubeconfig (default ./kubeconfig)\n"
    "  --virtual-node       a virtual node's name; repeat for more (default: rbkci-virtual-kubelet\n"
    "                       and virtual-kubelet01, seed 000's and seed 001's names)\n"
    "  --kubelet-port-base  the i-th virtual node serves its kubelet API on 127.0.0.1:BASE+i\n"
    "                       (default 10250), so `kubectl logs` reaches it\n"
    "  --kci-config         the fake cloud (what a scenario's kci: key holds; default: a generous\n"
    "                       cloud with owner AKowner)\n"
    "  --seed               random seed of the stand-ins (default 1)\n"
    "runs the fake API server with kube-scheduler (seed 000's extender in its chain), the\n"
    "Deployment, ReplicaSet, StatefulSet, Job, garbage-collector and node-lifecycle controllers,\n"
    "mutating admission with the profile webhook, the ElasticWorkload controller, fake KCI and\n"
    "the virtual kubelets, in real time, until SIGINT or SIGTERM\n";

bool write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return false;
    f << text;
    if (!f.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}


}  // namespace

int run_up(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::string host = "127.0.0.1", kubeconfig_path = "kubeconfig", kci_config;
  std::uint16_t port = 6443;
  std::int32_t kubelet_base = 10250;
  std::uint64_t seed = 1;
  std::vector<std::string> nodes;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return invalid_argument(a + " needs a value");
      return std::string(argv[++i]);
    };
    Status st;
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (a == "--listen") {
      auto v = value();
      auto hp = v.ok() ? parse_host_port("--listen", *v) : Result<std::pair<std::string, std::uint16_t>>(v.error());
      if (hp.ok()) std::tie(host, port) = *hp;
      else st = hp.take_error();
    } else if (a == "--kubeconfig-out") {
      auto v = value();
      if (v.ok()) kubeconfig_path = *v;
      else st = v.take_error();
    } else if (a == "--virtual-node") {
      auto v = value();
      if (v.ok() && v->empty()) st = invalid_argument("--virtual-node is empty; expected a node name");
      else if (v.ok()) nodes.push_back(*v);
      else st = v.take_error();
    } else if (a == "--kubelet-port-base" || a == "--seed") {
      auto v = value();
      auto n = v.ok() ? parse_non_negative(a, *v) : Result<double>(v.error());
      if (!n.ok()) st = n.take_error();
      else if (a == "--seed") seed = static_cast<std::uint64_t>(*n);
      else if (*n < 1 || *n > 65000) st = invalid_argument("--kubelet-port-base is \"" + *v + "\"; expected 1-65000");
      else kubelet_base = static_cast<std::int32_t>(*n);
    } else if (a == "--kci-config") {
      auto v = value();
      if (v.ok()) kci_config = *v;
      else st = v.take_error();
    } else {
      st = invalid_argument("unknown flag \"" + a + "\"");
    }
    if (!st.ok()) {
      err << "kci-vk up: " << st.error().message << "\n" << kUsage;
      return 2;
    }
  }
  if (nodes.empty()) nodes = {"rbkci-virtual-kubelet", "virtual-kubelet01"};

  scenario::Scenario s;
  s.name = "up";
  s.path = "up.yaml";
  if (!kci_config.empty()) {
    std::ifstream in(kci_config);
    std::stringstream text;
    text << in.rdbuf();
    auto doc = in ? k8s::yaml_document(text.str()) : Result<k8s::Json>(invalid_argument("cannot be read"));
    if (!doc.ok()) {
      err << "kci-vk up: --kci-config " << kci_config << ": " << doc.error().message << "\n";
      return 2;
    }
    s.kci = doc->is_null() ? k8s::Json::object() : *doc;
    s.path = kci_config;  // relative files of the cloud's config resolve next to it
  }
  for (const auto& n : nodes) s.virtualNodes.push_back({n, {"--enable-node-lease"}, {}});
  s.extenderWeight = 1;
  s.webhook = true;
  s.elasticWorkload = true;

  scenario::WorldTuning tuning;
  tuning.start_time = provider::wall_now();
  tuning.kubelet_port_base = kubelet_base;
  tuning.node_ip = "127.0.0.1";
  auto world = scenario::World::create(s, seed, tuning);
  if (!world.ok()) {
    err << "kci-vk up: " << world.error().message << "\n";
    return 2;
  }
  scenario::World& w = **world;
  if (auto st = w.start(); !st.ok()) {
    err << "kci-vk up: " << st.error().message << "\n";
    return 1;
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  apiserver::RealTimeLoop loop(w.executor());
  apiserver::HttpServerOptions http_options;
  http_options.kubelet_scheme = "http";  // the virtual nodes below serve plain HTTP
  apiserver::HttpServer http(w.client(), loop, w.executor().clock(), http_options);
  std::vector<std::unique_ptr<provider::HttpService>> kubelets;
  auto fail = [&](const std::string& message) {
    err << "kci-vk up: " << message << "\n";
    for (auto& k : kubelets) k->stop();
    http.stop();
    loop.stop();
    return 1;
  };
  loop.start();
  if (auto st = http.start(host, port); !st.ok()) return fail(st.error().message);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string node = nodes[i];
    auto svc = std::make_unique<provider::HttpService>([&loop, &w, node](const provider::HttpRequest& req) {
      auto resp = apiserver::run_on(loop, [&] { return w.kubelet(node, req); });
      if (resp.stream)
        resp.stream = [&loop, inner = std::move(resp.stream)] { return apiserver::run_on(loop, [&inner] { return inner(); }); };
      return resp;
    });
    const auto kport = static_cast<std::uint16_t>(kubelet_base + static_cast<std::int32_t>(i));
    if (auto st = svc->start("127.0.0.1", kport); !st.ok())
      return fail("virtual node " + node + "'s kubelet API: " + st.error().message);
    kubelets.push_back(std::move(svc));
  }
  apiserver::KubeconfigSpec spec;
  spec.server = http.url();
  std::random_device rd;
  spec.token = Rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd()).uuid();
  if (!write_file(kubeconfig_path, apiserver::kubeconfig_yaml(spec)))
    return fail("cannot write the kubeconfig to " + kubeconfig_path);

  out << "up: API server " << http.url() << "; kubeconfig written to " << kubeconfig_path << "\n";
  for (std::size_t i = 0; i < nodes.size(); ++i)
    out << "up: virtual node " << nodes[i] << ", kubelet API http://127.0.0.1:" << kubelet_base + static_cast<int>(i)
        << "\n";
  out << "up: fake KCI region " << w.owner().region << ", owner " << w.owner().access_key_id
      << "; seed 000's extender and the profile webhook are in the chain\n"
      << "try: export KUBECONFIG=" << kubeconfig_path << "; kubectl get node; kubectl get pod -o wide\n"
      << std::flush;
  int sig = 0;
  sigwait(&set, &sig);
  for (auto& k : kubelets) k->stop();
  http.stop();
  loop.stop();
  out << "up: stopped (" << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ")\n";
  return 0;
}

}  // namespace kci::cli
