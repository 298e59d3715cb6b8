// KciApi: the KCI OpenAPI actions as typed C++ calls — the seam between the product and
// the cloud. Implementations: the fake cloud in-process (fake-kci/), the wire client over
// signed HTTP (core/kci/wire_client.h + provider/kci_http_client.h), and fault layers.
//
// Field names follow the wire names of kci-cloud.md (`ContainerGroupName` ->
// container_group_name). Errors carry a code to branch on, the KCI code in `reason`
// ("NoStock", "InvalidParameter") and a message naming the field, value and what is
// accepted. Must not: include networking, JSON or YAML headers; keep it light.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace kci::kcicloud {

//! Who calls and where: the in-process face trusts it, the HTTP face derives
//! access_key_id and region from the verified signature.
struct CallContext {
  std::string access_key_id;  //!< the caller's access key (selects user and projects)
  std::string region;         //!< the signature scope's region; empty = the cloud's own
};

//! A Key/Value pair (labels, environment variables).
struct KeyValue {
  std::string key;    //!< Key
  std::string value;  //!< Value
  bool operator==(const KeyValue&) const = default;
};

//! Container.N.VolumeMount.M
struct VolumeMount {
  std::string name;        //!< Name of a Volume.N
  std::string mount_path;  //!< MountPath
  bool read_only = false;  //!< ReadOnly
  bool operator==(const VolumeMount&) const = default;
};

//! A probe or lifecycle action (Exec / HttpGet / TcpSocket): exactly one is set.
//! Added for the translator: seed 000 documents preStop, and KCI carries probes.
struct ProbeHandler {
  std::vector<std::string> exec_command;  //!< Exec.Command.N
  std::string http_get_path;              //!< HttpGet.Path
  int http_get_port = 0;                  //!< HttpGet.Port
  std::string http_get_scheme;            //!< HttpGet.Scheme: HTTP | HTTPS
  std::vector<KeyValue> http_get_headers; //!< HttpGet.HttpHeader.N.{Key,Value}
  int tcp_socket_port = 0;                //!< TcpSocket.Port
  bool operator==(const ProbeHandler&) const = default;
};

//! Container.N.LivenessProbe / ReadinessProbe / StartupProbe
struct ProbeSpec {
  ProbeHandler handler;           //!< what to run
  int initial_delay_seconds = 0;  //!< InitialDelaySeconds
  int timeout_seconds = 0;        //!< TimeoutSeconds (0 = the cloud's default)
  int period_seconds = 0;         //!< PeriodSeconds
  int success_threshold = 0;      //!< SuccessThreshold
  int failure_threshold = 0;      //!< FailureThreshold
  bool operator==(const ProbeSpec&) const = default;
};

//! Container.N / InitContainer.N
struct ContainerSpec {
  std::string name;               //!< Name (DNS label)
  std::string image;              //!< Image
  std::string image_pull_policy;  //!< ImagePullPolicy: Always | IfNotPresent | Never
  std::vector<std::string> command;  //!< Command.N
  std::vector<std::string> args;     //!< Arg.N
  std::optional<double> cpu;      //!< Cpu (cores)
  std::optional<double> memory;   //!< Memory (GiB)
  int gpu = 0;                    //!< Gpu
  std::string working_dir;        //!< WorkingDir
  std::vector<KeyValue> env;      //!< EnvironmentVar.N.{Key,Value}
  std::vector<int> ports;         //!< Port.N
  std::vector<VolumeMount> volume_mounts;  //!< VolumeMount.N
  bool privileged = false;        //!< SecurityContext.Privileged
  std::optional<ProbeSpec> liveness_probe;   //!< LivenessProbe
  std::optional<ProbeSpec> readiness_probe;  //!< ReadinessProbe
  std::optional<ProbeSpec> startup_probe;    //!< StartupProbe
  std::optional<ProbeHandler> pre_stop;      //!< Lifecycle.PreStop (seed 000)
  bool operator==(const ContainerSpec&) const = default;
};

//! Volume.N.ConfigFileVolume.ConfigFileToPath.M
struct ConfigFile {
  std::string path;            //!< Path relative to the mount
  std::string content_base64;  //!< Content, Base64
  bool operator==(const ConfigFile&) const = default;
};

