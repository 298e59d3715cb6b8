#include "fake-kci/cloud_config.h"

#include "core/duration.h"
#include "core/kci/api.h"
#include "core/kci/assumptions.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace kci::fake_kci {
namespace {

Error bad(const std::string& key, const std::string& found, const std::string& accepted) {
  return invalid_argument("kci." + key + " is " + found + "; " + accepted);
}

std::string scalar(const YAML::Node& n) { return n.IsScalar() ? "\"" + n.Scalar() + "\"" : "not a scalar"; }

Status known_keys(const YAML::Node& n, const std::string& where, std::initializer_list<const char*> keys) {
  for (const auto& kv : n) {
    const std::string k = kv.first.as<std::string>();
    bool ok = false;
    for (const char* x : keys) ok |= k == x;
    if (!ok) {
      std::string list;
      for (const char* x : keys) list += (list.empty() ? "" : ", ") + std::string(x);
      return invalid_argument("kci" + (where.empty() ? "" : "." + where) + " has unknown key \"" + k +
                              "\"; accepted: " + list);
    }
  }
  return {};
}

Result<double> number(const YAML::Node& n, const std::string& key) {
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || v < 0) {
    return bad(key, scalar(n), "expected a non-negative number");
  }
  return v;
}

Result<std::int64_t> count(const YAML::Node& n, const std::string& key) {
  long long v = 0;
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v) || v < 0) {
    return bad(key, scalar(n), "expected a whole number >= 0");
  }
  return static_cast<std::int64_t>(v);
}

Result<Duration> duration(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) return bad(key, "not a scalar", "expected a duration such as 500ms, 30s, 2m");
  auto d = parse_duration(n.Scalar());
  if (!d.ok()) return bad(key, scalar(n), "expected a duration such as 500ms, 30s, 2m");
  return d;
}

Result<BucketConfig> bucket(const YAML::Node& n, const std::string& key) {
  if (!n.IsMap()) return bad(key, "not a map", "expected {rate, burst}");
  KCI_TRY_STATUS(known_keys(n, key, {"rate", "burst"}));
  BucketConfig b;
  if (n["rate"]) { KCI_TRY(b.rate, number(n["rate"], key + ".rate")); }
  b.burst = b.rate;
  if (n["burst"]) { KCI_TRY(b.burst, number(n["burst"], key + ".burst")); }
  return b;
}

Result<std::vector<ImageCacheConfig>> image_caches(const YAML::Node& n) {
  const char* shape = "expected [{name, images, id, readyAfter, retentionDays, sizeGb}]";
  if (!n.IsSequence()) return bad("imageCaches", "not a list", shape);
  std::vector<ImageCacheConfig> out;
  std::set<std::string> ids, names;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const auto x = n[i];
    const std::string k = "imageCaches[" + std::to_string(i) + "]";
    if (!x.IsMap() || !x["name"] || !x["images"]) return bad(k, "incomplete", shape);
    KCI_TRY_STATUS(known_keys(x, k, {"name", "images", "id", "readyAfter", "retentionDays", "sizeGb"}));
    ImageCacheConfig ic;
    ic.name = x["name"].as<std::string>();
    if (!names.insert(ic.name).second) return bad(k + ".name", "\"" + ic.name + "\" twice", "names must be unique");
    if (!x["images"].IsSequence() || x["images"].size() == 0) {
      return bad(k + ".images", "not a non-empty list", "expected [image, ...] such as [nginx:1.7.9]");
    }
    for (const auto& img : x["images"]) ic.images.push_back(img.as<std::string>());
    if (ic.images.size() > static_cast<std::size_t>(kcicloud::assumed::kMaxImageCacheImages)) {
      return bad(k + ".images", std::to_string(ic.images.size()) + " images", "at most 20 are accepted");
    }
    if (x["id"]) {
      ic.id = x["id"].as<std::string>();
      if (!kcicloud::is_image_cache_id(ic.id)) {
        return bad(k + ".id", "\"" + ic.id + "\"", "expected imc- and lower-case letters and digits, such as imc-2ze5tm5gehgtiiga");
      }
      if (!ids.insert(ic.id).second) return bad(k + ".id", "\"" + ic.id + "\" twice", "ids must be unique");
    }
    if (x["readyAfter"]) { KCI_TRY(ic.ready_after, duration(x["readyAfter"], k + ".readyAfter")); }
    if (x["retentionDays"]) {
      KCI_TRY(auto d, count(x["retentionDays"], k + ".retentionDays"));
      // 100,000 days (some 270 years) is "for ever" and keeps the expiry time in range.
      constexpr std::int64_t kMaxRetentionDays = 100000;
      ic.retention_days = static_cast<int>(std::min(d, kMaxRetentionDays));
    }
    if (x["sizeGb"]) {
      namespace a = kcicloud::assumed;
      KCI_TRY(auto gb, count(x["sizeGb"], k + ".sizeGb"));
      if (gb < a::kMinImageCacheGb || gb > a::kMaxImageCacheGb) {
        return bad(k + ".sizeGb", std::to_string(gb), "expected 20 to 2000 (GB)");
      }
      ic.size_gb = static_cast<int>(gb);
    }
    out.push_back(std::move(ic));
  }
  return out;
}

