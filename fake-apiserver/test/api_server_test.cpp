#include <gtest/gtest.h>

#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver::testing {
namespace {

using kube::pods;

TEST(ApiServer, CreateStampsServerMetadataAndDefaults) {
  Cluster c;
  auto p = c.client.create(pods("default"), pod_json("web"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  const Json& m = (*p)->at("metadata");
  EXPECT_EQ(m["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(m["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(m["creationTimestamp"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(m["generation"], 1);
  EXPECT_EQ((*p)->at("status")["phase"], "Pending");
  EXPECT_EQ((*p)->at("status")["qosClass"], "BestEffort");
  EXPECT_EQ((*p)->at("spec")["schedulerName"], "default-scheduler");
  EXPECT_EQ((*p)->at("spec")["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ((*p)->at("spec")["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ((*p)->at("spec")["tolerations"].size(), 2u);
}

TEST(ApiServer, DeploymentReplicaSetSecretAndServiceDefaultsOnCreateAndUpdate) {
  Cluster c;
  const Json tmpl = {{"metadata", {{"labels", {{"app", "web"}}}}},
                     {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}};
  Json d = Json::parse(R"({"metadata": {"name": "web"},
                          "spec": {"selector": {"matchLabels": {"app": "web"}}, "strategy": {}}})");
  d["spec"]["template"] = tmpl;
  auto made = c.client.create(kube::deployments("default"), d);
  ASSERT_TRUE(made.ok()) << made.error().message;
  const Json& spec = (*made)->at("spec");
  EXPECT_EQ(spec["replicas"], 1);
  EXPECT_EQ(spec["strategy"], (Json{{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}}));
  EXPECT_EQ(spec["revisionHistoryLimit"], 10);
  EXPECT_EQ(spec["progressDeadlineSeconds"], 600);
  // What the user set stays; a Recreate strategy gets no rollingUpdate; an update is defaulted too.
  Json next = **made;
  next["spec"]["replicas"] = 0;
  next["spec"]["strategy"] = {{"type", "Recreate"}};
  next["spec"].erase("revisionHistoryLimit");
  auto updated = c.client.update(kube::deployments("default", "web"), next);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ((*updated)->at("spec")["replicas"], 0);
  EXPECT_EQ((*updated)->at("spec")["strategy"], (Json{{"type", "Recreate"}}));
  EXPECT_EQ((*updated)->at("spec")["revisionHistoryLimit"], 10);

  Json rs = Json::parse(R"({"metadata": {"name": "web-1"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}})");
  rs["spec"]["template"] = tmpl;
  auto made_rs = c.client.create(kube::replicasets("default"), rs);
  ASSERT_TRUE(made_rs.ok()) << made_rs.error().message;
  EXPECT_EQ((*made_rs)->at("spec")["replicas"], 1);

  auto secret = c.client.create(kube::secrets("default"),
                                Json{{"metadata", {{"name", "s"}}}, {"data", {{"a", "Yg=="}}}});
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_EQ((*secret)->at("type"), "Opaque");
  auto tls = c.client.create(kube::secrets("default"),
                             Json{{"metadata", {{"name", "t"}}}, {"type", "kubernetes.io/tls"},
                                  {"data", {{"tls.crt", ""}, {"tls.key", ""}}}});
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_EQ((*tls)->at("type"), "kubernetes.io/tls");

  auto svc = c.client.create(kube::ResourceRef{"", "v1", "services", "default", ""}, Json::parse(R"({"metadata": {"name": "web"},
      "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}]}})"));
  ASSERT_TRUE(svc.ok()) << svc.error().message;
  EXPECT_EQ((*svc)->at("spec"), Json::parse(R"({"type": "ClusterIP", "sessionAffinity": "None",
      "internalTrafficPolicy": "Cluster", "selector": {"app": "web"},
      "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}]})"));
  auto np = c.client.create(kube::ResourceRef{"", "v1", "services", "default", ""},
                            Json::parse(R"({"metadata": {"name": "np"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}})"));
  ASSERT_TRUE(np.ok()) << np.error().message;
  EXPECT_EQ((*np)->at("spec")["externalTrafficPolicy"], "Cluster");
}

TEST(ApiServer, AlreadyExistsAndNotFound) {
  Cluster c;
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  auto again = c.client.create(pods("default"), pod_json("a"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().reason, "AlreadyExists");
  auto missing = c.client.get(pods("default", "zz"));
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto no_ns = c.client.create(pods("nope"), pod_json("a", "nope"));
  EXPECT_EQ(no_ns.error().code, ErrorCode::kNotFound);
}

TEST(ApiServer, GenerateNameIsSeededAndDeterministic) {
  Cluster a, b;
  Json p = pod_json("");
  p["metadata"].erase("name");
  p["metadata"]["generateName"] = "web-";
  auto x = a.client.create(pods("default"), p);
  auto y = b.client.create(pods("default"), p);
  ASSERT_TRUE(x.ok() && y.ok());
  const std::string name = (*x)->at("metadata")["name"];
  EXPECT_EQ(name, (*y)->at("metadata")["name"]);
  EXPECT_EQ(name.size(), 9u);
  EXPECT_TRUE(name.starts_with("web-"));
}

TEST(ApiServer, StaleResourceVersionConflicts) {
  Cluster c;
  auto p = c.client.create(pods("default"), pod_json("a"));
  Json v1 = **p;
  Json v2 = v1;
  v2["metadata"]["labels"]["x"] = "1";
  auto u = c.client.update(pods("default", "a"), v2);
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_NE((*u)->at("metadata")["resourceVersion"], v1["metadata"]["resourceVersion"]);
  v1["metadata"]["labels"]["x"] = "2";
  auto stale = c.client.update(pods("default", "a"), v1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(kube::status_of(stale.error())["code"], 409);
}

TEST(ApiServer, NoOpUpdateKeepsTheVersion) {
  Cluster c;
  auto p = c.client.create(pods("default"), pod_json("a"));
  auto u = c.client.update(pods("default", "a"), **p);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)->at("metadata")["resourceVersion"], (*p)->at("metadata")["resourceVersion"]);
}

TEST(ApiServer, MainResourceIgnoresStatusAndStatusSubresourceTakesOnlyStatus) {
  Cluster c;
  auto p = c.client.create(pods("default"), pod_json("a"));
  Json j = **p;
  j["status"]["phase"] = "Running";
  auto u = c.client.update(pods("default", "a"), j);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)->at("status")["phase"], "Pending");
  j = **u;
  j["status"]["phase"] = "Running";
  j["metadata"]["labels"]["ignored"] = "yes";
  auto s = c.client.update_status(pods("default", "a"), j);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->at("status")["phase"], "Running");
  EXPECT_FALSE((*s)->at("metadata")["labels"].contains("ignored"));
}

TEST(ApiServer, GenerationCountsSpecChanges) {
  Cluster c;
  Json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "d"}}},
            {"spec",
             {{"replicas", 1},
              {"selector", {{"matchLabels", {{"app", "d"}}}}},
              {"template", {{"metadata", {{"labels", {{"app", "d"}}}}},
                            {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}}}}}}}}}}};
  auto created = c.client.create(kube::deployments("default"), d);
  ASSERT_TRUE(created.ok()) << created.error().message;
  Json j = **created;
  j["metadata"]["labels"]["a"] = "b";
  auto u = c.client.update(kube::deployments("default", "d"), j);
  EXPECT_EQ((*u)->at("metadata")["generation"], 1);
  auto s = c.client.scale(kube::deployments("default", "d"), 3);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->at("kind"), "Scale");
  EXPECT_EQ((*s)->at("spec")["replicas"], 3);
  auto after = c.client.get(kube::deployments("default", "d"));
  EXPECT_EQ((*after)->at("metadata")["generation"], 2);
  EXPECT_EQ((*after)->at("spec")["replicas"], 3);
}