//! Volume.N: Type selects which of the fields below apply.
struct Volume {
  std::string name;  //!< Name
  std::string type;  //!< EmptyDirVolume | ConfigFileVolume | NFSVolume | EBSVolume | HostPathVolume
  std::string medium;      //!< EmptyDirVolume.Medium ("" or Memory)
  std::string size_limit;  //!< EmptyDirVolume.SizeLimit
  std::vector<ConfigFile> config_files;  //!< ConfigFileVolume.ConfigFileToPath.M
  std::string server;      //!< NFSVolume.Server
  std::string path;        //!< NFSVolume.Path / HostPathVolume.Path
  bool read_only = false;  //!< NFSVolume.ReadOnly
  std::string volume_id;   //!< EBSVolume.VolumeId
  std::string fs_type;     //!< EBSVolume.FsType
  bool operator==(const Volume&) const = default;
};

//! MachineDnsConfig
struct DnsConfig {
  std::vector<std::string> name_servers;  //!< NameServer.N
  std::vector<std::string> searches;      //!< Search.N
  std::vector<std::string> options;       //!< Option.N ("ndots:5")
  bool operator==(const DnsConfig&) const = default;
};

//! MachineHostAliase.N
struct HostAlias {
  std::string ip;                      //!< Ip
  std::vector<std::string> hostnames;  //!< Hostname.M
  bool operator==(const HostAlias&) const = default;
};

//! ImageRegistryCredential.N
struct RegistryCredential {
  std::string server;    //!< Server
  std::string user_name; //!< UserName
  std::string password;  //!< Password
  bool operator==(const RegistryCredential&) const = default;
};

//! AdvanceSettings.SystemDisk
struct SystemDisk {
  std::string type;  //!< Type, e.g. SSD3.0
  int size_gb = 0;   //!< Size (GB)
  bool operator==(const SystemDisk&) const = default;
};

//! CreateContainerGroup.
struct CreateContainerGroupRequest {
  std::string container_group_name;             //!< ContainerGroupName
  std::string subnet_id;                        //!< SubnetId
  std::vector<std::string> multi_subnet_ids;    //!< MultiSubnetId.N (<= 5)
  std::vector<std::string> security_group_ids;  //!< SecurityGroupId.N (<= 3)
  std::string kci_type;                         //!< KciType (RBKCI)
  std::string instance_type;                    //!< InstanceType, e.g. S6.4B
  std::vector<std::string> instance_families;   //!< InstanceFamily "S6,I3" (ignored with InstanceType)
  std::string charge_type;                      //!< ChargeType: HourlyInstantSettlement | Spot
  std::string spot_strategy;                    //!< SpotStrategy: SpotAsPriceGo
  std::string project_id;                       //!< ProjectId (default "0")
  std::optional<double> cpu;                    //!< Cpu (cores)
  std::optional<double> memory;                 //!< Memory (GiB)
  int gpu = 0;                                  //!< Gpu
  std::string kube_config;                      //!< KubeConfig (cluster mode)
  bool retain_ip = false;                       //!< RetainIp
  int retain_ip_hours = 0;                      //!< RetainIpHours
  std::optional<SystemDisk> system_disk;        //!< AdvanceSettings.SystemDisk
  std::optional<DnsConfig> dns_config;          //!< MachineDnsConfig
  std::vector<HostAlias> host_aliases;          //!< MachineHostAliase.N
  std::string restart_policy;                   //!< RestartPolicy: Always | OnFailure | Never
  std::vector<RegistryCredential> image_registry_credentials;  //!< ImageRegistryCredential.N
  std::vector<Volume> volumes;                  //!< Volume.N
  std::vector<ContainerSpec> containers;        //!< Container.N (1..5)
  std::vector<ContainerSpec> init_containers;   //!< InitContainer.N
  std::string cluster_dns;                      //!< ClusterDns
  std::string cluster_domain;                   //!< ClusterDomain
  std::vector<KeyValue> labels;                 //!< Label.N.{Key,Value}
  bool kube_proxy_enabled = false;              //!< KubeProxy.Enabled
  bool klog_enabled = false;                    //!< KlogEnabled
  std::string client_token;                     //!< ClientToken (idempotency)
  std::optional<std::int64_t> ingress_bandwidth;  //!< IngressBandwidth (bit/s)
  std::optional<std::int64_t> egress_bandwidth;   //!< EgressBandwidth (bit/s)
  std::string base_image;                       //!< BaseImage: the instance image (KCI_BASE_IMAGE)
  std::optional<std::int64_t> termination_grace_period_seconds;  //!< TerminationGracePeriodSeconds
  //! AutoMatchImageCache (ECI's name, assumed for KCI): start from the best Ready image
  //! cache holding every image of the group (seed 003 k8s.aliyun.com/eci-image-cache).
  bool auto_match_image_cache = false;
  //! ImageCacheId (ECI's name, assumed): start from this cache, which must be Ready
  //! (seed 003 k8s.aliyun.com/eci-image-snapshot-id); wins over AutoMatchImageCache.
  std::string image_cache_id;
  bool operator==(const CreateContainerGroupRequest&) const = default;
};

