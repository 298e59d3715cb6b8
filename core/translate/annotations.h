// Every pod annotation key of every dialect the translator knows (KCI's own, Kubernetes'
// bandwidth keys, Alibaba ECI's and Huawei CCI's), with what kci-vk does with it, in ONE
// table. docs/annotations.md mirrors this table and a test checks that it lists every key.
// Must not: hold behaviour; the translator (translate.cpp) and the dialect mapping
// (dialects.cpp) read the constants below, nothing else spells a key.
#pragma once

#include <array>
#include <string_view>

namespace kci::translate {

//! Which product's documentation defines a key.
enum class Dialect { kKci, kKubernetes, kEci, kCci };

//! What the translator does with a key.
enum class Handling {
  kTranslated,  //!< carried into the CreateContainerGroup request
  kMapped,      //!< a foreign key given its KCI meaning
  kIgnored,     //!< accepted, no effect on the request (a Warning event says so)
  kRefused,     //!< KCI has no meaning for it: the pod is refused with the reason
};

//! One row of the table.
struct AnnotationKey {
  std::string_view key;      //!< the annotation (or label) key
  Dialect dialect;           //!< whose key it is
  Handling handling;         //!< what kci-vk does
  std::string_view example;  //!< an example value from the seeds
  std::string_view meaning;  //!< what it does under kci-vk, one sentence
};

// ---- KCI (seed 001, seed 000) --------------------------------------------------------------
//! 指定容器实例CPU核数 (seed 001): instance CPU in cores.
inline constexpr std::string_view kKciInstanceCpu = "k8s.ksyun.com/kci-instance-cpu";
//! 指定容器实例内存,单位:GiB (seed 001): instance memory in GiB.
inline constexpr std::string_view kKciInstanceMemory = "k8s.ksyun.com/kci-instance-memory";
//! 指定了云服务器套餐 (seed 000): an explicit package such as S6.4B.
inline constexpr std::string_view kKciInstanceType = "k8s.ksyun.com/kci-instance-type";
//! Security groups, comma-separated, at most 3.
inline constexpr std::string_view kKciSecurityGroupId = "k8s.ksyun.com/kci-security-group-id";
//! The subnet.
inline constexpr std::string_view kKciSubnetId = "k8s.ksyun.com/kci-subnet-id";
//! 'true' / 'false': kube-proxy for this pod.
inline constexpr std::string_view kKciKubeProxyEnabled = "k8s.ksyun.com/kci-kube-proxy-enabled";
//! 指定项目ID (seed 000).
inline constexpr std::string_view kKciProjectId = "k8s.ksyun.com/kci-project-id";
//! 指定系统盘类型 (seed 000), e.g. Local_SSD.
inline constexpr std::string_view kKciSystemDiskType = "k8s.ksyun.com/kci-base-system-disk-type";
//! 入方向带宽限速值 (seed 001): G, M, k; no unit = bit.
inline constexpr std::string_view kIngressBandwidth = "kubernetes.io/ingress-bandwidth";
//! 出方向带宽限速值 (seed 001).
inline constexpr std::string_view kEgressBandwidth = "kubernetes.io/egress-bandwidth";

// ---- ECI (seed 003) --------------------------------------------------------------------------
inline constexpr std::string_view kEciSecurityGroup = "k8s.aliyun.com/eci-security-group";
inline constexpr std::string_view kEciVswitch = "k8s.aliyun.com/eci-vswitch";
inline constexpr std::string_view kEciScheduleStrategy = "k8s.aliyun.com/eci-schedule-strategy";
inline constexpr std::string_view kEciUseSpecs = "k8s.aliyun.com/eci-use-specs";
inline constexpr std::string_view kEciSpotStrategy = "k8s.aliyun.com/eci-spot-strategy";
inline constexpr std::string_view kEciSpotPriceLimit = "k8s.aliyun.com/eci-spot-price-limit";
inline constexpr std::string_view kEciPodFailOnCreateErr = "k8s.aliyun.com/pod-fail-on-create-err";
//! 指定镜像缓存ID (seed 003): the image cache to start from, "imc-...".
inline constexpr std::string_view kEciImageSnapshotId = "k8s.aliyun.com/eci-image-snapshot-id";
//! 自动匹配镜像缓存 (seed 003): "true" to start from the best matching image cache.
inline constexpr std::string_view kEciImageCache = "k8s.aliyun.com/eci-image-cache";

//! The table. Order: KCI, Kubernetes, ECI, CCI; within a dialect as its documentation lists.
inline constexpr std::array<AnnotationKey, 37> kAnnotationKeys{{
    {kKciInstanceCpu, Dialect::kKci, Handling::kTranslated, "4",
     "Instance CPU in cores; set together with kci-instance-memory; normalised to a standard size."},
    {kKciInstanceMemory, Dialect::kKci, Handling::kTranslated, "8",
     "Instance memory in GiB; set together with kci-instance-cpu; normalised to a standard size."},
    {kKciInstanceType, Dialect::kKci, Handling::kTranslated, "S6.4B",
     "The package to use; wins over KCI_INSTANCE_FAMILY; the size becomes the package's."},
    {kKciSecurityGroupId, Dialect::kKci, Handling::kTranslated, "sg-1,sg-2",
     "Security groups (comma-separated, at most 3); replaces KCI_SECURITY_GROUP_IDS."},
    {kKciSubnetId, Dialect::kKci, Handling::kTranslated, "subnet-1",
     "The subnet; replaces KCI_SUBNET_ID; a comma list (at most 5) becomes MultiSubnetId."},
    {kKciKubeProxyEnabled, Dialect::kKci, Handling::kTranslated, "true",
     "true/false: kube-proxy in the instance; wins over --kube-proxy-enable and KCI_KUBE_PROXY."},
    {kKciProjectId, Dialect::kKci, Handling::kTranslated, "106123",
     "The project the instance is billed to and authorised in; replaces KCI_PROJECT_ID (default 0)."},
    {kKciSystemDiskType, Dialect::kKci, Handling::kTranslated, "Local_SSD",
     "System-disk type (default SSD3.0); only families that support it are matched."},
    {kIngressBandwidth, Dialect::kKubernetes, Handling::kTranslated, "100M",
     "Inbound bandwidth limit; units G, M, k; no unit means bit/s; 1k..1P."},
    {kEgressBandwidth, Dialect::kKubernetes, Handling::kTranslated, "100M",
     "Outbound bandwidth limit; units G, M, k; no unit means bit/s; 1k..1P."},
    {kEciSecurityGroup, Dialect::kEci, Handling::kMapped, "sg-bp1dktddjsg5nktv",
     "Read as kci-security-group-id (KCI's key wins when both are set)."},
    {kEciVswitch, Dialect::kEci, Handling::kMapped, "vsw-a,vsw-b",
     "Read as kci-subnet-id: one subnet, or up to 5 as MultiSubnetId (ECI allows 10; more are refused)."},
    {kEciScheduleStrategy, Dialect::kEci, Handling::kMapped, "VSwitchOrdered",
     "VSwitchOrdered: subnets tried in order (KCI's only order); VSwitchRandom refused with several subnets."},
    {kEciUseSpecs, Dialect::kEci, Handling::kMapped, "2-4Gi,4-8Gi,S6.4B",
     "Up to 5 sizes (C-MGi) or KCI packages: the first is used, the rest are fallbacks on NoStock; ecs.* types refused."},
    {kEciSpotStrategy, Dialect::kEci, Handling::kMapped, "SpotAsPriceGo",
     "SpotAsPriceGo: ChargeType Spot; SpotWithPriceLimit refused (KCI has no price limit)."},
    {kEciSpotPriceLimit, Dialect::kEci, Handling::kRefused, "0.5",
     "Refused: KCI spot instances follow the market price only."},
    {"k8s.aliyun.com/eci-ram-role-name", Dialect::kEci, Handling::kRefused,
     "AliyunECIContainerGroupRole", "Refused: KCI has no instance RAM role."},
    {"k8s.aliyun.com/eci-cpu-option-core", Dialect::kEci, Handling::kRefused, "2",
     "Refused: KCI has no CPU options."},
    {"k8s.aliyun.com/eci-cpu-option-ht", Dialect::kEci, Handling::kRefused, "1",
     "Refused: KCI has no CPU options."},
    {"k8s.aliyun.com/eci-reschedule-enable", Dialect::kEci, Handling::kIgnored, "true",
     "Ignored with a warning: the virtual kubelet always retries a failed creation."},
    {kEciPodFailOnCreateErr, Dialect::kEci, Handling::kMapped, "true",
     "true: a group in CreateError makes the pod Failed instead of Pending."},
    {kEciImageSnapshotId, Dialect::kEci, Handling::kMapped, "imc-2zebxkiif",
     "ImageCacheId: start from this image cache (imc- and lower-case letters and digits); wins over eci-image-cache."},
    {kEciImageCache, Dialect::kEci, Handling::kMapped, "true",
     "true/false: AutoMatchImageCache, start from the best Ready image cache holding the pod's images."},
    {"k8s.aliyun.com/acr-instance-id", Dialect::kEci, Handling::kRefused, "cri-j36zhodptmyq",
     "Refused: Alibaba ACR credentials; use imagePullSecrets."},
    {"k8s.aliyun.com/eci-eip-instanceid", Dialect::kEci, Handling::kRefused, "eip-bp1q5n8cq4p7f6dzu",
     "Refused: KCI binds no EIP to a container group."},
    {"k8s.aliyun.com/eci-with-eip", Dialect::kEci, Handling::kRefused, "true",
     "Refused: KCI binds no EIP to a container group."},
    {"k8s.aliyun.com/eip-bandwidth", Dialect::kEci, Handling::kRefused, "5",
     "Refused: KCI binds no EIP to a container group."},
    {"k8s.aliyun.com/eip-common-bandwidth-package-id", Dialect::kEci, Handling::kRefused,
     "cbwp-2zeukbj916scmj51m", "Refused: KCI binds no EIP to a container group."},
    {"k8s.aliyun.com/eip-isp", Dialect::kEci, Handling::kRefused, "BGP",
     "Refused: KCI binds no EIP to a container group."},
    {"k8s.aliyun.com/eip-internet-charge-type", Dialect::kEci, Handling::kRefused,
     "PayByBandwidth", "Refused: KCI binds no EIP to a container group."},
    {"k8s.aliyun.com/eci-enable-ipv6", Dialect::kEci, Handling::kRefused, "true",
     "Refused: KCI gives a container group one IPv4 address."},
    {"k8s.aliyun.com/eci-extra-ephemeral-storage", Dialect::kEci, Handling::kRefused, "50Gi",
     "Refused: use the system disk (--base-system-disk-size) instead."},
    {"k8s.aliyun.com/eci-core-pattern", Dialect::kEci, Handling::kRefused, "/pod/data/dump/core",
     "Refused: KCI has no core-dump setting."},
    {"k8s.aliyun.com/eci-ntp-server", Dialect::kEci, Handling::kRefused, "100.100.5.1",
     "Refused: KCI has no NTP setting."},
    {"k8s.aliyun.com/insecure-registry", Dialect::kEci, Handling::kRefused, "test.example.com",
     "Refused: KCI always verifies registry certificates."},
    {"virtual-kubelet.io/burst-to-cci", Dialect::kCci, Handling::kIgnored, "auto",
     "A label for scheduling (auto/enforce/off), not translation: the profile webhook reads it."},
    {"k8s.aliyun.com/eci-instance-type", Dialect::kEci, Handling::kMapped, "S6.4B",
     "Read as kci-instance-type when it names a KCI package; ecs.* types refused."},
}};

//! The row for `key`, or nullptr.
const AnnotationKey* find_annotation(std::string_view key);
//! "KCI", "Kubernetes", "ECI", "CCI".
std::string_view dialect_name(Dialect d);
//! "translated", "mapped", "ignored", "refused".
std::string_view handling_name(Handling h);

}  // namespace kci::translate
