#include "core/translate/node_settings.h"

#include "core/kci/assumptions.h"
#include "core/translate/values.h"

namespace kci::translate {
namespace {

std::string_view strip_dashes(std::string_view k) {
  while (!k.empty() && k.front() == '-') k.remove_prefix(1);
  return k;
}

Error bad(std::string_view key, std::string_view value, std::string_view accepted) {
  return invalid_argument("setting " + std::string(key) + " is \"" + std::string(value) +
                          "\": " + std::string(accepted));
}

Result<bool> presence(std::string_view key, std::string_view value) {
  if (trim(value).empty()) return true;
  auto b = parse_bool(value);
  if (!b.ok()) return bad(key, value, "a flag takes no value, or true/false");
  return *b;
}

}  // namespace

const std::vector<std::string_view>& node_setting_keys() {
  static const std::vector<std::string_view> keys{
      "--nodename", "--cluster-dns", "--virtual-node-dns", "--cluster-domain",
      "--kube-proxy-enable", "--base-system-disk-size", "--disable-taint",
      "--enable-node-lease", "--provider", "--kcilet-kubeconfig-path",
      "--kci-let-kubeconfig-path", "--sizing-policy", "KCI_ACCESS_KEY", "KCI_SECRET_KEY",
      "TEMP_AKSK_CM", "KCI_CLUSTER_ID", "KCI_REGION", "KCI_SUBNET_ID",
      "KCI_SECURITY_GROUP_IDS", "KCI_KUBE_PROXY", "KCI_CLUSTER_SERVER", "KCI_REQUEST_INTERNAL",
      "KCI_BASE_IMAGE", "KCI_INSTANCE_FAMILY", "KCI_PROJECT_ID", "VKUBELET_POD_IP"};
  return keys;
}

Result<NodeSettings> parse_node_settings(const std::map<std::string, std::string>& settings) {
  NodeSettings n;
  for (const auto& [raw_key, value] : settings) {
    const std::string_view key = strip_dashes(raw_key);
    const std::string v(trim(value));
    if (key == "nodename") {
      if (v.empty()) return bad(raw_key, value, "a node name is required");
      n.node_name = v;
    } else if (key == "cluster-dns") {
      n.cluster_dns = split_list(v);
    } else if (key == "virtual-node-dns") {
      n.virtual_node_dns = split_list(v);
    } else if (key == "cluster-domain") {
      if (v.empty()) return bad(raw_key, value, "a domain such as cluster.local");
      n.cluster_domain = v;
    } else if (key == "kube-proxy-enable") {
      KCI_TRY(n.kube_proxy_flag, presence(raw_key, value));
    } else if (key == "base-system-disk-size") {
      // The widest system-disk range of kci-cloud.md is 20..500 GB; the type chosen per
      // pod narrows it (checked at translation).
      if (!all_digits(v) || v.size() > 4 || std::stoi(v) < 20 || std::stoi(v) > 500) {
        return bad(raw_key, value, "a size in GB from 20 to 500 (default 20)");
      }
      n.base_system_disk_gb = std::stoi(v);
    } else if (key == "disable-taint") {
      KCI_TRY(n.disable_taint, presence(raw_key, value));
    } else if (key == "enable-node-lease") {
      KCI_TRY(n.enable_node_lease, presence(raw_key, value));
    } else if (key == "provider") {
      if (v != "kingsoftcloud") return bad(raw_key, value, "only kingsoftcloud");
      n.provider = v;
    } else if (key == "kcilet-kubeconfig-path" || key == "kci-let-kubeconfig-path") {
      n.kcilet_kubeconfig_path = v;
    } else if (key == "sizing-policy") {
      if (v == "kci") {
        n.sizing_policy = SizingPolicy::kKci;
      } else if (v == "cci") {
        n.sizing_policy = SizingPolicy::kCci;
      } else {
        return bad(raw_key, value, "kci (kci-cloud.md standard sizes) or cci (seed 002 rules)");
      }
    } else if (key == "KCI_ACCESS_KEY") {
      n.access_key = v;
    } else if (key == "KCI_SECRET_KEY") {
      n.secret_key = v;
    } else if (key == "TEMP_AKSK_CM") {
      n.temp_aksk_cm = v;
    } else if (key == "KCI_CLUSTER_ID") {
      n.cluster_id = v;
    } else if (key == "KCI_REGION") {
      n.region = v;
    } else if (key == "KCI_SUBNET_ID") {
      n.subnet_ids = split_list(v);
      if (n.subnet_ids.size() > kMaxSubnets) {
        return bad(raw_key, value, "at most 5 subnets, comma-separated");
      }
    } else if (key == "KCI_SECURITY_GROUP_IDS") {
      n.security_group_ids = split_list(v);
      if (n.security_group_ids.size() > kMaxSecurityGroups) {
        // Seed 001: "支持设置多个,请以","分割,最多允许设置3个".
        return bad(raw_key, value, "at most 3 security groups, comma-separated");
      }
    } else if (key == "KCI_KUBE_PROXY") {
      if (v.empty()) {
        n.kube_proxy_env = false;
      } else {
        auto b = parse_bool(v);
        if (!b.ok()) return bad(raw_key, value, "true or false");
        n.kube_proxy_env = *b;
      }
    } else if (key == "KCI_CLUSTER_SERVER") {
      n.cluster_server = v;
    } else if (key == "KCI_REQUEST_INTERNAL") {
      // Seed 001: "值为空" — the variable's presence is what counts.
      n.request_internal = true;
    } else if (key == "KCI_BASE_IMAGE") {
      n.base_image = v;
    } else if (key == "KCI_INSTANCE_FAMILY") {
      n.instance_families = split_list(v);
    } else if (key == "KCI_PROJECT_ID") {
      if (!v.empty() && !all_digits(v)) return bad(raw_key, value, "a numeric project id");
      n.project_id = v.empty() ? "0" : v;
    } else if (key == "VKUBELET_POD_IP") {
      n.pod_ip = v;
    } else {
      std::string accepted = "unknown setting; accepted:";
      for (auto k : node_setting_keys()) accepted += " " + std::string(k);
      return bad(raw_key, value, accepted);
    }
  }
  return n;
}

}  // namespace kci::translate
