#include "scenarios/real_world.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/kube/resources.h"
#include "provider/kube_http/http_kube_client.h"
#include "provider/system_clock.h"

namespace kci::scenario {
namespace {

using k8s::Json;

//! How long run_for sleeps at most before it runs what watch threads handed over.
constexpr Duration kTick = std::chrono::milliseconds(50);
//! How long a step that applied objects waits before the next: the cluster's controllers and
//! webhooks see a new object through their watches, a moment later (the stand-ins see it at
//! once). A person running kubectl by hand gives the cluster that moment too.
constexpr Duration kPropagation = std::chrono::seconds(1);

//! Where watch threads hand their tasks over (SimExecutor::post is single-threaded); shared
//! by the client's dispatch and the world, so neither outlives it.
struct Inbox {
  std::mutex mu;
  std::condition_variable wake;
  std::deque<Executor::Task> tasks;

  void put(Executor::Task t) {
    std::lock_guard lock(mu);
    tasks.push_back(std::move(t));
    wake.notify_one();
  }
};

class RealClusterWorld final : public World {
 public:
  RealClusterWorld(const Scenario& s, std::shared_ptr<Inbox> inbox, std::unique_ptr<provider::HttpKubeClient> kube,
                   const std::optional<provider::KciHttpClientOptions>& kci)
      : scenario_(s), inbox_(std::move(inbox)), kube_(std::move(kube)) {
    if (!kci) return;
    kci_ = std::make_unique<provider::KciHttpClient>(*kci, wall_);
    owner_ = {kci->access_key, kci->region};
  }

  Status start() override {
    // The virtual nodes are the cluster's: each the scenario names must be registered.
    for (const auto& v : scenario_.virtualNodes) {
      auto node = kube_->get(kube::nodes(v.name));
      if (!node.ok())
        return make_error(node.error().code, "virtualNodes: node " + v.name + " is not in the cluster (" +
                                                 node.error().message + "); start its virtual kubelet first (kci-vk "
                                                 "provider --nodename " + v.name + ")");
    }
    settle();
    return {};
  }

  SimExecutor& executor() override { return executor_; }
  kube::KubeClient& client() override { return *kube_; }
  kcicloud::KciApi* cloud() override { return kci_.get(); }
  kcicloud::CallContext owner() const override { return owner_; }
  std::optional<kcicloud::CreateContainerGroupRequest> received_request(const std::string&) const override {
    return std::nullopt;
  }
  bool has_stand_ins() const override { return false; }

  std::vector<std::string> setup_notes() const override {
    std::vector<std::string> notes;
    if (!scenario_.kci.empty()) notes.push_back("kci: the simulated cloud's settings are not applied (real KCI)");
    for (const auto& v : scenario_.virtualNodes)
      if (!v.args.empty() || !v.env.empty())
        notes.push_back("virtualNodes[" + v.name + "]: args and env are the running virtual kubelet's, not the scenario's");
    if (scenario_.realNodes)
      notes.push_back("realNodes: no hollow nodes are registered; the cluster's own nodes take the pods");
    if (scenario_.extenderWeight) notes.push_back("extender: the cluster's own scheduler configuration is used");
    if (scenario_.webhook) notes.push_back("webhook: the cluster's own MutatingWebhookConfiguration is used");
    if (!kci_) notes.push_back("no KCI keys (KCI_ACCESS_KEY, KCI_SECRET_KEY, KCI_REGION): cloud expectations are skipped");
    return notes;
  }

  void settle() override {
    if (applied_) {
      applied_ = false;
      run_for(kPropagation);
    }
    executor_.virtual_clock().advance_to(provider::wall_now());
    drain();
    executor_.run_until_idle();
  }

  Status apply_object(const Json& object) override {
    KCI_TRY(auto ref, resolve(object));
    applied_ = true;
    return create_or_patch(*kube_, ref, object);
  }

  // The stand-ins' steps: the runner skips them (has_stand_ins() is false).
  Status fault(const FaultStep&) override { return unsupported("fault"); }
  Status restart_virtual_node(const std::string&) override { return unsupported("restart"); }
  Status stop_virtual_node(const std::string&) override { return unsupported("stop"); }
  Status start_virtual_node(const std::string&) override { return unsupported("start"); }

  //! Waits `d` of wall time, running what watch threads hand over as it comes.
  void run_for(Duration d) override {
    const TimePoint until = provider::wall_now() + d;
    for (;;) {
      settle();
      const TimePoint now = provider::wall_now();
      if (now >= until) break;
      std::unique_lock lock(inbox_->mu);
      inbox_->wake.wait_for(lock, std::min(until - now, kTick), [this] { return !inbox_->tasks.empty(); });
    }
    settle();
  }

