// Scaffolding of the controller tests: a cluster with the controllers started, workload
// manifests, and a stand-in kubelet that binds and readies pods.
#pragma once

#include <string>
#include <vector>

#include "fake-apiserver/deployment_controller.h"
#include "fake-apiserver/garbage_collector.h"
#include "fake-apiserver/replicaset_controller.h"
#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver::testing {

inline Json pod_template(const std::string& app, const std::string& image = "nginx:1.25") {
  return {{"metadata", {{"labels", {{"app", app}}}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}};
}

inline Json replicaset_json(const std::string& name, std::int64_t replicas, const std::string& app) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", app}}}}},
            {"template", pod_template(app)}}}};
}

inline Json deployment_json(const std::string& name, std::int64_t replicas, const std::string& app,
                            const std::string& image = "nginx:1.25") {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", app}}}}},
            {"template", pod_template(app, image)}}}};
}

struct ControllerCluster : Cluster {
  ControllerCluster() : rsc(client, ex), dc(client, ex), gc(client, ex) {
    EXPECT_TRUE(rsc.start().ok());
    EXPECT_TRUE(dc.start().ok());
    EXPECT_TRUE(gc.start().ok());
  }
  std::vector<kube::Object> pods(const std::string& selector = "") {
    kube::ListOptions o;
    o.labelSelector = selector;
    auto l = client.list(kube::pods("default"), o);
    return l.ok() ? l->items : std::vector<kube::Object>{};
  }
  std::vector<kube::Object> replicasets() {
    auto l = client.list(kube::replicasets("default"));
    return l.ok() ? l->items : std::vector<kube::Object>{};
  }
  Json get(const kube::ResourceRef& ref) {
    auto r = client.get(ref);
    return r.ok() ? **r : Json();
  }
  //! Binds `pod` to `node` and reports it Running and Ready since now.
  void run_pod(const std::string& name, const std::string& node = "n1") {
    (void)client.bind(kube::pods("default", name), node);
    Json p = get(kube::pods("default", name));
    const std::string now = server.now_rfc3339();
    p["status"]["phase"] = "Running";
    p["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}}};
    EXPECT_TRUE(client.update_status(kube::pods("default", name), p).ok());
  }
  //! The stand-in kubelet: every pod without a deletionTimestamp runs; until nothing changes.
  void run_all_pods() {
    for (int round = 0; round < 20; ++round) {
      ex.run_until_idle();
      bool any = false;
      for (const auto& p : pods()) {
        if (p->at("metadata").contains("deletionTimestamp")) continue;
        if (p->value("status", Json::object()).value("phase", "") == "Running") continue;
        run_pod(p->at("metadata").value("name", ""));
        any = true;
      }
      if (!any) break;
    }
    ex.run_until_idle();
  }
  ReplicaSetController rsc;
  DeploymentController dc;
  GarbageCollector gc;
};

}  // namespace kci::apiserver::testing
