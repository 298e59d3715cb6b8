// The wall clock, for the process edges that serve or drive real clients in real time
// (`kci-vk provider`, `fake-kci`, `cleanup`, `sim --real-cluster`). Core code never sees it:
// it takes a Clock.
#pragma once

#include <chrono>

#include "core/clock.h"

namespace kci::provider {

//! Now on the system clock, at the Clock's resolution.
inline TimePoint wall_now() { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return wall_now(); }
};

}  // namespace kci::provider
