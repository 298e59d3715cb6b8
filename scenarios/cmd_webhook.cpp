#include "scenarios/cmd_webhook.h"

#include <csignal>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "core/k8s/yaml.h"
#include "core/kube/kube_client.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-apiserver/owner_loop.h"
#include "provider/kube_http/http_kube_client.h"
#include "scenarios/cli_cluster.h"
#include "scenarios/cli_flags.h"
#include "provider/profile/manifests.h"
#include "provider/profile/profile_webhook.h"
#include "provider/profile/webhook_server.h"

namespace kci::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: kci-vk webhook --tls-cert FILE --tls-key FILE [--listen HOST:PORT]\n"
    "                      ([--profile FILE]... | --kubeconfig PATH [--context NAME] | --in-cluster | --real-cluster)\n"
    "  --listen     address to serve HTTPS on (default 0.0.0.0:9443; port 0 = any)\n"
    "  --tls-cert   PEM certificate chain the API server trusts (caBundle)\n"
    "  --tls-key    PEM private key of that certificate\n"
    "  --profile    YAML with Selector objects, the kube-system/kci-profile ConfigMap and\n"
    "               Namespaces, read once; may be repeated\n"
    "  --kubeconfig, --context, --in-cluster\n"
    "               watch the Selectors, the ConfigMap and the Namespaces of this cluster instead,\n"
    "               so a change applies to the next pod (--qps N, --burst N: client-side limits)\n"
    "  --real-cluster  the cluster the webhook is deployed in: --in-cluster unless --kubeconfig\n"
    "  --print-config  print the MutatingWebhookConfiguration and exit\n";

Status load_profile(const std::string& path, kube::KubeClient& client) {
  std::ifstream in(path);
  if (!in) return invalid_argument("--profile " + path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto docs = k8s::yaml_documents(ss.str());
  if (!docs.ok()) return invalid_argument("--profile " + path + ": " + docs.error().message);
  std::size_t i = 0;
  for (const auto& doc : *docs) {
    ++i;
    if (doc.is_null()) continue;
    const std::string kind = doc.value("kind", "");
    kube::ResourceRef ref;
    if (kind == "Selector") {
      const std::string api = doc.value("apiVersion", "");
      ref = api.rfind(std::string(profile::kEciSelectorGroup), 0) == 0 ? profile::eci_selectors() : profile::kci_selectors();
      ref.version = api.substr(api.find('/') + 1);
      ref.namespace_ = doc.value("metadata", kube::Json::object()).value("namespace", "");
      if (ref.group == profile::kEciSelectorGroup && ref.namespace_.empty()) ref.namespace_ = "default";
    } else if (kind == "ConfigMap" || kind == "Namespace") {
      auto r = kube::ref_of(doc);
      if (!r.ok()) return invalid_argument("--profile " + path + " document " + std::to_string(i) + ": " + r.error().message);
      ref = *r;
      ref.name.clear();
    } else {
      return invalid_argument("--profile " + path + " document " + std::to_string(i) + ": kind \"" + kind +
                              "\" is not accepted; expected Selector, ConfigMap or Namespace");
    }
    auto created = client.create(ref, doc);
    if (!created.ok() && created.error().code == ErrorCode::kAlreadyExists) {
      ref.name = doc.value("metadata", kube::Json::object()).value("name", "");
      created = client.update(ref, doc);
    }
    if (!created.ok())
      return invalid_argument("--profile " + path + " document " + std::to_string(i) + " (" + kind + "): " +
                              created.error().message);
  }
  return {};
}

//! SIGINT and SIGTERM are waited for with sigwait(): block them before any thread starts.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

//! The webhook over a cluster's Selectors, ConfigMap and Namespaces, watched on a real-time
//! loop; each review runs on that loop.
int serve_from_cluster(const ClusterFlags& cluster, const std::string& host, std::uint16_t port, const std::string& cert,
                       const std::string& key, std::ostream& out, std::ostream& err) {
  sigset_t set = block_stop_signals();
  apiserver::RealTimeLoop loop;
  std::string api;
  auto client = connect_cluster(cluster, loop, "kci-vk-webhook", &api);
  if (!client.ok()) {
    err << "kci-vk webhook: " << client.error().message << "\n";
    return 1;
  }
  std::mutex out_mu;
  profile::ProfileWebhook hook(**client, loop.sim(), {}, [&](const std::string& line) {
    std::lock_guard lock(out_mu);
    out << "webhook: " << line << "\n" << std::flush;
  });
  loop.start();
  apiserver::run_on(loop, [&] { hook.start(); });
  profile::WebhookServer https([&](std::string_view body) { return apiserver::run_on(loop, [&] { return hook.handle(body); }); });
  auto stop = [&] {
    https.stop();
    apiserver::run_on(loop, [&] { hook.stop(); });
    loop.stop();
  };
  if (auto st = https.start(host, port, cert, key); !st.ok()) {
    err << "kci-vk webhook: " << st.error().message << "\n";
    stop();
    return 1;
  }
  {
    std::lock_guard lock(out_mu);
    out << "webhook: serving AdmissionReview v1 on https://" << host << ":" << https.port()
        << "/mutate; Selectors, ConfigMap and Namespaces from " << api << "\n"
        << std::flush;
  }
  int sig = 0;
  sigwait(&set, &sig);
  stop();
  out << "webhook: stopped\n";
  return 0;
}

}  // namespace

