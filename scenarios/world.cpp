#include "scenarios/world.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "core/k8s/quantity.h"
#include "core/k8s/yaml.h"
#include "core/kube/resources.h"
#include "core/translate/node_settings.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/deployment_controller.h"
#include "fake-apiserver/garbage_collector.h"
#include "fake-apiserver/hollow_nodes.h"
#include "fake-apiserver/job_controller.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-apiserver/mutating_webhooks.h"
#include "fake-apiserver/node_lifecycle_controller.h"
#include "fake-apiserver/replicaset_controller.h"
#include "fake-apiserver/scheduler.h"
#include "fake-apiserver/statefulset_controller.h"
#include "fake-kci/chaos.h"
#include "fake-kci/fake_cloud.h"
#include "provider/elastic/elastic_workload_controller.h"
#include "provider/elastic/manifests.h"
#include "provider/extender/extender_service.h"
#include "provider/profile/manifests.h"
#include "provider/profile/profile_webhook.h"
#include "provider/profile/unschedulable_autoscaler.h"
#include "scenarios/apiserver_stack.h"
#include "provider/http/http_service.h"
#include "provider/vk/kubelet_api.h"
#include "provider/vk/virtual_kubelet.h"

namespace kci::scenario {
namespace {

using k8s::Json;

//! The scenario's cluster-id when its virtual nodes do not set KCI_CLUSTER_ID.
constexpr const char* kDefaultClusterId = "sim-cluster";

//! Seed 000's extender as its policy registers it (the Service kci-scheduler-extender).
constexpr const char* kExtenderUrl = "http://kci-scheduler-extender.kube-system/scheduler";

//! The scheduler reaches the extender in-process, but through the same bytes the HTTP
//! server would carry: the request is serialised and the answer parsed.
class InProcessExtender final : public apiserver::ExtenderTransport {
 public:
  explicit InProcessExtender(extender::ExtenderService& service) : service_(service) {}
  Result<Json> call(const apiserver::ExtenderConfig& config, const std::string& verb, const Json& args) override {
    const auto reply = service_.handle(config.urlPrefix + "/" + verb, args.dump());
    if (reply.status != 200)
      return make_error(ErrorCode::kUnavailable,
                        "extender " + verb + " answered HTTP " + std::to_string(reply.status) + ": " + reply.body);
    Json answer = Json::parse(reply.body, nullptr, false);
    if (answer.is_discarded()) return make_error(ErrorCode::kUnavailable, "extender " + verb + " answered no JSON");
    return answer;
  }

 private:
  extender::ExtenderService& service_;
};

class SimWorld final : public World {
 public:
  SimWorld(const Scenario& s, std::uint64_t seed, fake_kci::CloudConfig cloud_config, WorldTuning tuning)
      : scenario_(s),
        seed_(seed),
        tuning_(std::move(tuning)),
        executor_(tuning_.start_time.value_or(VirtualClock::kDefaultStart)),
        server_(executor_, apiserver::ApiServerOptions{{}, seed, true}),
        client_(server_),
        cloud_(std::move(cloud_config), executor_.clock(), seed),
        chaos_(cloud_, executor_.clock(), cloud_.config().faults, seed ^ 0x5eed) {}

