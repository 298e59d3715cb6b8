#include <gtest/gtest.h>

#include "core/k8s/object.h"
#include "core/kube/resources.h"
#include "fake-apiserver/discovery.h"
#include "fake-apiserver/openapi_v2.h"
#include "fake-apiserver/rest_api.h"
#include "fake-apiserver/table.h"

namespace kci::apiserver {
namespace {

using namespace std::chrono_literals;

const kube::ResourceInfo& info_of(std::string_view group, std::string_view resource) {
  return *kube::find_builtin(group, resource);
}

TimePoint at(const char* rfc3339) { return k8s::Time::parse(rfc3339)->at; }

TEST(HumanDuration, MatchesApimachinery) {
  EXPECT_EQ(human_duration(-2s), "<invalid>");
  EXPECT_EQ(human_duration(-1s), "0s");
  EXPECT_EQ(human_duration(0s), "0s");
  EXPECT_EQ(human_duration(119s), "119s");
  EXPECT_EQ(human_duration(120s), "2m");
  EXPECT_EQ(human_duration(150s), "2m30s");
  EXPECT_EQ(human_duration(15min), "15m");
  EXPECT_EQ(human_duration(179min), "179m");
  EXPECT_EQ(human_duration(3h + 20min), "3h20m");
  EXPECT_EQ(human_duration(5h), "5h");
  EXPECT_EQ(human_duration(30h), "30h");
  EXPECT_EQ(human_duration(24h * 3 + 4h), "3d4h");
  EXPECT_EQ(human_duration(24h * 10), "10d");
  EXPECT_EQ(human_duration(24h * (365 * 2 + 10)), "2y10d");
  EXPECT_EQ(human_duration(24h * 365 * 9), "9y");
}

TEST(Table, PodColumnsAndCells) {
  const TablePrinter printer(info_of("", "pods"));
  const Json cols = printer.column_definitions();
  std::vector<std::string> names;
  for (const auto& c : cols) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP",
                                             "Node", "Nominated Node", "Readiness Gates"}));
  EXPECT_EQ(cols[5]["priority"], 1);
  EXPECT_EQ(cols[0]["format"], "name");

  Json pod = Json::parse(R"({
    "metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2024-01-01T00:00:00Z"},
    "spec": {"nodeName": "vk-1", "containers": [{"name": "a"}, {"name": "b"}]},
    "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.7"}],
      "conditions": [{"type": "Ready", "status": "True"}],
      "containerStatuses": [
        {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}},
         "lastState": {"terminated": {"finishedAt": "2024-01-01T00:04:00Z"}}},
        {"name": "b", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
  })");
  const Json row = printer.row(pod, at("2024-01-01T00:05:00Z"), IncludeObject::kMetadata);
  EXPECT_EQ(row["cells"], Json::parse(R"js(["web", "1/2", "CrashLoopBackOff", "2 (60s ago)", "5m",
                                          "10.0.0.7", "vk-1", "<none>", "<none>"])js"));
  EXPECT_EQ(row["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(row["object"]["metadata"]["name"], "web");

  pod["metadata"]["deletionTimestamp"] = "2024-01-01T00:05:00Z";
  EXPECT_EQ(printer.row(pod, at("2024-01-01T00:05:00Z"), IncludeObject::kNone)["cells"][2],
            "Terminating");
  Json pending = {{"metadata", {{"name", "p"}}}, {"spec", {{"containers", {{{"name", "c"}}}}}},
                  {"status", {{"phase", "Pending"}}}};
  const Json prow = printer.row(pending, at("2024-01-01T00:05:00Z"), IncludeObject::kNone);
  EXPECT_EQ(prow["cells"], Json::parse(R"(["p", "0/1", "Pending", "0", "<unknown>", "<none>",
                                           "<none>", "<none>", "<none>"])"));
  EXPECT_FALSE(prow.contains("object"));
}

TEST(Table, NodeDeploymentReplicaSetEventLease) {
  const TimePoint now = at("2024-01-02T00:00:00Z");
  Json node = Json::parse(R"({"metadata": {"name": "vk-1", "creationTimestamp": "2024-01-01T00:00:00Z",
      "labels": {"kubernetes.io/role": "agent", "node-role.kubernetes.io/virtual": ""}},
    "spec": {"unschedulable": true},
    "status": {"conditions": [{"type": "Ready", "status": "True"}],
      "addresses": [{"type": "InternalIP", "address": "10.1.0.2"}],
      "nodeInfo": {"kubeletVersion": "v1.32.0-vk", "osImage": "KCI"}}})");
  EXPECT_EQ(TablePrinter(info_of("", "nodes")).row(node, now, IncludeObject::kNone)["cells"],
            Json::parse(R"(["vk-1", "Ready,SchedulingDisabled", "agent,virtual", "24h", "v1.32.0-vk",
                            "10.1.0.2", "<none>", "KCI", "<unknown>", "<unknown>"])"));

  Json deploy = Json::parse(R"({"metadata": {"name": "web", "creationTimestamp": "2024-01-01T23:59:30Z"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
      "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}, {"name": "side", "image": "busybox"}]}}},
    "status": {"readyReplicas": 1, "updatedReplicas": 3, "availableReplicas": 1}})");
  EXPECT_EQ(TablePrinter(info_of("apps", "deployments")).row(deploy, now, IncludeObject::kNone)["cells"],
            Json::parse(R"(["web", "1/3", 3, 1, "30s", "nginx,side", "nginx:1.25,busybox", "app=web"])"));

  Json rs = deploy;
  rs["status"] = {{"replicas", 3}, {"readyReplicas", 2}};
  EXPECT_EQ(TablePrinter(info_of("apps", "replicasets")).row(rs, now, IncludeObject::kNone)["cells"],
            Json::parse(R"(["web", 3, 3, 2, "30s", "nginx,side", "nginx:1.25,busybox", "app=web"])"));

  Json ev = Json::parse(R"({"metadata": {"name": "web.17a"}, "type": "Warning", "reason": "ProviderFailed",
    "message": " no stock \n", "involvedObject": {"kind": "Pod", "name": "web"},
    "source": {"component": "kci-vk", "host": "vk-1"}, "count": 3,
    "firstTimestamp": "2024-01-01T23:00:00Z", "lastTimestamp": "2024-01-01T23:58:00Z"})");
  EXPECT_EQ(TablePrinter(info_of("", "events")).row(ev, now, IncludeObject::kNone)["cells"],
            Json::parse(R"(["2m", "Warning", "ProviderFailed", "pod/web", "", "kci-vk, vk-1",
                            "no stock", "60m", 3, "web.17a"])"));

  Json lease = Json::parse(R"({"metadata": {"name": "vk-1", "creationTimestamp": "2024-01-01T00:00:00Z"},
    "spec": {"holderIdentity": "vk-1"}})");
  EXPECT_EQ(TablePrinter(info_of("coordination.k8s.io", "leases")).row(lease, now, IncludeObject::kNone)["cells"],
            Json::parse(R"(["vk-1", "vk-1", "24h"])"));
}

