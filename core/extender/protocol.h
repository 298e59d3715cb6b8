// The kube-scheduler extender wire protocol (k8s.io/kube-scheduler/extender/v1) on seed
// 000's verbs, pure: request bodies in, response bodies out.
//
//   POST <prefix>/predicates/always_true   filter: keeps every node
//   POST <prefix>/priorities/group_score   prioritize: the watermark policy (watermark.h)
//   POST <prefix>/preemption               preemption: agrees with the scheduler's victims
//
// JSON keys are the Go field names (ExtenderArgs{Pod, Nodes, NodeNames}); both
// nodeCacheCapable forms are answered in the form they were asked in. Bad input (not JSON,
// no Pod, unknown nodes) is an InvalidArgument error the server turns into a 400.
// Must not: do I/O or keep state between calls.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/extender/watermark.h"
#include "core/k8s/object.h"
#include "core/result.h"

namespace kci::extender {

//! What the extender knows of nodes that arrive by name only (nodeCacheCapable=true).
class NodeDirectory {
 public:
  virtual ~NodeDirectory() = default;
  //! True for a virtual node, false for a real one, nullopt for a node it has never seen.
  virtual std::optional<bool> is_virtual(const std::string& node_name) const = 0;
};

//! The verbs, as the last path segments after the URL prefix.
inline constexpr std::string_view kFilterVerb = "predicates/always_true";
inline constexpr std::string_view kPrioritizeVerb = "priorities/group_score";
inline constexpr std::string_view kPreemptVerb = "preemption";

//! True when a Node's labels mark it virtual (type=virtual-kubelet).
bool is_virtual_node(const k8s::StringMap& labels);

//! filter: ExtenderFilterResult keeping every node, in the form asked.
Result<k8s::Json> filter(const k8s::Json& extender_args);
//! prioritize: HostPriorityList for the candidate nodes.
Result<k8s::Json> prioritize(const k8s::Json& extender_args, const WatermarkConfig& config,
                             const WatermarkSnapshot& snapshot, const NodeDirectory& nodes);
//! preemption: ExtenderPreemptionResult agreeing with every proposed victim.
Result<k8s::Json> preempt(const k8s::Json& preemption_args);

//! Parses a request body as JSON; the error says where it stopped.
Result<k8s::Json> parse_body(std::string_view body);

}  // namespace kci::extender