TEST(ApiServer, BindingSetsNodeOnceAndPodScheduled) {
  Cluster c;
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  auto b = c.client.bind(pods("default", "a"), "n1");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ((*b)->at("spec")["nodeName"], "n1");
  EXPECT_EQ((*b)->at("status")["conditions"][0]["type"], "PodScheduled");
  auto again = c.client.bind(pods("default", "a"), "n2");
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST(ApiServer, PodUpdateMayNotChangeMostOfSpec) {
  Cluster c;
  auto p = c.client.create(pods("default"), pod_json("a"));
  Json j = **p;
  j["spec"]["containers"][0]["image"] = "nginx:1.26";
  ASSERT_TRUE(c.client.update(pods("default", "a"), j).ok());
  j = **c.client.get(pods("default", "a"));
  j["spec"]["restartPolicy"] = "Never";
  auto bad = c.client.update(pods("default", "a"), j);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().reason, "Invalid");
  EXPECT_EQ(kube::status_of(bad.error())["code"], 422);
}

TEST(ApiServer, PodValidationNamesTheField) {
  Cluster c;
  Json p = pod_json("a");
  p["spec"]["containers"][0].erase("image");
  auto r = c.client.create(pods("default"), p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("spec.containers[0].image: Required value"), std::string::npos);
  Json q = pod_json("Bad_Name");
  EXPECT_EQ(c.client.create(pods("default"), q).error().reason, "Invalid");
}