//! Reply to CreateContainerGroup.
struct CreateContainerGroupResponse {
  std::string request_id;          //!< RequestId
  std::string container_group_id;  //!< ContainerGroupId (a UUID)
  bool operator==(const CreateContainerGroupResponse&) const = default;
};

//! Filter.N of DescribeContainerGroup.
struct Filter {
  std::string name;                 //!< subnet-id | vpc-id | availability-zone.name | status
  std::vector<std::string> values;  //!< Value.M
  bool operator==(const Filter&) const = default;
};

//! DescribeContainerGroup.
struct DescribeContainerGroupRequest {
  std::vector<std::string> container_group_ids;  //!< ContainerGroupId.N
  std::optional<int> max_results;                //!< MaxResults (1..100)
  std::int64_t marker = 0;                       //!< Marker (offset)
  std::vector<std::string> project_ids;          //!< ProjectId.N
  std::vector<Filter> filters;                   //!< Filter.N
  bool operator==(const DescribeContainerGroupRequest&) const = default;
};

//! A container's CurrentState / PreviousState.
struct ContainerState {
  std::string state;       //!< Waiting | Running | Terminated ("" = none)
  std::string start_time;  //!< StartTime (RFC 3339)
  std::string finish_time; //!< FinishTime
  std::string reason;      //!< Reason
  int exit_code = 0;       //!< ExitCode
  bool operator==(const ContainerState&) const = default;
};

//! Containers[] of a described group.
struct ContainerStatus {
  std::string name;          //!< Name
  std::string image;         //!< Image
  int restart_count = 0;     //!< RestartCount
  bool ready = false;        //!< Ready
  ContainerState current_state;   //!< CurrentState
  ContainerState previous_state;  //!< PreviousState
  bool operator==(const ContainerStatus&) const = default;
};

//! NetworkInterfaceAttributes[]
struct NetworkInterface {
  std::string network_interface_id;             //!< NetworkInterfaceId
  std::string private_ip_address;               //!< PrivateIpAddress
  std::string subnet_id;                        //!< SubnetId
  std::string vpc_id;                           //!< VpcId
  std::vector<std::string> security_group_ids;  //!< SecurityGroups[].SecurityGroupId
  bool operator==(const NetworkInterface&) const = default;
};

//! ContainerGroups[] of DescribeContainerGroup.
struct ContainerGroup {
  std::string container_group_id;    //!< ContainerGroupId
  std::string container_group_name;  //!< ContainerGroupName
  std::string region;                //!< Region
  std::string availability_zone;     //!< AvailabilityZone
  std::string charge_type;           //!< ChargeType
  double cpu = 0;                    //!< Cpu
  double memory = 0;                 //!< Memory (GiB)
  int gpu = 0;                       //!< Gpu
  std::string create_time;           //!< CreateTime (RFC 3339)
  std::string status;                //!< Pending | ImagePulling | Running | Succeeded | Failed | CreateError | Unknown
  std::string instance_type;         //!< InstanceType
  std::string kci_type;              //!< KciType
  std::string kci_mode;              //!< KciMode ("Cluster")
  std::string project_id;            //!< ProjectId
  std::string restart_policy;        //!< RestartPolicy
  std::vector<KeyValue> labels;      //!< Labels
  std::vector<NetworkInterface> network_interfaces;  //!< NetworkInterfaceAttributes
  std::vector<ContainerStatus> containers;           //!< Containers
  std::vector<ContainerStatus> init_containers;      //!< InitContainers
  bool operator==(const ContainerGroup&) const = default;
};

