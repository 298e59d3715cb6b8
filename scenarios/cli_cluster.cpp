#include "scenarios/cli_cluster.h"

#include "fake-apiserver/owner_loop.h"
#include "provider/kube_http/http_kube_client.h"

namespace kci::cli {

Status check_cluster_flags(ClusterFlags& f, bool default_in_cluster) {
  if (!f.kubeconfig.empty() && f.in_cluster)
    return invalid_argument("--kubeconfig and --in-cluster exclude each other; give one");
  if (f.kubeconfig.empty() && !f.in_cluster) {
    if (!default_in_cluster) return invalid_argument("one of --kubeconfig PATH or --in-cluster is required");
    f.in_cluster = true;
  }
  if (f.in_cluster && !f.context.empty()) return invalid_argument("--context needs --kubeconfig");
  return {};
}

Result<std::unique_ptr<provider::HttpKubeClient>> connect_cluster(const ClusterFlags& f, apiserver::RealTimeLoop& loop,
                                                                  const std::string& user_agent,
                                                                  std::string* description) {
  Result<provider::RestConfig> cfg =
      f.in_cluster ? provider::in_cluster_config() : provider::load_kubeconfig(f.kubeconfig, f.context);
  if (!cfg.ok()) return cfg.take_error();
  cfg->qps = f.qps;
  cfg->burst = f.burst;
  provider::HttpKubeClientOptions o;
  o.user_agent = user_agent;
  // The components run on a SimExecutor driven in real time: watch events hop through the
  // loop's thread-safe submit().
  apiserver::RealTimeLoop* l = &loop;
  o.dispatch = [l](Executor&, Executor::Task t) { l->submit(std::move(t)); };
  KCI_TRY(auto client, provider::HttpKubeClient::create(*cfg, o));
  if (auto v = client->get_raw("/version"); !v.ok())
    return make_error(v.error().code, "the API server " + cfg->server + " (" + cfg->origin +
                                          ") does not answer: " + v.error().message);
  if (description) *description = cfg->server + " (" + cfg->origin + ")";
  return client;
}

}  // namespace kci::cli
