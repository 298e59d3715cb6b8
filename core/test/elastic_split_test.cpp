// Seed 003's ElasticWorkload split: the seed's example, and properties over any bounds.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <numeric>

#include "core/elastic/split.h"

namespace kci::elastic {
namespace {

TEST(ElasticSplit, SeedExample) {
  // sourceTarget min 2 max 4, replicas 6, one unit without bounds: 4 + 2.
  const Bounds source{2, 4};
  EXPECT_EQ(split_replicas(6, source, {Bounds{}}), (Split{4, {2}, 0}));
  // Scaled to 4 the unit drops to 0 first.
  EXPECT_EQ(split_replicas(4, source, {Bounds{}}), (Split{4, {0}, 0}));
  // Below the source's min the source keeps its min.
  EXPECT_EQ(split_replicas(1, source, {Bounds{}}), (Split{2, {0}, 0}));
}

TEST(ElasticSplit, UnitsFillInOrderUpToTheirMax) {
  EXPECT_EQ(split_replicas(10, Bounds{0, 2}, {Bounds{0, 3}, Bounds{0, 4}}), (Split{2, {3, 4}, 1}));
  EXPECT_EQ(split_replicas(10, Bounds{0, 2}, {Bounds{0, 3}, Bounds{}}), (Split{2, {3, 5}, 0}));
  // A unit's min is reserved before the source grows.
  EXPECT_EQ(split_replicas(5, Bounds{1, 4}, {Bounds{2, 3}}), (Split{3, {2}, 0}));
  // No units: the source takes what its bounds allow.
  EXPECT_EQ(split_replicas(7, Bounds{1, 5}, {}), (Split{5, {}, 2}));
}

Bounds gen_bounds(bool unbounded_allowed) {
  const auto min = *rc::gen::inRange<std::int64_t>(0, 6);
  const bool bounded = !unbounded_allowed || *rc::gen::arbitrary<bool>();
  Bounds b{min, std::nullopt};
  if (bounded) b.max = min + *rc::gen::inRange<std::int64_t>(0, 8);
  return b;
}

struct Spec {
  Bounds source;
  std::vector<Bounds> units;
};

Spec gen_spec() {
  Spec s;
  s.source = gen_bounds(true);
  const auto n = *rc::gen::inRange<std::size_t>(0, 4);
  for (std::size_t i = 0; i < n; ++i) s.units.push_back(gen_bounds(true));
  return s;
}

std::int64_t total(const Split& s) { return std::accumulate(s.units.begin(), s.units.end(), s.source); }

bool within(std::int64_t v, const Bounds& b) { return v >= b.min && (!b.max || v <= *b.max); }

RC_GTEST_PROP(ElasticSplitProp, PartsStayWithinTheirBounds, ()) {
  const Spec spec = gen_spec();
  const auto replicas = *rc::gen::inRange<std::int64_t>(0, 60);
  const Split s = split_replicas(replicas, spec.source, spec.units);
  RC_ASSERT(s.units.size() == spec.units.size());
  RC_ASSERT(within(s.source, spec.source));
  for (std::size_t i = 0; i < s.units.size(); ++i) RC_ASSERT(within(s.units[i], spec.units[i]));
  RC_ASSERT(s.unplaced >= 0);
}

RC_GTEST_PROP(ElasticSplitProp, PartsAddUpWheneverTheBoundsAllow, ()) {
  const Spec spec = gen_spec();
  const auto replicas = *rc::gen::inRange<std::int64_t>(0, 60);
  const Split s = split_replicas(replicas, spec.source, spec.units);
  std::int64_t floors = spec.source.min;
  // -1: some part is unbounded.
  std::int64_t ceiling = spec.source.max.value_or(-1);
  for (const auto& u : spec.units) {
    floors += u.min;
    ceiling = ceiling >= 0 && u.max ? ceiling + *u.max : -1;
  }
  if (replicas >= floors) {
    RC_ASSERT(total(s) + s.unplaced == replicas);
    if (ceiling < 0 || replicas <= ceiling) RC_ASSERT(s.unplaced == 0);
    else RC_ASSERT(s.unplaced == replicas - ceiling);
  } else {
    // Too few for the floors: every part at its min, nothing unplaced.
    RC_ASSERT(total(s) == floors);
    RC_ASSERT(s.unplaced == 0);
  }
}

RC_GTEST_PROP(ElasticSplitProp, ScaleInEmptiesUnitsBeforeTheSource, ()) {
  const Spec spec = gen_spec();
  const auto high = *rc::gen::inRange<std::int64_t>(0, 60);
  const auto low = *rc::gen::inRange<std::int64_t>(0, high + 1);
  const Split before = split_replicas(high, spec.source, spec.units);
  const Split after = split_replicas(low, spec.source, spec.units);
  // No part grows when replicas shrink ...
  RC_ASSERT(after.source <= before.source);
  for (std::size_t i = 0; i < spec.units.size(); ++i) RC_ASSERT(after.units[i] <= before.units[i]);
  // ... and the source loses replicas only once every unit is down to its min.
  if (after.source < before.source)
    for (std::size_t i = 0; i < spec.units.size(); ++i) RC_ASSERT(after.units[i] == spec.units[i].min);
}

RC_GTEST_PROP(ElasticSplitProp, IsAPureFunctionOfTheSpec, ()) {
  const Spec spec = gen_spec();
  const auto replicas = *rc::gen::inRange<std::int64_t>(-3, 60);
  RC_ASSERT(split_replicas(replicas, spec.source, spec.units) == split_replicas(replicas, spec.source, spec.units));
  // Negative replicas are 0.
  if (replicas < 0) RC_ASSERT(split_replicas(replicas, spec.source, spec.units) == split_replicas(0, spec.source, spec.units));
}

}  // namespace
}  // namespace kci::elastic
