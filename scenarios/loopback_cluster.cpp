#include "scenarios/loopback_cluster.h"

#include <chrono>
#include <fstream>
#include <thread>

#include "core/k8s/object.h"
#include "core/translate/node_settings.h"
#include "fake-apiserver/http_server.h"
#include "fake-apiserver/kubeconfig.h"
#include "fake-kci/cloud_config.h"
#include "fake-kci/fake_cloud.h"
#include "fake-kci/http_server.h"
#include "provider/kube_http/http_kube_client.h"
#include "provider/profile/manifests.h"
#include "provider/profile/profile_webhook.h"
#include "provider/profile/webhook_server.h"
#include "scenarios/apiserver_stack.h"
#include "scenarios/cmd_extender.h"
#include "scenarios/cmd_provider.h"
#include "fake-apiserver/local_pki.h"

namespace kci::scenario {
namespace {

//! The wall clock: the loopback cluster serves real clients in real time.
class WallClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }
};

//! How long start() waits for the webhook's and the extender's informers to sync: a list of
//! a fresh cluster over loopback takes milliseconds.
constexpr auto kSyncDeadline = std::chrono::seconds(30);

//! The profile webhook as a process runs it: its informers read the cluster through the HTTP
//! KubeClient on a loop of their own, and each review hops onto that loop.
struct WebhookPiece {
  apiserver::RealTimeLoop loop;
  std::unique_ptr<provider::HttpKubeClient> client;
  std::unique_ptr<profile::ProfileWebhook> hook;
  std::unique_ptr<profile::WebhookServer> server;
};

}  // namespace

struct LoopbackCluster::Parts {
  WallClock clock;
  std::unique_ptr<tls::LocalPki> pki;  //!< the webhook's certificate, the kubeconfig's folder
  std::unique_ptr<fake_kci::FakeKciCloud> cloud;
  std::unique_ptr<fake_kci::KciHttpServer> kci_server;
  kcicloud::CallContext owner;
  std::unique_ptr<ApiServerStack> stack;
  std::unique_ptr<apiserver::HttpServer> http;
  std::string kubeconfig;
  WebhookPiece webhook;
  std::unique_ptr<cli::ExtenderProcess> extender;
  std::vector<std::unique_ptr<cli::ProviderProcess>> providers;
  bool stopped = false;
};

