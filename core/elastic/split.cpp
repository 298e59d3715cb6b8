#include "core/elastic/split.h"

#include <algorithm>

namespace kci::elastic {

namespace {
std::int64_t floor_of(const Bounds& b) { return std::max<std::int64_t>(0, b.min); }
//! The room above the floor; nullopt: unbounded.
std::optional<std::int64_t> room_of(const Bounds& b) {
  if (!b.max) return std::nullopt;
  return std::max<std::int64_t>(0, *b.max - floor_of(b));
}
}  // namespace

Split split_replicas(std::int64_t replicas, const Bounds& source, const std::vector<Bounds>& units) {
  replicas = std::max<std::int64_t>(0, replicas);
  Split s;
  std::int64_t reserved = 0;
  for (const auto& u : units) reserved += floor_of(u);
  // The source: what the units' floors leave, within its own bounds.
  std::int64_t want = std::max<std::int64_t>(0, replicas - reserved);
  want = std::max(want, floor_of(source));
  if (auto room = room_of(source)) want = std::min(want, floor_of(source) + *room);
  s.source = want;
  std::int64_t rest = std::max<std::int64_t>(0, replicas - reserved - s.source);
  s.units.reserve(units.size());
  for (const auto& u : units) {
    std::int64_t extra = rest;
    if (auto room = room_of(u)) extra = std::min(extra, *room);
    s.units.push_back(floor_of(u) + extra);
    rest -= extra;
  }
  s.unplaced = rest;
  return s;
}

}  // namespace kci::elastic
