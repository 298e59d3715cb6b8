// The scenario contract (shared/reference/scenario-format.md) parses, and mistakes are named.
#include "scenarios/scenario.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace kci::scenario {
namespace {

std::string contract_example() {
  // The shared folder beside the checkout; the environment variable KCI_SHARED_DIR
  // overrides it (a worktree's checkout has no shared folder beside it).
  const char* env = std::getenv("KCI_SHARED_DIR");
  const std::string shared = env != nullptr && *env != '\0' ? env : KCI_SHARED_DIR;
  std::ifstream in(shared + "/reference/scenario-format.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const auto start = doc.find("```yaml\n");
  const auto end = doc.find("```", start + 8);
  EXPECT_NE(start, std::string::npos) << "the contract's example is gone";
  std::string yaml = doc.substr(start + 8, end - start - 8);
  // The contract elides some values; fill them in with real ones.
  yaml = std::regex_replace(yaml, std::regex(R"(\{files: \[\.\.\.\], objects: \[\.\.\.\]\})"),
                            "{objects: [{apiVersion: v1, kind: Namespace, metadata: {name: burst}}]}");
  yaml = std::regex_replace(yaml, std::regex(R"(\{\.\.\.a Pod\.\.\.\})"),
                            "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: nginx}]}}");
  yaml = std::regex_replace(yaml, std::regex(R"(\{\.\.\.an expect\.\.\.\})"),
                            "{pods: {namespace: burst, count: 10000, phase: Running}}");
  return yaml;
}

TEST(Scenario, TheContractExampleParses) {
  auto s = parse_scenario(contract_example(), "seed-000-watermark-weights.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->name, "seed-000-watermark-weights");
  EXPECT_EQ(s->seed, 7u);
  EXPECT_FALSE(s->wall_clock);
  EXPECT_EQ(s->timeout, std::chrono::minutes(10));
  EXPECT_EQ(s->cluster.files, std::vector<std::string>{"manifests/nodes.yaml"});
  EXPECT_EQ(s->kci["region"], "cn-beijing-6");
  ASSERT_EQ(s->virtualNodes.size(), 1u);
  EXPECT_EQ(s->virtualNodes[0].env.at("KCI_INSTANCE_FAMILY"), "S6,I3");
  EXPECT_EQ(s->virtualNodes[0].args.at(1), "--kube-proxy-enable");
  EXPECT_EQ(s->extenderWeight, std::optional<std::int32_t>(1));
  EXPECT_TRUE(s->webhook);
  ASSERT_EQ(s->steps.size(), 11u);
  EXPECT_EQ(step_kind(s->steps[0]), "apply");
  const auto& scale = std::get<ScaleStep>(s->steps[1]);
  EXPECT_EQ(scale.replicas, 7);
  EXPECT_EQ(std::get<DeleteStep>(s->steps[2]).gracePeriodSeconds, std::optional<std::int64_t>(30));
  EXPECT_EQ(std::get<GenerateStep>(s->steps[3]).count, 10000);
  EXPECT_EQ(std::get<WaitStep>(s->steps[4]).duration, std::chrono::seconds(30));
  EXPECT_EQ(std::get<WaitStep>(s->steps[5]).timeout, std::chrono::minutes(2));
  const auto& nostock = std::get<FaultStep>(s->steps[6]);
  EXPECT_EQ(nostock.kci, "NoStock");
  EXPECT_EQ(nostock.instanceType, std::optional<std::string>("S6.4B"));
  EXPECT_EQ(std::get<FaultStep>(s->steps[7]).rate, std::optional<double>(0.2));
  EXPECT_EQ(std::get<RestartStep>(s->steps[9]).virtualNode, "rbkci-virtual-kubelet");
  const auto& e = std::get<ExpectStep>(s->steps[10]).expect;
  ASSERT_EQ(e.pods.size(), 1u);
  EXPECT_EQ(e.pods[0].count, std::optional<std::int64_t>(7));
  EXPECT_EQ(e.distribution.at(0).nodes.at("10.0.0.179"), 3);
  EXPECT_EQ(e.containerGroups.at(0).fields.at("instanceType"), "S6.4B");
  EXPECT_EQ(e.containerGroups.at(0).fields.at("projectId"), "106123");
  EXPECT_EQ(e.events.at(0).reason, "NoStock");
  EXPECT_EQ(e.nodes.at(0).taints->at(0), "virtual-kubelet.io/provider=kingsoftcloud:NoSchedule");
  EXPECT_EQ(e.noOrphans, std::optional<bool>(true));
}

TEST(Scenario, RequestLeaseAndStopStartParse) {
  auto s = parse_scenario(R"(name: extra
steps:
  - stop: {virtualNode: vk}
  - start: {virtualNode: vk}
  - expect:
      containerGroups: [{pod: default/p, request: {KubeProxy.Enabled: "true", Container.2.Name: null, Cpu: 4}}]
      nodes: [{name: vk, leaseRenewedWithin: 10s}]
)", "extra.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->steps.size(), 3u);
  EXPECT_EQ(std::get<StopStep>(s->steps[0]).virtualNode, "vk");
  EXPECT_EQ(step_kind(s->steps[0]), "stop");
  EXPECT_EQ(std::get<StartStep>(s->steps[1]).virtualNode, "vk");
  EXPECT_EQ(step_kind(s->steps[1]), "start");
  const auto& e = std::get<ExpectStep>(s->steps[2]).expect;
  const auto& req = e.containerGroups.at(0).fields.at("request");
  EXPECT_EQ(req.at("KubeProxy.Enabled"), "true");
  EXPECT_TRUE(req.at("Container.2.Name").is_null());
  EXPECT_EQ(e.nodes.at(0).leaseRenewedWithin, std::optional<Duration>(std::chrono::seconds(10)));
}

TEST(Scenario, DefaultsAreGenerous) {
  auto s = parse_scenario("name: tiny\n", "scenarios/seeds/tiny.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->seed, 1u);
  EXPECT_FALSE(s->extenderWeight.has_value());
  EXPECT_FALSE(s->webhook);
  EXPECT_TRUE(s->steps.empty());
}

struct Bad {
  const char* yaml;
  const char* message;
};

TEST(Scenario, MistakesAreNamedWithPathValueAndWhatIsAccepted) {
  const Bad cases[] = {
      {"name: other\n", "x.yaml: name: \"other\" must equal the file's name without extension (\"x\")"},
      {"name: x\nseeed: 3\n", "x.yaml: seeed: unknown key (accepted here:"},
      {"name: x\nsteps:\n- scale: {kind: Deployment, name: a, replicas: many}\n",
       "x.yaml: steps[0].scale.replicas: expected an integer, found \"many\""},
      {"name: x\nsteps:\n- wait: 3 minutes\n", "x.yaml: steps[0].wait: duration \"3 minutes\""},
      {"name: x\nsteps:\n- teleport: {}\n", "x.yaml: steps[0].teleport: unknown step"},
      {"name: x\nsteps:\n- fault: {kci: Meteor, for: 1m}\n", "\"Meteor\" is not a KCI fault"},
      {"name: x\nsteps:\n- fault: {kci: Throttling, rate: 2, for: 1m}\n", "steps[0].fault.rate: expected a share from 0 to 1"},
      {"name: x\nsteps:\n- fault: {kci: Throttling, rate: 0.2}\n", "steps[0].fault.for: is required"},
      {"name: x\nsteps:\n- expect: {pods: {phase: Runing}}\n", "\"Runing\" is not a pod phase"},
      {"name: x\nsteps:\n- expect: {pods: {count: 1, colour: red}}\n", "steps[0].expect.pods.colour: unknown key"},
      {"name: x\nsteps:\n- expect: {events: [{object: Pod/a/b}]}\n", "steps[0].expect.events[0].reason: is required"},
      {"name: x\nsteps:\n- expect: {containerGroups: [{pod: nons}]}\n", "\"nons\" is not namespace/name"},
      {"name: x\nvirtualNodes: [{name: a}, {name: a}]\n", "virtualNodes[1].name: \"a\" is used twice"},
      {"name: x\nextender: {weight: 0}\n", "extender.weight: expected a weight from 1 to 100"},
      {"name: x\nclock: sundial\n", "\"sundial\" is not a clock"},
      {"name: x\nsteps:\n- cleanup: {dryRun: true}\n", "steps[0].cleanup.clusterId: is required"},
      {"name: x\nsteps:\n- cleanup: {clusterId: c1, all: true}\n", "steps[0].cleanup.all: unknown key"},
      {"name: x\nsteps:\n- expect: {groupsLabelled: [{count: 0}]}\n",
       "steps[0].expect.groupsLabelled[0].labels: expected a map of label to value"},
      {"name: x\nsteps:\n- expect: {billing: {instanceSeconds: lots}}\n",
       "steps[0].expect.billing.instanceSeconds: expected a number of instance-seconds >= 0"},
      {"name: x\ncluster: {objects: [{metadata: {}}]}\n", "cluster.objects[0]: expected a Kubernetes object"},
      {"name: x\nsteps:\n- {apply: {}, wait: 1s}\n", "steps[0]: a step is a map with exactly one key"},
      {"name: [x\n", "x.yaml: YAML line"},
      {"name: x\nsteps:\n- expect: {containerGroups: [{pod: a/b, request: [Cpu]}]}\n",
       "containerGroups[0].request: expected a map of CreateContainerGroup parameter"},
      {"name: x\nsteps:\n- expect: {containerGroups: [{pod: a/b, request: {Cpu: [4]}}]}\n",
       "containerGroups[0].request.Cpu: expected a string, number, boolean or null"},
      {"name: x\nsteps:\n- expect: {nodes: [{name: vk, leaseRenewedWithin: soon}]}\n",
       "nodes[0].leaseRenewedWithin"},
      {"name: x\nsteps:\n- stop: {}\n", "steps[0].stop.virtualNode: is required"},
      {"name: x\nsteps:\n- expect: {kubeletApi: [{node: vk}]}\n", "steps[0].expect.kubeletApi[0].path: is required"},
      {"name: x\nsteps:\n- expect: {kubeletApi: [{node: vk, path: pods}]}\n", "\"pods\" is not a path"},
      {"name: x\nsteps:\n- expect: {kubeletApi: [{node: vk, path: /pods, status: 99}]}\n",
       "kubeletApi[0].status: expected an HTTP status 100-599"},
      {"name: x\nsteps:\n- expect: {kubeletApi: [{node: vk, path: /pods, json: {items: 1}}]}\n",
       "\"items\" is not a JSON pointer"},
      {"name: x\nsteps:\n- expect: {kubeletApi: [{node: vk, path: /pods, contains: x}]}\n",
       "kubeletApi[0].contains: expected a list of strings"},
  };
  for (const auto& c : cases) {
    auto s = parse_scenario(c.yaml, "x.yaml");
    ASSERT_FALSE(s.ok()) << c.yaml;
    EXPECT_NE(s.error().message.find(c.message), std::string::npos)
        << "yaml: " << c.yaml << "\nwanted: " << c.message << "\ngot:    " << s.error().message;
  }
}

}  // namespace
}  // namespace kci::scenario
