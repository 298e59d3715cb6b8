#include "scenarios/cmd_translate.h"

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/k8s/object.h"
#include "core/k8s/yaml.h"
#include "core/kci/catalogue.h"
#include "core/translate/translate.h"

namespace kci::cli {
namespace {

using k8s::Json;
namespace kc = kcicloud;

constexpr const char* kUsage =
    "usage: kci-vk translate -f POD.yaml [--node NODE.yaml] [--set KEY=VALUE...]\n"
    "  POD.yaml   the pod, optionally followed (---) by the ConfigMaps and Secrets it uses and\n"
    "             the node's custom-sidecar ConfigMap (kube-system/<node name>)\n"
    "  NODE.yaml  the virtual node's settings: a map of flags and KCI_* variables\n"
    "  --set      one setting, e.g. --set KCI_INSTANCE_FAMILY=S6,I3\n"
    "prints the CreateContainerGroup request as JSON, or the refusal with exit code 2\n";

bool read_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  return true;
}

Json probe_json(const kc::ProbeHandler& h) {
  Json j = Json::object();
  if (!h.exec_command.empty()) j["Exec"] = {{"Command", h.exec_command}};
  if (h.http_get_port) {
    j["HttpGet"] = {{"Path", h.http_get_path}, {"Port", h.http_get_port}, {"Scheme", h.http_get_scheme}};
    for (const auto& kv : h.http_get_headers) j["HttpGet"]["HttpHeader"].push_back({{"Key", kv.key}, {"Value", kv.value}});
  }
  if (h.tcp_socket_port) j["TcpSocket"] = {{"Port", h.tcp_socket_port}};
  return j;
}

Json probe_json(const kc::ProbeSpec& p) {
  Json j = probe_json(p.handler);
  j["InitialDelaySeconds"] = p.initial_delay_seconds;
  j["TimeoutSeconds"] = p.timeout_seconds;
  j["PeriodSeconds"] = p.period_seconds;
  j["SuccessThreshold"] = p.success_threshold;
  j["FailureThreshold"] = p.failure_threshold;
  return j;
}

Json container_json(const kc::ContainerSpec& c) {
  Json j = {{"Name", c.name}, {"Image", c.image}};
  if (!c.image_pull_policy.empty()) j["ImagePullPolicy"] = c.image_pull_policy;
  if (!c.command.empty()) j["Command"] = c.command;
  if (!c.args.empty()) j["Arg"] = c.args;
  if (c.cpu) j["Cpu"] = *c.cpu;
  if (c.memory) j["Memory"] = *c.memory;
  if (c.gpu) j["Gpu"] = c.gpu;
  if (!c.working_dir.empty()) j["WorkingDir"] = c.working_dir;
  for (const auto& e : c.env) j["EnvironmentVar"].push_back({{"Key", e.key}, {"Value", e.value}});
  if (!c.ports.empty()) j["Port"] = c.ports;
  for (const auto& m : c.volume_mounts) {
    j["VolumeMount"].push_back({{"Name", m.name}, {"MountPath", m.mount_path}, {"ReadOnly", m.read_only}});
  }
  if (c.liveness_probe) j["LivenessProbe"] = probe_json(*c.liveness_probe);
  if (c.readiness_probe) j["ReadinessProbe"] = probe_json(*c.readiness_probe);
  if (c.startup_probe) j["StartupProbe"] = probe_json(*c.startup_probe);
  if (c.pre_stop) j["Lifecycle"] = {{"PreStop", probe_json(*c.pre_stop)}};
  return j;
}

Json request_json(const kc::CreateContainerGroupRequest& r) {
  Json j = {{"ContainerGroupName", r.container_group_name}, {"KciType", r.kci_type},
            {"ChargeType", r.charge_type}, {"ProjectId", r.project_id},
            {"RestartPolicy", r.restart_policy}, {"KubeProxy", {{"Enabled", r.kube_proxy_enabled}}}};
  if (!r.subnet_id.empty()) j["SubnetId"] = r.subnet_id;
  if (!r.multi_subnet_ids.empty()) j["MultiSubnetId"] = r.multi_subnet_ids;
  j["SecurityGroupId"] = r.security_group_ids;
  if (!r.instance_type.empty()) j["InstanceType"] = r.instance_type;
  if (!r.instance_families.empty()) j["InstanceFamily"] = r.instance_families;
  if (!r.spot_strategy.empty()) j["SpotStrategy"] = r.spot_strategy;
  if (r.cpu) j["Cpu"] = *r.cpu;
  if (r.memory) j["Memory"] = *r.memory;
  if (r.gpu) j["Gpu"] = r.gpu;
  if (r.system_disk) j["AdvanceSettings"] = {{"SystemDisk", {{"Type", r.system_disk->type}, {"Size", r.system_disk->size_gb}}}};
  if (r.dns_config) {
    j["MachineDnsConfig"] = {{"NameServer", r.dns_config->name_servers},
                             {"Search", r.dns_config->searches},
                             {"Option", r.dns_config->options}};
  }
  for (const auto& h : r.host_aliases) j["MachineHostAliase"].push_back({{"Ip", h.ip}, {"Hostname", h.hostnames}});
  for (const auto& c : r.image_registry_credentials) {
    j["ImageRegistryCredential"].push_back({{"Server", c.server}, {"UserName", c.user_name}, {"Password", "<redacted>"}});
  }
  for (const auto& v : r.volumes) {
    Json vj = {{"Name", v.name}, {"Type", v.type}};
    if (v.type == "EmptyDirVolume") vj["EmptyDirVolume"] = {{"Medium", v.medium}, {"SizeLimit", v.size_limit}};
    if (v.type == "ConfigFileVolume") {
      Json files = Json::array();
      for (const auto& f : v.config_files) files.push_back({{"Path", f.path}, {"Content", f.content_base64}});
      vj["ConfigFileVolume"] = {{"ConfigFileToPath", files}};
    }
    if (v.type == "NFSVolume") vj["NFSVolume"] = {{"Server", v.server}, {"Path", v.path}, {"ReadOnly", v.read_only}};
    if (v.type == "HostPathVolume") vj["HostPathVolume"] = {{"Path", v.path}};
    j["Volume"].push_back(vj);
  }
  for (const auto& c : r.containers) j["Container"].push_back(container_json(c));
  for (const auto& c : r.init_containers) j["InitContainer"].push_back(container_json(c));
  if (!r.cluster_dns.empty()) j["ClusterDns"] = r.cluster_dns;
  if (!r.cluster_domain.empty()) j["ClusterDomain"] = r.cluster_domain;
  for (const auto& l : r.labels) j["Label"].push_back({{"Key", l.key}, {"Value", l.value}});
  if (r.ingress_bandwidth) j["IngressBandwidth"] = *r.ingress_bandwidth;
  if (r.egress_bandwidth) j["EgressBandwidth"] = *r.egress_bandwidth;
  if (!r.base_image.empty()) j["BaseImage"] = r.base_image;
  if (r.termination_grace_period_seconds) j["TerminationGracePeriodSeconds"] = *r.termination_grace_period_seconds;
  if (!r.client_token.empty()) j["ClientToken"] = r.client_token;
  return j;
}

}  // namespace

