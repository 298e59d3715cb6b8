// ChaosKciApi: fault injection in front of any KciApi, with per-fault rates drawn from
// the scenario seed — throttling (token buckets per action class, as clouds rate-limit
// Create/Delete, and a share of refused calls), a share of 5xx, timeouts (half of them
// after the call took effect, as real timeouts do) and added latency (reported, not slept).
//
// Must not: sleep or read the wall clock (it takes the injected Clock); change answers
// other than by refusing the whole call.
#pragma once

#include <functional>
#include <vector>

#include "core/clock.h"
#include "core/kci/api.h"
#include "core/random.h"
#include "fake-kci/cloud_config.h"

namespace kci::fake_kci {

//! A fault switched on for a while (a scenario `fault:` step).
struct FaultWindow {
  enum class Kind { kThrottling, kServerError, kTimeout };
  Kind kind = Kind::kThrottling;  //!< what goes wrong
  double rate = 0;                //!< share of calls affected
  TimePoint from;                 //!< start (inclusive)
  TimePoint until;                //!< end (exclusive)
};

class ChaosKciApi final : public kcicloud::KciApi {
 public:
  //! `inner` and `clock` must outlive this; `seed` drives every draw.
  ChaosKciApi(kcicloud::KciApi& inner, const Clock& clock, FaultConfig faults, std::uint64_t seed);

  //! Adds a fault window.
  void add_window(FaultWindow w) { windows_.push_back(w); }
  //! Called with the added latency of every call (the HTTP face may wait it out).
  void on_latency(std::function<void(Duration)> f) { on_latency_ = std::move(f); }

  Result<kcicloud::CreateContainerGroupResponse> create_container_group(
      const kcicloud::CallContext& ctx, const kcicloud::CreateContainerGroupRequest& req) override;
  Result<kcicloud::DescribeContainerGroupResponse> describe_container_group(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeContainerGroupRequest& req) override;
  Result<kcicloud::DeleteContainerGroupResponse> delete_container_group(
      const kcicloud::CallContext& ctx, const kcicloud::DeleteContainerGroupRequest& req) override;
  Result<kcicloud::DescribeContainerLogResponse> describe_container_log(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeContainerLogRequest& req) override;
  Result<kcicloud::DescribeContainerGroupEventsResponse> describe_container_group_events(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeContainerGroupEventsRequest& req) override;
  Result<kcicloud::DescribeContainerGroupCountResponse> describe_container_group_count(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeContainerGroupCountRequest& req) override;
  Result<kcicloud::DescribeKciPackagesResponse> describe_kci_packages(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeKciPackagesRequest& req) override;
  Result<kcicloud::DescribeRegionsResponse> describe_regions(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeRegionsRequest& req) override;
  Result<kcicloud::CreateImageCacheResponse> create_image_cache(
      const kcicloud::CallContext& ctx, const kcicloud::CreateImageCacheRequest& req) override;
  Result<kcicloud::DescribeImageCachesResponse> describe_image_caches(
      const kcicloud::CallContext& ctx, const kcicloud::DescribeImageCachesRequest& req) override;
  Result<kcicloud::DeleteImageCacheResponse> delete_image_cache(
      const kcicloud::CallContext& ctx, const kcicloud::DeleteImageCacheRequest& req) override;

 private:
  //! A token bucket on the injected clock.
  struct Bucket {
    BucketConfig cfg;
    double tokens = -1;  // -1: not yet filled
    TimePoint last;
    bool take(TimePoint now);
  };
  enum class Class { kCreate, kDelete, kDescribe };
  //! The fault to inject before a call, if any; `after` = apply the call, then time out.
  std::optional<Error> before(Class c, bool& timeout_after);
  template <class R, class F>
  Result<R> run(Class c, F&& call);

  kcicloud::KciApi& inner_;
  const Clock& clock_;
  FaultConfig faults_;
  Rng rng_;
  Bucket create_, delete_, describe_;
  std::vector<FaultWindow> windows_;
  std::function<void(Duration)> on_latency_;
};

}  // namespace kci::fake_kci
