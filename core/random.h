// A seeded, deterministic random source for everything that must replay exactly.
//
// xoshiro256** seeded through splitmix64 (both public-domain algorithms by Blackman and
// Vigna): fast, small state, and the same sequence on every platform, unlike the
// distributions of <random>, whose output is implementation-defined.
#pragma once

#include <cstdint>
#include <string>

namespace kci {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) { reseed(seed); }

  //! Restarts the sequence from `seed`.
  void reseed(std::uint64_t seed);
  //! The next 64 random bits.
  std::uint64_t next();
  //! Uniform in [0, n); n must be > 0. Unbiased (rejection sampling).
  std::uint64_t below(std::uint64_t n);
  //! Uniform in [lo, hi] (inclusive).
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  //! Uniform in [0, 1).
  double unit();
  //! True with probability p (p <= 0: never, p >= 1: always).
  bool chance(double p);
  //! An independent stream derived from this one (for a sub-component).
  Rng fork();
  //! `n` lower-case hexadecimal characters.
  std::string hex(std::size_t n);
  //! A random RFC 4122 version-4 UUID in its canonical text form.
  std::string uuid();

 private:
  std::uint64_t s_[4];
};

}  // namespace kci
