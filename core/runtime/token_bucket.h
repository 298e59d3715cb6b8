// A token bucket on an injected clock: how the product limits its own rate toward KCI and
// the API server (client-side QPS and burst), deterministic in the simulator.
// Must not: sleep; callers ask when the next token comes and schedule themselves.
#pragma once

#include <algorithm>

#include "core/clock.h"

namespace kci {

class TokenBucket {
 public:
  //! `qps` tokens a second, at most `burst` saved; qps <= 0 means unlimited.
  TokenBucket(const Clock& clock, double qps, double burst)
      : clock_(clock), qps_(qps), burst_(std::max(1.0, burst)), tokens_(burst_), last_(clock.now()) {}

  //! Takes a token if one is there.
  bool try_take() {
    if (qps_ <= 0) return true;
    refill();
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  //! How long until a token is there (0 when one is).
  Duration wait_time() {
    if (qps_ <= 0) return Duration(0);
    refill();
    if (tokens_ >= 1.0) return Duration(0);
    const double seconds = (1.0 - tokens_) / qps_;
    // Round up to a whole microsecond so a retry at that time always finds the token.
    return Duration(static_cast<Duration::rep>(seconds * 1e6) + 1);
  }
  double qps() const { return qps_; }

 private:
  void refill() {
    const auto now = clock_.now();
    if (now > last_) {
      const double dt = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + dt * qps_);
      last_ = now;
    }
  }

  const Clock& clock_;
  double qps_, burst_, tokens_;
  TimePoint last_;
};

}  // namespace kci
