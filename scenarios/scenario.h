// A scenario file, parsed and checked: the contract of ../shared/reference/scenario-format.md.
//
// Parsing is strict: an unknown key is an error naming its path (a typo must not silently
// turn an expectation off), and every value is type-checked with the path, the value found
// and what is accepted. Objects under cluster/apply stay JSON (they are Kubernetes objects,
// decoded by the fake apiserver); the `kci:` block stays JSON for fake-kci's own loader.
// Must not: run anything (runner.h does), read files other than through the loader given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/k8s/object.h"
#include "core/result.h"

namespace kci::scenario {

using k8s::Json;

//! Objects to apply: files (relative to the scenario) then inline objects.
struct ObjectSource {
  std::vector<std::string> files;
  std::vector<Json> objects;
};

//! One virtual kubelet of the scenario.
struct VirtualNodeSpec {
  std::string name;
  std::vector<std::string> args;            //!< the seed flags
  std::map<std::string, std::string> env;   //!< KCI_* variables
};

struct ExpectPods {
  std::string namespace_ = "default";
  std::string selector;                     //!< label selector, string form ("" = all)
  std::optional<std::int64_t> count;
  std::optional<std::string> phase;         //!< Pending | Running | Succeeded | Failed
  std::optional<std::string> node;          //!< spec.nodeName of every matching pod
  std::optional<std::string> reason;        //!< status.reason or a waiting reason
};

struct ExpectDistribution {
  std::string namespace_ = "default";
  std::string selector;
  std::map<std::string, std::int64_t> nodes;  //!< node -> pods (only the named nodes are checked)
};

struct ExpectContainerGroup {
  std::string pod;                          //!< namespace/name
  //! instanceType, cpu, memory, projectId, status..., and `request`: a map of
  //! CreateContainerGroup wire parameters ("KubeProxy.Enabled", "Container.2.Name") to the
  //! value the cloud must have received (null: the parameter must be absent).
  std::map<std::string, Json> fields;
};

struct ExpectEvent {
  std::string object;                       //!< Kind/namespace/name (Node/name for nodes)
  std::string reason;
  std::optional<std::string> type;          //!< Normal | Warning
  std::optional<std::string> message;       //!< a substring of the message
  bool absent = false;                      //!< true: no such event may exist
};

struct ExpectNode {
  std::string name;
  std::optional<bool> ready;
  std::optional<std::vector<std::string>> taints;  //!< key=value:Effect, exactly this set
  std::map<std::string, std::string> labels;       //!< each must be present with this value
  //! The node's Lease (kube-node-lease) was renewed no longer ago than this.
  std::optional<Duration> leaseRenewedWithin;
};

//! A GET on a virtual node's kubelet API (/pods, /stats/summary, /containerLogs/...).
struct ExpectKubeletApi {
  std::string node;
  std::string path;                    //!< path and query, e.g. /containerLogs/default/p/c?tailLines=1
  int status = 200;
  std::vector<std::string> contains;   //!< substrings of the body
  std::vector<std::string> absent;     //!< substrings the body must not have
  //! JSON pointer -> value: equal, or, for a number against an array, its length.
  std::map<std::string, Json> json;
};

//! Container groups by labels: exactly `count` groups carry every one of `labels`.
struct ExpectLabelledGroups {
  std::map<std::string, std::string> labels;
  std::int64_t count = 0;
};

//! The fake cloud's bill: instance-seconds over every project and type (0.001 tolerance).
struct ExpectBilling {
  double instanceSeconds = 0;
};

//! What must hold at one moment.
struct Expectation {
  std::vector<ExpectPods> pods;
  std::vector<ExpectDistribution> distribution;
  std::vector<ExpectContainerGroup> containerGroups;
  std::vector<ExpectEvent> events;
  std::vector<ExpectNode> nodes;
  std::vector<ExpectKubeletApi> kubeletApi;
  std::optional<bool> noOrphans;
  std::vector<ExpectLabelledGroups> groupsLabelled;
  std::optional<ExpectBilling> billing;
};

struct ApplyStep { ObjectSource source; };
struct ScaleStep { std::string kind, namespace_ = "default", name; std::int32_t replicas = 0; };
struct DeleteStep {
  std::string kind, namespace_ = "default", name;
  std::optional<std::int64_t> gracePeriodSeconds;
};
struct GenerateStep { std::int64_t count = 0; std::string namespace_ = "default"; Json template_; };
struct WaitStep {
  Duration duration{0};              //!< a plain wait: advance time
  std::optional<Expectation> until;  //!< or: advance until this holds
  Duration timeout{0};               //!< ... failing after this long
};
struct FaultStep {
  std::string kci;                   //!< NoStock | Throttling | ServerError | Latency | Timeout
  std::optional<std::string> zone, instanceType;
  std::optional<double> rate;
  std::optional<Duration> latency;
  Duration for_{0};
};
struct RestartStep { std::string virtualNode; };
//! The virtual node's process dies and stays down (its pods and groups stay) until `start`.
struct StopStep { std::string virtualNode; };
//! A stopped virtual node comes back and re-reads its state.
struct StartStep { std::string virtualNode; };
struct ExpectStep { Expectation expect; };
//! Runs `kci-vk cleanup` against the scenario's cloud with the owner's key; fails when a
//! group could not be deleted, or when `deleted` is given and another number was.
struct CleanupStep {
  std::string clusterId, node;
  bool dryRun = false;
  std::optional<std::int64_t> deleted;
};

using Step = std::variant<ApplyStep, ScaleStep, DeleteStep, GenerateStep, WaitStep, FaultStep,
                          RestartStep, ExpectStep, StopStep, StartStep, CleanupStep>;

//! `realNodes:`: worker nodes without machines (hollow kubelets, as kubemark and kwok give a
//! scale test): registered Ready, leases renewed, their pods Running `startDelay` after binding.
struct RealNodesSpec {
  std::int64_t count = 0;
  std::string prefix = "node-";  //!< node i is <prefix><i>, zero-padded to 4 digits
  std::string cpu = "4", memory = "8Gi", pods = "110";
  std::map<std::string, std::string> labels;
  Duration startDelay = std::chrono::seconds(1);
};

//! The whole file.
struct Scenario {
  std::string name, description, path;
  std::uint64_t seed = 1;
  bool wall_clock = false;
  Duration timeout = std::chrono::minutes(10);
  ObjectSource cluster;
  Json kci = Json::object();         //!< fake-kci's description of the cloud
  std::vector<VirtualNodeSpec> virtualNodes;
  std::optional<RealNodesSpec> realNodes;
  std::optional<std::int32_t> extenderWeight;  //!< set when `extender:` is on
  bool webhook = false;
  //! Seed 003's ElasticWorkload: its CRDs installed at preparation and its controller run.
  //! Off by default so other scenarios' generated names (the server's seeded uids) stay as they are.
  bool elasticWorkload = false;
  std::vector<Step> steps;
};

//! Parses a scenario from YAML text; `path` is used for messages and to check that `name:`
//! equals the file's path stem when `require_name_matches_file` is set.
Result<Scenario> parse_scenario(std::string_view yaml_text, const std::string& path,
                                bool require_name_matches_file = true);

//! Parses the expect map (shared by expect steps and wait-until).
Result<Expectation> parse_expectation(const Json& j, const std::string& where);

//! A short name of a step kind, for reports ("apply", "scale", ...).
std::string step_kind(const Step& step);

}  // namespace kci::scenario
