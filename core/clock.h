// Time as the rest of kci-vk sees it: an injected Clock, never the system clock.
//
// Core code asks a Clock for "now"; the simulator hands it a VirtualClock that moves only
// when the event loop advances it, so a 30-minute lease timeline replays in milliseconds
// and a seed replays exactly. The wall clock lives outside core (provider/).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace kci {

//! Microsecond resolution covers Kubernetes MicroTime (Lease renewTime) exactly.
using Duration = std::chrono::microseconds;
//! A point in time on the Unix epoch (virtual or real).
using TimePoint = std::chrono::sys_time<Duration>;

//! Source of "now". Implementations: VirtualClock (here), the wall clock (provider/).
class Clock {
 public:
  virtual ~Clock() = default;
  //! The current time.
  virtual TimePoint now() const = 0;
};

//! A clock that moves only when told to. Starts at a fixed, arbitrary epoch so runs are
//! reproducible and timestamps look like real ones.
class VirtualClock final : public Clock {
 public:
  //! 2024-01-01T00:00:00Z: a plausible date for timestamps in reports.
  static constexpr TimePoint kDefaultStart = TimePoint(std::chrono::seconds(1704067200));

  explicit VirtualClock(TimePoint start = kDefaultStart) : now_(start) {}
  TimePoint now() const override { return now_; }
  //! Moves time forward by `d` (a negative duration is ignored: time never runs back).
  void advance(Duration d) {
    if (d.count() > 0) now_ += d;
  }
  //! Moves time to `t` if it is later than now.
  void advance_to(TimePoint t) {
    if (t > now_) now_ = t;
  }

 private:
  TimePoint now_;
};

}  // namespace kci