Result<CloudConfig> parse(const YAML::Node& root, const std::string& base_dir, TimePoint start) {
  CloudConfig c;
  if (root.IsNull()) return CloudConfig::defaults();
  if (!root.IsMap()) return invalid_argument("kci must be a map of settings");
  KCI_TRY_STATUS(known_keys(root, "", {"region", "zones", "catalogue", "stock", "quotas", "subnets", "securityGroups",
                                       "owner", "users", "latency", "scripts", "spot", "noStock", "faults",
                                       "createErrorRate", "defaultStock", "imageCaches"}));
  if (root["region"]) c.region = root["region"].as<std::string>();
  if (const auto z = root["zones"]) {
    if (!z.IsSequence() || z.size() == 0) return bad("zones", "not a non-empty list", "expected [zone, ...]");
    c.zones.clear();
    for (const auto& x : z) c.zones.push_back(x.as<std::string>());
  }
  if (const auto cat = root["catalogue"]) {
    const std::string v = cat.IsScalar() ? cat.Scalar() : "";
    if (cat.IsMap()) {
      KCI_TRY(c.catalogue, kcicloud::parse_catalogue_yaml(YAML::Dump(cat)));
    } else if (v != "default") {
      const std::string path = (!v.empty() && v[0] == '/') ? v : base_dir + "/" + v;
      std::ifstream in(path);
      if (!in) return bad("catalogue", "\"" + v + "\"", "expected default, an inline map or a readable file");
      std::stringstream ss;
      ss << in.rdbuf();
      KCI_TRY(c.catalogue, kcicloud::parse_catalogue_yaml(ss.str()));
    }
  }
  if (root["defaultStock"]) { KCI_TRY(c.default_stock, count(root["defaultStock"], "defaultStock")); }
  if (const auto s = root["stock"]) {
    if (!s.IsMap()) return bad("stock", "not a map", "expected {zone: {type: count}}");
    for (const auto& z : s) {
      const std::string zone = z.first.as<std::string>();
      if (!z.second.IsMap()) return bad("stock." + zone, "not a map", "expected {type: count}");
      for (const auto& t : z.second) {
        const std::string type = t.first.as<std::string>();
        KCI_TRY(c.stock[zone][type], count(t.second, "stock." + zone + "." + type));
      }
    }
  }
  if (const auto q = root["quotas"]) {
    if (!q.IsMap()) return bad("quotas", "not a map", "expected {cpu, memoryGi, containerGroups}");
    KCI_TRY_STATUS(known_keys(q, "quotas", {"cpu", "memoryGi", "containerGroups"}));
    if (q["cpu"]) { KCI_TRY(c.quotas.cpu, count(q["cpu"], "quotas.cpu")); }
    if (q["memoryGi"]) { KCI_TRY(c.quotas.memory_gi, count(q["memoryGi"], "quotas.memoryGi")); }
    if (q["containerGroups"]) { KCI_TRY(c.quotas.container_groups, count(q["containerGroups"], "quotas.containerGroups")); }
  }
  if (const auto s = root["subnets"]) {
    if (!s.IsMap()) return bad("subnets", "not a map", "expected {id: {zone, freeIps}}");
    for (const auto& kv : s) {
      const std::string id = kv.first.as<std::string>();
      SubnetConfig sn;
      sn.zone = c.zones.front();
      if (kv.second.IsMap()) {
        KCI_TRY_STATUS(known_keys(kv.second, "subnets." + id, {"zone", "freeIps", "vpcId"}));
        if (kv.second["zone"]) sn.zone = kv.second["zone"].as<std::string>();
        if (kv.second["vpcId"]) sn.vpc_id = kv.second["vpcId"].as<std::string>();
        if (kv.second["freeIps"]) { KCI_TRY(sn.free_ips, count(kv.second["freeIps"], "subnets." + id + ".freeIps")); }
      }
      if (std::find(c.zones.begin(), c.zones.end(), sn.zone) == c.zones.end()) {
        return bad("subnets." + id + ".zone", "\"" + sn.zone + "\"", "expected one of kci.zones");
      }
      c.subnets[id] = sn;
    }
  }
  if (const auto s = root["securityGroups"]) {
    if (!s.IsMap()) return bad("securityGroups", "not a map", "expected {id: {maxInstances}}");
    for (const auto& kv : s) {
      const std::string id = kv.first.as<std::string>();
      SecurityGroupConfig sg;
      if (kv.second.IsMap()) {
        KCI_TRY_STATUS(known_keys(kv.second, "securityGroups." + id, {"maxInstances"}));
        if (kv.second["maxInstances"]) {
          KCI_TRY(sg.max_instances, count(kv.second["maxInstances"], "securityGroups." + id + ".maxInstances"));
        }
      }
      c.security_groups[id] = sg;
    }
  }
  if (const auto o = root["owner"]) {
    if (!o.IsMap() || !o["accessKey"] || !o["secretKey"]) {
      return bad("owner", "incomplete", "expected {accessKey, secretKey}");
    }
    c.users.push_back(UserConfig{o["accessKey"].as<std::string>(), o["secretKey"].as<std::string>(), {}, true});
  }
  if (const auto us = root["users"]) {
    if (!us.IsMap()) return bad("users", "not a map", "expected {name: {accessKey, secretKey, projects}}");
    for (const auto& kv : us) {
      const std::string name = kv.first.as<std::string>();
      const auto u = kv.second;
      if (!u.IsMap() || !u["accessKey"] || !u["secretKey"]) {
        return bad("users." + name, "incomplete", "expected {accessKey, secretKey, projects}");
      }
      KCI_TRY_STATUS(known_keys(u, "users." + name, {"accessKey", "secretKey", "projects"}));
      UserConfig uc{u["accessKey"].as<std::string>(), u["secretKey"].as<std::string>(), {}, false};
      if (u["projects"]) {
        for (const auto& p : u["projects"]) uc.projects.push_back(p.as<std::string>());
      }
      c.users.push_back(std::move(uc));
    }
  }
  if (const auto l = root["latency"]) {
    KCI_TRY_STATUS(known_keys(l, "latency", {"create", "start", "imageCacheStart", "imageCacheCreate"}));
    if (l["create"]) { KCI_TRY(c.latency.create, duration(l["create"], "latency.create")); }
    if (l["start"]) { KCI_TRY(c.latency.start, duration(l["start"], "latency.start")); }
    if (l["imageCacheStart"]) {
      KCI_TRY(c.latency.image_cache_start, duration(l["imageCacheStart"], "latency.imageCacheStart"));
    }
    if (l["imageCacheCreate"]) {
      KCI_TRY(c.latency.image_cache_create, duration(l["imageCacheCreate"], "latency.imageCacheCreate"));
    }
  }
  if (const auto ss = root["scripts"]) {
    if (!ss.IsSequence()) return bad("scripts", "not a list", "expected [{image, exitAfter, exitCode, logs}]");
    for (std::size_t i = 0; i < ss.size(); ++i) {
      const auto s = ss[i];
      const std::string k = "scripts[" + std::to_string(i) + "]";
      if (!s.IsMap() || !s["image"]) return bad(k, "incomplete", "expected {image, exitAfter, exitCode, logs}");
      KCI_TRY_STATUS(known_keys(s, k, {"image", "exitAfter", "exitCode", "logs", "createError"}));
      ContainerScript cs;
      cs.image = s["image"].as<std::string>();
      if (s["exitAfter"]) { KCI_TRY(cs.exit_after, duration(s["exitAfter"], k + ".exitAfter")); }
      cs.exit_code = s["exitCode"].as<int>(0);
      cs.create_error = s["createError"].as<bool>(false);
      if (s["logs"]) {
        for (const auto& line : s["logs"]) cs.logs.push_back(line.as<std::string>());
      }
      c.scripts.push_back(std::move(cs));
    }
  }
  if (const auto sp = root["spot"]) {
    KCI_TRY_STATUS(known_keys(sp, "spot", {"reclaimAfter"}));
    if (sp["reclaimAfter"]) { KCI_TRY(c.spot.reclaim_after, duration(sp["reclaimAfter"], "spot.reclaimAfter")); }
  }
  if (const auto ns = root["noStock"]) {
    if (!ns.IsSequence()) return bad("noStock", "not a list", "expected [{zone, instanceType, at, for}]");
    for (std::size_t i = 0; i < ns.size(); ++i) {
      const auto w = ns[i];
      const std::string k = "noStock[" + std::to_string(i) + "]";
      KCI_TRY_STATUS(known_keys(w, k, {"zone", "instanceType", "at", "for"}));
      NoStockWindow nw{w["zone"].as<std::string>("*"), w["instanceType"].as<std::string>("*"), start, TimePoint::max()};
      if (w["at"]) {
        KCI_TRY(Duration at, duration(w["at"], k + ".at"));
        nw.from = start + at;
      }
      if (w["for"]) {
        KCI_TRY(Duration f, duration(w["for"], k + ".for"));
        nw.until = nw.from + f;
      }
      c.no_stock.push_back(nw);
    }
  }
  if (const auto f = root["faults"]) {
    KCI_TRY_STATUS(known_keys(f, "faults", {"throttling", "throttleRate", "serverErrorRate", "timeoutRate", "latency"}));
    if (const auto t = f["throttling"]) {
      KCI_TRY_STATUS(known_keys(t, "faults.throttling", {"create", "delete", "describe"}));
      if (t["create"]) { KCI_TRY(c.faults.create_bucket, bucket(t["create"], "faults.throttling.create")); }
      if (t["delete"]) { KCI_TRY(c.faults.delete_bucket, bucket(t["delete"], "faults.throttling.delete")); }
      if (t["describe"]) { KCI_TRY(c.faults.describe_bucket, bucket(t["describe"], "faults.throttling.describe")); }
    }
    if (f["throttleRate"]) { KCI_TRY(c.faults.throttle_rate, number(f["throttleRate"], "faults.throttleRate")); }
    if (f["serverErrorRate"]) { KCI_TRY(c.faults.server_error_rate, number(f["serverErrorRate"], "faults.serverErrorRate")); }
    if (f["timeoutRate"]) { KCI_TRY(c.faults.timeout_rate, number(f["timeoutRate"], "faults.timeoutRate")); }
    if (f["latency"]) { KCI_TRY(c.faults.added_latency, duration(f["latency"], "faults.latency")); }
  }
  if (root["createErrorRate"]) { KCI_TRY(c.create_error_rate, number(root["createErrorRate"], "createErrorRate")); }
  if (const auto ic = root["imageCaches"]) {
    KCI_TRY(c.image_caches, image_caches(ic));
  }

  // Fill what was not given with the defaults.
  const CloudConfig d = CloudConfig::defaults();
  if (c.subnets.empty()) {
    for (const auto& z : c.zones) c.subnets["subnet-" + z] = SubnetConfig{z, "vpc-default", 4096};
  }
  if (c.security_groups.empty()) c.security_groups = d.security_groups;
  const bool has_owner = std::any_of(c.users.begin(), c.users.end(), [](const UserConfig& u) { return u.owner; });
  if (!has_owner) c.users.insert(c.users.begin(), d.users.front());
  std::set<std::string> keys;
  for (const auto& u : c.users) {
    if (!keys.insert(u.access_key).second) return bad("users", "\"" + u.access_key + "\" twice", "access keys must be unique");
  }
  return c;
}

}  // namespace

CloudConfig CloudConfig::defaults() {
  CloudConfig c;
  for (const auto& z : c.zones) c.subnets["subnet-" + z] = SubnetConfig{z, "vpc-default", 4096};
  c.security_groups["sg-default"] = SecurityGroupConfig{};
  c.users.push_back(UserConfig{"AKowner", "SKowner", {}, true});
  return c;
}

Result<CloudConfig> parse_cloud_config(std::string_view yaml_text, const std::string& base_dir, TimePoint start) {
  try {
    return parse(YAML::Load(std::string(yaml_text)), base_dir, start);
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("kci: not valid YAML or a value has the wrong type: ") + e.what());
  }
}

}  // namespace kci::fake_kci
