// The ElasticWorkload CustomResourceDefinitions (seed 003): autoscaling.ksyun.com/v1, and
// the seed's own autoscaling.alibabacloud.com/v1beta1 as a second CRD so its objects apply
// as they are. provider/deploy/elasticworkload-crd.yaml ships both; a test keeps that file
// equal to what these functions build.
// Must not: hold cluster-specific values.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace kci::elastic {

using Json = nlohmann::json;

inline constexpr std::string_view kGroup = "autoscaling.ksyun.com";
inline constexpr std::string_view kVersion = "v1";
inline constexpr std::string_view kAlibabaGroup = "autoscaling.alibabacloud.com";
inline constexpr std::string_view kAlibabaVersion = "v1beta1";

//! autoscaling.ksyun.com/v1 ElasticWorkload (namespaced, short name ew, status and scale
//! subresources, printer columns).
Json elastic_workload_crd();
//! The same schema under seed 003's autoscaling.alibabacloud.com/v1beta1.
Json alibaba_elastic_workload_crd();

}  // namespace kci::elastic
