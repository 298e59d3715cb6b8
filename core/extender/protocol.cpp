#include "core/extender/protocol.h"

namespace kci::extender {
namespace {

using k8s::Json;

//! The candidates of ExtenderArgs: names, and whether each is virtual.
Result<std::vector<Candidate>> candidates_of(const Json& args, const NodeDirectory* directory) {
  if (!args.is_object()) return invalid_argument("ExtenderArgs: expected a JSON object, found " + std::string(args.type_name()));
  if (!args.contains("Pod") || !args["Pod"].is_object())
    return invalid_argument("ExtenderArgs.Pod: missing or not an object; the scheduler always sends the pod");
  std::vector<Candidate> out;
  const bool has_nodes = args.contains("Nodes") && !args["Nodes"].is_null();
  const bool has_names = args.contains("NodeNames") && !args["NodeNames"].is_null();
  if (has_nodes) {
    const auto& list = args["Nodes"];
    if (!list.is_object() || (list.contains("items") && !list["items"].is_array() && !list["items"].is_null()))
      return invalid_argument("ExtenderArgs.Nodes: expected a NodeList {\"items\": [...]}");
    if (list.contains("items") && list["items"].is_array()) {
      std::size_t i = 0;
      for (const auto& n : list["items"]) {
        auto node = k8s::decode<k8s::Node>(n);
        if (!node.ok())
          return invalid_argument("ExtenderArgs.Nodes.items[" + std::to_string(i) + "]: " + node.error().message);
        if (node->metadata.name.empty())
          return invalid_argument("ExtenderArgs.Nodes.items[" + std::to_string(i) + "]: node has no metadata.name");
        out.push_back({node->metadata.name, is_virtual_node(node->metadata.labels)});
        ++i;
      }
    }
  } else if (has_names) {
    const auto& names = args["NodeNames"];
    if (!names.is_array()) return invalid_argument("ExtenderArgs.NodeNames: expected a list of node names");
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!names[i].is_string())
        return invalid_argument("ExtenderArgs.NodeNames[" + std::to_string(i) + "]: expected a string, found " +
                                names[i].dump());
      const auto name = names[i].get<std::string>();
      std::optional<bool> v = directory ? directory->is_virtual(name) : std::optional<bool>(false);
      if (!v) return invalid_argument("ExtenderArgs.NodeNames[" + std::to_string(i) + "]: unknown node \"" + name +
                                      "\" (not in the extender's view of the cluster)");
      out.push_back({name, *v});
    }
  }
  return out;
}

}  // namespace

bool is_virtual_node(const k8s::StringMap& labels) {
  auto it = labels.find(std::string(kVirtualNodeLabel));
  return it != labels.end() && it->second == kVirtualNodeValue;
}

Result<Json> parse_body(std::string_view body) {
  try {
    return Json::parse(body.begin(), body.end());
  } catch (const Json::exception& e) {
    return invalid_argument(std::string("request body is not JSON: ") + e.what());
  }
}

Result<Json> filter(const Json& args) {
  KCI_TRY(auto nodes, candidates_of(args, nullptr));
  (void)nodes;
  Json out = {{"FailedNodes", Json::object()}, {"FailedAndUnresolvableNodes", Json::object()}, {"Error", ""}};
  if (args.contains("Nodes") && !args["Nodes"].is_null()) {
    out["Nodes"] = args["Nodes"];
    out["NodeNames"] = nullptr;
  } else {
    out["Nodes"] = nullptr;
    out["NodeNames"] = args.contains("NodeNames") ? args["NodeNames"] : Json::array();
  }
  return out;
}

Result<Json> prioritize(const Json& args, const WatermarkConfig& config, const WatermarkSnapshot& snapshot,
                        const NodeDirectory& nodes) {
  KCI_TRY(auto candidates, candidates_of(args, &nodes));
  Json out = Json::array();
  for (const auto& s : group_score(config, snapshot, candidates)) out.push_back({{"Host", s.host}, {"Score", s.score}});
  return out;
}

Result<Json> preempt(const Json& args) {
  if (!args.is_object() || !args.contains("Pod") || !args["Pod"].is_object())
    return invalid_argument("ExtenderPreemptionArgs.Pod: missing or not an object");
  Json meta = Json::object();
  if (args.contains("NodeNameToMetaVictims") && args["NodeNameToMetaVictims"].is_object()) {
    meta = args["NodeNameToMetaVictims"];
  } else if (args.contains("NodeNameToVictims") && args["NodeNameToVictims"].is_object()) {
    for (const auto& [node, victims] : args["NodeNameToVictims"].items()) {
      Json pods = Json::array();
      if (victims.is_object() && victims.contains("Pods") && victims["Pods"].is_array()) {
        for (const auto& p : victims["Pods"]) {
          const std::string uid = p.is_object() && p.contains("metadata") && p["metadata"].is_object() &&
                                          p["metadata"].contains("uid") && p["metadata"]["uid"].is_string()
                                      ? p["metadata"]["uid"].get<std::string>()
                                      : "";
          pods.push_back({{"UID", uid}});
        }
      }
      const auto violations = victims.is_object() && victims.contains("NumPDBViolations") &&
                                      victims["NumPDBViolations"].is_number_integer()
                                  ? victims["NumPDBViolations"].get<std::int64_t>()
                                  : 0;
      meta[node] = {{"Pods", pods}, {"NumPDBViolations", violations}};
    }
  }
  return Json{{"NodeNameToMetaVictims", meta}};
}

}  // namespace kci::extender