LoopbackCluster::LoopbackCluster(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
LoopbackCluster::~LoopbackCluster() { stop(); }

Result<std::unique_ptr<LoopbackCluster>> LoopbackCluster::start(const LoopbackOptions& options) {
  auto parts = std::make_unique<Parts>();
  Parts& p = *parts;
  // Whatever fails below, the destructor stops what already runs.
  std::unique_ptr<LoopbackCluster> cluster(new LoopbackCluster(std::move(parts)));
  auto failed = [](const std::string& piece, const Error& e) { return make_error(e.code, piece + ": " + e.message); };
  p.pki = std::make_unique<tls::LocalPki>();

  // Fake KCI, signatures checked.
  KCI_TRY(auto cloud_config, fake_kci::parse_cloud_config(options.kci_yaml, ".", p.clock.now()));
  if (cloud_config.users.empty()) return invalid_argument("the cloud has no user to sign with");
  p.cloud = std::make_unique<fake_kci::FakeKciCloud>(std::move(cloud_config), p.clock, options.seed);
  fake_kci::FakeKciCloud* cloud = p.cloud.get();
  p.owner = {cloud->config().users.front().access_key, cloud->config().region};
  p.kci_server = std::make_unique<fake_kci::KciHttpServer>(
      *cloud, p.clock, [cloud](const std::string& ak) { return cloud->secret_for(ak); }, options.seed);
  if (auto st = p.kci_server->start("127.0.0.1", 0); !st.ok()) return failed("fake KCI", st.error());

  // The API server, and a kubeconfig for the clients.
  KCI_TRY(p.stack, ApiServerStack::create(options.seed));
  apiserver::RealTimeLoop& loop = p.stack->loop();
  apiserver::HttpServerOptions http_options;
  http_options.kubelet_scheme = "http";  // the virtual nodes below serve plain HTTP
  p.http = std::make_unique<apiserver::HttpServer>(p.stack->client(), loop, loop.sim().clock(), http_options);
  loop.start();
  if (auto st = p.http->start("127.0.0.1", 0); !st.ok()) return failed("the API server", st.error());
  apiserver::KubeconfigSpec spec;
  spec.server = p.http->url();
  p.kubeconfig = p.pki->file("kubeconfig");
  p.pki->write("kubeconfig", apiserver::kubeconfig_yaml(spec));
  KCI_TRY(auto rest, provider::load_kubeconfig(p.kubeconfig));
  rest.qps = options.kube_qps;
  rest.burst = options.kube_burst;

  // The profile webhook behind its Service, as the shipped configuration names it, trusted
  // through the configuration's caBundle.
  profile::WebhookEndpoint endpoint;
  endpoint.ca_bundle = k8s::base64_encode(p.pki->ca_pem);
  kube::KubeClient& admin = p.stack->client();
  auto applied = cluster->run([&]() -> Status {
    for (const auto& crd : {profile::selector_crd(), profile::eci_selector_crd()})
      KCI_TRY_STATUS(admin.create(kube::custom_resource_definitions(), crd));
    KCI_TRY_STATUS(admin.create(kube::mutating_webhook_configurations(), profile::mutating_webhook_configuration(endpoint)));
    return {};
  });
  if (!applied.ok()) return failed("installing the profile webhook", applied.error());
  WebhookPiece& w = p.webhook;
  provider::HttpKubeClientOptions wo;
  wo.user_agent = "kci-vk-webhook";
  wo.dispatch = [&w](Executor&, Executor::Task t) { w.loop.submit(std::move(t)); };
  KCI_TRY(w.client, provider::HttpKubeClient::create(rest, wo));
  // The webhook reads a pod's owners (the ReplicaSet, then the Deployment) during admission,
  // as in a cluster: the fake API server answers reads while it waits for the review.
  w.hook = std::make_unique<profile::ProfileWebhook>(*w.client, w.loop.sim());
  w.loop.start();
  apiserver::run_on(w.loop, [&w] { w.hook->start(); });
  w.server = std::make_unique<profile::WebhookServer>(
      [&w](std::string_view body) { return apiserver::run_on(w.loop, [&] { return w.hook->handle(body); }); });
  if (auto st = w.server->start("127.0.0.1", 0, p.pki->file("server.crt"), p.pki->file("server.key")); !st.ok())
    return failed("the profile webhook", st.error());
  const std::string webhook_address = "127.0.0.1:" + std::to_string(w.server->port());
  cluster->run([&] { p.stack->add_webhook_service(endpoint.service_namespace, endpoint.service_name, webhook_address); });

  // The extender, then kube-scheduler calling it.
  cli::ExtenderFlags ef;
  ef.host = "127.0.0.1";
  ef.port = 0;
  ef.kubeconfig = p.kubeconfig;
  ef.qps = options.kube_qps;
  ef.burst = options.kube_burst;
  auto extender = cli::ExtenderProcess::start(ef, [](const std::string&) {});
  if (!extender.ok()) return failed("the extender", extender.error());
  p.extender = std::move(*extender);
  const auto deadline = std::chrono::steady_clock::now() + kSyncDeadline;
  while (!p.extender->synced()) {
    if (std::chrono::steady_clock::now() > deadline)
      return make_error(ErrorCode::kUnavailable, "the extender did not sync within 30 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string extender_url = "http://127.0.0.1:" + std::to_string(p.extender->port()) + "/scheduler";
  auto scheduling = cluster->run([&] { return p.stack->start_scheduler({seed_extender_config(extender_url, 1)}); });
  if (!scheduling.ok()) return failed("the scheduler", scheduling.error());

  // The virtual kubelets, as `kci-vk provider` runs them.
  const auto& cfg = cloud->config();
  for (const auto& node : options.virtual_nodes) {
    std::map<std::string, std::string> settings = {
        {"--nodename", node},
        {"KCI_REGION", cfg.region},
        {"KCI_CLUSTER_ID", "loopback-cluster"},
        {"KCI_ACCESS_KEY", cfg.users.front().access_key},
        {"KCI_SECRET_KEY", cfg.users.front().secret_key},
        {"VKUBELET_POD_IP", "127.0.0.1"}};
    if (!cfg.subnets.empty()) settings["KCI_SUBNET_ID"] = cfg.subnets.begin()->first;
    if (!cfg.security_groups.empty()) settings["KCI_SECURITY_GROUP_IDS"] = cfg.security_groups.begin()->first;
    cli::ProviderFlags pf;
    KCI_TRY(pf.settings, translate::parse_node_settings(settings));
    pf.host = "127.0.0.1";
    pf.port = 0;
    pf.kubeconfig = p.kubeconfig;
    pf.kci_endpoint = "http://127.0.0.1:" + std::to_string(p.kci_server->port());
    pf.qps = options.kube_qps;
    pf.burst = options.kube_burst;
    pf.kci_qps = options.kci_qps;
    pf.kci_burst = options.kci_burst;
    pf.capacity_cpu = options.capacity_cpu;
    pf.capacity_memory = options.capacity_memory;
    pf.capacity_pods = options.capacity_pods;
    auto provider = cli::ProviderProcess::start(pf);
    if (!provider.ok()) return failed("virtual node " + node, provider.error());
    p.providers.push_back(std::move(*provider));
  }
  return cluster;
}

apiserver::OwnerLoop& LoopbackCluster::loop() { return parts_->stack->loop(); }
kube::KubeClient& LoopbackCluster::client() { return parts_->stack->client(); }
std::string LoopbackCluster::api_url() const { return parts_->http->url(); }
std::string LoopbackCluster::kubeconfig_path() const { return parts_->kubeconfig; }

void LoopbackCluster::with_cloud(
    const std::function<void(kcicloud::KciApi& cloud, const kcicloud::CallContext& owner)>& f) {
  Parts& p = *parts_;
  p.kci_server->with_api_locked([&] { f(*p.cloud, p.owner); });
}

std::size_t LoopbackCluster::webhook_selectors() {
  WebhookPiece& w = parts_->webhook;
  return apiserver::run_on(w.loop, [&w] { return w.hook->profiles().selectors().size(); });
}

void LoopbackCluster::stop() {
  if (!parts_ || parts_->stopped) return;
  Parts& p = *parts_;
  p.stopped = true;
  for (auto& provider : p.providers) provider->stop();
  if (p.extender) p.extender->stop();
  WebhookPiece& w = p.webhook;
  if (w.server) w.server->stop();
  if (w.hook) apiserver::run_on(w.loop, [&w] { w.hook.reset(); });
  w.loop.stop();
  if (p.http) p.http->stop();
  if (p.stack) p.stack->stop();
  if (p.kci_server) p.kci_server->stop();
}

}  // namespace kci::scenario
