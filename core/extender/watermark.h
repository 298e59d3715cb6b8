// Seed 000's scheduler extender policy, pure: "自定义IDC资源水位触发调度".
//
// While the cluster's own worker nodes (label kubernetes.io/role=node) are allocated below
// the configured watermark, new pods go to them; once either CPU or memory allocation is
// above its limit, new pods go to the virtual nodes, split by weight. This file holds the
// configuration (ConfigMap kube-system/extender-conf), the watermark decision and the
// group_score verb's scores; the HTTP server and the cluster watch live in provider/.
// Must not: keep counts of its own (the counts come from the cluster, so a restart loses
// nothing), read clocks, or do I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/k8s/object.h"
#include "core/k8s/quantity.h"
#include "core/result.h"

namespace kci::extender {

//! The ConfigMap the extender reads, as seed 000 names it.
inline constexpr std::string_view kConfigNamespace = "kube-system";
inline constexpr std::string_view kConfigName = "extender-conf";
//! The label that marks a worker node whose allocation counts (seed 000: "只统计role为node的节点").
inline constexpr std::string_view kWorkerRoleLabel = "kubernetes.io/role";
inline constexpr std::string_view kWorkerRoleValue = "node";
//! The label every virtual kubelet puts on its node.
inline constexpr std::string_view kVirtualNodeLabel = "type";
inline constexpr std::string_view kVirtualNodeValue = "virtual-kubelet";

//! The largest weight accepted: far above any sensible split, small enough that
//! (pods + 1) x weight never overflows.
inline constexpr std::int64_t kMaxWeight = 1'000'000;

//! One entry of the `weight` list.
struct NodeWeight {
  std::string node_name;
  std::int64_t weight = 0;
  bool operator==(const NodeWeight&) const = default;
};

//! The extender's configuration.
struct WatermarkConfig {
  //! Allocation ratio above which pods burst (requests / allocatable); nullopt = ignored (-1).
  std::optional<k8s::Quantity> cpu_limit, memory_limit;
  //! Weights of the virtual nodes; empty = every virtual node weighs 1.
  std::vector<NodeWeight> weights;
  bool operator==(const WatermarkConfig&) const = default;
};

//! Parses the ConfigMap data keys cpulimit, memlimit and weight. A missing limit key means
//! -1 (ignored); errors name the key, the value and what is accepted.
Result<WatermarkConfig> parse_config(const k8s::StringMap& data);

//! The cluster as the policy sees it; built from a watch by provider/ (ClusterView).
struct WatermarkSnapshot {
  //! Sum of the requests of pods bound to worker nodes (not terminal), and the workers'
  //! allocatable; CPU in milli-cores, memory in bytes.
  std::int64_t worker_cpu_requested_milli = 0, worker_cpu_allocatable_milli = 0;
  std::int64_t worker_memory_requested = 0, worker_memory_allocatable = 0;
  //! Non-terminal pods bound to each virtual node.
  std::map<std::string, std::int64_t> pods_on_virtual_node;
};

//! Which way new pods go, and why (for logs and events).
struct WatermarkDecision {
  bool burst = false;       //!< true: above the watermark, prefer virtual nodes
  std::string explanation;  //!< e.g. "cpu 300m/500m = 0.6 > cpulimit 0.5"
};

//! Decides whether the workers are above the watermark. With no allocatable at all the
//! workers cannot take anything, so pods burst.
WatermarkDecision decide(const WatermarkConfig& config, const WatermarkSnapshot& snapshot);

//! A node offered to the prioritize verb.
struct Candidate {
  std::string name;
  bool is_virtual = false;
};

//! One score, as HostPriority {Host, Score} with 0 <= Score <= 10.
struct HostScore {
  std::string host;
  std::int64_t score = 0;
  bool operator==(const HostScore&) const = default;
};

//! The weight the policy uses for a virtual node (0 when weights are given and it is not
//! listed; 1 for every virtual node when no weights are given).
std::int64_t weight_of(const WatermarkConfig& config, const std::string& node);

//! group_score: below the watermark real nodes score 10 and virtual nodes 0; above it the
//! reverse, and among virtual nodes the one furthest below its weight's share of the burst
//! pods scores 10, the others 0..9 by how far below their share they are, so that each
//! virtual node holds within one pod of n x weight / sum of weights.
std::vector<HostScore> group_score(const WatermarkConfig& config,
                                   const WatermarkSnapshot& snapshot,
                                   const std::vector<Candidate>& candidates);

}  // namespace kci::extender