TEST(Table, ServiceColumnsAsKubectlGetSvcShowsThem) {
  const TimePoint now = at("2024-01-02T00:00:00Z");
  const TablePrinter svc(info_of("", "services"));
  Json cluster_ip = Json::parse(R"({"metadata": {"name": "web", "creationTimestamp": "2024-01-01T00:00:00Z"},
    "spec": {"type": "ClusterIP", "selector": {"tier": "a", "app": "web"},
             "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}})");
  EXPECT_EQ(svc.row(cluster_ip, now, IncludeObject::kNone)["cells"],
            Json::parse(R"(["web", "ClusterIP", "<none>", "<none>", "80/TCP,53/UDP", "24h", "app=web,tier=a"])"));
  Json node_port = Json::parse(R"({"metadata": {"name": "np"}, "spec": {"type": "NodePort",
    "clusterIPs": ["10.96.0.7"], "externalIPs": ["1.2.3.4"], "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}})");
  EXPECT_EQ(svc.row(node_port, now, IncludeObject::kNone)["cells"],
            Json::parse(R"(["np", "NodePort", "10.96.0.7", "1.2.3.4", "80:30080/TCP", "<unknown>", "<none>"])"));
  Json lb = Json::parse(R"({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer"}})");
  EXPECT_EQ(svc.row(lb, now, IncludeObject::kNone)["cells"][3], "<pending>");
  lb["status"] = Json::parse(R"({"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example"}]}})");
  EXPECT_EQ(svc.row(lb, now, IncludeObject::kNone)["cells"][3], "5.6.7.8,lb.example");
  EXPECT_EQ(svc.row(lb, now, IncludeObject::kNone)["cells"][4], "<none>");
  Json ext = Json::parse(R"({"metadata": {"name": "db"}, "spec": {"type": "ExternalName", "externalName": "db.example"}})");
  EXPECT_EQ(svc.row(ext, now, IncludeObject::kNone)["cells"][3], "db.example");
}

