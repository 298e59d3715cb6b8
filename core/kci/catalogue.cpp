#include "core/kci/catalogue.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/kci/assumptions.h"

namespace kci::kcicloud {
namespace {

std::string amount(std::int64_t value, std::int64_t unit) {
  std::string s = std::to_string(value / unit);
  std::int64_t frac = value % unit;
  if (frac == 0) return s;
  // Up to three decimals: milli-cores are exact, MiB/1024 is shown to a thousandth.
  std::int64_t thousandths = (frac * 1000 + unit / 2) / unit;
  std::string f = std::to_string(thousandths);
  f.insert(0, 3 - std::min<std::size_t>(3, f.size()), '0');
  while (!f.empty() && f.back() == '0') f.pop_back();
  return f.empty() ? s : s + "." + f;
}

const std::vector<Package>& no_packages() {
  static const std::vector<Package> empty;
  return empty;
}

}  // namespace

std::string to_string(const Size& size) {
  return amount(size.cpu_milli, kMilliPerCore) + "C" + amount(size.memory_mib, kMibPerGib) + "G";
}

std::optional<std::string> package_name(std::string_view family, const Size& size) {
  if (size.cpu_milli <= 0 || size.cpu_milli % kMilliPerCore != 0) return std::nullopt;
  const std::int64_t cpu = size.cpu_milli / kMilliPerCore;
  for (const auto& r : assumed::kRatioLetters) {
    if (size.memory_mib == cpu * r.gib_per_core * kMibPerGib) {
      return std::string(family) + "." + std::to_string(cpu) + r.letter;
    }
  }
  return std::nullopt;
}

Result<Catalogue> Catalogue::make(std::vector<Family> families, std::vector<DiskType> disks) {
  Catalogue c;
  std::set<std::string> disk_names;
  for (const auto& d : disks) {
    if (d.name.empty()) return invalid_argument("catalogue: a disk type has an empty name");
    if (!disk_names.insert(d.name).second) {
      return invalid_argument("catalogue: disk type \"" + d.name + "\" is listed twice");
    }
    if (d.min_gb <= 0 || d.max_gb < d.min_gb) {
      return invalid_argument("catalogue: disk type \"" + d.name + "\" has range " +
                              std::to_string(d.min_gb) + "-" + std::to_string(d.max_gb) +
                              " GB; need 0 < minGb <= maxGb");
    }
  }
  std::set<std::string> family_names, package_names;
  std::set<Size> sizes;
  for (auto& f : families) {
    if (f.name.empty()) return invalid_argument("catalogue: a family has an empty name");
    if (!family_names.insert(f.name).second) {
      return invalid_argument("catalogue: family \"" + f.name + "\" is listed twice");
    }
    if (f.packages.empty()) {
      return invalid_argument("catalogue: family \"" + f.name + "\" has no packages");
    }
    for (const auto& d : f.system_disks) {
      if (!disk_names.count(d)) {
        return invalid_argument("catalogue: family \"" + f.name + "\" lists system disk \"" +
                                d + "\", which is not among the disk types");
      }
    }
    for (auto& p : f.packages) {
      p.family = f.name;
      if (p.name.empty()) return invalid_argument("catalogue: a package of " + f.name + " has no name");
      if (!package_names.insert(p.name).second) {
        return invalid_argument("catalogue: package \"" + p.name + "\" is listed twice");
      }
      if (p.size.cpu_milli <= 0 || p.size.memory_mib <= 0 || p.gpu < 0) {
        return invalid_argument("catalogue: package \"" + p.name + "\" has size " +
                                to_string(p.size) + " and " + std::to_string(p.gpu) +
                                " GPUs; CPU and memory must be positive, GPUs >= 0");
      }
      sizes.insert(p.size);
    }
    std::stable_sort(f.packages.begin(), f.packages.end(),
                     [](const Package& a, const Package& b) { return a.size < b.size; });
  }
  c.families_ = std::move(families);
  c.disks_ = std::move(disks);
  c.sizes_.assign(sizes.begin(), sizes.end());
  return c;
}

const Family* Catalogue::family(std::string_view name) const {
  for (const auto& f : families_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const std::vector<Package>& Catalogue::packages_of(std::string_view name) const {
  const Family* f = family(name);
  return f ? f->packages : no_packages();
}

const Package* Catalogue::find_package(std::string_view name) const {
  for (const auto& f : families_) {
    for (const auto& p : f.packages) {
      if (p.name == name) return &p;
    }
  }
  return nullptr;
}

const Package* Catalogue::package_with_size(std::string_view fam, const Size& size) const {
  for (const auto& p : packages_of(fam)) {
    if (p.size == size) return &p;
  }
  return nullptr;
}

bool Catalogue::family_supports_size(std::string_view fam, const Size& size) const {
  return package_with_size(fam, size) != nullptr;
}

bool Catalogue::family_supports_disk(std::string_view fam, std::string_view disk) const {
  const Family* f = family(fam);
  return f && std::find(f->system_disks.begin(), f->system_disks.end(), disk) !=
                  f->system_disks.end();
}

const DiskType* Catalogue::disk_type(std::string_view name) const {
  for (const auto& d : disks_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const Package* Catalogue::first_package(const Size& size, std::string_view disk) const {
  for (const auto& f : families_) {
    if (!family_supports_disk(f.name, disk)) continue;
    if (const Package* p = package_with_size(f.name, size)) return p;
  }
  return nullptr;
}

Size Catalogue::largest() const {
  Size s;
  for (const auto& z : sizes_) {
    s.cpu_milli = std::max(s.cpu_milli, z.cpu_milli);
    s.memory_mib = std::max(s.memory_mib, z.memory_mib);
  }
  return s;
}

namespace {

std::vector<DiskType> default_disks() {
  std::vector<DiskType> out;
  for (const auto& d : assumed::kSystemDiskTypes) {
    out.push_back(DiskType{std::string(d.type), d.min_gb, d.max_gb});
  }
  return out;
}

bool is_standard(int cpu, int gib) {
  for (const auto& row : assumed::kStandardSizes) {
    if (row.cpu != cpu) continue;
    for (int m : row.memory_gib) {
      if (m == gib) return true;
    }
  }
  return false;
}

// The packages of a family: every standard size in the CPU range whose ratio letter the
// family offers.
std::vector<Package> grid(std::string_view family, int min_cpu, int max_cpu,
                          std::string_view letters) {
  std::vector<Package> out;
  for (const auto& row : assumed::kStandardSizes) {
    if (row.cpu < min_cpu || row.cpu > max_cpu) continue;
    for (const auto& r : assumed::kRatioLetters) {
      if (letters.find(r.letter) == std::string_view::npos) continue;
      const int gib = row.cpu * r.gib_per_core;
      if (!is_standard(row.cpu, gib)) continue;
      const Size size = Size::cores_gib(row.cpu, gib);
      out.push_back(Package{*package_name(family, size), std::string(family), size, 0, {}});
    }
  }
  return out;
}

Catalogue build_default() {
  std::vector<Family> fams;
  for (const auto& row : assumed::kFamilies) {
    Family f;
    f.name = std::string(row.name);
    f.packages = grid(row.name, row.min_cpu, row.max_cpu, row.letters);
    for (auto d : row.disks) {
      if (!d.empty()) f.system_disks.emplace_back(d);
    }
    fams.push_back(std::move(f));
  }
  auto c = Catalogue::make(std::move(fams), default_disks());
  assert(c.ok());  // the built-in tables are consistent; a test guards it
  return std::move(c).value();
}

// Converts an amount in units (cores, GiB) to an exact integer of sub-units; refuses
// negative, non-finite and absurd values.
Result<std::int64_t> scaled(const YAML::Node& n, std::int64_t per_unit, const std::string& where) {
  double v = 0;
  if (!n || !YAML::convert<double>::decode(n, v) || !std::isfinite(v) || v < 0 || v > 1e9) {
    return invalid_argument("catalogue: " + where + " is \"" + (n && n.IsScalar() ? n.Scalar() : std::string("?")) +
                            "\"; expected a non-negative number");
  }
  return static_cast<std::int64_t>(std::llround(v * static_cast<double>(per_unit)));
}

Result<Catalogue> parse_node(const YAML::Node& root) {
  if (!root.IsMap()) return invalid_argument("catalogue: the document must be a map with key families");
  std::vector<DiskType> disks;
  if (const auto dn = root["diskTypes"]) {
    if (!dn.IsMap()) return invalid_argument("catalogue: diskTypes must be a map of name -> {minGb, maxGb}");
    for (const auto& kv : dn) {
      DiskType d;
      d.name = kv.first.as<std::string>();
      if (!kv.second.IsMap()) return invalid_argument("catalogue: diskTypes." + d.name + " must be a map {minGb, maxGb}");
      d.min_gb = kv.second["minGb"].as<int>(0);
      d.max_gb = kv.second["maxGb"].as<int>(0);
      disks.push_back(d);
    }
  } else {
    disks = default_disks();
  }
  const auto fn = root["families"];
  if (!fn || !fn.IsSequence()) return invalid_argument("catalogue: families must be a list");
  std::vector<Family> fams;
  for (std::size_t i = 0; i < fn.size(); ++i) {
    const auto f = fn[i];
    const std::string where = "families[" + std::to_string(i) + "]";
    if (!f.IsMap()) return invalid_argument("catalogue: " + where + " must be a map");
    Family fam;
    fam.name = f["name"].as<std::string>("");
    if (const auto sd = f["systemDisks"]) {
      if (!sd.IsSequence()) return invalid_argument("catalogue: " + where + ".systemDisks must be a list");
      for (const auto& d : sd) fam.system_disks.push_back(d.as<std::string>());
    } else {
      fam.system_disks.emplace_back(assumed::kDefaultSystemDiskType);
    }
    if (const auto cpus = f["cpus"]) {
      const std::string letters = f["letters"] ? [&] {
        std::string s;
        for (const auto& l : f["letters"]) s += l.as<std::string>();
        return s;
      }() : std::string("ABCD");
      for (const auto& c : cpus) {
        const int cpu = c.as<int>(0);
        for (const char l : letters) {
          const auto* r = std::find_if(assumed::kRatioLetters.begin(), assumed::kRatioLetters.end(),
                                       [&](const auto& x) { return x.letter == l; });
          if (r == assumed::kRatioLetters.end()) {
            return invalid_argument("catalogue: " + where + ".letters has \"" + std::string(1, l) +
                                    "\"; accepted: A, B, C, D");
          }
          const Size size = Size::cores_gib(cpu, cpu * r->gib_per_core);
          const auto name = package_name(fam.name, size);
          if (!name) return invalid_argument("catalogue: " + where + ".cpus has " + std::to_string(cpu) + "; need a positive whole number");
          fam.packages.push_back(Package{*name, fam.name, size, 0, {}});
        }
      }
    }
    if (const auto ps = f["packages"]) {
      if (!ps.IsSequence()) return invalid_argument("catalogue: " + where + ".packages must be a list");
      for (std::size_t j = 0; j < ps.size(); ++j) {
        const auto p = ps[j];
        const std::string pw = where + ".packages[" + std::to_string(j) + "]";
        if (!p.IsMap()) return invalid_argument("catalogue: " + pw + " must be a map");
        Package pkg;
        KCI_TRY(pkg.size.cpu_milli, scaled(p["cpu"], kMilliPerCore, pw + ".cpu"));
        KCI_TRY(pkg.size.memory_mib, scaled(p["memoryGi"], kMibPerGib, pw + ".memoryGi"));
        pkg.gpu = p["gpu"].as<int>(0);
        pkg.gpu_type = p["gpuType"].as<std::string>("");
        pkg.name = p["name"].as<std::string>("");
        if (pkg.name.empty()) {
          auto n = package_name(fam.name, pkg.size);
          if (!n) return invalid_argument("catalogue: " + pw + " has no name and size " + to_string(pkg.size) + " has no ratio letter; give it a name");
          pkg.name = *n;
        }
        fam.packages.push_back(std::move(pkg));
      }
    }
    fams.push_back(std::move(fam));
  }
  return Catalogue::make(std::move(fams), std::move(disks));
}

}  // namespace

const Catalogue& default_catalogue() {
  static const Catalogue c = build_default();
  return c;
}

Result<Catalogue> parse_catalogue_yaml(std::string_view yaml_text) {
  try {
    return parse_node(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("catalogue: not valid YAML or a value has the wrong type: ") + e.what());
  }
}

}  // namespace kci::kcicloud
