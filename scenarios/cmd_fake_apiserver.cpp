#include "scenarios/cmd_fake_apiserver.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>
#include <string>

#include "core/k8s/object.h"
#include "core/k8s/yaml.h"
#include "core/random.h"
#include "fake-apiserver/http_server.h"
#include "fake-apiserver/kubeconfig.h"
#include "fake-apiserver/rbac.h"
#include "fake-apiserver/scheduler.h"
#include "scenarios/apiserver_stack.h"

namespace kci::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: kci-vk fake-apiserver [--listen HOST:PORT] [--kubeconfig-out PATH] [--token TOKEN]\n"
    "                             [--require-token] [--seed N] [--token-auth-file FILE]\n"
    "                             [--authorization-mode AlwaysAllow|RBAC] [TLS flags...]\n"
    "  --listen          address to serve on (default 127.0.0.1:6443; port 0 = any free port)\n"
    "  --kubeconfig-out  where to write the kubeconfig for kubectl (default ./kubeconfig)\n"
    "  --token           the bearer token written to the kubeconfig (default: a random one);\n"
    "                    required of clients only with --require-token (kubectl sends\n"
    "                    credentials over TLS only, and this server speaks plain HTTP)\n"
    "  --seed            random seed for uids and generated names (default 1)\n"
    "  --tls-cert-file, --tls-private-key-file\n"
    "                    serve HTTPS with this PEM certificate chain and key; the kubeconfig\n"
    "                    trusts that chain (self-signed, or ending with its CA)\n"
    "  --client-ca-file FILE\n"
    "                    authenticate clients by certificates this CA signed (needs TLS): a\n"
    "                    certificate it does not verify is refused at the handshake, and a\n"
    "                    request with neither a verified certificate nor the token gets 401\n"
    "  --scheduler-config FILE\n"
    "                    KubeSchedulerConfiguration (YAML or JSON; seed 000's Policy form too)\n"
    "                    whose extenders the scheduler calls over HTTP\n"
    "  --webhook-service NS/NAME=HOST:PORT\n"
    "                    where the Service a MutatingWebhookConfiguration names is served\n"
    "                    (HTTPS); may be repeated. Webhooks given by url need nothing.\n"
    "  --kubelet-scheme https|http\n"
    "                    how pods/log (kubectl logs) reaches a node's kubelet API at its\n"
    "                    InternalIP and kubelet port (default https, as kube-apiserver)\n"
    "  --kubelet-certificate-authority FILE\n"
    "                    verify the kubelets' certificates with this CA (default: not\n"
    "                    verified, as kube-apiserver without this flag)\n"
    "  --token-auth-file FILE\n"
    "                    kube-apiserver's static token file: CSV lines token,user,uid and an\n"
    "                    optional quoted \"group1,group2\"; a request bearing a token is that\n"
    "                    user (system:serviceaccount:<ns>:<name> users get the ServiceAccount\n"
    "                    groups). The --token admin (group system:masters) is still accepted\n"
    "                    and now required of clients, as with --require-token\n"
    "  --authorization-mode AlwaysAllow|RBAC\n"
    "                    AlwaysAllow (default): every authenticated request is served. RBAC:\n"
    "                    the Roles, ClusterRoles and bindings of rbac.authorization.k8s.io/v1\n"
    "                    decide, as in kube-apiserver (system:masters bypasses; the default\n"
    "                    cluster-admin, system:discovery and system:public-info-viewer roles\n"
    "                    and bindings are created); refusals are 403 Forbidden, each one\n"
    "                    also written to stderr. Client certificates name user CN, groups O.\n"
    "                    SelfSubjectAccessReviews (kubectl auth can-i) are answered in\n"
    "                    either mode\n";

//! Writes `text` to `path` through a temporary file, so a reader never sees half of it.
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