//! Reply to DescribeContainerGroup.
struct DescribeContainerGroupResponse {
  std::string request_id;                       //!< RequestId
  std::vector<ContainerGroup> container_groups; //!< ContainerGroups
  std::int64_t marker = 0;                      //!< next offset; 0 = no more
  std::int64_t total_count = 0;                 //!< TotalCount (matching groups)
  bool operator==(const DescribeContainerGroupResponse&) const = default;
};

//! DeleteContainerGroup.
struct DeleteContainerGroupRequest {
  std::string container_group_id;  //!< ContainerGroupId
  bool operator==(const DeleteContainerGroupRequest&) const = default;
};
//! Reply to DeleteContainerGroup.
struct DeleteContainerGroupResponse {
  std::string request_id;  //!< RequestId
  bool operator==(const DeleteContainerGroupResponse&) const = default;
};

//! DescribeContainerLog.
struct DescribeContainerLogRequest {
  std::string container_group_id;  //!< ContainerGroupId
  std::string container_name;      //!< ContainerName
  std::optional<int> tail;         //!< Tail (1..2000, default 500)
  bool operator==(const DescribeContainerLogRequest&) const = default;
};
//! Reply to DescribeContainerLog.
struct DescribeContainerLogResponse {
  std::string request_id;  //!< RequestId
  std::string content;     //!< Content: the last lines, '\n'-separated
  bool operator==(const DescribeContainerLogResponse&) const = default;
};

//! DescribeContainerGroupEvents.
struct DescribeContainerGroupEventsRequest {
  std::string container_group_id;  //!< ContainerGroupId
  bool operator==(const DescribeContainerGroupEventsRequest&) const = default;
};
//! Events[]
struct Event {
  std::string first_timestamp;  //!< FirstTimestamp (RFC 3339)
  std::string last_timestamp;   //!< LastTimestamp
  int count = 1;                //!< Count
  std::string type;             //!< Normal | Warning
  std::string reason;           //!< Reason (Pulling, Started, NoStock, SpotToBeReleased...)
  std::string message;          //!< Message
  bool operator==(const Event&) const = default;
};
//! Reply to DescribeContainerGroupEvents.
struct DescribeContainerGroupEventsResponse {
  std::string request_id;     //!< RequestId
  std::vector<Event> events;  //!< Events, oldest first
  bool operator==(const DescribeContainerGroupEventsResponse&) const = default;
};

//! DescribeContainerGroupCount.
struct DescribeContainerGroupCountRequest {
  std::vector<std::string> project_ids;  //!< ProjectId.N
  bool operator==(const DescribeContainerGroupCountRequest&) const = default;
};
//! Reply to DescribeContainerGroupCount.
struct DescribeContainerGroupCountResponse {
  std::string request_id;  //!< RequestId
  std::int64_t count = 0;  //!< ContainerGroupCount (groups not yet deleted)
  bool operator==(const DescribeContainerGroupCountResponse&) const = default;
};

//! DescribeKciPackages.
struct DescribeKciPackagesRequest {
  std::string charge_type;        //!< ChargeType (optional)
  std::string availability_zone;  //!< AvailabilityZone (optional)
  std::string kci_type;           //!< KciType (optional)
  bool operator==(const DescribeKciPackagesRequest&) const = default;
};
//! Packages[]: one CPU and the memories sold with it.
struct PackageSizes {
  double cpu = 0;                //!< Cpu
  std::vector<double> memories;  //!< Mem (GiB), ascending
  bool operator==(const PackageSizes&) const = default;
};
//! InstanceTypes[]: the fake's fuller view (an extension; the real reply has Packages only).
struct InstanceTypeInfo {
  std::string instance_type;      //!< InstanceType
  std::string instance_family;    //!< InstanceFamily
  double cpu = 0;                 //!< Cpu
  double memory = 0;              //!< Memory (GiB)
  int gpu = 0;                    //!< Gpu
  std::string gpu_type;           //!< GpuType
  std::vector<std::string> system_disk_types;  //!< SystemDiskTypes
  bool operator==(const InstanceTypeInfo&) const = default;
};
//! Reply to DescribeKciPackages.
struct DescribeKciPackagesResponse {
  std::string request_id;                       //!< RequestId
  std::vector<PackageSizes> packages;           //!< Packages
  std::vector<InstanceTypeInfo> instance_types; //!< InstanceTypes (fake extension)
  bool operator==(const DescribeKciPackagesResponse&) const = default;
};

