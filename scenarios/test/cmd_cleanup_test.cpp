// `kci-vk cleanup`: its flags, a run over signed HTTP against the fake cloud (only the
// cluster's groups go, another cluster's stay), and the uninstall Job that provider/deploy/
// ships (accepted by the API server as a Job, its arguments accepted by the command).
#include "scenarios/cmd_cleanup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/k8s/yaml.h"
#include "core/runtime/executor.h"
#include "fake-apiserver/api_server.h"
#include "fake-apiserver/inprocess_client.h"
#include "fake-kci/cloud_config.h"
#include "fake-kci/fake_cloud.h"
#include "fake-kci/http_server.h"
#include "provider/kci_http_client.h"

namespace kci::cli {
namespace {

Result<CleanupFlags> parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  bool help = false;
  return parse_cleanup_flags(static_cast<int>(argv.size()), argv.data(), help);
}

TEST(CleanupCommand, FlagsAreCheckedAndTheClusterIdIsRequired) {
  auto none = parse({"--dry-run"});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("--cluster-id is required"), std::string::npos);
  auto empty = parse({"--cluster-id", ""});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("--cluster-id is empty"), std::string::npos);
  auto port = parse({"--cluster-id", "c1", "--kci-endpoint", "http://127.0.0.1:99999"});
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find("--kci-endpoint is \"http://127.0.0.1:99999\": the port is not 1-65535"),
            std::string::npos)
      << port.error().message;
  auto scheme = parse({"--cluster-id", "c1", "--kci-endpoint", "127.0.0.1:8443"});
  ASSERT_FALSE(scheme.ok());
  EXPECT_NE(scheme.error().message.find("expected http://HOST:PORT or https://HOST[:PORT]"), std::string::npos);
  auto unknown = parse({"--cluster-id", "c1", "--all"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown flag \"--all\""), std::string::npos);
  auto ok = parse({"--cluster-id", "c1", "--node", "vk", "--dry-run", "--kci-endpoint", "http://10.0.0.5:8443/"});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->options.cluster_id, "c1");
  EXPECT_EQ(ok->options.node, "vk");
  EXPECT_TRUE(ok->options.dry_run);
  EXPECT_EQ(ok->kci_endpoint, "http://10.0.0.5:8443/");
  // Without credentials the command stops before calling anyone.
  std::vector<std::string> args = {"kci-vk", "cleanup", "--cluster-id", "c1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  EXPECT_EQ(run_cleanup(4, argv.data(), out, err, [](const char*) -> const char* { return nullptr; }), 2);
  EXPECT_NE(err.str().find("KCI_ACCESS_KEY is not set"), std::string::npos);
}

TEST(CleanupCommand, OverHttpDeletesOnlyTheClustersGroups) {
  VirtualClock clock;
  auto cfg = fake_kci::parse_cloud_config("");
  ASSERT_TRUE(cfg.ok());
  fake_kci::FakeKciCloud cloud(*cfg, clock, 7);
  const auto& owner = cfg->users.front();
  const std::string subnet = cfg->subnets.begin()->first, sg = cfg->security_groups.begin()->first;
  auto create = [&](const std::string& name, const std::string& cluster, const std::string& node) {
    kcicloud::CreateContainerGroupRequest r;
    r.container_group_name = name;
    r.subnet_id = subnet;
    r.security_group_ids = {sg};
    r.cpu = 1;
    r.memory = 2;
    r.labels = {{"cluster-id", cluster}, {"namespace", "default"}, {"pod-name", name}, {"node-name", node}};
    r.containers = {kcicloud::ContainerSpec{.name = "c", .image = "nginx:1.25", .cpu = 1, .memory = 2}};
    auto g = cloud.create_container_group({owner.access_key, cfg->region}, r);
    EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message);
  };
  create("a1", "c1", "vk-a");
  create("a2", "c1", "vk-b");
  create("b1", "c10", "vk-a");
  create("b2", "c2", "vk-a");
  fake_kci::KciHttpServer server(cloud, clock, [&](const std::string& ak) { return cloud.secret_for(ak); });
  ASSERT_TRUE(server.start("127.0.0.1", 0).ok());
  provider::KciHttpClientOptions o;
  o.port = server.port();
  o.access_key = owner.access_key;
  o.secret_key = owner.secret_key;
  o.region = cfg->region;
  provider::KciHttpClient client(o, clock);
  const kcicloud::CallContext ctx{owner.access_key, cfg->region};

  std::ostringstream out, err;
  EXPECT_EQ(run_cleanup_against(client, ctx, {"c1", "", true}, out, err), 0);
  EXPECT_NE(out.str().find("dry run: 2 container group(s) of cluster c1 would be deleted"), std::string::npos) << out.str();
  out.str("");
  EXPECT_EQ(run_cleanup_against(client, ctx, {"c1", "vk-a", false}, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("deleted 1 of 1 container group(s) of cluster c1 node vk-a"), std::string::npos) << out.str();
  out.str("");
  EXPECT_EQ(run_cleanup_against(client, ctx, {"c1", "", false}, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("deleted 1 of 1 container group(s) of cluster c1\n"), std::string::npos) << out.str();
  kcicloud::DescribeContainerGroupRequest all;
  auto left = cloud.describe_container_group(ctx, all);
  ASSERT_TRUE(left.ok());
  std::vector<std::string> names;
  for (const auto& g : left->container_groups) names.push_back(g.container_group_name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"b1", "b2"}));
  server.stop();
}

TEST(CleanupCommand, TheShippedUninstallJobIsAValidJobRunningTheCommand) {
  std::ifstream in(std::string(KCI_SOURCE_DIR) + "/provider/deploy/uninstall-cleanup-job.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  auto job = k8s::yaml_document(ss.str());
  ASSERT_TRUE(job.ok()) << job.error().message;
  SimExecutor ex;
  apiserver::ApiServer api(ex);
  apiserver::InProcessClient client(api);
  // kube-system may exist already; the Job only needs it to.
  (void)client.create(kube::namespaces(),
                      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "kube-system"}}}});
  auto created = client.create(kube::jobs("kube-system"), *job);
  ASSERT_TRUE(created.ok()) << created.error().message;
  const k8s::Json& c = (*created)->at("spec")["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["command"][0], "kci-vk");
  // Kubernetes expands $(KCI_CLUSTER_ID) from the container's env.
  std::vector<std::string> args;
  for (const auto& a : c["args"]) {
    std::string s = a.get<std::string>();
    if (s == "$(KCI_CLUSTER_ID)") s = "c1";
    args.push_back(s);
  }
  ASSERT_EQ(args.front(), "cleanup");
  args.erase(args.begin());
  auto flags = parse(args);
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->options.cluster_id, "c1");
  EXPECT_FALSE(flags->options.dry_run);
  std::set<std::string> env;
  for (const auto& e : c["env"]) env.insert(e["name"].get<std::string>());
  EXPECT_EQ(env, (std::set<std::string>{"KCI_ACCESS_KEY", "KCI_SECRET_KEY", "KCI_REGION", "KCI_CLUSTER_ID"}));
}

}  // namespace
}  // namespace kci::cli
