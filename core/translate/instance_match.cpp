#include "core/translate/instance_match.h"

namespace kci::translate {
namespace {

std::string family_names(const kcicloud::Catalogue& c) {
  std::string out;
  for (const auto& f : c.families()) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

}  // namespace

Result<InstanceChoice> match_instance_type(const kcicloud::Size& size,
                                           std::string_view explicit_type,
                                           const std::vector<std::string>& families,
                                           std::string_view disk_type,
                                           const kcicloud::Catalogue& catalogue) {
  InstanceChoice out;
  out.size = size;
  if (!explicit_type.empty()) {
    // Seed 000: "通过k8s.ksyun.com/kci-instance-type的Annotation指定了云服务器套餐,则其优先级
    // 高于虚拟节点维度配置的自动匹配机型".
    const kcicloud::Package* p = catalogue.find_package(explicit_type);
    if (p == nullptr) {
      return invalid_argument("k8s.ksyun.com/kci-instance-type is \"" + std::string(explicit_type) +
                              "\", which is no KCI package: write <FAMILY>.<CPU><A|B|C|D> of "
                              "the families " + family_names(catalogue) + ", e.g. S6.4B");
    }
    if (!catalogue.family_supports_disk(p->family, disk_type)) {
      return make_error(ErrorCode::kUnsupported,
                        "k8s.ksyun.com/kci-instance-type " + p->name + " cannot have system disk " +
                            std::string(disk_type) + ": family " + p->family + " supports " +
                            [&] {
                              std::string s;
                              for (const auto& d : catalogue.family(p->family)->system_disks) {
                                s += (s.empty() ? "" : ", ") + d;
                              }
                              return s;
                            }());
    }
    out.instance_type = p->name;
    out.size = p->size;
    return out;
  }
  if (families.empty()) return out;  // the cloud chooses
  out.families = families;
  std::string why;
  for (const auto& name : families) {
    if (catalogue.family(name) == nullptr) {
      return invalid_argument("KCI_INSTANCE_FAMILY names \"" + name +
                              "\", which is no KCI family: accepted " + family_names(catalogue));
    }
    const kcicloud::Package* p = catalogue.package_with_size(name, size);
    if (p != nullptr && catalogue.family_supports_disk(name, disk_type)) {
      out.instance_type = p->name;
      return out;
    }
    why += "; " + name + (p == nullptr ? " has no " + kcicloud::to_string(size) + " package"
                                       : " does not support system disk " + std::string(disk_type));
  }
  return make_error(ErrorCode::kUnsupported,
                    "no family of KCI_INSTANCE_FAMILY offers " + kcicloud::to_string(size) +
                        " with system disk " + std::string(disk_type) + why +
                        ": add a family that does, or change the size or the disk type");
}

}  // namespace kci::translate
