#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

#include "core/clock.h"

namespace kci {
namespace {

TEST(Rng, SameSeedSameSequence) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, KnownFirstValuesPinTheAlgorithm) {
  // Pinned so a change of algorithm (which would break replay of recorded seeds) is seen.
  Rng r(1);
  EXPECT_EQ(r.next(), 12966619160104079557ULL);
  EXPECT_EQ(r.next(), 9600361134598540522ULL);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng r(7);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto v = r.below(10);
    ASSERT_LT(v, 10u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(r.below(1), 0u);
  EXPECT_EQ(r.below(0), 0u);
}

TEST(Rng, BetweenIsInclusive) {
  Rng r(3);
  bool lo = false, hi = false;
  for (int i = 0; i < 1000; ++i) {
    const auto v = r.between(-2, 2);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    lo |= v == -2;
    hi |= v == 2;
  }
  EXPECT_TRUE(lo && hi);
}

TEST(Rng, ChanceExtremes) {
  Rng r(5);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(r.chance(0));
    EXPECT_TRUE(r.chance(1));
  }
}

TEST(Rng, UuidIsVersion4) {
  Rng r(9);
  const auto u = r.uuid();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[8], '-');
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
  EXPECT_NE(u, r.uuid());
}

TEST(VirtualClock, MovesOnlyForward) {
  VirtualClock c;
  const auto t0 = c.now();
  c.advance(std::chrono::seconds(30));
  EXPECT_EQ(c.now() - t0, std::chrono::seconds(30));
  c.advance(std::chrono::seconds(-5));
  EXPECT_EQ(c.now() - t0, std::chrono::seconds(30));
  c.advance_to(t0);
  EXPECT_EQ(c.now() - t0, std::chrono::seconds(30));
}

}  // namespace
}  // namespace kci
