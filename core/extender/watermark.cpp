#include "core/extender/watermark.h"

#include <algorithm>
#include <set>

namespace kci::extender {
namespace {

constexpr std::int64_t kMaxScore = 10;  // MaxExtenderPriority of k8s.io/kube-scheduler/extender/v1

Result<std::optional<k8s::Quantity>> parse_limit(const k8s::StringMap& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end()) return std::optional<k8s::Quantity>{};
  std::string v = it->second;
  // ConfigMap values are often written with surrounding blanks or newlines.
  v.erase(0, v.find_first_not_of(" \t\r\n"));
  v.erase(v.find_last_not_of(" \t\r\n") + 1);
  if (v == "-1") return std::optional<k8s::Quantity>{};
  auto q = k8s::Quantity::parse(v);
  if (!q.ok() || q->nano() < 0)
    return invalid_argument(std::string(kConfigNamespace) + "/" + std::string(kConfigName) + " key " +
                            key + ": \"" + it->second +
                            "\" is not an allocation ratio (accepted: a number >= 0 such as 0.5, "
                            "or -1 to ignore this metric)");
  return std::optional<k8s::Quantity>(*q);
}

//! ratio requested/allocatable > limit, exactly: requested * 1e9 > limit_nano * allocatable.
bool above(std::int64_t requested, std::int64_t allocatable, const k8s::Quantity& limit) {
  constexpr __int128 kNano = 1'000'000'000;
  return static_cast<__int128>(requested) * kNano > limit.nano() * static_cast<__int128>(allocatable);
}

std::string ratio_text(std::int64_t requested, std::int64_t allocatable) {
  if (allocatable <= 0) return "no allocatable";
  const double r = static_cast<double>(requested) / static_cast<double>(allocatable);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", r);
  return buf;
}

}  // namespace

Result<WatermarkConfig> parse_config(const k8s::StringMap& data) {
  WatermarkConfig c;
  KCI_TRY(c.cpu_limit, parse_limit(data, "cpulimit"));
  KCI_TRY(c.memory_limit, parse_limit(data, "memlimit"));
  auto it = data.find("weight");
  if (it == data.end()) return c;
  const std::string where =
      std::string(kConfigNamespace) + "/" + std::string(kConfigName) + " key weight";
  const k8s::Json j = k8s::Json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  const std::string accepted =
      " (accepted: a JSON list such as [{\"nodeName\": \"rbkci-virtual-kubelet\", \"weight\": 3}])";
  if (j.is_discarded()) return invalid_argument(where + ": \"" + it->second + "\" is not valid JSON" + accepted);
  if (!j.is_array()) return invalid_argument(where + ": expected a list, found " + j.dump() + accepted);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("nodeName") || !e["nodeName"].is_string() ||
        e["nodeName"].get<std::string>().empty())
      return invalid_argument(at + ": " + e.dump() + " has no nodeName string" + accepted);
    if (!e.contains("weight") || !e["weight"].is_number_integer() || e["weight"].get<std::int64_t>() < 0 ||
        e["weight"].get<std::int64_t>() > kMaxWeight)
      return invalid_argument(at + ": weight " + (e.contains("weight") ? e["weight"].dump() : "missing") +
                              " is not an integer from 0 to " + std::to_string(kMaxWeight));
    NodeWeight w{e["nodeName"].get<std::string>(), e["weight"].get<std::int64_t>()};
    if (!seen.insert(w.node_name).second)
      return invalid_argument(at + ": node \"" + w.node_name + "\" is listed twice");
    c.weights.push_back(std::move(w));
  }
  return c;
}

