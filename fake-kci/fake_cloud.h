// FakeKciCloud: the KCI cloud as a stricter-than-real stand-in, called in-process.
//
// It holds regions and zones, subnets with free IPs, security groups with an instance
// limit, the catalogue, stock per zone and type, account quotas, users and projects, and
// container groups that move through Pending -> ImagePulling -> Running -> Succeeded /
// Failed (or CreateError) on the injected clock. Transitions whose time has come are
// applied at the start of every call (and by advance()); next_event_time() tells a
// discrete-event loop when the next one is due. Deleting a group returns its stock,
// quota, IP and security-group room exactly. Image caches (assumed ECI-style actions) go
// Creating -> Ready (-> Expired) on the same clock; a group started from one skips its pull.
// Must not: read the wall clock, sleep, use threads or unseeded randomness; include
// provider/. Not thread-safe: the HTTP face serialises calls.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/kci/api.h"
#include "core/random.h"
#include "fake-kci/cloud_config.h"

namespace kci::fake_kci {

//! What the cloud has handed out, for accounting checks.
struct Usage {
  std::int64_t cpu_milli = 0;        //!< quota: CPU of groups not yet deleted
  std::int64_t memory_mib = 0;       //!< quota: memory of groups not yet deleted
  std::int64_t container_groups = 0; //!< quota: groups not yet deleted
  std::map<std::string, std::int64_t> ips_used;           //!< subnet -> IPs in use
  std::map<std::string, std::int64_t> security_group_use; //!< security group -> instances
  //! zone -> type -> instances holding a host (not yet terminal or deleted)
  std::map<std::string, std::map<std::string, std::int64_t>> stock_taken;
  bool operator==(const Usage&) const = default;
};

//! Instance-seconds by project and instance type (seed 000's per-project bills).
using Billing = std::map<std::string, std::map<std::string, double>>;

class FakeKciCloud final : public kcicloud::KciApi {
 public:
  //! `clock` must outlive the cloud; `seed` drives ids, IPs and create errors.
  FakeKciCloud(CloudConfig config, const Clock& clock, std::uint64_t seed = 1);
  ~FakeKciCloud() override;

  // KciApi
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

  //! Applies every transition due at or before the clock's now.
  void advance();
  //! When the next transition is due; nullopt when nothing is scheduled.
  std::optional<TimePoint> next_event_time() const;

  //! The secret key of `access_key`, for signature checks; nullopt when unknown.
  std::optional<std::string> secret_for(const std::string& access_key) const;
  //! Announces the reclaim of a spot group now; it ends `kSpotAnnounceSeconds` later.
  Status reclaim_spot(const std::string& container_group_id);
  //! Adds a window in which `zone` has no stock of `instance_type` ("*" = all).
  void add_no_stock_window(NoStockWindow window);
  //! Sets the stock of a type in a zone (a scenario step or a test).
  void set_stock(const std::string& zone, const std::string& instance_type, std::int64_t count);

  //! What is handed out now.
  Usage usage() const;
  //! Stock left of a type in a zone.
  std::int64_t stock_left(const std::string& zone, const std::string& instance_type) const;
  //! Free IPs left in a subnet.
  std::int64_t free_ips(const std::string& subnet_id) const;
  //! Instance-seconds so far, by project and type.
  Billing billing() const;
  //! The configuration in force.
  const CloudConfig& config() const;
  //! The CreateContainerGroup request a live group was made from, as the cloud received it
  //! (what scenarios check for parameters DescribeContainerGroup does not echo, such as
  //! KubeProxy.Enabled); nullopt when no such group exists.
  std::optional<kcicloud::CreateContainerGroupRequest> received_request(const std::string& container_group_id) const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace kci::fake_kci
