#include "core/kci/wire.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/kci/assumptions.h"

namespace kci::kcicloud {

using nlohmann::json;

// ---------------------------------------------------------------- error codes

ErrorCode error_code_for_reason(std::string_view r) {
  namespace a = assumed;
  if (r == a::kNoStock || r == a::kQuotaExceeded || r == a::kResourceInsufficient ||
      r == a::kSecurityGroupQuotaFull) {
    return ErrorCode::kResourceExhausted;
  }
  if (r == a::kUnauthorized) return ErrorCode::kForbidden;
  if (r == a::kSignatureDoesNotMatch || r == a::kInvalidAccessKeyId || r == a::kRequestExpired ||
      r == a::kIncompleteSignature) {
    return ErrorCode::kUnauthorized;
  }
  if (r == a::kThrottling) return ErrorCode::kThrottled;
  if (r == a::kInvalidParameter || r == a::kMissingParameter) return ErrorCode::kInvalidArgument;
  if (r == a::kInvalidAction) return ErrorCode::kUnsupported;
  if (r == a::kNotFound || r == a::kImageCacheNotFound || r == a::kImageCacheEliminated) return ErrorCode::kNotFound;
  // A cache still being made: the same call succeeds once it is Ready.
  if (r == a::kImageCacheNotComplete) return ErrorCode::kConflict;
  if (r == "AlreadyExists") return ErrorCode::kAlreadyExists;
  return ErrorCode::kUnavailable;  // InternalError, UnknownError, timeouts: retry later
}

int http_status_for_reason(std::string_view r) {
  switch (error_code_for_reason(r)) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported: return 400;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kThrottled: return 429;
    case ErrorCode::kResourceExhausted: return 400;  // the cloud answers sold-out with a 400, not a 5xx
    default: return r == "RequestTimeout" ? 504 : 500;
  }
}