int run_webhook(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::string listen = "0.0.0.0:9443", cert, key;
  std::vector<std::string> profiles;
  ClusterFlags cluster;
  bool real_cluster = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& v) {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--listen" && value(v)) {
      listen = v;
    } else if (a == "--tls-cert" && value(v)) {
      cert = v;
    } else if (a == "--tls-key" && value(v)) {
      key = v;
    } else if (a == "--profile" && value(v)) {
      profiles.push_back(v);
    } else if (a == "--kubeconfig" && value(v)) {
      cluster.kubeconfig = v;
      if (v.empty()) {
        err << "kci-vk webhook: --kubeconfig is empty; expected a file\n";
        return 2;
      }
    } else if (a == "--context" && value(v)) {
      cluster.context = v;
    } else if (a == "--in-cluster") {
      cluster.in_cluster = true;
    } else if (a == "--real-cluster") {
      real_cluster = true;
    } else if ((a == "--qps" || a == "--burst") && value(v)) {
      auto d = parse_non_negative(a, v);
      if (!d.ok() || (a == "--burst" && *d < 1)) {
        err << "kci-vk webhook: " << (d.ok() ? a + " is \"" + v + "\"; expected at least 1" : d.error().message) << "\n";
        return 2;
      }
      (a == "--qps" ? cluster.qps : cluster.burst) = *d;
    } else if (a == "--print-config") {
      out << k8s::to_yaml(profile::mutating_webhook_configuration());
      return 0;
    } else if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else {
      err << "kci-vk webhook: unknown or incomplete flag \"" << a << "\"\n" << kUsage;
      return 2;
    }
  }
  if (cert.empty() || key.empty()) {
    err << "kci-vk webhook: --tls-cert and --tls-key are required (the API server calls webhooks over HTTPS only)\n"
        << kUsage;
    return 2;
  }
  auto host_port = parse_host_port("--listen", listen);
  if (!host_port.ok()) {
    err << "kci-vk webhook: " << host_port.error().message << "\n";
    return 2;
  }
  const auto& [host, port] = *host_port;
  const bool from_cluster = real_cluster || cluster.in_cluster || !cluster.kubeconfig.empty() || !cluster.context.empty();
  if (from_cluster) {
    if (!profiles.empty()) {
      err << "kci-vk webhook: --profile and a cluster (--kubeconfig, --in-cluster, --real-cluster) exclude each other\n";
      return 2;
    }
    if (auto st = check_cluster_flags(cluster, /*default_in_cluster=*/true); !st.ok()) {
      err << "kci-vk webhook: " << st.error().message << "\n";
      return 2;
    }
    return serve_from_cluster(cluster, host, port, cert, key, out, err);
  }

  SimExecutor executor;
  apiserver::ApiServer server(executor);
  apiserver::InProcessClient client(server);
  for (const auto& crd : {profile::selector_crd(), profile::eci_selector_crd()}) {
    if (auto r = client.create(kube::custom_resource_definitions(), crd); !r.ok()) {
      err << "kci-vk webhook: registering " << crd["metadata"]["name"] << ": " << r.error().message << "\n";
      return 1;
    }
  }
  for (const auto& p : profiles) {
    if (auto st = load_profile(p, client); !st.ok()) {
      err << "kci-vk webhook: " << st.error().message << "\n";
      return 1;
    }
  }
  profile::ProfileWebhook hook(client, executor, {}, [&](const std::string& line) { out << "webhook: " << line << "\n"; });
  hook.start();
  executor.run_until_idle();
  for (const auto& problem : hook.problems()) err << "kci-vk webhook: " << problem << "\n";

  sigset_t set = block_stop_signals();
  profile::WebhookServer https([&](std::string_view body) { return hook.handle(body); });
  if (auto st = https.start(host, port, cert, key); !st.ok()) {
    err << "kci-vk webhook: " << st.error().message << "\n";
    return 1;
  }
  out << "webhook: serving AdmissionReview v1 on https://" << host << ":" << https.port() << "/mutate with "
      << hook.profiles().selectors().size() << " Selector(s) and " << hook.profiles().config().selectors.size()
      << " ConfigMap selector(s)\n"
      << std::flush;
  int sig = 0;
  sigwait(&set, &sig);
  https.stop();
  out << "webhook: stopped\n";
  return 0;
}

}  // namespace kci::cli
