// Seed 003's ElasticWorkload controller over the in-process fake API server: the shipped
// CRDs, clones per unit, template sync, scale through the scale subresource, deletion giving
// the source its replicas back, and bad specs reported without changes.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "core/k8s/yaml.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "provider/elastic/elastic_workload_controller.h"
#include "provider/elastic/manifests.h"

namespace kci::elastic {
namespace {

using kube::Json;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json source_deployment(int replicas = 2) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", "nginx-deployment-basic"}, {"namespace", "default"}, {"labels", {{"app", "nginx"}}}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", "nginx"}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", "nginx"}}}}},
              {"spec", {{"containers", Json::array({{{"name", "nginx"}, {"image", "nginx:1.7.9"}}})}}}}}}}};
}

//! Seed 003's example, its unit steered to virtual nodes.
Json seed_workload(const std::string& api_version = "autoscaling.ksyun.com/v1", int replicas = 6) {
  return {{"apiVersion", api_version},
          {"kind", "ElasticWorkload"},
          {"metadata", {{"name", "elasticworkload-sample"}, {"namespace", "default"}}},
          {"spec",
           {{"sourceTarget",
             {{"name", "nginx-deployment-basic"}, {"kind", "Deployment"}, {"apiVersion", "apps/v1"}, {"min", 2}, {"max", 4}}},
            {"replicas", replicas},
            {"elasticUnit",
             Json::array({{{"name", "virtual-kubelet"},
                           {"labels", {{"alibabacloud.com/eci", "true"}}},
                           {"annotations", {{"note", "burst"}}},
                           {"nodeSelector", {{"type", "virtual-kubelet"}}},
                           {"tolerations",
                            Json::array({{{"key", "virtual-kubelet.io/provider"},
                                          {"operator", "Equal"},
                                          {"value", "kingsoftcloud"},
                                          {"effect", "NoSchedule"}}})}}})}}}};
}

struct Cluster {
  SimExecutor ex;
  apiserver::ApiServer server{ex};
  apiserver::InProcessClient client{server};
  ElasticWorkloadController controller{client, ex};

  Cluster() {
    auto docs = k8s::yaml_documents(read_file(std::string(KCI_SOURCE_DIR) + "/provider/deploy/elasticworkload-crd.yaml"));
    EXPECT_TRUE(docs.ok());
    for (const auto& d : *docs) EXPECT_TRUE(client.create(kube::custom_resource_definitions(), d).ok());
    controller.start();
    ex.run_until_idle();
  }

  void create(const kube::ResourceRef& ref, const Json& obj) {
    auto r = client.create(ref, obj);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ex.run_until_idle();
  }
  Json get(const kube::ResourceRef& ref) {
    auto r = client.get(ref);
    return r.ok() ? **r : Json();
  }
  Json source() { return get(kube::deployments("default", "nginx-deployment-basic")); }
  Json clone() { return get(kube::deployments("default", "nginx-deployment-basic-unit-virtual-kubelet")); }
  Json workload(const kube::ResourceRef& c = elastic_workloads()) {
    return get(c.in("default").named("elasticworkload-sample"));
  }
  std::vector<Json> events(const std::string& reason) {
    std::vector<Json> out;
    auto list = client.list(kube::events("default"));
    if (!list.ok()) return out;
    for (const auto& e : list->items)
      if ((*e)["reason"] == reason) out.push_back(*e);
    return out;
  }
};

TEST(ElasticWorkloadManifests, ShippedYamlMatchesTheCode) {
  auto docs = k8s::yaml_documents(read_file(std::string(KCI_SOURCE_DIR) + "/provider/deploy/elasticworkload-crd.yaml"));
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0], elastic_workload_crd());
  EXPECT_EQ((*docs)[1], alibaba_elastic_workload_crd());
  const Json& v = (*docs)[0]["spec"]["versions"][0];
  EXPECT_EQ(v["subresources"]["scale"]["specReplicasPath"], ".spec.replicas");
  EXPECT_EQ(v["subresources"]["scale"]["statusReplicasPath"], ".status.replicas");
  EXPECT_EQ((*docs)[0]["spec"]["names"]["shortNames"][0], "ew");
}