int run_translate(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::string pod_path, node_path;
  std::map<std::string, std::string> settings;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&](std::string& to) {
      if (i + 1 >= argc) return false;
      to = argv[++i];
      return true;
    };
    std::string v;
    if ((a == "-f" || a == "--filename") && next(pod_path)) continue;
    if (a == "--node" && next(node_path)) continue;
    if (a == "--set" && next(v)) {
      const auto eq = v.find('=');
      settings[v.substr(0, eq)] = eq == std::string::npos ? "" : v.substr(eq + 1);
      continue;
    }
    if (a == "-h" || a == "--help") {
      out << kUsage;
      return 0;
    }
    err << "kci-vk translate: unexpected argument \"" << a << "\"\n" << kUsage;
    return 2;
  }
  if (pod_path.empty()) {
    err << "kci-vk translate: -f POD.yaml is required\n" << kUsage;
    return 2;
  }
  if (!node_path.empty()) {
    std::string text;
    if (!read_file(node_path, text)) {
      err << "kci-vk translate: cannot read " << node_path << "\n";
      return 2;
    }
    auto doc = k8s::yaml_document(text);
    if (!doc.ok() || !doc->is_object()) {
      err << "kci-vk translate: " << node_path << ": expected a map of settings"
          << (doc.ok() ? "" : ": " + doc.error().message) << "\n";
      return 2;
    }
    for (auto it = doc->begin(); it != doc->end(); ++it) {
      if (settings.count(it.key())) continue;  // --set wins
      settings[it.key()] = it->is_string() ? it->get<std::string>() : it->is_null() ? "" : it->dump();
    }
  }
  auto node = translate::parse_node_settings(settings);
  if (!node.ok()) {
    err << "kci-vk translate: " << node.error().message << "\n";
    return 2;
  }
  std::string text;
  if (!read_file(pod_path, text)) {
    err << "kci-vk translate: cannot read " << pod_path << "\n";
    return 2;
  }
  auto docs = k8s::yaml_documents(text);
  if (!docs.ok()) {
    err << "kci-vk translate: " << pod_path << ": " << docs.error().message << "\n";
    return 2;
  }
  std::optional<k8s::Pod> pod;
  translate::MapLookup lookup;
  std::optional<translate::CustomSidecar> sidecar;
  for (const auto& d : *docs) {
    const std::string kind = d.is_object() && d.contains("kind") && d["kind"].is_string() ? d["kind"].get<std::string>() : "";
    if (kind == "Pod" && !pod) {
      auto p = k8s::decode<k8s::Pod>(d);
      if (!p.ok()) {
        err << "kci-vk translate: " << pod_path << ": " << p.error().message << "\n";
        return 2;
      }
      pod = std::move(*p);
    } else if (kind == "ConfigMap") {
      auto c = k8s::decode<k8s::ConfigMap>(d);
      if (!c.ok()) {
        err << "kci-vk translate: " << pod_path << ": " << c.error().message << "\n";
        return 2;
      }
      if (c->metadata.namespace_ == "kube-system" && c->metadata.name == node->node_name) {
        auto s = translate::parse_custom_sidecar(*c);
        if (!s.ok()) {
          err << "kci-vk translate: " << s.error().message << "\n";
          return 2;
        }
        sidecar = std::move(*s);
      }
      if (c->metadata.namespace_.empty()) c->metadata.namespace_ = "default";
      lookup.add(std::move(*c));
    } else if (kind == "Secret") {
      auto s = k8s::decode<k8s::Secret>(d);
      if (!s.ok()) {
        err << "kci-vk translate: " << pod_path << ": " << s.error().message << "\n";
        return 2;
      }
      if (s->metadata.namespace_.empty()) s->metadata.namespace_ = "default";
      lookup.add(std::move(*s));
    }
  }
  if (!pod) {
    err << "kci-vk translate: " << pod_path << " holds no Pod\n";
    return 2;
  }
  translate::TranslateInput in;
  in.pod = &*pod;
  in.node = &*node;
  in.lookup = &lookup;
  in.sidecar = sidecar ? &*sidecar : nullptr;
  in.catalogue = &kc::default_catalogue();
  auto r = translate::translate_pod(in);
  if (!r.ok()) {
    const auto& f = r.refusal();
    err << "refused (" << f.reason << ")" << (f.field.empty() ? "" : " at " + f.field) << ": " << f.message << "\n";
    return 2;
  }
  Json j = request_json(r.value().request);
  Json events = Json::array();
  for (const auto& e : r.value().events) events.push_back({{"type", e.type}, {"reason", e.reason}, {"message", e.message}});
  Json fallbacks = Json::array();
  for (const auto& f : r.value().fallbacks) {
    fallbacks.push_back({{"InstanceType", f.instance_type}, {"Size", kc::to_string(f.size)}});
  }
  Json outj = {{"request", j}, {"events", events}};
  if (!fallbacks.empty()) outj["fallbacks"] = fallbacks;
  out << outj.dump(2) << "\n";
  return 0;
}

}  // namespace kci::cli