//! DescribeRegions.
struct DescribeRegionsRequest {
  bool operator==(const DescribeRegionsRequest&) const = default;
};
//! RegionSet[]
struct Region {
  std::string region;                   //!< Region, e.g. cn-beijing-6
  std::string region_name;              //!< RegionName
  std::vector<std::string> zones;       //!< AvailabilityZones
  bool operator==(const Region&) const = default;
};
//! Reply to DescribeRegions.
struct DescribeRegionsResponse {
  std::string request_id;       //!< RequestId
  std::vector<Region> regions;  //!< RegionSet
  bool operator==(const DescribeRegionsResponse&) const = default;
};

// ---- image caches (ECI's CreateImageCache / DescribeImageCaches / DeleteImageCache,
// assumed for KCI: Kingsoft publishes no image-cache actions) ----

//! CreateImageCache.
struct CreateImageCacheRequest {
  std::string image_cache_name;     //!< ImageCacheName (as a group name: [a-z0-9.-], 1-128)
  std::vector<std::string> images;  //!< Image.N (1..20): the images the cache holds
  int image_cache_size_gb = 0;      //!< ImageCacheSize (GB; 0 = the default, 20)
  int retention_days = 0;           //!< RetentionDays (0 = kept until deleted)
  std::string project_id;           //!< ProjectId (default "0")
  bool operator==(const CreateImageCacheRequest&) const = default;
};
//! Reply to CreateImageCache.
struct CreateImageCacheResponse {
  std::string request_id;      //!< RequestId
  std::string image_cache_id;  //!< ImageCacheId ("imc-...")
  bool operator==(const CreateImageCacheResponse&) const = default;
};

//! DescribeImageCaches: every filter given must hold.
struct DescribeImageCachesRequest {
  std::vector<std::string> image_cache_ids;  //!< ImageCacheId.N
  std::string image_cache_name;              //!< ImageCacheName (exact)
  std::string image;                         //!< Image: caches holding this image
  //! MatchImage.N: the Ready caches holding all of these, best match first (the one
  //! AutoMatchImageCache would pick is the first).
  std::vector<std::string> match_images;
  bool operator==(const DescribeImageCachesRequest&) const = default;
};

//! Image cache statuses: Creating -> Ready, or Expired once its retention ends.
namespace image_cache_status {
inline constexpr const char* kCreating = "Creating";
inline constexpr const char* kReady = "Ready";
inline constexpr const char* kExpired = "Expired";
}  // namespace image_cache_status

//! ImageCaches[] of DescribeImageCaches.
struct ImageCache {
  std::string image_cache_id;       //!< ImageCacheId
  std::string image_cache_name;     //!< ImageCacheName
  std::string snapshot_id;          //!< SnapshotId: the disk snapshot behind it
  std::vector<std::string> images;  //!< Images
  std::string status;               //!< Status: Creating | Ready | Expired
  int progress = 0;                 //!< Progress (percent)
  int image_cache_size_gb = 0;      //!< ImageCacheSize (GB)
  std::string project_id;           //!< ProjectId
  std::string creation_time;        //!< CreationTime (RFC 3339)
  std::string expire_date_time;     //!< ExpireDateTime ("" = never)
  std::string last_matched_time;    //!< LastMatchedTime ("" = never used)
  std::vector<Event> events;        //!< Events: ImageCacheCreate, ImageCacheFinished...
  bool operator==(const ImageCache&) const = default;
};
//! Reply to DescribeImageCaches.
struct DescribeImageCachesResponse {
  std::string request_id;              //!< RequestId
  std::vector<ImageCache> image_caches;//!< ImageCaches (creation order; best first with MatchImage)
  bool operator==(const DescribeImageCachesResponse&) const = default;
};