TEST(ApiServer, UnscheduledPodGoesAtOnceBoundPodWaitsForTheKubelet) {
  Cluster c;
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  ASSERT_TRUE(c.client.remove(pods("default", "a")).ok());
  EXPECT_EQ(c.client.get(pods("default", "a")).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(c.client.create(pods("default"), pod_json("b")).ok());
  ASSERT_TRUE(c.client.bind(pods("default", "b"), "n1").ok());
  auto d = c.client.remove(pods("default", "b"));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->at("metadata").contains("deletionTimestamp"));
  EXPECT_EQ((*d)->at("metadata")["deletionGracePeriodSeconds"], 30);
  EXPECT_TRUE(c.client.get(pods("default", "b")).ok());
  kube::DeleteOptions now;
  now.gracePeriodSeconds = 0;
  ASSERT_TRUE(c.client.remove(pods("default", "b"), now).ok());
  EXPECT_EQ(c.client.get(pods("default", "b")).error().code, ErrorCode::kNotFound);
}

TEST(ApiServer, FinalizersHoldDeletionUntilRemoved) {
  Cluster c;
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
             {"metadata", {{"name", "cm"}, {"finalizers", {"example.com/hold"}}}}};
  ASSERT_TRUE(c.client.create(kube::configmaps("default"), cm).ok());
  auto d = c.client.remove(kube::configmaps("default", "cm"));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->at("metadata").contains("deletionTimestamp"));
  Json j = **d;
  j["metadata"]["finalizers"].push_back("example.com/new");
  EXPECT_EQ(c.client.update(kube::configmaps("default", "cm"), j).error().code,
            ErrorCode::kForbidden);
  j = **d;
  j["metadata"]["finalizers"] = Json::array();
  ASSERT_TRUE(c.client.update(kube::configmaps("default", "cm"), j).ok());
  EXPECT_EQ(c.client.get(kube::configmaps("default", "cm")).error().code, ErrorCode::kNotFound);
}

TEST(ApiServer, DeletePreconditions) {
  Cluster c;
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a")).ok());
  kube::DeleteOptions o;
  o.preconditionUid = "not-the-uid";
  EXPECT_EQ(c.client.remove(pods("default", "a"), o).error().code, ErrorCode::kConflict);
}

TEST(ApiServer, LabelAndFieldSelectors) {
  Cluster c;
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a", "default", {{"app", "web"}})).ok());
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("b", "default", {{"app", "db"}})).ok());
  ASSERT_TRUE(c.client.create(pods("kube-system"), pod_json("c", "kube-system", {{"app", "web"}})).ok());
  ASSERT_TRUE(c.client.bind(pods("default", "b"), "n1").ok());
  kube::ListOptions o;
  o.labelSelector = "app=web";
  EXPECT_EQ(c.client.list(pods(), o)->items.size(), 2u);
  EXPECT_EQ(c.client.list(pods("default"), o)->items.size(), 1u);
  o = {};
  o.fieldSelector = "spec.nodeName=n1";
  auto l = c.client.list(pods(), o);
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0]->at("metadata")["name"], "b");
  o.fieldSelector = "spec.nodeName=";
  EXPECT_EQ(c.client.list(pods(), o)->items.size(), 2u);
  o.fieldSelector = "status.phase=Pending,metadata.namespace=default";
  EXPECT_EQ(c.client.list(pods(), o)->items.size(), 2u);
  o.fieldSelector = "spec.bogus=1";
  EXPECT_EQ(c.client.list(pods(), o).error().code, ErrorCode::kInvalidArgument);
  o = {};
  o.labelSelector = "app in (web,db),app!=db";
  EXPECT_EQ(c.client.list(pods(), o)->items.size(), 2u);
}

TEST(ApiServer, EventFieldSelectorsAsKubectlDescribeAsks) {
  Cluster c;
  Json ev = {{"apiVersion", "v1"}, {"kind", "Event"},
             {"metadata", {{"name", "d.1"}}},
             {"involvedObject", {{"kind", "Deployment"}, {"name", "d"}, {"namespace", "default"}}},
             {"reason", "ScalingReplicaSet"}};
  ASSERT_TRUE(c.client.create(kube::events("default"), ev).ok());
  kube::ListOptions o;
  o.fieldSelector = "involvedObject.name=d,involvedObject.namespace=default,involvedObject.kind=Deployment";
  EXPECT_EQ(c.client.list(kube::events("default"), o)->items.size(), 1u);
  o.fieldSelector = "involvedObject.name=x";
  EXPECT_EQ(c.client.list(kube::events("default"), o)->items.size(), 0u);
}

