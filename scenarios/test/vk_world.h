// The virtual kubelet's test world: the in-process API server and fake cloud on one
// simulated executor, and a VirtualKubelet started against them.
#pragma once

#include <memory>
#include <string>

#include "core/k8s/object.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-kci/chaos.h"
#include "fake-kci/fake_cloud.h"
#include "provider/vk/virtual_kubelet.h"
#include "scenarios/expect.h"

namespace kci::vk::vktest {

using k8s::Json;
using std::chrono::seconds;

constexpr const char* kNode = "rbkci-virtual-kubelet";

struct World {
  explicit World(fake_kci::CloudConfig config = fake_kci::CloudConfig::defaults()) : cloud(config, ex.clock(), 1) {}
  SimExecutor ex;
  apiserver::ApiServer server{ex};
  apiserver::InProcessClient client{server};
  fake_kci::FakeKciCloud cloud;
  std::unique_ptr<fake_kci::ChaosKciApi> chaos;
  std::unique_ptr<VirtualKubelet> vk;

  VirtualKubeletOptions options() {
    VirtualKubeletOptions o;
    o.settings.node_name = kNode;
    o.settings.cluster_id = "c1";
    o.settings.region = "cn-beijing-6";
    o.settings.access_key = "AKowner";
    o.settings.secret_key = "SKowner";
    o.settings.subnet_ids = {"subnet-cn-beijing-6a"};
    o.settings.security_group_ids = {"sg-default"};
    o.settings.cluster_dns = {"10.254.0.10"};
    o.settings.enable_node_lease = true;
    o.settings.pod_ip = "10.0.0.5";
    return o;
  }
  void start(kcicloud::KciApi* api = nullptr, VirtualKubeletOptions o = {}) {
    if (o.settings.cluster_id.empty()) o = options();
    vk = std::make_unique<VirtualKubelet>(o, client, api ? *api : cloud, ex, Rng(7), kcicloud::default_catalogue());
    ASSERT_TRUE(vk->start().ok());
    ex.run_for(seconds(1));
  }
  Json pod(const std::string& name, Json spec_extra = Json::object()) {
    Json p = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}},
              {"spec",
               {{"nodeName", kNode},
                {"containers", Json::array({{{"name", "nginx"}, {"image", "nginx:1.25"},
                                              {"resources", {{"limits", {{"cpu", "4"}, {"memory", "8Gi"}}}}}}})}}}};
    for (auto& [k, v] : spec_extra.items()) p["spec"][k] = v;
    return p;
  }
  k8s::Pod get_pod(const std::string& name) {
    auto o = client.get(kube::pods("default", name));
    EXPECT_TRUE(o.ok()) << name;
    return o.ok() ? *k8s::decode<k8s::Pod>(**o) : k8s::Pod{};
  }
  scenario::CheckResult check(const scenario::Expectation& e) {
    scenario::CloudView view{&cloud, {"AKowner", ""}};
    return scenario::check_expectation(e, client, view);
  }
};

}  // namespace kci::vk::vktest