  Status build_virtual_nodes() {
    const auto& cfg = cloud_.config();
    Rng rng(seed_ ^ 0x7c);
    for (const auto& spec : scenario_.virtualNodes) {
      std::map<std::string, std::string> settings;
      settings["--nodename"] = spec.name;
      // `kci-vk provider`'s --capacity-* and --kci-qps/--kci-burst flags, then the seed flags.
      std::map<std::string, std::string> capacity;
      for (const auto& a : spec.args) {
        const auto eq = a.find('=');
        const std::string key = eq == std::string::npos ? a : a.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : a.substr(eq + 1);
        if (key == "--kci-qps" || key == "--kci-burst") {
          double d = -1;
          const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
          if (ec != std::errc() || end != value.data() + value.size() || d < 0)
            return invalid_argument("virtualNodes[" + spec.name + "]: " + key + " is \"" + value +
                                    "\"; expected a number >= 0");
          capacity[key] = value;
          continue;
        }
        if (key == "--capacity-cpu" || key == "--capacity-memory" || key == "--capacity-pods") {
          if (!k8s::Quantity::parse(value).ok())
            return invalid_argument("virtualNodes[" + spec.name + "]: " + key + " is \"" + value +
                                    "\"; expected a quantity such as 1000 or 4Ti");
          capacity[key] = value;
          continue;
        }
        settings[key] = value;
      }
      for (const auto& [k, v] : spec.env) settings[k] = v;
      // Generous defaults so a scenario states only what it is about.
      if (!settings.count("KCI_REGION")) settings["KCI_REGION"] = cfg.region;
      if (!settings.count("KCI_CLUSTER_ID")) settings["KCI_CLUSTER_ID"] = kDefaultClusterId;
      if (!settings.count("KCI_ACCESS_KEY") && !settings.count("TEMP_AKSK_CM")) {
        settings["KCI_ACCESS_KEY"] = cfg.users.front().access_key;
        settings["KCI_SECRET_KEY"] = cfg.users.front().secret_key;
      }
      if (!settings.count("VKUBELET_POD_IP") && tuning_.node_ip) settings["VKUBELET_POD_IP"] = *tuning_.node_ip;
      if (!settings.count("KCI_SUBNET_ID") && !cfg.subnets.empty()) settings["KCI_SUBNET_ID"] = cfg.subnets.begin()->first;
      if (!settings.count("KCI_SECURITY_GROUP_IDS") && !cfg.security_groups.empty())
        settings["KCI_SECURITY_GROUP_IDS"] = cfg.security_groups.begin()->first;
      auto parsed = translate::parse_node_settings(settings);
      if (!parsed.ok()) return invalid_argument("virtualNodes[" + spec.name + "]: " + parsed.error().message);
      vk::VirtualKubeletOptions o;
      o.settings = std::move(*parsed);
      if (tuning_.capacity_cpu) o.capacity_cpu = *tuning_.capacity_cpu;
      if (tuning_.capacity_memory) o.capacity_memory = *tuning_.capacity_memory;
      if (tuning_.capacity_pods) o.capacity_pods = *tuning_.capacity_pods;
      if (capacity.count("--capacity-cpu")) o.capacity_cpu = capacity["--capacity-cpu"];
      if (capacity.count("--capacity-memory")) o.capacity_memory = capacity["--capacity-memory"];
      if (capacity.count("--capacity-pods")) o.capacity_pods = capacity["--capacity-pods"];
      if (capacity.count("--kci-qps")) o.kci_qps = std::stod(capacity["--kci-qps"]);
      if (capacity.count("--kci-burst")) o.kci_burst = std::max(1.0, std::stod(capacity["--kci-burst"]));
      if (tuning_.kci_qps) o.kci_qps = *tuning_.kci_qps;
      if (tuning_.kci_burst) o.kci_burst = *tuning_.kci_burst;
      if (tuning_.kubelet_port_base) o.kubelet_port = *tuning_.kubelet_port_base + static_cast<std::int32_t>(vks_.size());
      vks_.push_back(std::make_unique<vk::VirtualKubelet>(o, client_, chaos_, executor_, rng.fork(),
                                                          cloud_.config().catalogue));
    }
    return {};
  }

  //! Before the scenario's cluster objects: the admission chain, and the webhook's
  //! definitions (its Selector CRDs), so the scenario can apply Selector objects.
  Status prepare() {
    // Mutating admission is part of every cluster; what it calls comes from the
    // MutatingWebhookConfiguration objects in the store.
    server_.set_admission(&admission_);
    // Seed 003's ElasticWorkload (elasticWorkload: true): its CRDs before the scenario's
    // objects, its controller with the others.
    if (scenario_.elasticWorkload)
      for (const Json& crd : {elastic::elastic_workload_crd(), elastic::alibaba_elastic_workload_crd()})
        KCI_TRY_STATUS(apply_object(crd));
    if (scenario_.webhook) KCI_TRY_STATUS(install_profile_webhook());
    return {};
  }