  std::vector<std::string> virtual_nodes() const override {
    std::vector<std::string> out;
    for (const auto& v : scenario_.virtualNodes) out.push_back(v.name);
    return out;
  }

  provider::HttpResponse kubelet(const std::string& node, const provider::HttpRequest&) override {
    return provider::HttpResponse{501, "text/plain; charset=utf-8",
                                  "the kubelet API of " + node + " is reached through the API server (kubelet_get)\n", {}, {}};
  }

  Result<std::pair<int, std::string>> kubelet_get(const std::string& node, const std::string& path) override {
    // Through the API server, as kubectl reaches a kubelet: nodes/{name}/proxy/{path} (needs
    // get on nodes/proxy). The path keeps its query.
    auto got = kube_->get_raw_any_status("/api/v1/nodes/" + node + "/proxy" + path);
    if (!got.ok())
      return make_error(got.error().code, "the kubelet API of " + node + " through the API server: " + got.error().message);
    return got;
  }

 private:
  static Status unsupported(const std::string& step) {
    return make_error(ErrorCode::kUnsupported, step + ": needs the stand-ins (not run against a real cluster)");
  }

  void drain() {
    std::deque<Executor::Task> tasks;
    {
      std::lock_guard lock(inbox_->mu);
      tasks.swap(inbox_->tasks);
    }
    for (auto& t : tasks) executor_.post(std::move(t));
  }

  //! Built-in kinds from the table; custom kinds from the cluster's CustomResourceDefinitions.
  Result<kube::ResourceRef> resolve(const Json& object) {
    const std::string api_version = object.value("apiVersion", ""), kind = object.value("kind", "");
    const Json meta = object.value("metadata", Json::object());
    const std::string ns = meta.value("namespace", ""), name = meta.value("name", "");
    if (const auto* info = kube::find_builtin_by_kind(api_version, kind))
      return kube::ResourceRef{info->group, info->version, info->resource,
                               info->namespaced ? (ns.empty() ? "default" : ns) : "", name};
    const auto slash = api_version.find('/');
    if (slash == std::string::npos)
      return invalid_argument("apply: " + kind + " " + api_version + " is not a built-in kind");
    const std::string group = api_version.substr(0, slash), version = api_version.substr(slash + 1);
    KCI_TRY(auto crds, kube_->list(kube::custom_resource_definitions()));
    for (const auto& crd : crds.items) {
      const Json spec = crd->value("spec", Json::object());
      const Json names = spec.value("names", Json::object());
      if (spec.value("group", "") != group || names.value("kind", "") != kind) continue;
      const bool namespaced = spec.value("scope", "") == "Namespaced";
      return kube::ResourceRef{group, version, names.value("plural", ""), namespaced ? (ns.empty() ? "default" : ns) : "",
                               name};
    }
    return invalid_argument("apply: kind " + kind + " of " + api_version +
                            " is neither built in nor defined by a CustomResourceDefinition of the cluster");
  }

  const Scenario& scenario_;
  std::shared_ptr<Inbox> inbox_;
  provider::SystemClock wall_;  // before kci_, which reads it
  std::unique_ptr<provider::HttpKubeClient> kube_;
  std::unique_ptr<provider::KciHttpClient> kci_;
  kcicloud::CallContext owner_;
  SimExecutor executor_{provider::wall_now()};
  bool applied_ = false;  //!< objects were applied since the last settle()
};

}  // namespace

Result<std::unique_ptr<World>> create_real_cluster_world(const Scenario& s, const RealClusterOptions& o) {
  KCI_TRY(auto cfg, provider::load_kubeconfig(o.kubeconfig, o.context));
  auto inbox = std::make_shared<Inbox>();
  provider::HttpKubeClientOptions ko;
  ko.user_agent = "kci-vk-sim";
  ko.dispatch = [inbox](Executor&, Executor::Task t) { inbox->put(std::move(t)); };
  KCI_TRY(auto kube, provider::HttpKubeClient::create(cfg, ko));
  if (auto v = kube->get_raw("/version"); !v.ok())
    return make_error(v.error().code, "the API server " + cfg.server + " (" + cfg.origin + ") does not answer: " +
                                          v.error().message);
  auto world = std::make_unique<RealClusterWorld>(s, std::move(inbox), std::move(kube), o.kci);
  return std::unique_ptr<World>(std::move(world));
}

}  // namespace kci::scenario