int run_fake_apiserver(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::string listen = "127.0.0.1:6443", kubeconfig_path = "kubeconfig", token;
  std::uint64_t seed = 1;
  bool require_token = false;
  std::string tls_cert, tls_key, client_ca, scheduler_config, kubelet_scheme = "https", kubelet_ca_file;
  std::vector<std::pair<std::string, std::string>> webhook_services;  // "ns/name" -> "host:port"
  std::string token_auth_file, authorization_mode = "AlwaysAllow";
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
    } else if (a == "--kubeconfig-out" && value(v)) {
      kubeconfig_path = v;
    } else if (a == "--token" && value(v)) {
      token = v;
    } else if (a == "--tls-cert-file" && value(v)) {
      tls_cert = v;
    } else if (a == "--tls-private-key-file" && value(v)) {
      tls_key = v;
    } else if (a == "--client-ca-file" && value(v)) {
      client_ca = v;
    } else if (a == "--scheduler-config" && value(v)) {
      scheduler_config = v;
    } else if (a == "--webhook-service" && value(v)) {
      const auto eq = v.find('=');
      const auto slash = v.find('/');
      if (eq == std::string::npos || slash == std::string::npos || slash > eq || v.find(':', eq) == std::string::npos) {
        err << "kci-vk fake-apiserver: --webhook-service is \"" << v << "\"; expected NAMESPACE/NAME=HOST:PORT\n";
        return 2;
      }
      webhook_services.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (a == "--kubelet-scheme" && value(v)) {
      if (v != "https" && v != "http") {
        err << "kci-vk fake-apiserver: --kubelet-scheme is \"" << v << "\"; expected https or http\n";
        return 2;
      }
      kubelet_scheme = v;
    } else if (a == "--kubelet-certificate-authority" && value(v)) {
      kubelet_ca_file = v;
    } else if (a == "--token-auth-file" && value(v)) {
      token_auth_file = v;
    } else if (a == "--authorization-mode" && value(v)) {
      if (v != "AlwaysAllow" && v != "RBAC") {
        err << "kci-vk fake-apiserver: --authorization-mode is \"" << v << "\"; expected AlwaysAllow or RBAC\n";
        return 2;
      }
      authorization_mode = v;
    } else if (a == "--require-token") {
      require_token = true;
    } else if (a == "--seed" && value(v)) {
      try {
        seed = std::stoull(v);
      } catch (...) {
        err << "kci-vk fake-apiserver: --seed is \"" << v << "\"; expected a non-negative integer\n";
        return 2;
      }
    } else if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else {
      err << "kci-vk fake-apiserver: unknown or incomplete flag \"" << a << "\"\n" << kUsage;
      return 2;
    }
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    err << "kci-vk fake-apiserver: --listen is \"" << listen
        << "\"; expected HOST:PORT such as 127.0.0.1:6443\n";
    return 2;
  }
  const std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  int port = -1;
  try {
    port = std::stoi(port_text);
  } catch (...) {
  }
  if (port < 0 || port > 65535) {
    err << "kci-vk fake-apiserver: port \"" << port_text << "\" is not a number in 0-65535\n";
    return 2;
  }
  if (tls_cert.empty() != tls_key.empty()) {
    err << "kci-vk fake-apiserver: --tls-cert-file and --tls-private-key-file go together\n";
    return 2;
  }
  if (!client_ca.empty() && tls_cert.empty()) {
    err << "kci-vk fake-apiserver: --client-ca-file needs --tls-cert-file and --tls-private-key-file (certificates are "
           "presented over TLS only)\n";
    return 2;
  }
  std::vector<apiserver::ExtenderConfig> extenders;
  if (!scheduler_config.empty()) {
    std::ifstream in(scheduler_config);
    std::stringstream text;
    text << in.rdbuf();
    auto doc = in ? k8s::yaml_document(text.str()) : Result<k8s::Json>(invalid_argument("cannot be read"));
    if (doc.ok()) {
      // seed 000's form: a ConfigMap holding the Policy under data["policy.cfg"].
      if (doc->value("kind", "") == "ConfigMap" && (*doc)["data"].contains("policy.cfg"))
        doc = k8s::yaml_document((*doc)["data"]["policy.cfg"].get<std::string>());
    }
    auto parsed = doc.ok() ? apiserver::parse_extenders(*doc) : Result<std::vector<apiserver::ExtenderConfig>>(doc.error());
    if (!parsed.ok()) {
      err << "kci-vk fake-apiserver: --scheduler-config " << scheduler_config << ": " << parsed.error().message << "\n";
      return 2;
    }
    extenders = std::move(*parsed);
  }
  apiserver::TokenUsers token_users;
  if (!token_auth_file.empty()) {
    auto users = apiserver::load_token_auth_file(token_auth_file);
    if (!users.ok()) {
      err << "kci-vk fake-apiserver: --token-auth-file: " << users.error().message << "\n";
      return 2;
    }
    token_users = std::move(*users);
  }
  if (token.empty()) {
    // A fresh token per run: this is a process edge, real randomness is allowed here.
    std::random_device rd;
    Rng rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    token = rng.uuid();
  }

  // The loop owns the simulation's thread; the API server, its controllers, admission and
  // the scheduler live on it.
  auto stack = scenario::ApiServerStack::create(seed, [&err](const std::string& line) {
    err << "kci-vk fake-apiserver: " << line << "\n" << std::flush;
  });
  if (!stack.ok()) {
    err << "kci-vk fake-apiserver: " << stack.error().message << "\n";
    return 1;
  }
  for (const auto& [service, address] : webhook_services) {
    const auto slash = service.find('/');
    (*stack)->add_webhook_service(service.substr(0, slash), service.substr(slash + 1), address);
  }
  if (Status st = (*stack)->start_scheduler(std::move(extenders)); !st.ok()) {
    err << "kci-vk fake-apiserver: " << st.error().message << "\n";
    return 1;
  }
  apiserver::RealTimeLoop& loop = (*stack)->loop();
  apiserver::HttpServerOptions http_options;
  // Once some clients are told apart by their tokens, the admin must show its own.
  if (require_token || !token_users.empty()) http_options.bearer_token = token;
  http_options.token_users = std::move(token_users);
  http_options.authorization_mode = authorization_mode;
  http_options.on_forbidden = [&err](const std::string& message) {
    err << "kci-vk fake-apiserver: 403 " << message << "\n" << std::flush;
  };
  if (authorization_mode == "RBAC") {
    // The loop has not started: the client may be called from here.
    if (Status st = apiserver::create_bootstrap_rbac((*stack)->client()); !st.ok()) {
      err << "kci-vk fake-apiserver: " << st.error().message << "\n";
      return 1;
    }
  }
  http_options.tls_cert_file = tls_cert;
  http_options.tls_key_file = tls_key;
  http_options.client_ca_file = client_ca;
  http_options.kubelet_scheme = kubelet_scheme;
  if (!kubelet_ca_file.empty()) {
    std::ifstream f(kubelet_ca_file);
    std::stringstream pem;
    pem << f.rdbuf();
    if (!f || pem.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      err << "kci-vk fake-apiserver: --kubelet-certificate-authority " << kubelet_ca_file
          << ": not a readable PEM certificate file\n";
      return 2;
    }
    http_options.kubelet_ca_pem = pem.str();
  }
  apiserver::HttpServer http((*stack)->client(), loop, loop.sim().clock(), http_options);

  // Block the stop signals before any thread starts, then wait for one of them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  loop.start();
  if (auto st = http.start(host, static_cast<std::uint16_t>(port)); !st.ok()) {
    err << "kci-vk fake-apiserver: " << st.error().message << "\n";
    (*stack)->stop();
    return 1;
  }
  apiserver::KubeconfigSpec spec;
  spec.server = http.url();
  if (!tls_cert.empty()) {
    // The kubeconfig trusts the served certificates: a self-signed certificate, or a chain
    // that ends with its CA.
    std::ifstream pem(tls_cert);
    std::stringstream chain;
    chain << pem.rdbuf();
    spec.certificate_authority_data = k8s::base64_encode(chain.str());
  }
  spec.token = token;
  if (!write_file(kubeconfig_path, apiserver::kubeconfig_yaml(spec))) {
    err << "kci-vk fake-apiserver: cannot write the kubeconfig to " << kubeconfig_path << "\n";
    http.stop();
    (*stack)->stop();
    return 1;
  }
  out << "fake-apiserver: serving " << http.url() << "\n"
      << "fake-apiserver: kubeconfig written to " << kubeconfig_path << "\n"
      << std::flush;
  int sig = 0;
  sigwait(&set, &sig);
  http.stop();
  (*stack)->stop();
  out << "fake-apiserver: stopped\n";
  return 0;
}

}  // namespace kci::cli