  Status start() override {
    KCI_TRY_STATUS(apply_sources(scenario_.cluster));
    if (const auto& r = scenario_.realNodes) {
      apiserver::HollowNodesOptions o;
      o.count = r->count;
      o.prefix = r->prefix;
      o.cpu = r->cpu;
      o.memory = r->memory;
      o.pods = r->pods;
      o.labels = r->labels;
      o.start_delay = r->startDelay;
      hollow_ = std::make_unique<apiserver::HollowNodes>(client_, executor_, std::move(o));
      if (auto st = hollow_->start(); !st.ok()) return invalid_argument("realNodes: " + st.error().message);
    }
    apiserver::SchedulerOptions scheduling;
    if (scenario_.extenderWeight) {
      extender_ = std::make_unique<extender::ExtenderService>(client_, executor_);
      extender_->start();
      extender_transport_ = std::make_unique<InProcessExtender>(*extender_);
      scheduling.extenders.push_back(
          {seed_extender_config(kExtenderUrl, *scenario_.extenderWeight), extender_transport_.get()});
    }
    if (profile_) {
      profile_->start();
      autoscaler_ = std::make_unique<profile::UnschedulableAutoscaler>(client_, executor_, *profile_);
      autoscaler_->start();
    }
    executor_.run_until_idle();
    // A cluster always has its kube-scheduler: pods without spec.nodeName are placed by it
    // (nodeName, taints and tolerations, node affinity, resources), as seed 001 describes.
    scheduler_ = std::make_unique<apiserver::Scheduler>(client_, executor_, Rng(seed_ ^ 0x5c), std::move(scheduling));
    KCI_TRY_STATUS(scheduler_->start());
    // ... and the controllers a cluster gives for free: Deployments, ReplicaSets, StatefulSets
    // and Jobs make pods, the garbage collector follows ownerReferences, and the node
    // lifecycle controller marks nodes that stop heartbeating Ready=Unknown and taints them
    // unreachable.
    replicasets_ = std::make_unique<apiserver::ReplicaSetController>(client_, executor_);
    deployments_ = std::make_unique<apiserver::DeploymentController>(client_, executor_);
    gc_ = std::make_unique<apiserver::GarbageCollector>(client_, executor_);
    node_lifecycle_ = std::make_unique<apiserver::NodeLifecycleController>(client_, executor_);
    KCI_TRY_STATUS(replicasets_->start());
    KCI_TRY_STATUS(deployments_->start());
    KCI_TRY_STATUS(gc_->start());
    KCI_TRY_STATUS(node_lifecycle_->start());
    jobs_ = std::make_unique<apiserver::JobController>(client_, executor_);
    KCI_TRY_STATUS(jobs_->start());
    statefulsets_ = std::make_unique<apiserver::StatefulSetController>(client_, executor_);
    KCI_TRY_STATUS(statefulsets_->start());
    if (scenario_.elasticWorkload) {
      elastic_ = std::make_unique<elastic::ElasticWorkloadController>(client_, executor_);
      elastic_->start();
    }
    for (auto& v : vks_) KCI_TRY_STATUS(v->start());
    executor_.run_until_idle();
    return {};
  }

  //! The profile webhook as an operator installs it: the Selector CRDs, the shipped
  //! MutatingWebhookConfiguration, and the webhook behind its Service (in-process).
  Status install_profile_webhook() {
    for (const Json& crd : {profile::selector_crd(), profile::eci_selector_crd()})
      KCI_TRY_STATUS(apply_object(crd));
    KCI_TRY_STATUS(apply_object(profile::mutating_webhook_configuration()));
    profile_ = std::make_unique<profile::ProfileWebhook>(client_, executor_);
    const profile::WebhookEndpoint endpoint;
    webhooks_.add_service(endpoint.service_namespace, endpoint.service_name, endpoint.path,
                          [this](const Json& review) { return profile_->review(review); });
    return {};
  }