bool is_image_cache_id(std::string_view id) {
  // ECI's ids are "imc-" and 20 characters; 64 in all leaves room without accepting anything.
  constexpr std::size_t kMaxIdChars = 64;
  if (id.size() <= 4 || id.size() > kMaxIdChars || id.substr(0, 4) != "imc-") return false;
  return std::all_of(id.begin() + 4, id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

Error kci_error(std::string_view reason, std::string message) {
  return Error{error_code_for_reason(reason), std::move(message), std::string(reason)};
}

namespace {

Error bad_param(std::string message) { return kci_error(assumed::kInvalidParameter, std::move(message)); }

// ---------------------------------------------------------------- form encoding

std::string num(double v) {
  // The API takes at most 3 decimals (kci-cloud.md "Limits").
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

struct Out {
  FormParams p;
  void add(const std::string& k, const std::string& v) { p.emplace_back(k, v); }
  void opt(const std::string& k, const std::string& v) { if (!v.empty()) add(k, v); }
  void flag(const std::string& k, bool v) { if (v) add(k, "true"); }
  void list(const std::string& k, const std::vector<std::string>& v) { flatten_list(p, k, v); }
};

FormParams start(std::string_view action) {
  return {{"Action", std::string(action)}, {"Version", std::string(kApiVersion)}};
}

// A probe or lifecycle action: Exec.Command.N | HttpGet.{Path,Port,Scheme,HttpHeader.N} |
// TcpSocket.Port (api.h's names; Kingsoft documents none of them, so they are assumed).
void put_handler(Out& o, const std::string& pre, const ProbeHandler& h) {
  o.list(pre + ".Exec.Command", h.exec_command);
  o.opt(pre + ".HttpGet.Path", h.http_get_path);
  if (h.http_get_port) o.add(pre + ".HttpGet.Port", std::to_string(h.http_get_port));
  o.opt(pre + ".HttpGet.Scheme", h.http_get_scheme);
  for (std::size_t i = 0; i < h.http_get_headers.size(); ++i) {
    const std::string e = pre + ".HttpGet.HttpHeader." + std::to_string(i + 1);
    o.add(e + ".Key", h.http_get_headers[i].key);
    o.add(e + ".Value", h.http_get_headers[i].value);
  }
  if (h.tcp_socket_port) o.add(pre + ".TcpSocket.Port", std::to_string(h.tcp_socket_port));
}

void put_probe(Out& o, const std::string& pre, const ProbeSpec& p) {
  put_handler(o, pre, p.handler);
  const std::pair<const char*, int> numbers[] = {{".InitialDelaySeconds", p.initial_delay_seconds},
                                                 {".TimeoutSeconds", p.timeout_seconds},
                                                 {".PeriodSeconds", p.period_seconds},
                                                 {".SuccessThreshold", p.success_threshold},
                                                 {".FailureThreshold", p.failure_threshold}};
  for (const auto& [name, v] : numbers)
    if (v) o.add(pre + name, std::to_string(v));
}

void put_container(Out& o, const std::string& pre, const ContainerSpec& c) {
  o.opt(pre + ".Name", c.name);
  o.opt(pre + ".Image", c.image);
  o.opt(pre + ".ImagePullPolicy", c.image_pull_policy);
  o.list(pre + ".Command", c.command);
  o.list(pre + ".Arg", c.args);
  if (c.cpu) o.add(pre + ".Cpu", num(*c.cpu));
  if (c.memory) o.add(pre + ".Memory", num(*c.memory));
  if (c.gpu) o.add(pre + ".Gpu", std::to_string(c.gpu));
  o.opt(pre + ".WorkingDir", c.working_dir);
  for (std::size_t i = 0; i < c.env.size(); ++i) {
    const std::string e = pre + ".EnvironmentVar." + std::to_string(i + 1);
    o.add(e + ".Key", c.env[i].key);
    o.add(e + ".Value", c.env[i].value);
  }
  for (std::size_t i = 0; i < c.ports.size(); ++i) o.add(pre + ".Port." + std::to_string(i + 1), std::to_string(c.ports[i]));
  for (std::size_t i = 0; i < c.volume_mounts.size(); ++i) {
    const std::string m = pre + ".VolumeMount." + std::to_string(i + 1);
    o.add(m + ".Name", c.volume_mounts[i].name);
    o.add(m + ".MountPath", c.volume_mounts[i].mount_path);
    o.flag(m + ".ReadOnly", c.volume_mounts[i].read_only);
  }
  o.flag(pre + ".SecurityContext.Privileged", c.privileged);
  if (c.liveness_probe) put_probe(o, pre + ".LivenessProbe", *c.liveness_probe);
  if (c.readiness_probe) put_probe(o, pre + ".ReadinessProbe", *c.readiness_probe);
  if (c.startup_probe) put_probe(o, pre + ".StartupProbe", *c.startup_probe);
  if (c.pre_stop) put_handler(o, pre + ".Lifecycle.PreStop", *c.pre_stop);
}

}  // namespace

FormParams to_form(const CreateContainerGroupRequest& r) {
  Out o{start("CreateContainerGroup")};
  o.opt("ContainerGroupName", r.container_group_name);
  o.opt("SubnetId", r.subnet_id);
  o.list("MultiSubnetId", r.multi_subnet_ids);
  o.list("SecurityGroupId", r.security_group_ids);
  o.opt("KciType", r.kci_type);
  o.opt("InstanceType", r.instance_type);
  if (!r.instance_families.empty()) {
    std::string f;
    for (const auto& x : r.instance_families) f += (f.empty() ? "" : ",") + x;
    o.add("InstanceFamily", f);
  }
  o.opt("ChargeType", r.charge_type);
  o.opt("SpotStrategy", r.spot_strategy);
  o.opt("ProjectId", r.project_id);
  if (r.cpu) o.add("Cpu", num(*r.cpu));
  if (r.memory) o.add("Memory", num(*r.memory));
  if (r.gpu) o.add("Gpu", std::to_string(r.gpu));
  o.opt("KubeConfig", r.kube_config);
  o.flag("RetainIp", r.retain_ip);
  if (r.retain_ip_hours) o.add("RetainIpHours", std::to_string(r.retain_ip_hours));
  if (r.system_disk) {
    o.add("AdvanceSettings.SystemDisk.Type", r.system_disk->type);
    o.add("AdvanceSettings.SystemDisk.Size", std::to_string(r.system_disk->size_gb));
  }
  if (r.dns_config) {
    o.list("MachineDnsConfig.NameServer", r.dns_config->name_servers);
    o.list("MachineDnsConfig.Search", r.dns_config->searches);
    o.list("MachineDnsConfig.Option", r.dns_config->options);
  }
  for (std::size_t i = 0; i < r.host_aliases.size(); ++i) {
    const std::string h = "MachineHostAliase." + std::to_string(i + 1);
    o.add(h + ".Ip", r.host_aliases[i].ip);
    o.list(h + ".Hostname", r.host_aliases[i].hostnames);
  }
  o.opt("RestartPolicy", r.restart_policy);
  for (std::size_t i = 0; i < r.image_registry_credentials.size(); ++i) {
    const std::string c = "ImageRegistryCredential." + std::to_string(i + 1);
    o.add(c + ".Server", r.image_registry_credentials[i].server);
    o.add(c + ".UserName", r.image_registry_credentials[i].user_name);
    o.add(c + ".Password", r.image_registry_credentials[i].password);
  }
  for (std::size_t i = 0; i < r.volumes.size(); ++i) {
    const Volume& v = r.volumes[i];
    const std::string p = "Volume." + std::to_string(i + 1);
    o.add(p + ".Name", v.name);
    o.add(p + ".Type", v.type);
    const std::string t = p + "." + v.type;
    if (v.type == "EmptyDirVolume") {
      o.opt(t + ".Medium", v.medium);
      o.opt(t + ".SizeLimit", v.size_limit);
    } else if (v.type == "ConfigFileVolume") {
      for (std::size_t j = 0; j < v.config_files.size(); ++j) {
        const std::string f = t + ".ConfigFileToPath." + std::to_string(j + 1);
        o.add(f + ".Path", v.config_files[j].path);
        o.add(f + ".Content", v.config_files[j].content_base64);
      }
    } else if (v.type == "NFSVolume") {
      o.opt(t + ".Server", v.server);
      o.opt(t + ".Path", v.path);
      o.flag(t + ".ReadOnly", v.read_only);
    } else if (v.type == "EBSVolume") {
      o.opt(t + ".VolumeId", v.volume_id);
      o.opt(t + ".FsType", v.fs_type);
    } else if (v.type == "HostPathVolume") {
      o.opt(t + ".Path", v.path);
    }
  }
  for (std::size_t i = 0; i < r.containers.size(); ++i) put_container(o, "Container." + std::to_string(i + 1), r.containers[i]);
  for (std::size_t i = 0; i < r.init_containers.size(); ++i) {
    put_container(o, "InitContainer." + std::to_string(i + 1), r.init_containers[i]);
  }
  o.opt("ClusterDns", r.cluster_dns);
  o.opt("ClusterDomain", r.cluster_domain);
  for (std::size_t i = 0; i < r.labels.size(); ++i) {
    o.add("Label." + std::to_string(i + 1) + ".Key", r.labels[i].key);
    o.add("Label." + std::to_string(i + 1) + ".Value", r.labels[i].value);
  }
  o.flag("KubeProxy.Enabled", r.kube_proxy_enabled);
  o.flag("KlogEnabled", r.klog_enabled);
  o.opt("ClientToken", r.client_token);
  if (r.ingress_bandwidth) o.add("IngressBandwidth", std::to_string(*r.ingress_bandwidth));
  if (r.egress_bandwidth) o.add("EgressBandwidth", std::to_string(*r.egress_bandwidth));
  o.opt("BaseImage", r.base_image);
  if (r.termination_grace_period_seconds)
    o.add("TerminationGracePeriodSeconds", std::to_string(*r.termination_grace_period_seconds));
  o.flag("AutoMatchImageCache", r.auto_match_image_cache);
  o.opt("ImageCacheId", r.image_cache_id);
  return o.p;
}

FormParams to_form(const DescribeContainerGroupRequest& r) {
  Out o{start("DescribeContainerGroup")};
  o.list("ContainerGroupId", r.container_group_ids);
  if (r.max_results) o.add("MaxResults", std::to_string(*r.max_results));
  if (r.marker) o.add("Marker", std::to_string(r.marker));
  o.list("ProjectId", r.project_ids);
  for (std::size_t i = 0; i < r.filters.size(); ++i) {
    const std::string f = "Filter." + std::to_string(i + 1);
    o.add(f + ".Name", r.filters[i].name);
    o.list(f + ".Value", r.filters[i].values);
  }
  return o.p;
}

FormParams to_form(const DeleteContainerGroupRequest& r) {
  Out o{start("DeleteContainerGroup")};
  o.add("ContainerGroupId", r.container_group_id);
  return o.p;
}

FormParams to_form(const DescribeContainerLogRequest& r) {
  Out o{start("DescribeContainerLog")};
  o.add("ContainerGroupId", r.container_group_id);
  o.add("ContainerName", r.container_name);
  if (r.tail) o.add("Tail", std::to_string(*r.tail));
  return o.p;
}

FormParams to_form(const DescribeContainerGroupEventsRequest& r) {
  Out o{start("DescribeContainerGroupEvents")};
  o.add("ContainerGroupId", r.container_group_id);
  return o.p;
}

FormParams to_form(const DescribeContainerGroupCountRequest& r) {
  Out o{start("DescribeContainerGroupCount")};
  o.list("ProjectId", r.project_ids);
  return o.p;
}

FormParams to_form(const DescribeKciPackagesRequest& r) {
  Out o{start("DescribeKciPackages")};
  o.opt("ChargeType", r.charge_type);
  o.opt("AvailabilityZone", r.availability_zone);
  o.opt("KciType", r.kci_type);
  return o.p;
}

FormParams to_form(const DescribeRegionsRequest&) { return start("DescribeRegions"); }

FormParams to_form(const CreateImageCacheRequest& r) {
  Out o{start("CreateImageCache")};
  o.opt("ImageCacheName", r.image_cache_name);
  o.list("Image", r.images);
  if (r.image_cache_size_gb) o.add("ImageCacheSize", std::to_string(r.image_cache_size_gb));
  if (r.retention_days) o.add("RetentionDays", std::to_string(r.retention_days));
  o.opt("ProjectId", r.project_id);
  return o.p;
}

FormParams to_form(const DescribeImageCachesRequest& r) {
  Out o{start("DescribeImageCaches")};
  o.list("ImageCacheId", r.image_cache_ids);
  o.opt("ImageCacheName", r.image_cache_name);
  o.opt("Image", r.image);
  o.list("MatchImage", r.match_images);
  return o.p;
}

FormParams to_form(const DeleteImageCacheRequest& r) {
  Out o{start("DeleteImageCache")};
  o.add("ImageCacheId", r.image_cache_id);
  return o.p;
}

// ---------------------------------------------------------------- form decoding

namespace {

std::string shown(std::string_view s) {
  // Enough to recognise a value in a message without echoing a hostile one whole.
  constexpr std::size_t kShown = 64;
  return s.size() <= kShown ? std::string(s) : std::string(s.substr(0, kShown)) + "...";
}

std::string str(const FormReader& f, const std::string& k) { return f.get(k).value_or(""); }

Result<std::optional<double>> dbl(const FormReader& f, const std::string& k) {
  auto v = f.get(k);
  if (!v) return std::optional<double>{};
  double d = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size() || !std::isfinite(d)) {
    return bad_param(k + " is \"" + shown(*v) + "\"; expected a number such as 4 or 0.5");
  }
  return std::optional<double>(d);
}

Result<std::optional<long long>> integer(const FormReader& f, const std::string& k) {
  auto v = f.get(k);
  if (!v) return std::optional<long long>{};
  long long n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size()) {
    return bad_param(k + " is \"" + shown(*v) + "\"; expected a whole number");
  }
  return std::optional<long long>(n);
}

Result<int> small_int(const FormReader& f, const std::string& k) {
  KCI_TRY(auto n, integer(f, k));
  // Counts, ports, GB and hours all fit easily; anything larger is a typo or an attack.
  constexpr long long kMaxSmall = 1'000'000'000;
  if (n && (*n < -kMaxSmall || *n > kMaxSmall)) {
    return bad_param(k + " is " + std::to_string(*n) + "; expected a number between -1e9 and 1e9");
  }
  return static_cast<int>(n.value_or(0));
}

Result<bool> boolean(const FormReader& f, const std::string& k) {
  auto v = f.get(k);
  if (!v || *v == "false" || *v == "False") return false;
  if (*v == "true" || *v == "True") return true;
  return bad_param(k + " is \"" + shown(*v) + "\"; expected true or false");
}

Result<std::vector<KeyValue>> key_values(const FormReader& f, const std::string& k) {
  KCI_TRY(auto elems, f.list(k));
  std::vector<KeyValue> out;
  for (const auto& e : elems) out.push_back(KeyValue{str(f, e + ".Key"), str(f, e + ".Value")});
  return out;
}

Result<ProbeHandler> handler(const FormReader& f, const std::string& p) {
  ProbeHandler h;
  KCI_TRY(h.exec_command, f.values(p + ".Exec.Command"));
  h.http_get_path = str(f, p + ".HttpGet.Path");
  KCI_TRY(h.http_get_port, small_int(f, p + ".HttpGet.Port"));
  h.http_get_scheme = str(f, p + ".HttpGet.Scheme");
  KCI_TRY(h.http_get_headers, key_values(f, p + ".HttpGet.HttpHeader"));
  KCI_TRY(h.tcp_socket_port, small_int(f, p + ".TcpSocket.Port"));
  return h;
}

Result<std::optional<ProbeSpec>> probe(const FormReader& f, const std::string& p) {
  if (!f.has_prefix(p)) return std::optional<ProbeSpec>{};
  ProbeSpec s;
  KCI_TRY(s.handler, handler(f, p));
  KCI_TRY(s.initial_delay_seconds, small_int(f, p + ".InitialDelaySeconds"));
  KCI_TRY(s.timeout_seconds, small_int(f, p + ".TimeoutSeconds"));
  KCI_TRY(s.period_seconds, small_int(f, p + ".PeriodSeconds"));
  KCI_TRY(s.success_threshold, small_int(f, p + ".SuccessThreshold"));
  KCI_TRY(s.failure_threshold, small_int(f, p + ".FailureThreshold"));
  return std::optional<ProbeSpec>(std::move(s));
}

Result<ContainerSpec> container(const FormReader& f, const std::string& p) {
  ContainerSpec c;
  c.name = str(f, p + ".Name");
  c.image = str(f, p + ".Image");
  c.image_pull_policy = str(f, p + ".ImagePullPolicy");
  KCI_TRY(c.command, f.values(p + ".Command"));
  KCI_TRY(c.args, f.values(p + ".Arg"));
  KCI_TRY(c.cpu, dbl(f, p + ".Cpu"));
  KCI_TRY(c.memory, dbl(f, p + ".Memory"));
  KCI_TRY(c.gpu, small_int(f, p + ".Gpu"));
  c.working_dir = str(f, p + ".WorkingDir");
  KCI_TRY(c.env, key_values(f, p + ".EnvironmentVar"));
  KCI_TRY(auto ports, f.list(p + ".Port"));
  for (const auto& e : ports) {
    KCI_TRY(int port, small_int(f, e));
    c.ports.push_back(port);
  }
  KCI_TRY(auto mounts, f.list(p + ".VolumeMount"));
  for (const auto& e : mounts) {
    VolumeMount m{str(f, e + ".Name"), str(f, e + ".MountPath"), false};
    KCI_TRY(m.read_only, boolean(f, e + ".ReadOnly"));
    c.volume_mounts.push_back(std::move(m));
  }
  KCI_TRY(c.privileged, boolean(f, p + ".SecurityContext.Privileged"));
  KCI_TRY(c.liveness_probe, probe(f, p + ".LivenessProbe"));
  KCI_TRY(c.readiness_probe, probe(f, p + ".ReadinessProbe"));
  KCI_TRY(c.startup_probe, probe(f, p + ".StartupProbe"));
  if (f.has_prefix(p + ".Lifecycle.PreStop")) {
    KCI_TRY(auto h, handler(f, p + ".Lifecycle.PreStop"));
    c.pre_stop = std::move(h);
  }
  return c;
}

Status no_unknown(const FormReader& f) {
  auto left = f.unread();
  if (left.empty()) return {};
  return bad_param("parameter " + shown(left.front()) + " is not known to this action" +
                   (left.size() > 1 ? " (and " + std::to_string(left.size() - 1) + " more)" : std::string()) +
                   "; see the action's documented parameters");
}

}  // namespace

template <>
Result<CreateContainerGroupRequest> from_form(const FormReader& f) {
  CreateContainerGroupRequest r;
  r.container_group_name = str(f, "ContainerGroupName");
  r.subnet_id = str(f, "SubnetId");
  KCI_TRY(r.multi_subnet_ids, f.values("MultiSubnetId"));
  KCI_TRY(r.security_group_ids, f.values("SecurityGroupId"));
  r.kci_type = str(f, "KciType");
  r.instance_type = str(f, "InstanceType");
  if (auto fam = f.get("InstanceFamily")) {
    std::size_t pos = 0;
    while (pos <= fam->size()) {
      std::size_t c = fam->find(',', pos);
      if (c == std::string::npos) c = fam->size();
      std::string one = fam->substr(pos, c - pos);
      if (!one.empty()) r.instance_families.push_back(one);
      pos = c + 1;
    }
  }
  r.charge_type = str(f, "ChargeType");
  r.spot_strategy = str(f, "SpotStrategy");
  r.project_id = str(f, "ProjectId");
  KCI_TRY(r.cpu, dbl(f, "Cpu"));
  KCI_TRY(r.memory, dbl(f, "Memory"));
  KCI_TRY(r.gpu, small_int(f, "Gpu"));
  r.kube_config = str(f, "KubeConfig");
  KCI_TRY(r.retain_ip, boolean(f, "RetainIp"));
  KCI_TRY(r.retain_ip_hours, small_int(f, "RetainIpHours"));
  if (f.has_prefix("AdvanceSettings.SystemDisk")) {
    SystemDisk d;
    d.type = str(f, "AdvanceSettings.SystemDisk.Type");
    KCI_TRY(d.size_gb, small_int(f, "AdvanceSettings.SystemDisk.Size"));
    r.system_disk = d;
  }
  if (f.has_prefix("MachineDnsConfig")) {
    DnsConfig d;
    KCI_TRY(d.name_servers, f.values("MachineDnsConfig.NameServer"));
    KCI_TRY(d.searches, f.values("MachineDnsConfig.Search"));
    KCI_TRY(d.options, f.values("MachineDnsConfig.Option"));
    r.dns_config = d;
  }
  KCI_TRY(auto aliases, f.list("MachineHostAliase"));
  for (const auto& e : aliases) {
    HostAlias h;
    h.ip = str(f, e + ".Ip");
    KCI_TRY(h.hostnames, f.values(e + ".Hostname"));
    r.host_aliases.push_back(std::move(h));
  }
  r.restart_policy = str(f, "RestartPolicy");
  KCI_TRY(auto creds, f.list("ImageRegistryCredential"));
  for (const auto& e : creds) {
    r.image_registry_credentials.push_back(
        RegistryCredential{str(f, e + ".Server"), str(f, e + ".UserName"), str(f, e + ".Password")});
  }
  KCI_TRY(auto vols, f.list("Volume"));
  for (const auto& e : vols) {
    Volume v;
    v.name = str(f, e + ".Name");
    v.type = str(f, e + ".Type");
    const std::string t = e + "." + v.type;
    if (v.type == "EmptyDirVolume") {
      v.medium = str(f, t + ".Medium");
      v.size_limit = str(f, t + ".SizeLimit");
    } else if (v.type == "ConfigFileVolume") {
      KCI_TRY(auto files, f.list(t + ".ConfigFileToPath"));
      for (const auto& cf : files) v.config_files.push_back(ConfigFile{str(f, cf + ".Path"), str(f, cf + ".Content")});
    } else if (v.type == "NFSVolume") {
      v.server = str(f, t + ".Server");
      v.path = str(f, t + ".Path");
      KCI_TRY(v.read_only, boolean(f, t + ".ReadOnly"));
    } else if (v.type == "EBSVolume") {
      v.volume_id = str(f, t + ".VolumeId");
      v.fs_type = str(f, t + ".FsType");
    } else if (v.type == "HostPathVolume") {
      v.path = str(f, t + ".Path");
    }
    r.volumes.push_back(std::move(v));
  }
  KCI_TRY(auto cs, f.list("Container"));
  for (const auto& e : cs) {
    KCI_TRY(auto c, container(f, e));
    r.containers.push_back(std::move(c));
  }
  KCI_TRY(auto ics, f.list("InitContainer"));
  for (const auto& e : ics) {
    KCI_TRY(auto c, container(f, e));
    r.init_containers.push_back(std::move(c));
  }
  r.cluster_dns = str(f, "ClusterDns");
  r.cluster_domain = str(f, "ClusterDomain");
  KCI_TRY(r.labels, key_values(f, "Label"));
  KCI_TRY(r.kube_proxy_enabled, boolean(f, "KubeProxy.Enabled"));
  KCI_TRY(r.klog_enabled, boolean(f, "KlogEnabled"));
  r.client_token = str(f, "ClientToken");
  KCI_TRY(auto ingress, integer(f, "IngressBandwidth"));
  if (ingress) r.ingress_bandwidth = *ingress;
  KCI_TRY(auto egress, integer(f, "EgressBandwidth"));
  if (egress) r.egress_bandwidth = *egress;
  r.base_image = str(f, "BaseImage");
  KCI_TRY(auto grace, integer(f, "TerminationGracePeriodSeconds"));
  if (grace) r.termination_grace_period_seconds = *grace;
  KCI_TRY(r.auto_match_image_cache, boolean(f, "AutoMatchImageCache"));
  r.image_cache_id = str(f, "ImageCacheId");
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DescribeContainerGroupRequest> from_form(const FormReader& f) {
  DescribeContainerGroupRequest r;
  KCI_TRY(r.container_group_ids, f.values("ContainerGroupId"));
  KCI_TRY(auto mr, integer(f, "MaxResults"));
  if (mr) {
    if (*mr < 1 || *mr > 100) return bad_param("MaxResults is " + std::to_string(*mr) + "; expected 1 to 100");
    r.max_results = static_cast<int>(*mr);
  }
  KCI_TRY(auto marker, integer(f, "Marker"));
  r.marker = marker.value_or(0);
  KCI_TRY(r.project_ids, f.values("ProjectId"));
  KCI_TRY(auto filters, f.list("Filter"));
  for (const auto& e : filters) {
    Filter flt;
    flt.name = str(f, e + ".Name");
    KCI_TRY(flt.values, f.values(e + ".Value"));
    r.filters.push_back(std::move(flt));
  }
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DeleteContainerGroupRequest> from_form(const FormReader& f) {
  DeleteContainerGroupRequest r{str(f, "ContainerGroupId")};
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DescribeContainerLogRequest> from_form(const FormReader& f) {
  DescribeContainerLogRequest r{str(f, "ContainerGroupId"), str(f, "ContainerName"), std::nullopt};
  KCI_TRY(auto tail, integer(f, "Tail"));
  if (tail) {
    if (*tail < 1 || *tail > 2000) return bad_param("Tail is " + std::to_string(*tail) + "; expected 1 to 2000");
    r.tail = static_cast<int>(*tail);
  }
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DescribeContainerGroupEventsRequest> from_form(const FormReader& f) {
  DescribeContainerGroupEventsRequest r{str(f, "ContainerGroupId")};
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DescribeContainerGroupCountRequest> from_form(const FormReader& f) {
  DescribeContainerGroupCountRequest r;
  KCI_TRY(r.project_ids, f.values("ProjectId"));
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DescribeKciPackagesRequest> from_form(const FormReader& f) {
  DescribeKciPackagesRequest r{str(f, "ChargeType"), str(f, "AvailabilityZone"), str(f, "KciType")};
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DescribeRegionsRequest> from_form(const FormReader& f) {
  KCI_TRY_STATUS(no_unknown(f));
  return DescribeRegionsRequest{};
}

template <>
Result<CreateImageCacheRequest> from_form(const FormReader& f) {
  CreateImageCacheRequest r;
  r.image_cache_name = str(f, "ImageCacheName");
  KCI_TRY(r.images, f.values("Image"));
  KCI_TRY(r.image_cache_size_gb, small_int(f, "ImageCacheSize"));
  KCI_TRY(r.retention_days, small_int(f, "RetentionDays"));
  r.project_id = str(f, "ProjectId");
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DescribeImageCachesRequest> from_form(const FormReader& f) {
  DescribeImageCachesRequest r;
  KCI_TRY(r.image_cache_ids, f.values("ImageCacheId"));
  r.image_cache_name = str(f, "ImageCacheName");
  r.image = str(f, "Image");
  KCI_TRY(r.match_images, f.values("MatchImage"));
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

template <>
Result<DeleteImageCacheRequest> from_form(const FormReader& f) {
  DeleteImageCacheRequest r{str(f, "ImageCacheId")};
  KCI_TRY_STATUS(no_unknown(f));
  return r;
}

// ---------------------------------------------------------------- JSON

namespace {

json kv_json(const std::vector<KeyValue>& v) {
  json a = json::array();
  for (const auto& x : v) a.push_back({{"Key", x.key}, {"Value", x.value}});
  return a;
}

json state_json(const ContainerState& s) {
  return {{"State", s.state}, {"StartTime", s.start_time}, {"FinishTime", s.finish_time},
          {"Reason", s.reason}, {"ExitCode", s.exit_code}};
}

json containers_json(const std::vector<ContainerStatus>& cs) {
  json a = json::array();
  for (const auto& c : cs) {
    a.push_back({{"Name", c.name}, {"Image", c.image}, {"RestartCount", c.restart_count}, {"Ready", c.ready},
                 {"CurrentState", state_json(c.current_state)}, {"PreviousState", state_json(c.previous_state)}});
  }
  return a;
}

json group_json(const ContainerGroup& g) {
  json nics = json::array();
  for (const auto& n : g.network_interfaces) {
    json sgs = json::array();
    for (const auto& s : n.security_group_ids) sgs.push_back({{"SecurityGroupId", s}});
    nics.push_back({{"NetworkInterfaceId", n.network_interface_id}, {"PrivateIpAddress", n.private_ip_address},
                    {"SubnetId", n.subnet_id}, {"VpcId", n.vpc_id}, {"SecurityGroups", sgs}});
  }
  return {{"ContainerGroupId", g.container_group_id}, {"ContainerGroupName", g.container_group_name},
          {"Region", g.region}, {"AvailabilityZone", g.availability_zone}, {"ChargeType", g.charge_type},
          {"Cpu", g.cpu}, {"Memory", g.memory}, {"Gpu", g.gpu}, {"CreateTime", g.create_time},
          {"Status", g.status}, {"InstanceType", g.instance_type}, {"KciType", g.kci_type},
          {"KciMode", g.kci_mode}, {"ProjectId", g.project_id}, {"RestartPolicy", g.restart_policy},
          {"Labels", kv_json(g.labels)}, {"NetworkInterfaceAttributes", nics},
          {"Containers", containers_json(g.containers)}, {"InitContainers", containers_json(g.init_containers)}};
}

// Readers: a missing key is the default; a wrong type throws json::type_error, caught
// once in from_json below and turned into an Error.
std::string s_of(const json& j, const char* k) { return j.contains(k) && !j[k].is_null() ? j[k].get<std::string>() : ""; }
double d_of(const json& j, const char* k) { return j.contains(k) && !j[k].is_null() ? j[k].get<double>() : 0.0; }
long long i_of(const json& j, const char* k) { return j.contains(k) && !j[k].is_null() ? j[k].get<long long>() : 0; }
bool b_of(const json& j, const char* k) { return j.contains(k) && !j[k].is_null() && j[k].get<bool>(); }
const json& a_of(const json& j, const char* k) {
  static const json empty = json::array();
  if (!j.contains(k) || j[k].is_null()) return empty;
  if (!j[k].is_array()) throw json::type_error::create(302, std::string(k) + " is not an array", nullptr);
  return j[k];
}

std::vector<KeyValue> kv_of(const json& j, const char* k) {
  std::vector<KeyValue> out;
  for (const auto& x : a_of(j, k)) out.push_back(KeyValue{s_of(x, "Key"), s_of(x, "Value")});
  return out;
}

ContainerState state_of(const json& j, const char* k) {
  ContainerState s;
  if (!j.contains(k) || j[k].is_null()) return s;
  const json& x = j[k];
  s.state = s_of(x, "State");
  s.start_time = s_of(x, "StartTime");
  s.finish_time = s_of(x, "FinishTime");
  s.reason = s_of(x, "Reason");
  s.exit_code = static_cast<int>(i_of(x, "ExitCode"));
  return s;
}

std::vector<ContainerStatus> containers_of(const json& j, const char* k) {
  std::vector<ContainerStatus> out;
  for (const auto& c : a_of(j, k)) {
    out.push_back(ContainerStatus{s_of(c, "Name"), s_of(c, "Image"), static_cast<int>(i_of(c, "RestartCount")),
                                  b_of(c, "Ready"), state_of(c, "CurrentState"), state_of(c, "PreviousState")});
  }
  return out;
}

ContainerGroup group_of(const json& j) {
  ContainerGroup g;
  g.container_group_id = s_of(j, "ContainerGroupId");
  g.container_group_name = s_of(j, "ContainerGroupName");
  g.region = s_of(j, "Region");
  g.availability_zone = s_of(j, "AvailabilityZone");
  g.charge_type = s_of(j, "ChargeType");
  g.cpu = d_of(j, "Cpu");
  g.memory = d_of(j, "Memory");
  g.gpu = static_cast<int>(i_of(j, "Gpu"));
  g.create_time = s_of(j, "CreateTime");
  g.status = s_of(j, "Status");
  g.instance_type = s_of(j, "InstanceType");
  g.kci_type = s_of(j, "KciType");
  g.kci_mode = s_of(j, "KciMode");
  g.project_id = s_of(j, "ProjectId");
  g.restart_policy = s_of(j, "RestartPolicy");
  g.labels = kv_of(j, "Labels");
  for (const auto& n : a_of(j, "NetworkInterfaceAttributes")) {
    NetworkInterface nic{s_of(n, "NetworkInterfaceId"), s_of(n, "PrivateIpAddress"), s_of(n, "SubnetId"),
                         s_of(n, "VpcId"), {}};
    for (const auto& s : a_of(n, "SecurityGroups")) nic.security_group_ids.push_back(s_of(s, "SecurityGroupId"));
    g.network_interfaces.push_back(std::move(nic));
  }
  g.containers = containers_of(j, "Containers");
  g.init_containers = containers_of(j, "InitContainers");
  return g;
}

template <class R>
R decode(const json& j);

template <>
CreateContainerGroupResponse decode(const json& j) {
  return {s_of(j, "RequestId"), s_of(j, "ContainerGroupId")};
}
template <>
DescribeContainerGroupResponse decode(const json& j) {
  DescribeContainerGroupResponse r;
  r.request_id = s_of(j, "RequestId");
  for (const auto& g : a_of(j, "ContainerGroups")) r.container_groups.push_back(group_of(g));
  r.marker = i_of(j, "Marker");
  r.total_count = i_of(j, "TotalCount");
  return r;
}
template <>
DeleteContainerGroupResponse decode(const json& j) {
  return {s_of(j, "RequestId")};
}
template <>
DescribeContainerLogResponse decode(const json& j) {
  return {s_of(j, "RequestId"), s_of(j, "Content")};
}
std::vector<Event> events_of(const json& j) {
  std::vector<Event> out;
  for (const auto& e : a_of(j, "Events")) {
    out.push_back(Event{s_of(e, "FirstTimestamp"), s_of(e, "LastTimestamp"), static_cast<int>(i_of(e, "Count")),
                        s_of(e, "Type"), s_of(e, "Reason"), s_of(e, "Message")});
  }
  return out;
}

template <>
DescribeContainerGroupEventsResponse decode(const json& j) {
  return {s_of(j, "RequestId"), events_of(j)};
}
template <>
DescribeContainerGroupCountResponse decode(const json& j) {
  return {s_of(j, "RequestId"), i_of(j, "ContainerGroupCount")};
}
template <>
DescribeKciPackagesResponse decode(const json& j) {
  DescribeKciPackagesResponse r;
  r.request_id = s_of(j, "RequestId");
  for (const auto& p : a_of(j, "Packages")) {
    PackageSizes ps{d_of(p, "Cpu"), {}};
    for (const auto& m : a_of(p, "Mem")) ps.memories.push_back(m.get<double>());
    r.packages.push_back(std::move(ps));
  }
  for (const auto& t : a_of(j, "InstanceTypes")) {
    InstanceTypeInfo i{s_of(t, "InstanceType"), s_of(t, "InstanceFamily"), d_of(t, "Cpu"), d_of(t, "Memory"),
                       static_cast<int>(i_of(t, "Gpu")), s_of(t, "GpuType"), {}};
    for (const auto& d : a_of(t, "SystemDiskTypes")) i.system_disk_types.push_back(d.get<std::string>());
    r.instance_types.push_back(std::move(i));
  }
  return r;
}
template <>
DescribeRegionsResponse decode(const json& j) {
  DescribeRegionsResponse r;
  r.request_id = s_of(j, "RequestId");
  for (const auto& x : a_of(j, "RegionSet")) {
    Region reg{s_of(x, "Region"), s_of(x, "RegionName"), {}};
    for (const auto& z : a_of(x, "AvailabilityZones")) reg.zones.push_back(z.get<std::string>());
    r.regions.push_back(std::move(reg));
  }
  return r;
}

template <>
CreateImageCacheResponse decode(const json& j) {
  return {s_of(j, "RequestId"), s_of(j, "ImageCacheId")};
}
template <>
DescribeImageCachesResponse decode(const json& j) {
  DescribeImageCachesResponse r;
  r.request_id = s_of(j, "RequestId");
  for (const auto& x : a_of(j, "ImageCaches")) {
    ImageCache c;
    c.image_cache_id = s_of(x, "ImageCacheId");
    c.image_cache_name = s_of(x, "ImageCacheName");
    c.snapshot_id = s_of(x, "SnapshotId");
    for (const auto& i : a_of(x, "Images")) c.images.push_back(i.get<std::string>());
    c.status = s_of(x, "Status");
    c.progress = static_cast<int>(i_of(x, "Progress"));
    c.image_cache_size_gb = static_cast<int>(i_of(x, "ImageCacheSize"));
    c.project_id = s_of(x, "ProjectId");
    c.creation_time = s_of(x, "CreationTime");
    c.expire_date_time = s_of(x, "ExpireDateTime");
    c.last_matched_time = s_of(x, "LastMatchedTime");
    c.events = events_of(x);
    r.image_caches.push_back(std::move(c));
  }
  return r;
}
template <>
DeleteImageCacheResponse decode(const json& j) {
  return {s_of(j, "RequestId")};
}

json events_json(const std::vector<Event>& events) {
  json a = json::array();
  for (const auto& e : events) {
    a.push_back({{"FirstTimestamp", e.first_timestamp}, {"LastTimestamp", e.last_timestamp}, {"Count", e.count},
                 {"Type", e.type}, {"Reason", e.reason}, {"Message", e.message}});
  }
  return a;
}

std::string dumped(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string to_json(const CreateContainerGroupResponse& r) {
  return json{{"RequestId", r.request_id}, {"ContainerGroupId", r.container_group_id}}.dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string to_json(const DescribeContainerGroupResponse& r) {
  json a = json::array();
  for (const auto& g : r.container_groups) a.push_back(group_json(g));
  return json{{"RequestId", r.request_id}, {"ContainerGroups", a}, {"Marker", r.marker}, {"TotalCount", r.total_count}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string to_json(const DeleteContainerGroupResponse& r) { return json{{"RequestId", r.request_id}}.dump(-1, ' ', false, json::error_handler_t::replace); }
std::string to_json(const DescribeContainerLogResponse& r) {
  return json{{"RequestId", r.request_id}, {"Content", r.content}}.dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string to_json(const DescribeContainerGroupEventsResponse& r) {
  return dumped(json{{"RequestId", r.request_id}, {"Events", events_json(r.events)}});
}
std::string to_json(const DescribeContainerGroupCountResponse& r) {
  return json{{"RequestId", r.request_id}, {"ContainerGroupCount", r.count}}.dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string to_json(const DescribeKciPackagesResponse& r) {
  json p = json::array(), t = json::array();
  for (const auto& x : r.packages) p.push_back({{"Cpu", x.cpu}, {"Mem", x.memories}});
  for (const auto& x : r.instance_types) {
    t.push_back({{"InstanceType", x.instance_type}, {"InstanceFamily", x.instance_family}, {"Cpu", x.cpu},
                 {"Memory", x.memory}, {"Gpu", x.gpu}, {"GpuType", x.gpu_type},
                 {"SystemDiskTypes", x.system_disk_types}});
  }
  return json{{"RequestId", r.request_id}, {"Packages", p}, {"InstanceTypes", t}}.dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string to_json(const DescribeRegionsResponse& r) {
  json a = json::array();
  for (const auto& x : r.regions) {
    a.push_back({{"Region", x.region}, {"RegionName", x.region_name}, {"AvailabilityZones", x.zones}});
  }
  return json{{"RequestId", r.request_id}, {"RegionSet", a}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string to_json(const CreateImageCacheResponse& r) {
  return dumped(json{{"RequestId", r.request_id}, {"ImageCacheId", r.image_cache_id}});
}
std::string to_json(const DescribeImageCachesResponse& r) {
  json a = json::array();
  for (const auto& c : r.image_caches) {
    a.push_back({{"ImageCacheId", c.image_cache_id}, {"ImageCacheName", c.image_cache_name},
                 {"SnapshotId", c.snapshot_id}, {"Images", c.images}, {"Status", c.status},
                 {"Progress", c.progress}, {"ImageCacheSize", c.image_cache_size_gb}, {"ProjectId", c.project_id},
                 {"CreationTime", c.creation_time}, {"ExpireDateTime", c.expire_date_time},
                 {"LastMatchedTime", c.last_matched_time}, {"Events", events_json(c.events)}});
  }
  return dumped(json{{"RequestId", r.request_id}, {"ImageCaches", a}});
}
std::string to_json(const DeleteImageCacheResponse& r) { return dumped(json{{"RequestId", r.request_id}}); }

template <class Response>
Result<Response> from_json(std::string_view body) {
  try {
    const json j = json::parse(body);
    if (!j.is_object()) return kci_error("UnknownError", "reply is not a JSON object: " + shown(body));
    return decode<Response>(j);
  } catch (const json::exception& e) {
    return kci_error("UnknownError", std::string("reply is not the expected JSON (") + e.what() + "): " + shown(body));
  }
}

template Result<CreateContainerGroupResponse> from_json(std::string_view);
template Result<DescribeContainerGroupResponse> from_json(std::string_view);
template Result<DeleteContainerGroupResponse> from_json(std::string_view);
template Result<DescribeContainerLogResponse> from_json(std::string_view);
template Result<DescribeContainerGroupEventsResponse> from_json(std::string_view);
template Result<DescribeContainerGroupCountResponse> from_json(std::string_view);
template Result<DescribeKciPackagesResponse> from_json(std::string_view);
template Result<DescribeRegionsResponse> from_json(std::string_view);
template Result<CreateImageCacheResponse> from_json(std::string_view);
template Result<DescribeImageCachesResponse> from_json(std::string_view);
template Result<DeleteImageCacheResponse> from_json(std::string_view);

std::string error_envelope(std::string_view request_id, const Error& e) {
  const std::string code = e.reason.empty() ? std::string(assumed::kInternalError) : e.reason;
  return json{{"RequestId", request_id}, {"Error", {{"Code", code}, {"Message", e.message}}}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

Error parse_error_envelope(int http_status, std::string_view body) {
  try {
    const json j = json::parse(body);
    if (j.is_object() && j.contains("Error") && j["Error"].is_object()) {
      const json& e = j["Error"];
      const std::string code = s_of(e, "Code");
      if (!code.empty()) return kci_error(code, s_of(e, "Message"));
    }
  } catch (const json::exception&) {
  }
  return kci_error(http_status >= 500 ? assumed::kInternalError : std::string_view("UnknownError"),
                   "HTTP " + std::to_string(http_status) + " without an error envelope: " + shown(body));
}

// ---------------------------------------------------------------- dispatch

namespace {

template <class Req, class Call>
WireReply handle(const FormReader& f, std::string_view request_id, Call call) {
  auto req = from_form<Req>(f);
  if (!req.ok()) return {http_status_for_reason(req.error().reason), error_envelope(request_id, req.error())};
  auto resp = call(*req);
  if (!resp.ok()) return {http_status_for_reason(resp.error().reason), error_envelope(request_id, resp.error())};
  if (resp->request_id.empty()) resp->request_id = std::string(request_id);
  return {200, to_json(*resp)};
}

}  // namespace

WireReply serve(KciApi& api, const CallContext& ctx, const FormParams& params, std::string_view request_id) {
  auto reader = FormReader::make(params);
  if (!reader.ok()) {
    const Error e = bad_param(reader.error().message);
    return {400, error_envelope(request_id, e)};
  }
  const FormReader& f = *reader;
  const auto action = f.get("Action");
  const auto version = f.get("Version");
  if (!action) return {400, error_envelope(request_id, kci_error(assumed::kMissingParameter, "Action is missing"))};
  if (version && *version != kApiVersion) {
    return {400, error_envelope(request_id, bad_param("Version is \"" + shown(*version) + "\"; expected " +
                                                      std::string(kApiVersion)))};
  }
  const std::string& a = *action;
  if (a == "CreateContainerGroup") {
    return handle<CreateContainerGroupRequest>(f, request_id, [&](const auto& r) { return api.create_container_group(ctx, r); });
  }
  if (a == "DescribeContainerGroup") {
    return handle<DescribeContainerGroupRequest>(f, request_id, [&](const auto& r) { return api.describe_container_group(ctx, r); });
  }
  if (a == "DeleteContainerGroup") {
    return handle<DeleteContainerGroupRequest>(f, request_id, [&](const auto& r) { return api.delete_container_group(ctx, r); });
  }
  if (a == "DescribeContainerLog") {
    return handle<DescribeContainerLogRequest>(f, request_id, [&](const auto& r) { return api.describe_container_log(ctx, r); });
  }
  if (a == "DescribeContainerGroupEvents") {
    return handle<DescribeContainerGroupEventsRequest>(
        f, request_id, [&](const auto& r) { return api.describe_container_group_events(ctx, r); });
  }
  if (a == "DescribeContainerGroupCount") {
    return handle<DescribeContainerGroupCountRequest>(
        f, request_id, [&](const auto& r) { return api.describe_container_group_count(ctx, r); });
  }
  if (a == "DescribeKciPackages") {
    return handle<DescribeKciPackagesRequest>(f, request_id, [&](const auto& r) { return api.describe_kci_packages(ctx, r); });
  }
  if (a == "DescribeRegions") {
    return handle<DescribeRegionsRequest>(f, request_id, [&](const auto& r) { return api.describe_regions(ctx, r); });
  }
  if (a == "CreateImageCache") {
    return handle<CreateImageCacheRequest>(f, request_id, [&](const auto& r) { return api.create_image_cache(ctx, r); });
  }
  if (a == "DescribeImageCaches") {
    return handle<DescribeImageCachesRequest>(f, request_id, [&](const auto& r) { return api.describe_image_caches(ctx, r); });
  }
  if (a == "DeleteImageCache") {
    return handle<DeleteImageCacheRequest>(f, request_id, [&](const auto& r) { return api.delete_image_cache(ctx, r); });
  }
  return {400, error_envelope(request_id, kci_error(assumed::kInvalidAction,
                                                    "Action \"" + shown(a) + "\" is not a KCI action; accepted: "
                                                    "CreateContainerGroup, DescribeContainerGroup, DeleteContainerGroup, "
                                                    "DescribeContainerLog, DescribeContainerGroupEvents, "
                                                    "DescribeContainerGroupCount, DescribeKciPackages, DescribeRegions, "
                                                    "CreateImageCache, DescribeImageCaches, DeleteImageCache"))};
}

// ---------------------------------------------------------------- client

namespace {

template <class Resp, class Req>
Result<Resp> call(WireTransport& t, const CallContext& ctx, const Req& req) {
  KCI_TRY(WireReply reply, t.round_trip(ctx, to_form(req)));
  if (reply.http_status < 200 || reply.http_status >= 300) return parse_error_envelope(reply.http_status, reply.body);
  return from_json<Resp>(reply.body);
}

}  // namespace

Result<CreateContainerGroupResponse> WireClient::create_container_group(const CallContext& c,
                                                                        const CreateContainerGroupRequest& r) {
  return call<CreateContainerGroupResponse>(transport_, c, r);
}
Result<DescribeContainerGroupResponse> WireClient::describe_container_group(const CallContext& c,
                                                                            const DescribeContainerGroupRequest& r) {
  return call<DescribeContainerGroupResponse>(transport_, c, r);
}
Result<DeleteContainerGroupResponse> WireClient::delete_container_group(const CallContext& c,
                                                                        const DeleteContainerGroupRequest& r) {
  return call<DeleteContainerGroupResponse>(transport_, c, r);
}
Result<DescribeContainerLogResponse> WireClient::describe_container_log(const CallContext& c,
                                                                        const DescribeContainerLogRequest& r) {
  return call<DescribeContainerLogResponse>(transport_, c, r);
}
Result<DescribeContainerGroupEventsResponse> WireClient::describe_container_group_events(
    const CallContext& c, const DescribeContainerGroupEventsRequest& r) {
  return call<DescribeContainerGroupEventsResponse>(transport_, c, r);
}
Result<DescribeContainerGroupCountResponse> WireClient::describe_container_group_count(
    const CallContext& c, const DescribeContainerGroupCountRequest& r) {
  return call<DescribeContainerGroupCountResponse>(transport_, c, r);
}
Result<DescribeKciPackagesResponse> WireClient::describe_kci_packages(const CallContext& c,
                                                                      const DescribeKciPackagesRequest& r) {
  return call<DescribeKciPackagesResponse>(transport_, c, r);
}
Result<DescribeRegionsResponse> WireClient::describe_regions(const CallContext& c, const DescribeRegionsRequest& r) {
  return call<DescribeRegionsResponse>(transport_, c, r);
}
Result<CreateImageCacheResponse> WireClient::create_image_cache(const CallContext& c, const CreateImageCacheRequest& r) {
  return call<CreateImageCacheResponse>(transport_, c, r);
}
Result<DescribeImageCachesResponse> WireClient::describe_image_caches(const CallContext& c,
                                                                      const DescribeImageCachesRequest& r) {
  return call<DescribeImageCachesResponse>(transport_, c, r);
}
Result<DeleteImageCacheResponse> WireClient::delete_image_cache(const CallContext& c, const DeleteImageCacheRequest& r) {
  return call<DeleteImageCacheResponse>(transport_, c, r);
}

}  // namespace kci::kcicloud
