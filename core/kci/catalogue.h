// The KCI instance catalogue: families, their packages (instance types) and the
// system-disk types each supports, plus the standard sizes a pod is rounded up to.
//
// The fake cloud sells exactly what a Catalogue lists; the product's sizing and instance
// matching read the same object (from DescribeKciPackages or the default). Amounts are
// exact integers (CPU in milli-cores, memory in MiB) so comparisons never drift.
// Must not: do I/O (a YAML catalogue arrives as text), know about pods or Kubernetes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kci::kcicloud {

//! Milli-cores per core.
inline constexpr std::int64_t kMilliPerCore = 1000;
//! MiB per GiB.
inline constexpr std::int64_t kMibPerGib = 1024;

//! A CPU and memory pair (a standard size or the size of a package).
struct Size {
  std::int64_t cpu_milli = 0;   //!< CPU in milli-cores
  std::int64_t memory_mib = 0;  //!< memory in MiB

  //! Whole cores and whole GiB (the catalogue's usual unit).
  static constexpr Size cores_gib(std::int64_t cpu, std::int64_t gib) {
    return Size{cpu * kMilliPerCore, gib * kMibPerGib};
  }
  auto operator<=>(const Size&) const = default;
};

//! "4C8G", "0.5C1.5G": a size as people write it.
std::string to_string(const Size& size);

//! One instance type, such as S6.4B.
struct Package {
  std::string name;         //!< `<FAMILY>.<CPU><LETTER>`, e.g. "S6.4B"
  std::string family;       //!< e.g. "S6"
  Size size;                //!< CPU and memory
  int gpu = 0;              //!< GPUs (0 in the default catalogue)
  std::string gpu_type;     //!< GPU model when gpu > 0
};

//! A system-disk type and the sizes it accepts (GB).
struct DiskType {
  std::string name;  //!< e.g. "SSD3.0"
  int min_gb = 0;    //!< smallest size
  int max_gb = 0;    //!< largest size
};

//! A family of instance types with the system disks it supports.
struct Family {
  std::string name;                       //!< e.g. "S6"
  std::vector<Package> packages;          //!< ascending by CPU, then memory
  std::vector<std::string> system_disks;  //!< supported system-disk types
};

//! The whole catalogue. Families keep the cloud's order of preference.
class Catalogue {
 public:
  Catalogue() = default;
  //! Builds a catalogue; sorts packages and derives the standard sizes (the union of
  //! every package size). Refuses duplicates, unknown disk types and bad sizes.
  static Result<Catalogue> make(std::vector<Family> families, std::vector<DiskType> disks);

  //! Families in the cloud's order of preference.
  const std::vector<Family>& families() const { return families_; }
  //! System-disk types known to the cloud.
  const std::vector<DiskType>& disk_types() const { return disks_; }
  //! Every distinct package size, ascending by CPU, then memory.
  const std::vector<Size>& standard_sizes() const { return sizes_; }

  //! The family named `name`, or nullptr.
  const Family* family(std::string_view name) const;
  //! The packages of family `name` (empty when unknown).
  const std::vector<Package>& packages_of(std::string_view family) const;
  //! The package named `name` (e.g. "S6.4B"), or nullptr.
  const Package* find_package(std::string_view name) const;
  //! The package of `family` with exactly `size`, or nullptr.
  const Package* package_with_size(std::string_view family, const Size& size) const;
  //! True when `family` offers a package of exactly `size`.
  bool family_supports_size(std::string_view family, const Size& size) const;
  //! True when `family` supports system disk `disk`.
  bool family_supports_disk(std::string_view family, std::string_view disk) const;
  //! The disk type named `name`, or nullptr.
  const DiskType* disk_type(std::string_view name) const;
  //! The first package, in preference order, whose family supports `disk` and whose size
  //! is exactly `size`; nullptr when no family has it.
  const Package* first_package(const Size& size, std::string_view disk) const;
  //! The largest CPU and the largest memory of any package (the ceiling of sizing).
  Size largest() const;

 private:
  std::vector<Family> families_;
  std::vector<DiskType> disks_;
  std::vector<Size> sizes_;
};

//! The catalogue of kci-cloud.md (see core/kci/assumptions.h).
const Catalogue& default_catalogue();

//! The package name for a family and size: "S6" + 4C8G -> "S6.4B"; nullopt when the CPU
//! is fractional or the memory/CPU ratio has no letter.
std::optional<std::string> package_name(std::string_view family, const Size& size);

//! Parses a catalogue from YAML text:
//!   diskTypes: {SSD3.0: {minGb: 20, maxGb: 500}, ...}      # optional: default types
//!   families:
//!     - name: S6
//!       systemDisks: [SSD3.0, EHDD]
//!       cpus: [1, 2, 4]  letters: [A, B]                  # a grid of named packages, or
//!       packages: [{name: S6.4B, cpu: 4, memoryGi: 8, gpu: 0, gpuType: ""}]
//! Errors name the path of the bad key, the value found and what is accepted.
Result<Catalogue> parse_catalogue_yaml(std::string_view yaml_text);

}  // namespace kci::kcicloud
