// Instance matching (kci-cloud.md rule 7, seed 000 "虚拟节点维度配置自动匹配机型"): which
// KCI package a normalised size runs on. The kci-instance-type annotation wins; otherwise
// the families of KCI_INSTANCE_FAMILY in order, first package with the size and the
// system-disk type; otherwise the cloud chooses.
// Must not: size the pod (sizing.h), read annotations or settings (the translator passes
// the values in).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/kci/catalogue.h"
#include "core/result.h"

namespace kci::translate {

//! The outcome of matching.
struct InstanceChoice {
  std::string instance_type;             //!< "S6.4B"; empty = the cloud chooses
  kcicloud::Size size;                   //!< the size the request carries
  std::vector<std::string> families;     //!< InstanceFamily list sent along (may be empty)
};

//! Matches `size` with system disk `disk_type`. `explicit_type` (the annotation) wins and
//! gives its own size; it must be a catalogue package whose family supports the disk.
//! Else each of `families` in order (each must be a catalogue family): the first with a
//! package of exactly `size` supporting the disk; none -> refused, listing what each
//! family lacks. No families -> the cloud chooses (empty instance_type).
Result<InstanceChoice> match_instance_type(const kcicloud::Size& size,
                                           std::string_view explicit_type,
                                           const std::vector<std::string>& families,
                                           std::string_view disk_type,
                                           const kcicloud::Catalogue& catalogue);

}  // namespace kci::translate
