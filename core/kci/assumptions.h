// Every fact about KCI that Kingsoft does not publish and that kci-vk therefore assumes.
//
// reference kci-cloud.md marks these lines "assumed"; they live here, and only here, so
// that when the real value is learnt (from DescribeKciPackages, a support ticket or an
// observed error) one edit corrects the fake and the product together. Documented facts
// (parameter names, limits, status values) live beside the code that uses them.
// Must not: depend on anything but the standard library; hold behaviour, only values.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace kci::kcicloud::assumed {

//! One row of the assumed standard-size table: a CPU count and the memories it comes with.
struct StandardCpuRow {
  int cpu;                      //!< whole cores
  std::array<int, 4> memory_gib;//!< ascending; 0 marks an unused slot
};

//! Assumed: the standard sizes (CPU -> memory GiB) of kci-cloud.md "Sizing a pod".
inline constexpr std::array<StandardCpuRow, 9> kStandardSizes{{
    {1, {1, 2, 4, 0}},
    {2, {2, 4, 8, 16}},
    {4, {4, 8, 16, 32}},
    {8, {8, 16, 32, 64}},
    {16, {16, 32, 64, 128}},
    {24, {24, 48, 96, 192}},
    {32, {32, 64, 128, 256}},
    {48, {96, 192, 384, 0}},
    {64, {128, 256, 512, 0}},
}};

//! Assumed: the memory-ratio letter of a package name and the GiB per core it stands for.
struct RatioLetter {
  char letter;       //!< the letter after the CPU count in `S6.4B`
  int gib_per_core;  //!< memory = cpu * gib_per_core
};
//! A = 1:1, B = 1:2, C = 1:4, D = 1:8 (seed 000 shows S6.4B as 4 CPU / 8 GiB).
inline constexpr std::array<RatioLetter, 4> kRatioLetters{{{'A', 1}, {'B', 2}, {'C', 4}, {'D', 8}}};

//! Assumed: a system-disk type and the sizes it accepts.
struct DiskRange {
  std::string_view type;  //!< the AdvanceSettings.SystemDisk.Type value
  int min_gb;             //!< smallest accepted size
  int max_gb;             //!< largest accepted size
};
inline constexpr std::array<DiskRange, 6> kSystemDiskTypes{{
    {"Local_SSD", 20, 100},
    {"SSD3.0", 20, 500},
    {"EHDD", 20, 500},
    {"ESSD_SYSTEM_PL0", 50, 500},
    {"ESSD_SYSTEM_PL1", 50, 500},
    {"ESSD_SYSTEM_PL2", 461, 500},
}};

//! Assumed: the system disk when nothing asks for another one.
inline constexpr std::string_view kDefaultSystemDiskType = "SSD3.0";
//! The --base-system-disk-size default of seed 001 (GB).
inline constexpr int kDefaultSystemDiskGb = 20;

//! Assumed: one default family: name, CPU range, letters and system disks.
struct FamilyRow {
  std::string_view name;     //!< e.g. "S6"
  int min_cpu;               //!< smallest CPU of its packages
  int max_cpu;               //!< largest CPU of its packages
  std::string_view letters;  //!< the ratio letters it offers
  std::array<std::string_view, 5> disks;  //!< supported system disks; empty = unused slot
};
//! Assumed: the default families in the cloud's order of preference.
inline constexpr std::array<FamilyRow, 4> kFamilies{{
    {"S6", 1, 64, "ABCD", {"SSD3.0", "EHDD", "ESSD_SYSTEM_PL0", "ESSD_SYSTEM_PL1", "ESSD_SYSTEM_PL2"}},
    {"N3", 1, 32, "ABC", {"SSD3.0", "EHDD", "", "", ""}},
    {"I3", 2, 32, "BC", {"Local_SSD", "SSD3.0", "", "", ""}},
    {"X7", 4, 64, "BCD", {"SSD3.0", "EHDD", "ESSD_SYSTEM_PL0", "ESSD_SYSTEM_PL1", "ESSD_SYSTEM_PL2"}},
}};

// ---- error vocabulary (seed 003 lists ECI's; KCI's own codes are unpublished) ----

//! Assumed KCI error codes, the `Error.Code` of the error envelope.
inline constexpr std::string_view kNoStock = "NoStock";
inline constexpr std::string_view kStockExhaust = "StockExhaust";
inline constexpr std::string_view kQuotaExceeded = "QuotaExceeded";
inline constexpr std::string_view kUnauthorized = "Unauthorized";
inline constexpr std::string_view kResourceInsufficient = "ResourceInsufficient";
inline constexpr std::string_view kSecurityGroupQuotaFull = "SecurityGroupQuotaFull";
inline constexpr std::string_view kThrottling = "Throttling";
inline constexpr std::string_view kInternalError = "InternalError";
inline constexpr std::string_view kInvalidParameter = "InvalidParameter";
inline constexpr std::string_view kMissingParameter = "MissingParameter";
inline constexpr std::string_view kInvalidAction = "InvalidAction";
inline constexpr std::string_view kNotFound = "ContainerGroupNotFound";
inline constexpr std::string_view kSignatureDoesNotMatch = "SignatureDoesNotMatch";
inline constexpr std::string_view kInvalidAccessKeyId = "InvalidAccessKeyId";
inline constexpr std::string_view kRequestExpired = "RequestExpired";
inline constexpr std::string_view kIncompleteSignature = "IncompleteSignature";
//! Image-cache codes: the reasons of seed 003's image-cache event table (ECI's), used as
//! error codes when CreateContainerGroup cannot use the ImageCacheId it was given, and
//! by the image-cache actions.
inline constexpr std::string_view kImageCacheNotFound = "ImageCacheNotFound";
inline constexpr std::string_view kImageCacheNotComplete = "ImageCacheNotComplete";
inline constexpr std::string_view kImageCacheEliminated = "ImageCacheEliminated";

//! Assumed: a zone's stock of a type at or below this count draws a StockExhaust warning
//! event on the group that took it (a handful left: the autoscaler should look elsewhere).
inline constexpr std::int64_t kStockExhaustThreshold = 5;

//! Assumed (AWS's value): a signed request more than 15 minutes off the server's clock
//! is refused as RequestExpired.
inline constexpr int kMaxClockSkewSeconds = 15 * 60;

//! Assumed (ECI's behaviour, seed 003): a spot group is told of its release this many
//! seconds before it ends (the SpotToBeReleased warning).
inline constexpr int kSpotAnnounceSeconds = 180;

//! Assumed: how long a client token stays bound to the group it created (ECI keeps
//! idempotency tokens for a day).
inline constexpr int kClientTokenTtlSeconds = 24 * 3600;

//! Assumed (ECI's defaults): the size of an image cache when none is asked (GB), the
//! sizes accepted, and how many images one cache may hold.
inline constexpr int kDefaultImageCacheGb = 20;
inline constexpr int kMinImageCacheGb = 20;
inline constexpr int kMaxImageCacheGb = 2000;
inline constexpr int kMaxImageCacheImages = 20;

}  // namespace kci::kcicloud::assumed
