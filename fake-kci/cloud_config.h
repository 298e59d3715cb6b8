// The description of a fake KCI cloud: what a scenario's `kci:` key (or the file given to
// `kci-vk fake-kci --config`) holds. Every key has a generous default, so a scenario
// states only what it is about.
//
// Must not: start anything; it is data plus its YAML loader. Exceptions never escape
// the loader: bad YAML is an Error naming the key, the value and what is accepted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/kci/catalogue.h"
#include "core/result.h"

namespace kci::fake_kci {

//! A subnet: its zone and how many IPs it can still hand out.
struct SubnetConfig {
  std::string zone;             //!< availability zone
  std::string vpc_id = "vpc-default";  //!< the VPC it belongs to
  std::int64_t free_ips = 4096; //!< generous: a /20's worth
};

//! A security group and how many instances it may hold.
struct SecurityGroupConfig {
  //! Assumed KCI limit; ECI documents 2000 instances per security group.
  std::int64_t max_instances = 2000;
};

//! A user: the owner (every project) or a sub-user in some projects.
struct UserConfig {
  std::string access_key;             //!< access key id
  std::string secret_key;             //!< secret access key
  std::vector<std::string> projects;  //!< project ids ("0" is the default project)
  bool owner = false;                 //!< the account owner may use any project
};

//! Account quotas.
struct QuotaConfig {
  std::int64_t cpu = 100000;            //!< cores
  std::int64_t memory_gi = 400000;      //!< GiB
  std::int64_t container_groups = 10000;//!< groups not yet deleted
};

//! How long each phase takes.
struct LatencyConfig {
  Duration create = std::chrono::seconds(2);  //!< Pending -> ImagePulling
  Duration start = std::chrono::seconds(8);   //!< ImagePulling -> Running
  //! ImagePulling -> Running for a group started from an image cache: attaching the
  //! cache's snapshot replaces the pull (assumed; ECI reports seconds instead of minutes).
  Duration image_cache_start = std::chrono::seconds(1);
  //! CreateImageCache: Creating -> Ready (assumed; ECI takes minutes to pull and snapshot).
  Duration image_cache_create = std::chrono::seconds(60);
};

//! An image cache that exists when the cloud starts (`imageCaches:`).
struct ImageCacheConfig {
  std::string id;                   //!< "imc-..." ("" = one is generated)
  std::string name;                 //!< ImageCacheName
  std::vector<std::string> images;  //!< the images it holds (at least one)
  Duration ready_after{0};          //!< Creating this long after the start, then Ready
  int retention_days = 0;           //!< expires this many days after the start (0 = never)
  int size_gb = 0;                  //!< ImageCacheSize (0 = the default)
};

//! What a container whose image matches `image` does once it runs.
struct ContainerScript {
  std::string image;                  //!< image prefix ("busybox" matches "busybox:1.36")
  std::optional<Duration> exit_after; //!< exits this long after starting; none = runs forever
  int exit_code = 0;                  //!< the exit code
  std::vector<std::string> logs;      //!< log lines (synthetic ones when empty)
  bool create_error = false;          //!< the host fails to start: the group ends CreateError
};

//! Spot groups.
struct SpotConfig {
  std::optional<Duration> reclaim_after;  //!< reclaimed this long after creation; none = never
};

//! A window in which a zone has no stock of an instance type ("*" = every type).
struct NoStockWindow {
  std::string zone;           //!< zone ("*" = every zone)
  std::string instance_type;  //!< type ("*" = every type)
  TimePoint from;             //!< start (inclusive)
  TimePoint until;            //!< end (exclusive)
};

//! A token bucket: `rate` calls a second, bursts of `burst`.
struct BucketConfig {
  double rate = 0;   //!< tokens per second (0 = unlimited)
  double burst = 0;  //!< bucket size
};

//! Faults the chaos layer injects, drawn from the scenario seed.
struct FaultConfig {
  BucketConfig create_bucket;       //!< CreateContainerGroup rate limit
  BucketConfig delete_bucket;       //!< DeleteContainerGroup rate limit
  BucketConfig describe_bucket;     //!< every other action
  double throttle_rate = 0;         //!< share of calls refused with Throttling
  double server_error_rate = 0;     //!< share of calls answered InternalError (5xx)
  double timeout_rate = 0;          //!< share of calls that time out (half after applying)
  Duration added_latency{0};        //!< latency added to every call
};

//! The whole cloud.
struct CloudConfig {
  std::string region = "cn-beijing-6";                           //!< the one region served
  std::vector<std::string> zones = {"cn-beijing-6a", "cn-beijing-6b"};  //!< its zones
  kcicloud::Catalogue catalogue = kcicloud::default_catalogue();  //!< what is sold
  //! zone -> instance type -> count; "*" = every other type (each gets that many).
  std::map<std::string, std::map<std::string, std::int64_t>> stock;
  //! Generous default stock per zone and type.
  std::int64_t default_stock = 100000;
  QuotaConfig quotas;                                             //!< account quotas
  std::map<std::string, SubnetConfig> subnets;                    //!< subnets by id
  std::map<std::string, SecurityGroupConfig> security_groups;     //!< groups by id
  std::vector<UserConfig> users;                                  //!< owner first
  LatencyConfig latency;                                          //!< phase lengths
  std::vector<ContainerScript> scripts;                           //!< scripted containers
  SpotConfig spot;                                                //!< spot behaviour
  std::vector<NoStockWindow> no_stock;                            //!< sold-out windows
  FaultConfig faults;                                             //!< chaos
  double create_error_rate = 0;                                   //!< share of creates ending CreateError
  std::vector<ImageCacheConfig> image_caches;                     //!< caches made before the start

  //! The defaults: one subnet per zone, one security group, an owner AKowner/SKowner.
  static CloudConfig defaults();
};

//! Loads a cloud from the YAML text of a `kci:` key. `base_dir` resolves a catalogue file
//! path; `start` anchors NoStock windows given as offsets. Unknown keys are refused.
Result<CloudConfig> parse_cloud_config(std::string_view yaml_text, const std::string& base_dir = ".",
                                       TimePoint start = VirtualClock::kDefaultStart);

}  // namespace kci::fake_kci