TEST(ApiServer, ListPagesWithLimitAndContinue) {
  Cluster c;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(c.client.create(pods("default"), pod_json("p" + std::to_string(i))).ok());
  kube::ListOptions o;
  o.limit = 2;
  std::vector<std::string> names;
  for (int page = 0; page < 5; ++page) {
    auto l = c.client.list(pods("default"), o);
    ASSERT_TRUE(l.ok());
    for (const auto& it : l->items) names.push_back(it->at("metadata")["name"]);
    if (l->continue_.empty()) break;
    o.continue_ = l->continue_;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4"}));
}

TEST(ApiServer, PatchesJsonMergeStrategic) {
  Cluster c;
  ASSERT_TRUE(c.client.create(pods("default"), pod_json("a", "default", {{"x", "1"}})).ok());
  auto r = c.client.patch(pods("default", "a"), kube::PatchType::kMerge,
                          Json{{"metadata", {{"labels", {{"x", nullptr}, {"y", "2"}}}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->at("metadata")["labels"], (Json{{"y", "2"}}));
  r = c.client.patch(pods("default", "a"), kube::PatchType::kJson,
                     Json::parse(R"([{"op":"add","path":"/metadata/annotations","value":{"a":"b"}}])"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->at("metadata")["annotations"]["a"], "b");
  r = c.client.patch(pods("default", "a"), kube::PatchType::kStrategicMerge,
                     Json{{"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:2"}}}}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->at("spec")["containers"].size(), 1u);
  EXPECT_EQ((*r)->at("spec")["containers"][0]["image"], "nginx:2");
  EXPECT_EQ((*r)->at("spec")["containers"][0]["imagePullPolicy"], "IfNotPresent");
  auto bad = c.client.patch(pods("default", "a"), kube::PatchType::kJson,
                            Json::parse(R"([{"op":"test","path":"/metadata/name","value":"zz"}])"));
  EXPECT_FALSE(bad.ok());
}

TEST(ApiServer, CustomResourcesFromDefinitions) {
  Cluster c;
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "selectors.eci.example.com"}}},
              {"spec",
               {{"group", "eci.example.com"},
                {"scope", "Cluster"},
                {"names", {{"plural", "selectors"}, {"kind", "Selector"}, {"shortNames", {"sel"}}}},
                {"versions",
                 {{{"name", "v1"}, {"served", true}, {"storage", true},
                   {"subresources", {{"status", Json::object()}}}}}}}}};
  kube::ResourceRef sel{"eci.example.com", "v1", "selectors", "", ""};
  EXPECT_EQ(c.client.list(sel).error().code, ErrorCode::kNotFound);
  auto created = c.client.create(kube::custom_resource_definitions(), crd);
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto got = c.client.get(kube::custom_resource_definitions("selectors.eci.example.com"));
  EXPECT_EQ((*got)->at("status")["conditions"][1]["type"], "Established");
  Json obj = {{"apiVersion", "eci.example.com/v1"}, {"kind", "Selector"},
              {"metadata", {{"name", "s1"}}}, {"spec", {{"priority", 1}}}, {"status", {{"x", 1}}}};
  auto o = c.client.create(sel, obj);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_FALSE((*o)->contains("status"));  // status subresource: dropped on create
  EXPECT_EQ(c.client.list(sel)->items.size(), 1u);
  EXPECT_EQ(c.client.patch(sel.named("s1"), kube::PatchType::kStrategicMerge, Json::object())
                .error().code, ErrorCode::kUnsupported);
  ASSERT_TRUE(c.client.remove(kube::custom_resource_definitions("selectors.eci.example.com")).ok());
  EXPECT_EQ(c.client.list(sel).error().code, ErrorCode::kNotFound);
}

TEST(ApiServer, NamespaceDeletionRemovesItsContents) {
  Cluster c;
  ASSERT_TRUE(c.client.create(kube::namespaces(), Json{{"metadata", {{"name", "t"}}}}).ok());
  ASSERT_TRUE(c.client.create(pods("t"), pod_json("a", "t")).ok());
  ASSERT_TRUE(c.client.remove(kube::namespaces("t")).ok());
  EXPECT_EQ(c.client.create(pods("t"), pod_json("b", "t")).error().code, ErrorCode::kForbidden);
  c.ex.run_until_idle();
  EXPECT_EQ(c.client.get(kube::namespaces("t")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(c.client.get(pods("t", "a")).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kci::apiserver::testing
