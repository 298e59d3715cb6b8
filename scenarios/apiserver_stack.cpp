#include "scenarios/apiserver_stack.h"

#include "core/random.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/deployment_controller.h"
#include "fake-apiserver/garbage_collector.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-apiserver/job_controller.h"
#include "fake-apiserver/mutating_webhooks.h"
#include "fake-apiserver/node_lifecycle_controller.h"
#include "fake-apiserver/replicaset_controller.h"
#include "fake-apiserver/statefulset_controller.h"

namespace kci::scenario {

apiserver::ExtenderConfig seed_extender_config(std::string url_prefix, std::int64_t weight) {
  apiserver::ExtenderConfig c;
  c.urlPrefix = std::move(url_prefix);
  c.filterVerb = "predicates/always_true";
  c.prioritizeVerb = "priorities/group_score";
  c.preemptVerb = "preemption";
  c.weight = weight;
  c.nodeCacheCapable = false;
  return c;
}

struct ApiServerStack::Parts {
  Parts(std::uint64_t s, std::function<void(const std::string&)> log)
      : seed(s),
        api(loop.sim(), [s] {
          apiserver::ApiServerOptions o;
          o.seed = s;
          return o;
        }()),
        client(api),
        replicasets(client, loop.sim()),
        deployments(client, loop.sim()),
        gc(client, loop.sim()),
        node_lifecycle(client, loop.sim()),
        jobs(client, loop.sim()),
        statefulsets(client, loop.sim()),
        admission(api, webhooks, std::move(log)) {
    webhooks.set_waiter([this](const std::function<bool()>& done) { loop.wait_serving_reads(done); });
  }

  std::uint64_t seed;
  apiserver::RealTimeLoop loop;
  apiserver::ApiServer api;
  apiserver::InProcessClient client;
  apiserver::ReplicaSetController replicasets;
  apiserver::DeploymentController deployments;
  apiserver::GarbageCollector gc;
  apiserver::NodeLifecycleController node_lifecycle;
  apiserver::JobController jobs;
  apiserver::StatefulSetController statefulsets;
  apiserver::HttpWebhooks webhooks;
  apiserver::MutatingWebhookAdmission admission;
  apiserver::HttpExtenderTransport extender_transport;
  std::unique_ptr<apiserver::Scheduler> scheduler;
  bool stopped = false;
};

Result<std::unique_ptr<ApiServerStack>> ApiServerStack::create(std::uint64_t seed,
                                                                std::function<void(const std::string&)> log) {
  auto parts = std::make_unique<Parts>(seed, std::move(log));
  Parts& p = *parts;
  for (Status st : {p.replicasets.start(), p.deployments.start(), p.gc.start(), p.node_lifecycle.start(),
                    p.jobs.start(), p.statefulsets.start()})
    if (!st.ok()) return st.take_error();
  p.api.set_admission(&p.admission);
  return std::unique_ptr<ApiServerStack>(new ApiServerStack(std::move(parts)));
}

ApiServerStack::ApiServerStack(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
ApiServerStack::~ApiServerStack() { stop(); }

apiserver::RealTimeLoop& ApiServerStack::loop() { return parts_->loop; }
kube::KubeClient& ApiServerStack::client() { return parts_->client; }

void ApiServerStack::add_webhook_service(const std::string& ns, const std::string& name, const std::string& address) {
  parts_->webhooks.add_service_address(ns, name, address);
}

Status ApiServerStack::start_scheduler(std::vector<apiserver::ExtenderConfig> extenders) {
  Parts& p = *parts_;
  if (p.scheduler) return make_error(ErrorCode::kInternal, "the scheduler is already running");
  apiserver::SchedulerOptions scheduling;
  for (auto& c : extenders) scheduling.extenders.push_back({std::move(c), &p.extender_transport});
  p.scheduler = std::make_unique<apiserver::Scheduler>(p.client, p.loop.sim(), Rng(p.seed ^ 0x5c), std::move(scheduling));
  return p.scheduler->start();
}

void ApiServerStack::stop() {
  if (!parts_ || parts_->stopped) return;
  parts_->stopped = true;
  // Once the loop has stopped, nothing else runs the server: the scheduler stops here.
  parts_->loop.stop();
  if (parts_->scheduler) parts_->scheduler->stop();
}

}  // namespace kci::scenario
