// The virtual node's settings: the seed flags (--cluster-dns, --kube-proxy-enable,
// --base-system-disk-size ...) and KCI_* variables of seed 001/000, as one plain struct,
// parsed from a key/value map so that the provider (argv + environment), the CLI
// (--set KEY=VALUE) and tests all read them the same way.
// Must not: read the environment or argv itself; keep credentials anywhere but here.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/translate/sizing.h"

namespace kci::translate {

//! Seed 001: "默认名称为virtual-kubelet".
inline constexpr std::string_view kDefaultNodeName = "virtual-kubelet";
//! Seed 001: "自定义集群域名,默认为‘cluster.local’".
inline constexpr std::string_view kDefaultClusterDomain = "cluster.local";
//! kci-cloud.md: at most 3 security groups per container group.
inline constexpr std::size_t kMaxSecurityGroups = 3;
//! kci-cloud.md: at most 5 subnets (MultiSubnetId.N).
inline constexpr std::size_t kMaxSubnets = 5;

//! Everything the translator needs to know about the virtual node.
struct NodeSettings {
  std::string node_name{kDefaultNodeName};          //!< --nodename
  std::vector<std::string> cluster_dns;             //!< --cluster-dns (ClusterFirst pods)
  std::vector<std::string> virtual_node_dns;        //!< --virtual-node-dns (Default pods)
  std::string cluster_domain{kDefaultClusterDomain};//!< --cluster-domain
  bool kube_proxy_flag = false;                     //!< --kube-proxy-enable (seed 000, default false)
  bool kube_proxy_env = false;                      //!< KCI_KUBE_PROXY
  int base_system_disk_gb = 20;                     //!< --base-system-disk-size (GB, default 20)
  bool disable_taint = false;                       //!< --disable-taint
  bool enable_node_lease = false;                   //!< --enable-node-lease
  std::string provider{"kingsoftcloud"};            //!< --provider
  std::string kcilet_kubeconfig_path;               //!< --kcilet-kubeconfig-path (also --kci-let-...)
  std::string access_key;                           //!< KCI_ACCESS_KEY
  std::string secret_key;                           //!< KCI_SECRET_KEY
  std::string temp_aksk_cm;                         //!< TEMP_AKSK_CM
  std::string cluster_id;                           //!< KCI_CLUSTER_ID (required by seed 001)
  std::string region;                               //!< KCI_REGION
  std::vector<std::string> subnet_ids;              //!< KCI_SUBNET_ID (comma list allowed)
  std::vector<std::string> security_group_ids;      //!< KCI_SECURITY_GROUP_IDS (<= 3)
  std::string cluster_server;                       //!< KCI_CLUSTER_SERVER (ip:port)
  bool request_internal = false;                    //!< KCI_REQUEST_INTERNAL present
  std::string base_image;                           //!< KCI_BASE_IMAGE
  std::vector<std::string> instance_families;       //!< KCI_INSTANCE_FAMILY, in order
  std::string project_id{"0"};                      //!< KCI_PROJECT_ID (assumed name; default 0)
  std::string pod_ip;                               //!< VKUBELET_POD_IP: the node's hostIP for pods
  SizingPolicy sizing_policy = SizingPolicy::kKci;  //!< sizing-policy: kci | cci

  //! The node-wide kube-proxy default: the flag or the variable.
  bool kube_proxy_default() const { return kube_proxy_flag || kube_proxy_env; }
};

//! Parses settings from flags and variables. Keys are flag names with or without the
//! leading dashes ("--cluster-dns", "cluster-dns") and variable names ("KCI_REGION").
//! A presence flag accepts "" (= true), "true" or "false". Unknown keys and bad values are
//! refused, naming the key, the value and what is accepted. Later keys do not override
//! earlier ones silently: each key may appear once (a map guarantees it).
Result<NodeSettings> parse_node_settings(const std::map<std::string, std::string>& settings);

//! Every key parse_node_settings accepts, for help texts.
const std::vector<std::string_view>& node_setting_keys();

}  // namespace kci::translate