//! DeleteImageCache.
struct DeleteImageCacheRequest {
  std::string image_cache_id;  //!< ImageCacheId
  bool operator==(const DeleteImageCacheRequest&) const = default;
};
//! Reply to DeleteImageCache.
struct DeleteImageCacheResponse {
  std::string request_id;  //!< RequestId
  bool operator==(const DeleteImageCacheResponse&) const = default;
};

//! The KCI OpenAPI. Every call may fail with an Error whose `reason` is the KCI code.
class KciApi {
 public:
  virtual ~KciApi() = default;
  //! CreateContainerGroup: validates, reserves stock/quota/IP, returns the new id.
  virtual Result<CreateContainerGroupResponse> create_container_group(
      const CallContext& ctx, const CreateContainerGroupRequest& req) = 0;
  //! DescribeContainerGroup: a page of groups visible to the caller.
  virtual Result<DescribeContainerGroupResponse> describe_container_group(
      const CallContext& ctx, const DescribeContainerGroupRequest& req) = 0;
  //! DeleteContainerGroup: releases stock, quota and the IP.
  virtual Result<DeleteContainerGroupResponse> delete_container_group(
      const CallContext& ctx, const DeleteContainerGroupRequest& req) = 0;
  //! DescribeContainerLog: the last lines of one container.
  virtual Result<DescribeContainerLogResponse> describe_container_log(
      const CallContext& ctx, const DescribeContainerLogRequest& req) = 0;
  //! DescribeContainerGroupEvents: the events of one group.
  virtual Result<DescribeContainerGroupEventsResponse> describe_container_group_events(
      const CallContext& ctx, const DescribeContainerGroupEventsRequest& req) = 0;
  //! DescribeContainerGroupCount: how many groups the caller has.
  virtual Result<DescribeContainerGroupCountResponse> describe_container_group_count(
      const CallContext& ctx, const DescribeContainerGroupCountRequest& req) = 0;
  //! DescribeKciPackages: the catalogue.
  virtual Result<DescribeKciPackagesResponse> describe_kci_packages(
      const CallContext& ctx, const DescribeKciPackagesRequest& req) = 0;
  //! DescribeRegions: regions and zones.
  virtual Result<DescribeRegionsResponse> describe_regions(
      const CallContext& ctx, const DescribeRegionsRequest& req) = 0;
  //! CreateImageCache: starts making a cache of images (Creating, then Ready).
  virtual Result<CreateImageCacheResponse> create_image_cache(
      const CallContext& ctx, const CreateImageCacheRequest& req) = 0;
  //! DescribeImageCaches: the caches matching every filter given.
  virtual Result<DescribeImageCachesResponse> describe_image_caches(
      const CallContext& ctx, const DescribeImageCachesRequest& req) = 0;
  //! DeleteImageCache: removes a cache; groups already started from it keep running.
  virtual Result<DeleteImageCacheResponse> delete_image_cache(
      const CallContext& ctx, const DeleteImageCacheRequest& req) = 0;
};

//! Container group statuses (kci-cloud.md).
namespace status {
inline constexpr const char* kPending = "Pending";
inline constexpr const char* kImagePulling = "ImagePulling";
inline constexpr const char* kRunning = "Running";
inline constexpr const char* kSucceeded = "Succeeded";
inline constexpr const char* kFailed = "Failed";
inline constexpr const char* kCreateError = "CreateError";
inline constexpr const char* kUnknown = "Unknown";
}  // namespace status

//! The ErrorCode a caller branches on for a KCI error code (NoStock -> kResourceExhausted).
ErrorCode error_code_for_reason(std::string_view reason);
//! The HTTP status the cloud answers a KCI error code with (InvalidParameter -> 400).
int http_status_for_reason(std::string_view reason);
//! An image cache id as ECI spells them: "imc-" and 1-60 lower-case letters and digits
//! (imc-2ze5tm5gehgtiiga....).
bool is_image_cache_id(std::string_view id);
//! An Error with the KCI code `reason` and its ErrorCode.
Error kci_error(std::string_view reason, std::string message);

}  // namespace kci::kcicloud
