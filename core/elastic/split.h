// Seed 003's ElasticWorkload split: how the workload's replicas are shared between the
// source workload and its elastic units. A pure function of the spec.
//  - every unit first keeps its min (units are where bursts go; their floor is reserved);
//  - the source then takes what is left, clamped to [min, max];
//  - the units, in order, take the rest, each up to its max (no max: all of it).
// So scaling in empties the units (down to their mins) before the source shrinks, and
// scaling out fills the source before any unit grows.
// When replicas < source.min + sum(unit.min) the parts add up to more than replicas (every
// part at its min); when they exceed every max, `unplaced` says how many found no part.
// Must not: read anything but its arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace kci::elastic {

struct Bounds {
  std::int64_t min = 0;
  std::optional<std::int64_t> max;  //!< nullopt: unbounded
};

struct Split {
  std::int64_t source = 0;
  std::vector<std::int64_t> units;  //!< one per unit, in the spec's order
  std::int64_t unplaced = 0;        //!< replicas beyond every max
  bool operator==(const Split&) const = default;
};

//! Negative replicas count as 0; a max below its min counts as the min.
Split split_replicas(std::int64_t replicas, const Bounds& source, const std::vector<Bounds>& units);

}  // namespace kci::elastic