  Status apply_sources(const ObjectSource& src) {
    for (const auto& o : src.objects) KCI_TRY_STATUS(apply_object(o));
    return {};
  }

  SimExecutor& executor() override { return executor_; }
  kube::KubeClient& client() override { return client_; }
  kcicloud::KciApi* cloud() override { return &cloud_; }
  kcicloud::CallContext owner() const override {
    return {cloud_.config().users.front().access_key, cloud_.config().region};
  }

  std::optional<kcicloud::CreateContainerGroupRequest> received_request(const std::string& group_id) const override {
    return cloud_.received_request(group_id);
  }

  Status apply_object(const Json& object) override {
    // Built-in kinds and, like kubectl after discovery, the custom resources the server's
    // CustomResourceDefinitions registered.
    const std::string api_version = object.value("apiVersion", "");
    const kube::ResourceInfo* info = server_.registry().find_kind(api_version, object.value("kind", ""));
    kube::ResourceRef ref;
    if (info) {
      const Json meta = object.value("metadata", Json::object());
      ref = {info->group, api_version.substr(api_version.find('/') + 1), info->resource,
             info->namespaced ? meta.value("namespace", "") : "", meta.value("name", "")};
      if (info->group.empty()) ref.version = api_version;
    } else {
      KCI_TRY(ref, kube::ref_of(object));
    }
    if (ref.namespace_.empty() && info && info->namespaced) ref.namespace_ = "default";
    return create_or_patch(client_, ref, object);
  }

  Status fault(const FaultStep& f) override {
    const TimePoint from = executor_.clock().now();
    const TimePoint until = from + f.for_;
    if (f.kci == "NoStock") {
      cloud_.add_no_stock_window({f.zone.value_or("*"), f.instanceType.value_or("*"), from, until});
      return {};
    }
    fake_kci::FaultWindow w;
    w.from = from;
    w.until = until;
    w.rate = f.rate.value_or(1.0);
    if (f.kci == "Throttling") w.kind = fake_kci::FaultWindow::Kind::kThrottling;
    else if (f.kci == "ServerError") w.kind = fake_kci::FaultWindow::Kind::kServerError;
    else if (f.kci == "Timeout") w.kind = fake_kci::FaultWindow::Kind::kTimeout;
    else return make_error(ErrorCode::kUnsupported, "fault " + f.kci + " is not simulated yet");
    chaos_.add_window(w);
    return {};
  }

  Status restart_virtual_node(const std::string& name) override {
    for (auto& v : vks_) {
      if (v->node_name() != name) continue;
      v->stop();
      return v->start();
    }
    return invalid_argument("restart: no virtual node named \"" + name + "\"");
  }

  Status stop_virtual_node(const std::string& name) override {
    for (auto& v : vks_)
      if (v->node_name() == name) {
        v->stop();
        return {};
      }
    return invalid_argument("stop: no virtual node named \"" + name + "\"");
  }

  Status start_virtual_node(const std::string& name) override {
    for (auto& v : vks_)
      if (v->node_name() == name) return v->start();
    return invalid_argument("start: no virtual node named \"" + name + "\"");
  }

  void run_for(Duration d) override { executor_.run_for(d); }

  provider::HttpResponse kubelet(const std::string& node, const provider::HttpRequest& request) override {
    for (auto& v : vks_)
      if (v->node_name() == node) {
        // The API object lives as long as the world: a followed log's stream calls back into it.
        auto& api = kubelet_apis_[node];
        if (!api) api = std::make_unique<vk::KubeletApi>(*v);
        return api->handle(request);
      }
    return provider::HttpResponse{404, "text/plain; charset=utf-8", "no virtual node named " + node + "\n", {}, {}};
  }

  std::optional<double> billed_seconds() const override {
    double total = 0;
    for (const auto& [project, types] : cloud_.billing())
      for (const auto& [type, seconds] : types) total += seconds;
    return total;
  }