TEST(ElasticWorkloadController, ClonesTheSourcePerUnitAndSplitsTheReplicas) {
  Cluster c;
  c.create(kube::deployments("default"), source_deployment());
  c.create(elastic_workloads().in("default"), seed_workload());
  const Json ew = c.workload();
  const Json src = c.source();
  EXPECT_EQ(src["spec"]["replicas"], 4);
  EXPECT_EQ(src["metadata"]["annotations"][kSourceReplicasAnnotation], "2");
  const Json clone = c.clone();
  ASSERT_TRUE(clone.is_object());
  EXPECT_EQ(clone["spec"]["replicas"], 2);
  EXPECT_EQ(clone["spec"]["selector"]["matchLabels"]["alibabacloud.com/eci"], "true");
  EXPECT_EQ(clone["spec"]["selector"]["matchLabels"][kUnitLabel], "virtual-kubelet");
  const Json& tmpl = clone["spec"]["template"];
  EXPECT_EQ(tmpl["metadata"]["labels"]["app"], "nginx");
  EXPECT_EQ(tmpl["metadata"]["labels"]["alibabacloud.com/eci"], "true");
  EXPECT_EQ(tmpl["metadata"]["annotations"]["note"], "burst");
  EXPECT_EQ(tmpl["spec"]["nodeSelector"]["type"], "virtual-kubelet");
  EXPECT_EQ(tmpl["spec"]["tolerations"][0]["key"], "virtual-kubelet.io/provider");
  EXPECT_EQ(tmpl["spec"]["containers"][0]["image"], "nginx:1.7.9");
  const Json& owner = clone["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "ElasticWorkload");
  EXPECT_EQ(owner["uid"], ew["metadata"]["uid"]);
  EXPECT_EQ(owner["controller"], true);
  // The source's own template is untouched.
  EXPECT_FALSE(src["spec"]["template"]["spec"].contains("nodeSelector"));
  // Status as seed 003's describe shows it.
  EXPECT_EQ(ew["status"]["replicas"], 6);
  EXPECT_EQ(ew["status"]["selector"], "app=nginx");
  EXPECT_EQ(ew["status"]["sourceTarget"]["desiredReplicas"], 4);
  EXPECT_EQ(ew["status"]["elasticUnitsStatus"][0]["name"], "nginx-deployment-basic-unit-virtual-kubelet");
  EXPECT_EQ(ew["status"]["elasticUnitsStatus"][0]["desiredReplicas"], 2);
  EXPECT_EQ(ew["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ(c.events("SourceUpdate").size(), 1u);
  EXPECT_EQ(c.events("UnitCreation").size(), 1u);
  EXPECT_EQ(c.events("ElasticWorkloadUpdate").size(), 1u);
  EXPECT_EQ(c.events("SourceUpdate")[0]["message"], "Source Target scale from 2 to 4");
  // Quiet once converged: another pass writes nothing.
  const auto rv = c.clone()["metadata"]["resourceVersion"];
  c.ex.run_for(std::chrono::seconds(30));
  EXPECT_EQ(c.clone()["metadata"]["resourceVersion"], rv);
  EXPECT_TRUE(c.events("UnitUpdate").empty());
  EXPECT_EQ(c.controller.failures(), 0u);
}

TEST(ElasticWorkloadController, KeepsTheClonesTemplateInSyncWithTheSource) {
  Cluster c;
  c.create(kube::deployments("default"), source_deployment());
  c.create(elastic_workloads().in("default"), seed_workload());
  Json patch = {{"spec", {{"template", {{"spec", {{"containers", Json::array({{{"name", "nginx"}, {"image", "nginx:1.25"}}})}}}}}}}};
  ASSERT_TRUE(c.client.patch(kube::deployments("default", "nginx-deployment-basic"), kube::PatchType::kMerge, patch).ok());
  c.ex.run_until_idle();
  const Json clone = c.clone();
  EXPECT_EQ(clone["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25");
  EXPECT_EQ(clone["spec"]["template"]["spec"]["nodeSelector"]["type"], "virtual-kubelet");
  EXPECT_EQ(clone["spec"]["replicas"], 2);
  EXPECT_EQ(c.source()["spec"]["replicas"], 4);
  EXPECT_EQ(c.events("UnitUpdate").size(), 1u);
}

TEST(ElasticWorkloadController, ScaleSubresourceDrivesTheSplit) {
  // Seed 003's own group and version.
  Cluster c;
  c.create(kube::deployments("default"), source_deployment());
  c.create(alibaba_elastic_workloads().in("default"), seed_workload("autoscaling.alibabacloud.com/v1beta1"));
  EXPECT_EQ(c.clone()["spec"]["replicas"], 2);
  const auto ref = alibaba_elastic_workloads().in("default").named("elasticworkload-sample");
  // Scaling in empties the unit first.
  ASSERT_TRUE(c.client.scale(ref, 4).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.source()["spec"]["replicas"], 4);
  EXPECT_EQ(c.clone()["spec"]["replicas"], 0);
  EXPECT_EQ(c.workload(alibaba_elastic_workloads())["status"]["replicas"], 4);
  ASSERT_TRUE(c.client.scale(ref, 1).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.source()["spec"]["replicas"], 2);  // never below its min
  ASSERT_TRUE(c.client.scale(ref, 9).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.source()["spec"]["replicas"], 4);
  EXPECT_EQ(c.clone()["spec"]["replicas"], 5);
  auto scale = c.client.get_subresource(ref, "scale");
  ASSERT_TRUE(scale.ok());
  EXPECT_EQ((**scale)["status"]["replicas"], 9);
}

TEST(ElasticWorkloadController, DeletionRemovesTheClonesAndRestoresTheSource) {
  Cluster c;
  c.create(kube::deployments("default"), source_deployment(3));
  c.create(elastic_workloads().in("default"), seed_workload());
  ASSERT_TRUE(c.clone().is_object());
  EXPECT_EQ(c.source()["spec"]["replicas"], 4);
  ASSERT_TRUE(c.client.remove(elastic_workloads().in("default").named("elasticworkload-sample")).ok());
  c.ex.run_until_idle();
  EXPECT_TRUE(c.clone().is_null());
  const Json src = c.source();
  EXPECT_EQ(src["spec"]["replicas"], 3);
  EXPECT_FALSE(src["metadata"].value("annotations", Json::object()).contains(kSourceReplicasAnnotation));
  EXPECT_FALSE(src["metadata"].value("annotations", Json::object()).contains(kOwnerAnnotation));
}

// Level-triggered: an ElasticWorkload deleted while no controller ran is cleaned up by the
// next one.
TEST(ElasticWorkloadController, DeletionWhileStoppedIsCleanedUpOnStart) {
  Cluster c;
  c.create(kube::deployments("default"), source_deployment());
  c.create(elastic_workloads().in("default"), seed_workload());
  ASSERT_TRUE(c.clone().is_object());
  c.controller.stop();
  ASSERT_TRUE(c.client.remove(elastic_workloads().in("default").named("elasticworkload-sample")).ok());
  c.ex.run_until_idle();
  EXPECT_TRUE(c.clone().is_object());
  ElasticWorkloadController next(c.client, c.ex);
  next.start();
  c.ex.run_until_idle();
  EXPECT_TRUE(c.clone().is_null());
  EXPECT_EQ(c.source()["spec"]["replicas"], 2);
}

TEST(ElasticWorkloadController, RemovedUnitLosesItsClone) {
  Cluster c;
  c.create(kube::deployments("default"), source_deployment());
  c.create(elastic_workloads().in("default"), seed_workload());
  ASSERT_TRUE(c.clone().is_object());
  Json patch = {{"spec", {{"elasticUnit", Json::array()}}}};
  ASSERT_TRUE(c.client.patch(elastic_workloads().in("default").named("elasticworkload-sample"), kube::PatchType::kMerge, patch).ok());
  c.ex.run_until_idle();
  EXPECT_TRUE(c.clone().is_null());
  EXPECT_EQ(c.source()["spec"]["replicas"], 4);  // max 4: 2 replicas find no part
  EXPECT_EQ(c.workload()["status"]["conditions"][0]["reason"], "ReplicasAboveMax");
}

struct BadSpec {
  std::string name;
  std::function<void(Json&)> edit;
  std::string reason;
};

TEST(ElasticWorkloadController, BadSpecsAreReportedAndChangeNothing) {
  const std::vector<BadSpec> cases = {
      {"min above max", [](Json& ew) { ew["spec"]["sourceTarget"]["min"] = 5; }, "InvalidSpec"},
      {"unit min above max", [](Json& ew) { ew["spec"]["elasticUnit"][0]["min"] = 3, ew["spec"]["elasticUnit"][0]["max"] = 1; }, "InvalidSpec"},
      {"unit without name", [](Json& ew) { ew["spec"]["elasticUnit"][0].erase("name"); }, "InvalidSpec"},
      {"missing source", [](Json& ew) { ew["spec"]["sourceTarget"]["name"] = "nowhere"; }, "SourceNotFound"},
      {"not a Deployment", [](Json& ew) { ew["spec"]["sourceTarget"]["kind"] = "StatefulSet"; }, "InvalidSpec"},
  };
  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.name);
    Cluster c;
    c.create(kube::deployments("default"), source_deployment());
    Json ew = seed_workload();
    bad.edit(ew);
    c.create(elastic_workloads().in("default"), ew);
    const Json cond = c.workload()["status"]["conditions"][0];
    EXPECT_EQ(cond["type"], "Ready");
    EXPECT_EQ(cond["status"], "False");
    EXPECT_EQ(cond["reason"], bad.reason);
    const auto warnings = c.events(bad.reason);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0]["type"], "Warning");
    const Json src = c.source();
    EXPECT_EQ(src["spec"]["replicas"], 2);
    EXPECT_FALSE(src["metadata"].value("annotations", Json::object()).contains(kOwnerAnnotation));
    EXPECT_TRUE(c.clone().is_null());
    EXPECT_TRUE(c.events("SourceUpdate").empty());
  }
}

}  // namespace
}  // namespace kci::elastic
