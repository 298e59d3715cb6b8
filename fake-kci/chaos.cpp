#include "fake-kci/chaos.h"

#include "core/kci/assumptions.h"

namespace kci::fake_kci {

using namespace kcicloud;

ChaosKciApi::ChaosKciApi(KciApi& inner, const Clock& clock, FaultConfig faults, std::uint64_t seed)
    : inner_(inner), clock_(clock), faults_(faults), rng_(seed) {
  create_.cfg = faults_.create_bucket;
  delete_.cfg = faults_.delete_bucket;
  describe_.cfg = faults_.describe_bucket;
}

bool ChaosKciApi::Bucket::take(TimePoint now) {
  if (cfg.rate <= 0) return true;
  if (tokens < 0) {
    tokens = cfg.burst;
    last = now;
  }
  tokens = std::min(cfg.burst, tokens + std::chrono::duration<double>(now - last).count() * cfg.rate);
  last = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

std::optional<Error> ChaosKciApi::before(Class c, bool& timeout_after) {
  const TimePoint now = clock_.now();
  timeout_after = false;
  if (on_latency_ && faults_.added_latency.count() > 0) on_latency_(faults_.added_latency);
  Bucket& b = c == Class::kCreate ? create_ : c == Class::kDelete ? delete_ : describe_;
  if (!b.take(now)) {
    return kci_error(assumed::kThrottling, "request rate exceeded: at most " + std::to_string(b.cfg.rate) +
                                               " calls a second (bursts of " + std::to_string(b.cfg.burst) + ")");
  }
  double throttle = faults_.throttle_rate, server = faults_.server_error_rate, timeout = faults_.timeout_rate;
  for (const auto& w : windows_) {
    if (now < w.from || now >= w.until) continue;
    if (w.kind == FaultWindow::Kind::kThrottling) throttle = std::max(throttle, w.rate);
    if (w.kind == FaultWindow::Kind::kServerError) server = std::max(server, w.rate);
    if (w.kind == FaultWindow::Kind::kTimeout) timeout = std::max(timeout, w.rate);
  }
  if (throttle > 0 && rng_.chance(throttle)) return kci_error(assumed::kThrottling, "request rate exceeded (injected)");
  if (server > 0 && rng_.chance(server)) {
    return kci_error(assumed::kInternalError, "the service met an internal error (injected); retry later");
  }
  if (timeout > 0 && rng_.chance(timeout)) {
    timeout_after = rng_.chance(0.5);
    if (!timeout_after) return kci_error("RequestTimeout", "the request timed out before it was processed (injected)");
  }
  return std::nullopt;
}

template <class R, class F>
Result<R> ChaosKciApi::run(Class c, F&& call) {
  bool after = false;
  if (auto e = before(c, after)) return *e;
  auto r = call();
  if (after) return kci_error("RequestTimeout", "the request timed out; it may have taken effect (injected)");
  return r;
}

Result<CreateContainerGroupResponse> ChaosKciApi::create_container_group(const CallContext& ctx,
                                                                         const CreateContainerGroupRequest& req) {
  return run<CreateContainerGroupResponse>(Class::kCreate, [&] { return inner_.create_container_group(ctx, req); });
}
Result<DescribeContainerGroupResponse> ChaosKciApi::describe_container_group(const CallContext& ctx,
                                                                             const DescribeContainerGroupRequest& req) {
  return run<DescribeContainerGroupResponse>(Class::kDescribe, [&] { return inner_.describe_container_group(ctx, req); });
}
Result<DeleteContainerGroupResponse> ChaosKciApi::delete_container_group(const CallContext& ctx,
                                                                         const DeleteContainerGroupRequest& req) {
  return run<DeleteContainerGroupResponse>(Class::kDelete, [&] { return inner_.delete_container_group(ctx, req); });
}
Result<DescribeContainerLogResponse> ChaosKciApi::describe_container_log(const CallContext& ctx,
                                                                         const DescribeContainerLogRequest& req) {
  return run<DescribeContainerLogResponse>(Class::kDescribe, [&] { return inner_.describe_container_log(ctx, req); });
}
Result<DescribeContainerGroupEventsResponse> ChaosKciApi::describe_container_group_events(
    const CallContext& ctx, const DescribeContainerGroupEventsRequest& req) {
  return run<DescribeContainerGroupEventsResponse>(Class::kDescribe,
                                                   [&] { return inner_.describe_container_group_events(ctx, req); });
}
Result<DescribeContainerGroupCountResponse> ChaosKciApi::describe_container_group_count(
    const CallContext& ctx, const DescribeContainerGroupCountRequest& req) {
  return run<DescribeContainerGroupCountResponse>(Class::kDescribe,
                                                  [&] { return inner_.describe_container_group_count(ctx, req); });
}
Result<DescribeKciPackagesResponse> ChaosKciApi::describe_kci_packages(const CallContext& ctx,
                                                                       const DescribeKciPackagesRequest& req) {
  return run<DescribeKciPackagesResponse>(Class::kDescribe, [&] { return inner_.describe_kci_packages(ctx, req); });
}
Result<DescribeRegionsResponse> ChaosKciApi::describe_regions(const CallContext& ctx, const DescribeRegionsRequest& req) {
  return run<DescribeRegionsResponse>(Class::kDescribe, [&] { return inner_.describe_regions(ctx, req); });
}

Result<CreateImageCacheResponse> ChaosKciApi::create_image_cache(const CallContext& ctx, const CreateImageCacheRequest& req) {
  return run<CreateImageCacheResponse>(Class::kCreate, [&] { return inner_.create_image_cache(ctx, req); });
}
Result<DescribeImageCachesResponse> ChaosKciApi::describe_image_caches(const CallContext& ctx,
                                                                       const DescribeImageCachesRequest& req) {
  return run<DescribeImageCachesResponse>(Class::kDescribe, [&] { return inner_.describe_image_caches(ctx, req); });
}
Result<DeleteImageCacheResponse> ChaosKciApi::delete_image_cache(const CallContext& ctx, const DeleteImageCacheRequest& req) {
  return run<DeleteImageCacheResponse>(Class::kDelete, [&] { return inner_.delete_image_cache(ctx, req); });
}

}  // namespace kci::fake_kci