  std::vector<std::string> virtual_nodes() const override {
    std::vector<std::string> out;
    for (const auto& v : vks_) out.push_back(v->node_name());
    return out;
  }

 private:
  const Scenario& scenario_;
  std::uint64_t seed_;
  WorldTuning tuning_;
  SimExecutor executor_;
  apiserver::ApiServer server_;
  apiserver::InProcessClient client_;
  fake_kci::FakeKciCloud cloud_;
  fake_kci::ChaosKciApi chaos_;
  apiserver::InProcessWebhooks webhooks_;
  apiserver::MutatingWebhookAdmission admission_{server_, webhooks_};
  std::unique_ptr<profile::ProfileWebhook> profile_;
  std::unique_ptr<profile::UnschedulableAutoscaler> autoscaler_;
  std::unique_ptr<extender::ExtenderService> extender_;
  std::unique_ptr<InProcessExtender> extender_transport_;
  std::unique_ptr<apiserver::Scheduler> scheduler_;
  std::unique_ptr<apiserver::ReplicaSetController> replicasets_;
  std::unique_ptr<apiserver::DeploymentController> deployments_;
  std::unique_ptr<apiserver::GarbageCollector> gc_;
  std::unique_ptr<apiserver::NodeLifecycleController> node_lifecycle_;
  std::unique_ptr<apiserver::JobController> jobs_;
  std::unique_ptr<apiserver::StatefulSetController> statefulsets_;
  std::unique_ptr<elastic::ElasticWorkloadController> elastic_;
  std::unique_ptr<apiserver::HollowNodes> hollow_;
  std::vector<std::unique_ptr<vk::VirtualKubelet>> vks_;
  std::map<std::string, std::unique_ptr<vk::KubeletApi>> kubelet_apis_;
};

}  // namespace

Result<std::pair<int, std::string>> World::kubelet_get(const std::string& node, const std::string& path) {
  const auto nodes = virtual_nodes();
  if (std::find(nodes.begin(), nodes.end(), node) == nodes.end())
    return invalid_argument("no virtual node named \"" + node + "\"");
  auto resp = kubelet(node, provider::parse_target("GET", path));
  return std::pair<int, std::string>{resp.status, resp.body};
}

Status create_or_patch(kube::KubeClient& client, const kube::ResourceRef& ref, const Json& object) {
  auto existing = client.get(ref);
  if (existing.ok()) {
    auto r = client.patch(ref, kube::PatchType::kMerge, object);
    if (!r.ok()) return invalid_argument("apply " + ref.resource + "/" + ref.name + ": " + r.error().message);
    return {};
  }
  auto collection = ref;
  collection.name.clear();
  Json o = object;
  if (!ref.namespace_.empty()) o["metadata"]["namespace"] = ref.namespace_;
  auto r = client.create(collection, std::move(o));
  if (!r.ok()) return invalid_argument("apply " + ref.resource + "/" + ref.name + ": " + r.error().message);
  return {};
}

Result<std::unique_ptr<World>> World::create(const Scenario& s, std::uint64_t seed, const WorldTuning& tuning) {
  const std::string dir = s.path.find('/') == std::string::npos ? "." : s.path.substr(0, s.path.find_last_of('/'));
  auto cfg = tuning.start_time ? fake_kci::parse_cloud_config(s.kci.empty() ? "" : k8s::to_yaml(s.kci), dir, *tuning.start_time)
                               : fake_kci::parse_cloud_config(s.kci.empty() ? "" : k8s::to_yaml(s.kci), dir);
  if (!cfg.ok()) return invalid_argument("kci: " + cfg.error().message);
  auto w = std::make_unique<SimWorld>(s, seed, std::move(*cfg), tuning);
  KCI_TRY_STATUS(w->build_virtual_nodes());
  KCI_TRY_STATUS(w->prepare());
  return std::unique_ptr<World>(std::move(w));
}

}  // namespace kci::scenario