TEST(Table, LabelSelectorFormatting) {
  EXPECT_EQ(format_label_selector(Json::parse(R"({"matchLabels": {"b": "2", "a": "1"},
      "matchExpressions": [{"key": "tier", "operator": "In", "values": ["y", "x"]},
                           {"key": "canary", "operator": "DoesNotExist"}]})")),
            "a=1,b=2,!canary,tier in (x,y)");
  EXPECT_EQ(format_label_selector(Json::object()), "<none>");
}

TEST(Table, CustomResourceColumnsFromTheCrd) {
  const Json crd = Json::parse(R"({"metadata": {"name": "profiles.kci.ksyun.com"},
    "spec": {"group": "kci.ksyun.com", "scope": "Cluster",
      "names": {"plural": "profiles", "kind": "Profile", "shortNames": ["kp"]},
      "versions": [{"name": "v1", "served": true, "storage": true,
        "subresources": {"status": {}},
        "additionalPrinterColumns": [
          {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
          {"name": "Weight", "type": "integer", "jsonPath": ".spec.weight", "priority": 1},
          {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}})");
  auto served = served_resource_of_crd(crd);
  ASSERT_TRUE(served.ok()) << served.error().message;
  EXPECT_EQ(served->info.kind, "Profile");
  EXPECT_FALSE(served->info.namespaced);
  EXPECT_EQ(served->info.singular, "profile");
  const TablePrinter printer(served->info, served->columns_of("v1"));
  ASSERT_EQ(printer.columns().size(), 4u);
  EXPECT_EQ(printer.column_definitions()[2]["priority"], 1);
  const Json obj = Json::parse(R"({"metadata": {"name": "gpu", "creationTimestamp": "2024-01-01T00:00:00Z"},
    "spec": {"weight": 7}, "status": {"conditions": [{"type": "Other", "status": "False"}, {"type": "Ready", "status": "True"}]}})");
  EXPECT_EQ(printer.row(obj, at("2024-01-01T01:00:00Z"), IncludeObject::kNone)["cells"],
            Json::parse(R"(["gpu", "True", 7, "60m"])"));
  // Without printer columns: NAME AGE.
  EXPECT_EQ(TablePrinter(served->info).columns().size(), 2u);
}

TEST(RestPath, Shapes) {
  using K = RestPath::Kind;
  auto p = parse_rest_path("/api/v1/namespaces/default/pods/web/status");
  EXPECT_EQ(p.kind, K::kResource);
  EXPECT_EQ(p.namespace_, "default");
  EXPECT_EQ(p.resource, "pods");
  EXPECT_EQ(p.name, "web");
  EXPECT_EQ(p.subresource, "status");
  p = parse_rest_path("/api/v1/namespaces/kube-system");
  EXPECT_EQ(p.resource, "namespaces");
  EXPECT_EQ(p.name, "kube-system");
  EXPECT_EQ(p.namespace_, "");
  p = parse_rest_path("/api/v1/namespaces/kube-system/status");
  EXPECT_EQ(p.resource, "namespaces");
  EXPECT_EQ(p.subresource, "status");
  p = parse_rest_path("/apis/apps/v1/deployments");
  EXPECT_EQ(p.group, "apps");
  EXPECT_EQ(p.resource, "deployments");
  p = parse_rest_path("/api/v1/watch/namespaces/default/pods");
  EXPECT_TRUE(p.watch_prefix);
  EXPECT_EQ(p.resource, "pods");
  EXPECT_EQ(parse_rest_path("/apis/apps").kind, K::kGroup);
  EXPECT_EQ(parse_rest_path("/apis/apps/v1").kind, K::kGroupVersion);
  EXPECT_EQ(parse_rest_path("/api").kind, K::kApi);
  EXPECT_EQ(parse_rest_path("/openapi/v2").kind, K::kOpenApiV2);
  EXPECT_EQ(parse_rest_path("/nope").kind, K::kUnknown);
  EXPECT_EQ(parse_rest_path("/api/v1/a/b/c/d").kind, K::kUnknown);
  // nodes/<name>/proxy/<path>: the rest of the path, as sent, is the kubelet's.
  p = parse_rest_path("/api/v1/nodes/vk-1/proxy/containerLogs/default/web%2D1/c");
  EXPECT_EQ(p.kind, K::kResource);
  EXPECT_EQ(p.resource, "nodes");
  EXPECT_EQ(p.name, "vk-1");
  EXPECT_EQ(p.subresource, "proxy");
  EXPECT_EQ(p.proxy_path, "/containerLogs/default/web%2D1/c");
  EXPECT_EQ(parse_rest_path("/api/v1/nodes/vk-1/proxy").proxy_path, "/");
  EXPECT_EQ(parse_rest_path("/api/v1/nodes/vk-1/proxy/").proxy_path, "/");
  EXPECT_EQ(parse_rest_path("//api/v1//nodes/vk-1/proxy/runningpods/").proxy_path, "/runningpods/");
  EXPECT_EQ(parse_rest_path("/api/v1/pods/vk-1/proxy/x").kind, K::kUnknown);
  EXPECT_EQ(parse_rest_path("/api/v1/namespaces/de%66ault/pods").namespace_, "default");

  auto q = parse_query("labelSelector=app%3Dweb%2Ctier+in+(a)&limit=500&watch");
  EXPECT_EQ(q["labelSelector"], "app=web,tier in (a)");
  EXPECT_EQ(q["limit"], "500");
  EXPECT_EQ(q.count("watch"), 1u);
}

TEST(Discovery, CoreAndGroups) {
  const Catalogue c = Catalogue::builtin();
  auto core = c.api_resource_list("", "v1");
  ASSERT_TRUE(core.ok());
  bool saw_pods = false, saw_binding = false;
  for (const auto& r : (*core)["resources"]) {
    if (r["name"] == "pods") {
      saw_pods = true;
      EXPECT_EQ(r["shortNames"], Json::array({"po"}));
      EXPECT_EQ(r["kind"], "Pod");
    }
    if (r["name"] == "pods/binding") {
      saw_binding = true;
      EXPECT_EQ(r["kind"], "Binding");
    }
  }
  EXPECT_TRUE(saw_pods && saw_binding);
  auto apps = c.api_resource_list("apps", "v1");
  ASSERT_TRUE(apps.ok());
  bool saw_scale = false;
  for (const auto& r : (*apps)["resources"])
    if (r["name"] == "deployments/scale") {
      saw_scale = true;
      EXPECT_EQ(r["group"], "autoscaling");
      EXPECT_EQ(r["kind"], "Scale");
    }
  EXPECT_TRUE(saw_scale);
  EXPECT_FALSE(c.api_resource_list("apps", "v9").ok());
  const Json groups = c.api_group_list();
  EXPECT_EQ(groups["kind"], "APIGroupList");
  bool saw_apps = false;
  for (const auto& g : groups["groups"]) saw_apps |= g["name"] == "apps";
  EXPECT_TRUE(saw_apps);
}

TEST(OpenApi, ProtobufEncodingOfTheDocument) {
  const Json doc = openapi_v2_document(Catalogue::builtin());
  ASSERT_TRUE(doc["paths"].contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
  const Json& patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
  bool field_validation = false;
  for (const auto& p : patch["parameters"]) field_validation |= p["name"] == "fieldValidation";
  EXPECT_TRUE(field_validation);
  EXPECT_TRUE(doc["definitions"].contains("io.k8s.api.apps.v1.Deployment"));

  const std::string pb = encode_openapi_v2_protobuf(doc);
  // Field 1 (swagger), wire type 2, length 3, "2.0"; then field 2 (info), length-delimited.
  ASSERT_GT(pb.size(), 100u);
  EXPECT_EQ(pb.substr(0, 5), std::string("\x0a\x03" "2.0", 5));
  EXPECT_EQ(static_cast<unsigned char>(pb[5]), 0x12u);
  EXPECT_NE(pb.find("x-kubernetes-group-version-kind"), std::string::npos);
  EXPECT_NE(pb.find("fieldValidation"), std::string::npos);

  kube::ResourceInfo custom;
  custom.group = "kci.ksyun.com";
  custom.kind = "Profile";
  EXPECT_EQ(definition_name(custom, "v1"), "com.ksyun.kci.v1.Profile");
  EXPECT_EQ(definition_name(info_of("coordination.k8s.io", "leases"), "v1"), "io.k8s.api.coordination.v1.Lease");
}

}  // namespace
}  // namespace kci::apiserver
