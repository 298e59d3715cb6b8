#include "core/translate/dialects.h"

#include "core/kci/api.h"
#include "core/translate/annotations.h"

namespace kci::translate {
namespace {

// kci-cloud.md limits: "CPU <= 256 (3 decimals), memory <= 512 GB".
constexpr std::int64_t kMaxAnnotatedCpu = 256;
constexpr std::int64_t kMaxAnnotatedMemoryGib = 512;

const std::string* find(const k8s::StringMap& a, std::string_view key) {
  auto it = a.find(std::string(key));
  return it == a.end() ? nullptr : &it->second;
}

Refusal invalid(std::string_view key, const std::string& value, const std::string& what) {
  return Refusal{reason::kInvalidAnnotation,
                 std::string(key) + " is \"" + value.substr(0, 128) + "\": " + what,
                 "metadata.annotations[" + std::string(key) + "]"};
}

// Strips the "\"..\" is not ...: " prefix the value parsers put on their messages: the
// caller names the key and value itself.
std::string accepted_part(const Error& e) {
  const auto pos = e.message.find(": ");
  return pos == std::string::npos ? e.message : e.message.substr(pos + 2);
}

// A size/type list shared by eci-use-specs: sizes "2-4Gi" or KCI packages "S6.4B".
Outcome<std::vector<SpecChoice>> read_specs(std::string_view key, const std::string& value) {
  std::vector<SpecChoice> out;
  const auto items = split_list(value);
  if (items.empty()) return invalid(key, value, "list 1 to 5 sizes (2-4Gi) or KCI packages (S6.4B)");
  if (items.size() > kMaxUseSpecs) {
    return invalid(key, value, "at most 5 entries; found " + std::to_string(items.size()));
  }
  for (const auto& item : items) {
    SpecChoice c;
    if (item.rfind("ecs.", 0) == 0) {
      return Refusal{reason::kUnsupportedFeature,
                     std::string(key) + " lists \"" + item +
                         "\", an Alibaba ECS instance type, which KCI does not have: list sizes "
                         "such as 2-4Gi or KCI packages such as S6.4B",
                     "metadata.annotations[" + std::string(key) + "]"};
    }
    if (item.find('-') != std::string::npos) {
      auto s = parse_cpu_mem_spec(item);
      if (!s.ok()) return invalid(key, value, "entry " + accepted_part(s.error()));
      c.size = *s;
    } else if (item.find('.') != std::string::npos) {
      c.instance_type = item;  // checked against the catalogue by the translator
    } else {
      return invalid(key, value,
                     "entry \"" + item + "\" is neither a size such as 2-4Gi nor a KCI package such as S6.4B");
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Outcome<PodIntent> read_annotations(const k8s::StringMap& a) {
  PodIntent in;
  if (a.empty()) return in;

  // ---- refused and ignored keys, straight from the table ----
  for (const auto& [key, value] : a) {
    const AnnotationKey* row = find_annotation(key);
    if (row == nullptr) continue;
    if (row->handling == Handling::kRefused) {
      return Refusal{reason::kUnsupportedFeature,
                     key + " is set (\"" + value.substr(0, 128) + "\") but KCI has no such feature: " +
                         std::string(row->meaning) + " Remove the annotation to run on KCI.",
                     "metadata.annotations[" + key + "]"};
    }
    if (row->handling == Handling::kIgnored && row->dialect != Dialect::kCci) {
      in.events.push_back(PodEvent{"Warning", "AnnotationIgnored",
                                   key + " has no effect on KCI: " + std::string(row->meaning)});
    }
  }

  // ---- KCI sizing ----
  const std::string* cpu = find(a, kKciInstanceCpu);
  const std::string* mem = find(a, kKciInstanceMemory);
  if ((cpu == nullptr) != (mem == nullptr)) {
    // Seed 001: "需要同时设置k8s.ksyun.com/kci-instance-cpu和k8s.ksyun.com/kci-instance-memory参数".
    const auto set = cpu ? kKciInstanceCpu : kKciInstanceMemory;
    const auto unset = cpu ? kKciInstanceMemory : kKciInstanceCpu;
    return Refusal{reason::kInvalidAnnotation,
                   std::string(set) + " is set but " + std::string(unset) + " is not: set both or neither",
                   "metadata.annotations[" + std::string(unset) + "]"};
  }
  if (cpu != nullptr) {
    auto c = parse_thousandths(*cpu, kMaxAnnotatedCpu);
    if (!c.ok()) return invalid(kKciInstanceCpu, *cpu, "CPU in cores: " + accepted_part(c.error()));
    auto m = parse_thousandths(*mem, kMaxAnnotatedMemoryGib);
    if (!m.ok()) return invalid(kKciInstanceMemory, *mem, "memory in GiB: " + accepted_part(m.error()));
    in.cpu_milli = *c;
    in.memory_mib = (*m * 1024 + 999) / 1000;  // GiB thousandths to MiB, rounded up
  }
  if (const auto* t = find(a, kKciInstanceType)) {
    in.instance_type = std::string(trim(*t));
    if (in.instance_type.empty()) return invalid(kKciInstanceType, *t, "name a KCI package such as S6.4B");
  } else if (const auto* e = find(a, "k8s.aliyun.com/eci-instance-type")) {
    auto specs = read_specs("k8s.aliyun.com/eci-instance-type", *e);
    if (!specs.ok()) return specs.take_refusal();
    if (specs.value().size() != 1 || specs.value()[0].instance_type.empty()) {
      return invalid("k8s.aliyun.com/eci-instance-type", *e, "name one KCI package such as S6.4B");
    }
    in.instance_type = specs.value()[0].instance_type;
  }
  if (const auto* s = find(a, kEciUseSpecs)) {
    auto specs = read_specs(kEciUseSpecs, *s);
    if (!specs.ok()) return specs.take_refusal();
    in.specs = std::move(specs.value());
  }

  // ---- network ----
  if (const auto* sg = find(a, kKciSecurityGroupId); sg || find(a, kEciSecurityGroup)) {
    const auto key = sg ? kKciSecurityGroupId : kEciSecurityGroup;
    const std::string& v = sg ? *sg : *find(a, kEciSecurityGroup);
    auto list = split_list(v);
    if (list.empty()) return invalid(key, v, "list 1 to 3 security group ids, comma-separated");
    if (list.size() > 3) {
      return invalid(key, v, "at most 3 security groups (KCI's limit); found " + std::to_string(list.size()));
    }
    in.security_groups = std::move(list);
  }
  if (const auto* sn = find(a, kKciSubnetId); sn || find(a, kEciVswitch)) {
    const auto key = sn ? kKciSubnetId : kEciVswitch;
    const std::string& v = sn ? *sn : *find(a, kEciVswitch);
    auto list = split_list(v);
    if (list.empty()) return invalid(key, v, "name a subnet id");
    if (list.size() > 5) {
      return invalid(key, v, "KCI takes at most 5 subnets (MultiSubnetId); found " +
                                 std::to_string(list.size()) + (sn ? "" : " (ECI allows 10)"));
    }
    in.subnets = std::move(list);
  }
  if (const auto* st = find(a, kEciScheduleStrategy)) {
    const auto v = trim(*st);
    if (v == "VSwitchRandom") {
      if (in.subnets && in.subnets->size() > 1) {
        return Refusal{reason::kUnsupportedFeature,
                       std::string(kEciScheduleStrategy) +
                           " is VSwitchRandom, but KCI tries several subnets only in the order given: "
                           "use VSwitchOrdered or name one subnet",
                       "metadata.annotations[" + std::string(kEciScheduleStrategy) + "]"};
      }
    } else if (v != "VSwitchOrdered") {
      return invalid(kEciScheduleStrategy, *st, "VSwitchOrdered or VSwitchRandom");
    }
  }

  // ---- kube-proxy, project, disk, bandwidth ----
  if (const auto* kp = find(a, kKciKubeProxyEnabled)) {
    auto b = parse_bool(*kp);
    if (!b.ok()) return invalid(kKciKubeProxyEnabled, *kp, "'true' or 'false'");
    in.kube_proxy = *b;
  }
  if (const auto* p = find(a, kKciProjectId)) {
    const auto v = trim(*p);
    // A project id is a number (seed 000 shows "106123"); 20 digits bound an int64.
    if (!all_digits(v) || v.size() > 20) return invalid(kKciProjectId, *p, "a numeric project id such as 106123");
    in.project_id = std::string(v);
  }
  if (const auto* d = find(a, kKciSystemDiskType)) {
    in.system_disk_type = std::string(trim(*d));
    if (in.system_disk_type.empty()) return invalid(kKciSystemDiskType, *d, "name a disk type such as SSD3.0");
  }
  for (auto [key, out] : {std::pair{kIngressBandwidth, &in.ingress_bits}, std::pair{kEgressBandwidth, &in.egress_bits}}) {
    if (const auto* bw = find(a, key)) {
      auto b = parse_bandwidth(*bw);
      if (!b.ok()) return invalid(key, *bw, accepted_part(b.error()));
      *out = *b;
    }
  }

  // ---- ECI spot and failure handling ----
  if (const auto* sp = find(a, kEciSpotStrategy)) {
    const auto v = trim(*sp);
    if (v == "SpotAsPriceGo") {
      in.spot = true;
    } else if (v == "SpotWithPriceLimit") {
      return Refusal{reason::kUnsupportedFeature,
                     std::string(kEciSpotStrategy) +
                         " is SpotWithPriceLimit, but KCI spot instances follow the market price: "
                         "use SpotAsPriceGo",
                     "metadata.annotations[" + std::string(kEciSpotStrategy) + "]"};
    } else {
      return invalid(kEciSpotStrategy, *sp, "SpotAsPriceGo (SpotWithPriceLimit has no KCI meaning)");
    }
  }
  if (const auto* f = find(a, kEciPodFailOnCreateErr)) {
    auto b = parse_bool(*f);
    if (!b.ok()) return invalid(kEciPodFailOnCreateErr, *f, "'true' or 'false'");
    in.fail_on_create_error = *b;
  }

  // ---- ECI image caches (seed 003 使用镜像缓存CRD加速创建Pod) ----
  if (const auto* ic = find(a, kEciImageCache)) {
    auto b = parse_bool(*ic);
    if (!b.ok()) return invalid(kEciImageCache, *ic, "'true' or 'false'");
    in.auto_match_image_cache = *b;
  }
  if (const auto* id = find(a, kEciImageSnapshotId)) {
    const auto v = trim(*id);
    if (!kcicloud::is_image_cache_id(v)) {
      return invalid(kEciImageSnapshotId, *id,
                     "an image cache id: imc- and lower-case letters and digits, such as imc-2ze5tm5gehgtiiga");
    }
    in.image_cache_id = std::string(v);
  }
  return in;
}

}  // namespace kci::translate
