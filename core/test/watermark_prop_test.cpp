// Properties of the weighted split: within one pod of n x w / W after any arrivals, and
// convergence back to that after deletions; more allocation never un-bursts.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/extender/watermark.h"

namespace kci::extender {
namespace {

struct Cluster {
  WatermarkConfig config;
  WatermarkSnapshot snapshot;  // empty workers: always above the watermark
  std::vector<Candidate> candidates;
};

Cluster make_cluster(const std::vector<int>& weights) {
  Cluster c;
  c.config.cpu_limit = k8s::Quantity::from_milli(500);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const std::string name = "vk-" + std::to_string(i);
    c.config.weights.push_back({name, weights[i]});
    c.candidates.push_back({name, true});
  }
  c.candidates.push_back({"worker", false});
  return c;
}

//! Places one pod on a best-scoring node, breaking ties with `tie`.
std::string place(Cluster& c, std::size_t tie) {
  const auto scores = group_score(c.config, c.snapshot, c.candidates);
  const auto best = std::max_element(scores.begin(), scores.end(),
                                     [](const auto& a, const auto& b) { return a.score < b.score; })->score;
  std::vector<std::string> top;
  for (const auto& s : scores)
    if (s.score == best) top.push_back(s.host);
  const auto& host = top[tie % top.size()];
  ++c.snapshot.pods_on_virtual_node[host];
  return host;
}

//! Largest |c_i - n w_i / W| over the virtual nodes.
double max_deviation(const Cluster& c) {
  double total_w = 0, n = 0;
  for (const auto& w : c.config.weights) total_w += static_cast<double>(w.weight);
  for (const auto& [node, count] : c.snapshot.pods_on_virtual_node) n += static_cast<double>(count);
  double worst = 0;
  for (const auto& w : c.config.weights) {
    auto it = c.snapshot.pods_on_virtual_node.find(w.node_name);
    const double count = it == c.snapshot.pods_on_virtual_node.end() ? 0 : static_cast<double>(it->second);
    worst = std::max(worst, std::abs(count - n * static_cast<double>(w.weight) / total_w));
  }
  return worst;
}

RC_GTEST_PROP(WeightedSplit, ArrivalsStayWithinOnePodOfTheShare, ()) {
  const auto weights = *rc::gen::container<std::vector<int>>(
      *rc::gen::inRange<std::size_t>(1, 11), rc::gen::inRange(1, 101));
  const auto arrivals = *rc::gen::inRange(1, 300);
  auto c = make_cluster(weights);
  for (int i = 0; i < arrivals; ++i) {
    const auto host = place(c, static_cast<std::size_t>(*rc::gen::inRange(0, 1000)));
    RC_ASSERT(host != "worker");
    RC_ASSERT(max_deviation(c) < 1.0 + 1e-9);
  }
}

RC_GTEST_PROP(WeightedSplit, AfterDeletionsArrivalsConvergeBackWithinOne, ()) {
  const auto weights = *rc::gen::container<std::vector<int>>(
      *rc::gen::inRange<std::size_t>(1, 11), rc::gen::inRange(1, 101));
  auto c = make_cluster(weights);
  const auto steps = *rc::gen::inRange(1, 200);
  for (int i = 0; i < steps; ++i) {
    if (*rc::gen::inRange(0, 3) == 0) {
      // A user deletes a pod from some virtual node that has one.
      std::vector<std::string> nonempty;
      for (const auto& [node, count] : c.snapshot.pods_on_virtual_node)
        if (count > 0) nonempty.push_back(node);
      if (!nonempty.empty()) --c.snapshot.pods_on_virtual_node[nonempty[*rc::gen::inRange<std::size_t>(0, nonempty.size())]];
    } else {
      place(c, static_cast<std::size_t>(*rc::gen::inRange(0, 1000)));
    }
  }
  // However unbalanced the deletions left it, enough arrivals bring every node back within
  // one pod of its share: each arrival goes to a node with the largest shortfall.
  std::int64_t total = 0;
  for (const auto& [node, count] : c.snapshot.pods_on_virtual_node) total += count;
  const int budget = static_cast<int>(total) * 2 + 400;
  int extra = 0;
  while (max_deviation(c) >= 1.0 + 1e-9 && extra < budget) {
    place(c, static_cast<std::size_t>(extra));
    ++extra;
  }
  RC_ASSERT(max_deviation(c) < 1.0 + 1e-9);
}

RC_GTEST_PROP(Watermark, MoreAllocationNeverUnbursts, ()) {
  WatermarkConfig config;
  config.cpu_limit = k8s::Quantity::from_milli(*rc::gen::inRange(0, 2000));
  config.memory_limit = k8s::Quantity::from_milli(*rc::gen::inRange(0, 2000));
  WatermarkSnapshot s;
  s.worker_cpu_allocatable_milli = *rc::gen::inRange<std::int64_t>(1, 1'000'000);
  s.worker_memory_allocatable = *rc::gen::inRange<std::int64_t>(1, 1LL << 40);
  s.worker_cpu_requested_milli = *rc::gen::inRange<std::int64_t>(0, 1'000'000);
  s.worker_memory_requested = *rc::gen::inRange<std::int64_t>(0, 1LL << 40);
  const bool before = decide(config, s).burst;
  s.worker_cpu_requested_milli += *rc::gen::inRange<std::int64_t>(0, 1000);
  s.worker_memory_requested += *rc::gen::inRange<std::int64_t>(0, 1LL << 30);
  if (before) RC_ASSERT(decide(config, s).burst);
  // And a bursting decision never scores a real node above a weighted virtual one.
  if (decide(config, s).burst) {
    const auto scores = group_score(config, s, {{"real", false}, {"vk", true}});
    RC_ASSERT(scores[0].score <= scores[1].score);
  }
}

}  // namespace
}  // namespace kci::extender