WatermarkDecision decide(const WatermarkConfig& config, const WatermarkSnapshot& s) {
  WatermarkDecision d;
  if (config.cpu_limit) {
    const bool over = s.worker_cpu_allocatable_milli <= 0 ||
                      above(s.worker_cpu_requested_milli, s.worker_cpu_allocatable_milli, *config.cpu_limit);
    d.explanation = "cpu " + std::to_string(s.worker_cpu_requested_milli) + "m/" +
                    std::to_string(s.worker_cpu_allocatable_milli) + "m = " +
                    ratio_text(s.worker_cpu_requested_milli, s.worker_cpu_allocatable_milli) +
                    (over ? " > " : " <= ") + "cpulimit " + config.cpu_limit->to_string();
    if (over) {
      d.burst = true;
      return d;
    }
  }
  if (config.memory_limit) {
    const bool over = s.worker_memory_allocatable <= 0 ||
                      above(s.worker_memory_requested, s.worker_memory_allocatable, *config.memory_limit);
    if (!d.explanation.empty()) d.explanation += ", ";
    d.explanation += "memory " + std::to_string(s.worker_memory_requested) + "/" +
                     std::to_string(s.worker_memory_allocatable) + " = " +
                     ratio_text(s.worker_memory_requested, s.worker_memory_allocatable) +
                     (over ? " > " : " <= ") + "memlimit " + config.memory_limit->to_string();
    if (over) d.burst = true;
  }
  if (d.explanation.empty()) d.explanation = "cpulimit and memlimit are both -1: never burst";
  return d;
}

std::int64_t weight_of(const WatermarkConfig& config, const std::string& node) {
  if (config.weights.empty()) return 1;
  for (const auto& w : config.weights)
    if (w.node_name == node) return w.weight;
  return 0;
}

std::vector<HostScore> group_score(const WatermarkConfig& config, const WatermarkSnapshot& s,
                                   const std::vector<Candidate>& candidates) {
  std::vector<HostScore> out;
  out.reserve(candidates.size());
  if (!decide(config, s).burst) {
    for (const auto& c : candidates) out.push_back({c.name, c.is_virtual ? 0 : kMaxScore});
    return out;
  }
  // Above the watermark: share the burst pods by weight. With n pods on the weighted
  // virtual nodes, the next one makes n+1; node i's shortfall against its share is
  // (n+1) w_i / W - c_i. Scaled by W to stay in integers: D_i = (n+1) w_i - c_i W.
  __int128 total_weight = 0;
  std::int64_t n = 0;
  std::set<std::string> weighted;
  auto consider = [&](const std::string& node) {
    if (!weighted.insert(node).second) return;
    const auto w = weight_of(config, node);
    if (w <= 0) return;
    total_weight += w;
    if (auto it = s.pods_on_virtual_node.find(node); it != s.pods_on_virtual_node.end()) n += it->second;
  };
  for (const auto& w : config.weights) consider(w.node_name);
  if (config.weights.empty()) {
    for (const auto& [node, count] : s.pods_on_virtual_node) consider(node);
    for (const auto& c : candidates)
      if (c.is_virtual) consider(c.name);
  }
  std::vector<std::pair<std::size_t, __int128>> shortfall;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto& c = candidates[i];
    out.push_back({c.name, 0});
    if (!c.is_virtual) continue;
    const auto w = weight_of(config, c.name);
    if (w <= 0) continue;
    auto it = s.pods_on_virtual_node.find(c.name);
    const std::int64_t count = it == s.pods_on_virtual_node.end() ? 0 : it->second;
    shortfall.emplace_back(i, static_cast<__int128>(n + 1) * w - static_cast<__int128>(count) * total_weight);
  }
  if (shortfall.empty()) return out;
  __int128 hi = shortfall.front().second, lo = hi;
  for (const auto& [i, d] : shortfall) {
    hi = std::max(hi, d);
    lo = std::min(lo, d);
  }
  for (const auto& [i, d] : shortfall) {
    if (d == hi) {
      out[i].score = kMaxScore;
    } else {
      // Strictly below the best: 0..9 by distance, so the best is never tied by another.
      out[i].score = static_cast<std::int64_t>((d - lo) * (kMaxScore - 1) / (hi - lo));
    }
  }
  return out;
}

}  // namespace kci::extender
