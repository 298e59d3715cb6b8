#include "fake-kci/fake_cloud.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <queue>
#include <set>

#include "core/kci/assumptions.h"

namespace kci::fake_kci {

using namespace kcicloud;
namespace a = kcicloud::assumed;

namespace {

// ---- limits documented in kci-cloud.md "Limits" ----
//! ContainerGroupName length.
constexpr std::size_t kMaxNameLength = 128;
//! MultiSubnetId.N entries.
constexpr std::size_t kMaxSubnets = 5;
//! SecurityGroupId.N entries.
constexpr std::size_t kMaxSecurityGroups = 3;
//! Containers per group (sizing rule 6).
constexpr std::size_t kMaxContainers = 5;
//! CPU per group (cores).
constexpr double kMaxCpu = 256;
//! Memory per group (GiB).
constexpr double kMaxMemoryGib = 512;
//! DescribeContainerLog Tail: default and maximum.
constexpr int kDefaultTail = 500;
constexpr int kMaxTail = 2000;
//! DescribeContainerGroup MaxResults: maximum, also the default (assumed).
constexpr int kMaxResults = 100;
//! Kubernetes' crash-loop back-off: 10 s doubling to 5 minutes.
constexpr auto kBackoffStart = std::chrono::seconds(10);
constexpr auto kBackoffMax = std::chrono::seconds(300);

std::string rfc3339(TimePoint t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(hms.hours().count()), static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf;
}

Error invalid(std::string m) { return kci_error(a::kInvalidParameter, std::move(m)); }

std::string quoted(std::string_view s) {
  // Long values are cut in messages; 64 characters identify them.
  constexpr std::size_t kShown = 64;
  return "\"" + (s.size() <= kShown ? std::string(s) : std::string(s.substr(0, kShown)) + "...") + "\"";
}

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > kMaxNameLength) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  return std::all_of(n.begin(), n.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

// A DNS-1123 label, as container names must be.
bool valid_label(std::string_view n) {
  // DNS-1123 labels are at most 63 characters.
  constexpr std::size_t kMaxLabel = 63;
  if (n.empty() || n.size() > kMaxLabel) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(n.front()) && alnum(n.back()) &&
         std::all_of(n.begin(), n.end(), [&](char c) { return alnum(c) || c == '-'; });
}

// An image reference as a cache compares it: Docker Hub's implied registry and library/
// prefix dropped, ":latest" added when neither a tag nor a digest is given.
std::string normal_image(std::string_view ref) {
  std::string r(ref);
  for (std::string_view p : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"}) {
    if (r.compare(0, p.size(), p) == 0) {
      r.erase(0, p.size());
      break;
    }
  }
  constexpr std::string_view kLibrary = "library/";
  if (r.compare(0, kLibrary.size(), kLibrary) == 0) r.erase(0, kLibrary.size());
  const auto slash = r.rfind('/');
  const std::string_view last = std::string_view(r).substr(slash == std::string::npos ? 0 : slash + 1);
  if (last.find(':') == std::string_view::npos && r.find('@') == std::string::npos) r += ":latest";
  return r;
}

bool three_decimals(double v) { return std::fabs(v * 1000 - std::round(v * 1000)) < 1e-6; }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

}  // namespace

struct FakeKciCloud::State {
  struct Container {
    ContainerSpec spec;
    std::optional<ContainerScript> script;
    ContainerStatus status;
    std::optional<TimePoint> timer;  // exit (when running) or restart (when waiting)
    bool done = false;               // terminated for good
    std::vector<std::string> log;
  };
  struct Group {
    std::uint64_t seq = 0;
    std::uint64_t version = 0;
    CreateContainerGroupRequest req;
    std::string id, project, zone, subnet, vpc, ip, instance_type, charge_type, restart_policy;
    std::vector<std::string> security_groups;
    Size size;
    int gpu = 0;
    TimePoint created;
    std::string status = status::kPending;
    bool holds_stock = true;
    bool create_error = false;
    std::optional<TimePoint> pull_at, run_at, spot_announce_at, spot_end_at;
    std::optional<TimePoint> billing_end;
    std::vector<Container> containers;
    std::vector<Event> events;
    std::string image_cache;  // the cache it starts from ("" = pulls its images)
    bool cache_covers = false;  // the cache holds every image: no pull at all
  };
  //! An image cache (CreateImageCache or the `imageCaches:` configuration).
  struct Cache {
    std::uint64_t seq = 0;
    std::string id, name, snapshot_id, project;
    std::vector<std::string> images;  // as given
    std::set<std::string> normal;     // normal_image() of each
    int size_gb = 0;
    TimePoint created;
    std::string status = image_cache_status::kCreating;
    std::optional<TimePoint> ready_at, expire_at, last_matched;
    std::vector<Event> events;
  };
  struct Due {
    TimePoint at;
    std::uint64_t seq, version;
    bool operator>(const Due& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
  };

  CloudConfig cfg;
  const Clock& clock;
  Rng rng;
  std::map<std::string, Group> groups;             // by id
  //! Creation order -> the group (map nodes do not move): a listing walks it without a
  //! lookup by id per group, which made paging through 100,000 groups quadratic.
  std::map<std::uint64_t, Group*> by_seq;
  std::uint64_t next_seq = 1;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  std::map<std::string, std::map<std::string, std::int64_t>> capacity;  // set_stock overrides
  std::map<std::string, std::map<std::string, std::int64_t>> taken;
  std::map<std::string, std::set<std::int64_t>> ips;  // subnet -> offsets in use
  //! subnet -> an offset below which every offset is in use, so the lowest free one is found
  //! from there (a burst takes IPs in order; scanning from 0 made it quadratic).
  std::map<std::string, std::int64_t> ips_full_below;
  std::map<std::string, std::int64_t> sg_use;
  std::int64_t used_cpu = 0, used_mem = 0, used_groups = 0;
  struct Token { std::string group_id; CreateContainerGroupRequest req; TimePoint at; };
  std::map<std::pair<std::string, std::string>, Token> tokens;  // (access key, token)
  Billing billed;  // closed intervals
  std::map<std::string, Cache> caches;  // by id
  std::uint64_t next_cache_seq = 1;

  State(CloudConfig c, const Clock& k, std::uint64_t seed) : cfg(std::move(c)), clock(k), rng(seed) {}

  // ------------------------------------------------------------ accounting
  std::int64_t initial_stock(const std::string& zone, const std::string& type) const {
    if (auto z = capacity.find(zone); z != capacity.end()) {
      if (auto t = z->second.find(type); t != z->second.end()) return t->second;
    }
    if (auto z = cfg.stock.find(zone); z != cfg.stock.end()) {
      if (auto t = z->second.find(type); t != z->second.end()) return t->second;
      if (auto t = z->second.find("*"); t != z->second.end()) return t->second;
    }
    return cfg.default_stock;
  }
  std::int64_t taken_of(const std::string& zone, const std::string& type) const {
    if (auto z = taken.find(zone); z != taken.end()) {
      if (auto t = z->second.find(type); t != z->second.end()) return t->second;
    }
    return 0;
  }
  std::int64_t left(const std::string& zone, const std::string& type) const {
    return initial_stock(zone, type) - taken_of(zone, type);
  }
  bool sold_out_window(const std::string& zone, const std::string& type, TimePoint now) const {
    for (const auto& w : cfg.no_stock) {
      if ((w.zone == "*" || w.zone == zone) && (w.instance_type == "*" || w.instance_type == type) &&
          now >= w.from && now < w.until) {
        return true;
      }
    }
    return false;
  }
  const UserConfig* user(const std::string& ak) const {
    for (const auto& u : cfg.users) {
      if (u.access_key == ak) return &u;
    }
    return nullptr;
  }
  //! The user calling, or InvalidAccessKeyId.
  Result<const UserConfig*> caller(const CallContext& ctx) const {
    if (const UserConfig* u = user(ctx.access_key_id)) return u;
    return kci_error(a::kInvalidAccessKeyId, "access key " + quoted(ctx.access_key_id) + " is not known");
  }
  static bool may_use(const UserConfig& u, const std::string& project) {
    return u.owner || std::find(u.projects.begin(), u.projects.end(), project) != u.projects.end();
  }

  void release_host(Group& g, TimePoint at) {
    if (g.holds_stock) {
      g.holds_stock = false;
      if (--taken[g.zone][g.instance_type] == 0) taken[g.zone].erase(g.instance_type);
      if (taken[g.zone].empty()) taken.erase(g.zone);
    }
    if (!g.billing_end) {
      g.billing_end = at;
      billed[g.project][g.instance_type] +=
          std::chrono::duration<double>(at - g.created).count();
    }
  }

  void release_all(Group& g, TimePoint at) {
    release_host(g, at);
    used_cpu -= g.size.cpu_milli;
    used_mem -= g.size.memory_mib;
    --used_groups;
    auto& s = ips[g.subnet];
    const std::int64_t off = ip_offset(g);
    s.erase(off);
    if (auto lo = ips_full_below.find(g.subnet); lo != ips_full_below.end() && off < lo->second) lo->second = off;
    if (s.empty()) ips.erase(g.subnet);
    for (const auto& sg : g.security_groups) {
      if (--sg_use[sg] == 0) sg_use.erase(sg);
    }
  }

  std::int64_t ip_offset(const Group& g) const {
    // The offset is the last two octets (see format_ip); kept alongside for release.
    const auto p3 = g.ip.rfind('.');
    const auto p2 = g.ip.rfind('.', p3 - 1);
    return std::stoll(g.ip.substr(p2 + 1, p3 - p2 - 1)) * 256 + std::stoll(g.ip.substr(p3 + 1)) - 1;
  }
  std::string format_ip(const std::string& subnet, std::int64_t offset) const {
    const auto idx = std::distance(cfg.subnets.begin(), cfg.subnets.find(subnet));
    // 10.<subnet>.<offset/256>.<offset%256+1>: readable, unique up to 65535 IPs a subnet.
    return "10." + std::to_string(idx % 256) + "." + std::to_string((offset + 1) / 256 % 256) + "." +
           std::to_string((offset + 1) % 256);
  }
  std::int64_t free_ips(const std::string& subnet) const {
    auto it = cfg.subnets.find(subnet);
    if (it == cfg.subnets.end()) return 0;
    auto u = ips.find(subnet);
    return it->second.free_ips - (u == ips.end() ? 0 : static_cast<std::int64_t>(u->second.size()));
  }
  std::int64_t take_ip(const std::string& subnet) {
    auto& s = ips[subnet];
    std::int64_t& off = ips_full_below[subnet];  // lowest free offset: none below it
    for (auto it = s.lower_bound(off); it != s.end() && *it == off; ++it) ++off;
    s.insert(off);
    return off++;
  }

  // ------------------------------------------------------------ lifecycle
  static void event(std::vector<Event>& events, TimePoint at, const char* type, std::string reason, std::string message) {
    // Repeats of the same reason and message fold into one event with a count, as Kubernetes does.
    for (auto& e : events) {
      if (e.reason == reason && e.message == message && e.type == type) {
        e.count++;
        e.last_timestamp = rfc3339(at);
        return;
      }
    }
    events.push_back(Event{rfc3339(at), rfc3339(at), 1, type, std::move(reason), std::move(message)});
  }
  static void event(Group& g, TimePoint at, const char* type, std::string reason, std::string message) {
    event(g.events, at, type, std::move(reason), std::move(message));
  }

  // ------------------------------------------------------------ image caches
  //! Seed 003's ImageCacheCreate: the snapshot is taken, the cache is not yet usable.
  Cache& add_cache(std::string id, std::string name, std::vector<std::string> images, std::string project, int size_gb,
                   int retention_days, TimePoint now, Duration ready_after) {
    Cache c;
    c.seq = next_cache_seq++;
    c.id = id.empty() ? "imc-" + rng.hex(20) : std::move(id);
    c.snapshot_id = "s-" + rng.hex(20);
    c.name = std::move(name);
    c.images = std::move(images);
    for (const auto& i : c.images) c.normal.insert(normal_image(i));
    c.project = std::move(project);
    c.size_gb = size_gb ? size_gb : a::kDefaultImageCacheGb;
    c.created = now;
    c.ready_at = now + ready_after;
    if (retention_days > 0) c.expire_at = now + std::chrono::hours(24) * retention_days;
    event(c.events, now, "Normal", "ImageCacheCreate",
          "Snapshot [" + c.snapshot_id + "] of image cache has been created, waiting for the completion of it");
    const std::string key = c.id;
    Cache& stored = caches.emplace(key, std::move(c)).first->second;
    advance_caches(now);
    return stored;
  }

  //! Groups waiting to start from a cache that goes away pull their images instead
  //! (seed 003's ImageCacheEliminated: "Current imageCache is eliminated").
  void eliminate(const std::string& cache_id, TimePoint at) {
    for (auto& [seq, g] : by_seq) {
      if (g->image_cache != cache_id || !g->run_at || !g->cache_covers) continue;
      g->cache_covers = false;
      g->run_at = std::max(g->pull_at.value_or(at), at) + cfg.latency.start;
      event(*g, at, "Warning", "ImageCacheEliminated", "Current imageCache is eliminated");
      schedule(*g);
    }
  }

  void advance_caches(TimePoint now) {
    for (auto& [id, c] : caches) {
      if (c.ready_at && *c.ready_at <= now && (!c.expire_at || *c.ready_at < *c.expire_at)) {
        c.status = image_cache_status::kReady;
        event(c.events, *c.ready_at, "Normal", "ImageCacheFinished", "Image cache [" + c.id + "] has been made successfully");
        c.ready_at.reset();
      }
      if (c.expire_at && *c.expire_at <= now) {
        c.status = image_cache_status::kExpired;
        c.ready_at.reset();
        eliminate(c.id, *c.expire_at);
        c.expire_at.reset();
      }
    }
  }

  std::optional<TimePoint> next_cache_change() const {
    std::optional<TimePoint> t;
    for (const auto& [id, c] : caches) {
      for (const auto& x : {c.ready_at, c.expire_at}) {
        if (x && (!t || *x < *t)) t = x;
      }
    }
    return t;
  }

  //! The Ready caches `user` may use that hold every one of `images`, best first: the
  //! tightest (fewest other images), then the newest — ECI matches by 镜像匹配度 and
  //! creation time.
  std::vector<const Cache*> matching(const std::vector<std::string>& images, const UserConfig& user) const {
    std::set<std::string> want;
    for (const auto& i : images) want.insert(normal_image(i));
    std::vector<const Cache*> out;
    for (const auto& [id, c] : caches) {
      if (c.status != std::string(image_cache_status::kReady) || !may_use(user, c.project)) continue;
      if (std::includes(c.normal.begin(), c.normal.end(), want.begin(), want.end())) out.push_back(&c);
    }
    std::sort(out.begin(), out.end(), [](const Cache* x, const Cache* y) {
      if (x->normal.size() != y->normal.size()) return x->normal.size() < y->normal.size();
      return x->seq > y->seq;
    });
    return out;
  }

  ImageCache cache_view(const Cache& c, TimePoint now) const {
    ImageCache v;
    v.image_cache_id = c.id;
    v.image_cache_name = c.name;
    v.snapshot_id = c.snapshot_id;
    v.images = c.images;
    v.status = c.status;
    if (c.status != std::string(image_cache_status::kCreating)) {
      v.progress = 100;
    } else if (c.ready_at && *c.ready_at > c.created) {
      // Percent of the making done; 99 at most until it is Ready.
      v.progress = static_cast<int>(std::min<std::int64_t>(99, 100 * (now - c.created) / (*c.ready_at - c.created)));
    }
    v.image_cache_size_gb = c.size_gb;
    v.project_id = c.project;
    v.creation_time = rfc3339(c.created);
    if (c.expire_at) v.expire_date_time = rfc3339(*c.expire_at);
    if (c.last_matched) v.last_matched_time = rfc3339(*c.last_matched);
    v.events = c.events;
    return v;
  }

  std::optional<TimePoint> next_of(const Group& g) const {
    std::optional<TimePoint> t;
    auto take = [&](const std::optional<TimePoint>& x) {
      if (x && (!t || *x < *t)) t = x;
    };
    take(g.pull_at);
    take(g.run_at);
    take(g.spot_announce_at);
    take(g.spot_end_at);
    for (const auto& c : g.containers) take(c.timer);
    return t;
  }
  void schedule(Group& g) {
    ++g.version;
    if (auto t = next_of(g)) due.push(Due{*t, g.seq, g.version});
  }

  void start_container(Group& g, Container& c, TimePoint at) {
    c.status.current_state = ContainerState{"Running", rfc3339(at), "", "", 0};
    c.status.ready = true;
    c.timer.reset();
    if (c.script && c.script->exit_after) c.timer = at + *c.script->exit_after;
    const std::string t = rfc3339(at);
    if (c.script && !c.script->logs.empty()) {
      for (const auto& l : c.script->logs) c.log.push_back(l);
    } else {
      c.log.push_back(t + " " + c.spec.name + ": started " + c.spec.image);
    }
    event(g, at, "Normal", "Started", "Started container " + c.spec.name);
  }

  void finish_group_if_done(Group& g, TimePoint at) {
    bool all_done = std::all_of(g.containers.begin(), g.containers.end(), [](const Container& c) { return c.done; });
    if (!all_done) return;
    bool failed = std::any_of(g.containers.begin(), g.containers.end(),
                              [](const Container& c) { return c.status.current_state.exit_code != 0; });
    g.status = failed ? status::kFailed : status::kSucceeded;
    release_host(g, at);
  }

  void container_timer(Group& g, Container& c, TimePoint at) {
    c.timer.reset();
    if (c.status.current_state.state == "Running") {
      const int code = c.script ? c.script->exit_code : 0;
      c.status.ready = false;
      c.status.current_state = ContainerState{"Terminated", c.status.current_state.start_time, rfc3339(at),
                                              code == 0 ? "Completed" : "Error", code};
      c.log.push_back(rfc3339(at) + " " + c.spec.name + ": exited with code " + std::to_string(code));
      const bool restart = g.restart_policy == "Always" || (g.restart_policy == "OnFailure" && code != 0);
      if (!restart) {
        c.done = true;
        event(g, at, code == 0 ? "Normal" : "Warning", code == 0 ? "Completed" : "Failed",
              "Container " + c.spec.name + " exited with code " + std::to_string(code));
        finish_group_if_done(g, at);
        return;
      }
      c.status.previous_state = c.status.current_state;
      auto backoff = Duration(kBackoffStart) * (1LL << std::min(c.status.restart_count, 5));
      if (backoff > Duration(kBackoffMax)) backoff = kBackoffMax;
      c.status.current_state = ContainerState{"Waiting", "", "", "CrashLoopBackOff", 0};
      c.timer = at + backoff;
      event(g, at, "Warning", "BackOff", "Back-off restarting container " + c.spec.name);
    } else if (c.status.current_state.state == "Waiting") {
      c.status.restart_count++;
      start_container(g, c, at);
    }
  }

  void step(Group& g, TimePoint at) {
    if (g.pull_at && *g.pull_at <= at) {
      g.pull_at.reset();
      g.status = status::kImagePulling;
      if (!g.cache_covers) {
        for (const auto& c : g.containers) event(g, at, "Normal", "Pulling", "Pulling image " + c.spec.image);
      }
    } else if (g.run_at && *g.run_at <= at) {
      g.run_at.reset();
      if (g.create_error) {
        g.status = status::kCreateError;
        event(g, at, "Warning", "CreateError", "The host of container group " + g.id + " failed to start");
        for (auto& c : g.containers) c.done = true;
        g.spot_announce_at.reset();
        g.spot_end_at.reset();
        release_host(g, at);
      } else {
        g.status = status::kRunning;
        for (auto& c : g.containers) {
          event(g, at, "Normal", "Pulled",
                g.cache_covers ? "Container image " + c.spec.image + " already present in image cache " + g.image_cache
                               : "Successfully pulled image " + c.spec.image);
          start_container(g, c, at);
        }
      }
    } else if (g.spot_announce_at && *g.spot_announce_at <= at) {
      g.spot_announce_at.reset();
      event(g, at, "Warning", "SpotToBeReleased",
            "Spot instance " + g.id + " will be released at " + rfc3339(g.spot_end_at.value_or(at)));
    } else if (g.spot_end_at && *g.spot_end_at <= at) {
      g.spot_end_at.reset();
      g.pull_at.reset();
      g.run_at.reset();
      for (auto& c : g.containers) {
        c.timer.reset();
        c.done = true;
        c.status.ready = false;
        c.status.current_state = ContainerState{"Terminated", c.status.current_state.start_time, rfc3339(at),
                                                "SpotReclaimed", 137};
      }
      g.status = status::kFailed;
      event(g, at, "Warning", "SpotReclaimed", "Spot instance " + g.id + " was reclaimed");
      release_host(g, at);
    } else {
      for (auto& c : g.containers) {
        if (c.timer && *c.timer <= at) {
          container_timer(g, c, at);
          break;
        }
      }
    }
    schedule(g);
  }

  void advance(TimePoint now) {
    advance_caches(now);
    while (!due.empty() && due.top().at <= now) {
      const Due d = due.top();
      due.pop();
      auto s = by_seq.find(d.seq);
      if (s == by_seq.end()) continue;
      Group& g = *s->second;
      if (g.version != d.version) continue;
      step(g, d.at);
    }
  }

  std::optional<TimePoint> next_due() {
    std::optional<TimePoint> t = next_cache_change();
    while (!due.empty()) {
      const Due& d = due.top();
      auto s = by_seq.find(d.seq);
      if (s != by_seq.end() && s->second->version == d.version) return t && *t < d.at ? *t : d.at;
      due.pop();
    }
    return t;
  }

  // ------------------------------------------------------------ views
  ContainerGroup view(const Group& g) const {
    ContainerGroup v;
    v.container_group_id = g.id;
    v.container_group_name = g.req.container_group_name;
    v.region = cfg.region;
    v.availability_zone = g.zone;
    v.charge_type = g.charge_type;
    v.cpu = static_cast<double>(g.size.cpu_milli) / kMilliPerCore;
    v.memory = static_cast<double>(g.size.memory_mib) / kMibPerGib;
    v.gpu = g.gpu;
    v.create_time = rfc3339(g.created);
    v.status = g.status;
    v.instance_type = g.instance_type;
    v.kci_type = g.req.kci_type.empty() ? "RBKCI" : g.req.kci_type;
    v.kci_mode = "Cluster";
    v.project_id = g.project;
    v.restart_policy = g.restart_policy;
    v.labels = g.req.labels;
    v.network_interfaces.push_back(NetworkInterface{"eni-" + g.id.substr(0, 8), g.ip, g.subnet, g.vpc, g.security_groups});
    for (const auto& c : g.containers) {
      ContainerStatus s = c.status;
      if (g.status == status::kPending || g.status == status::kImagePulling) {
        s.current_state = ContainerState{"Waiting", "", "", g.status == status::kPending ? "ContainerCreating" : "ImagePulling", 0};
      }
      v.containers.push_back(std::move(s));
    }
    for (const auto& ic : g.req.init_containers) {
      ContainerStatus s{ic.name, ic.image, 0, false, {}, {}};
      if (g.status != status::kPending && g.status != status::kImagePulling && g.status != status::kCreateError) {
        s.current_state = ContainerState{"Terminated", rfc3339(g.created), rfc3339(g.created), "Completed", 0};
      }
      v.init_containers.push_back(std::move(s));
    }
    return v;
  }
};

// ============================================================== public

FakeKciCloud::FakeKciCloud(CloudConfig config, const Clock& clock, std::uint64_t seed)
    : s_(std::make_unique<State>(std::move(config), clock, seed)) {
  for (const auto& ic : s_->cfg.image_caches) {
    s_->add_cache(ic.id, ic.name, ic.images, "0", ic.size_gb, ic.retention_days, clock.now(), ic.ready_after);
  }
}
FakeKciCloud::~FakeKciCloud() = default;

void FakeKciCloud::advance() { s_->advance(s_->clock.now()); }
std::optional<TimePoint> FakeKciCloud::next_event_time() const { return s_->next_due(); }
const CloudConfig& FakeKciCloud::config() const { return s_->cfg; }

std::optional<kcicloud::CreateContainerGroupRequest> FakeKciCloud::received_request(const std::string& id) const {
  auto it = s_->groups.find(id);
  if (it == s_->groups.end()) return std::nullopt;
  return it->second.req;
}

std::optional<std::string> FakeKciCloud::secret_for(const std::string& ak) const {
  if (const UserConfig* u = s_->user(ak)) return u->secret_key;
  return std::nullopt;
}

void FakeKciCloud::add_no_stock_window(NoStockWindow w) { s_->cfg.no_stock.push_back(std::move(w)); }

void FakeKciCloud::set_stock(const std::string& zone, const std::string& type, std::int64_t count) {
  s_->capacity[zone][type] = count + s_->taken_of(zone, type);
}

std::int64_t FakeKciCloud::stock_left(const std::string& zone, const std::string& type) const {
  return s_->left(zone, type);
}
std::int64_t FakeKciCloud::free_ips(const std::string& subnet) const { return s_->free_ips(subnet); }

Usage FakeKciCloud::usage() const {
  Usage u;
  u.cpu_milli = s_->used_cpu;
  u.memory_mib = s_->used_mem;
  u.container_groups = s_->used_groups;
  for (const auto& [k, v] : s_->ips) u.ips_used[k] = static_cast<std::int64_t>(v.size());
  u.security_group_use = s_->sg_use;
  u.stock_taken = s_->taken;
  return u;
}

Billing FakeKciCloud::billing() const {
  Billing b = s_->billed;
  const TimePoint now = s_->clock.now();
  for (const auto& [id, g] : s_->groups) {
    if (!g.billing_end) b[g.project][g.instance_type] += std::chrono::duration<double>(now - g.created).count();
  }
  return b;
}

Status FakeKciCloud::reclaim_spot(const std::string& id) {
  advance();
  auto it = s_->groups.find(id);
  if (it == s_->groups.end()) return kci_error(a::kNotFound, "container group " + quoted(id) + " does not exist");
  auto& g = it->second;
  if (g.charge_type != "Spot") return invalid(("container group " + id + " is not a spot group (ChargeType ") + g.charge_type + ")");
  if (!g.holds_stock) return {};  // already ended
  const TimePoint now = s_->clock.now();
  g.spot_announce_at = now;
  g.spot_end_at = now + std::chrono::seconds(a::kSpotAnnounceSeconds);
  s_->schedule(g);
  s_->advance(now);
  return {};
}

// ------------------------------------------------------------ create

namespace {

Status validate_container(const ContainerSpec& c, const std::string& field, const std::set<std::string>& volumes) {
  if (!valid_label(c.name)) {
    return invalid(field + ".Name is " + quoted(c.name) + "; expected a DNS label: 1-63 of [a-z0-9-], alphanumeric at both ends");
  }
  if (c.image.empty()) return invalid(field + ".Image is empty; expected an image reference such as nginx:1.25");
  if (!c.image_pull_policy.empty() && c.image_pull_policy != "Always" && c.image_pull_policy != "IfNotPresent" &&
      c.image_pull_policy != "Never") {
    return invalid(field + ".ImagePullPolicy is " + quoted(c.image_pull_policy) + "; accepted: Always, IfNotPresent, Never");
  }
  if (c.cpu && (*c.cpu < 0 || *c.cpu > kMaxCpu || !three_decimals(*c.cpu))) {
    return invalid(field + ".Cpu is " + std::to_string(*c.cpu) + "; expected 0 to 256 cores with at most 3 decimals");
  }
  if (c.memory && (*c.memory < 0 || *c.memory > kMaxMemoryGib)) {
    return invalid(field + ".Memory is " + std::to_string(*c.memory) + "; expected 0 to 512 GiB");
  }
  if (c.gpu < 0) return invalid(field + ".Gpu is " + std::to_string(c.gpu) + "; expected >= 0");
  for (std::size_t i = 0; i < c.env.size(); ++i) {
    if (c.env[i].key.empty()) return invalid(field + ".EnvironmentVar." + std::to_string(i + 1) + ".Key is empty");
  }
  for (std::size_t i = 0; i < c.ports.size(); ++i) {
    // TCP/UDP ports are 1-65535.
    if (c.ports[i] < 1 || c.ports[i] > 65535) {
      return invalid(field + ".Port." + std::to_string(i + 1) + " is " + std::to_string(c.ports[i]) + "; expected 1 to 65535");
    }
  }
  for (std::size_t i = 0; i < c.volume_mounts.size(); ++i) {
    const auto& m = c.volume_mounts[i];
    const std::string f = field + ".VolumeMount." + std::to_string(i + 1);
    if (!volumes.count(m.name)) return invalid(f + ".Name is " + quoted(m.name) + "; expected the name of a Volume.N");
    if (m.mount_path.empty() || m.mount_path[0] != '/') {
      return invalid(f + ".MountPath is " + quoted(m.mount_path) + "; expected an absolute path");
    }
  }
  return {};
}

}  // namespace

Result<CreateContainerGroupResponse> FakeKciCloud::create_container_group(const CallContext& ctx,
                                                                          const CreateContainerGroupRequest& req) {
  auto& s = *s_;
  const TimePoint now = s.clock.now();
  s.advance(now);
  if (!ctx.region.empty() && ctx.region != s.cfg.region) {
    return invalid("Region is " + quoted(ctx.region) + "; this endpoint serves " + s.cfg.region);
  }
  const UserConfig* user = s.user(ctx.access_key_id);
  if (!user) return kci_error(a::kInvalidAccessKeyId, "access key " + quoted(ctx.access_key_id) + " is not known");

  // Idempotency: the same token returns the same group.
  if (!req.client_token.empty()) {
    // Client tokens are short identifiers; 64 characters as in AWS.
    constexpr std::size_t kMaxToken = 64;
    if (req.client_token.size() > kMaxToken) {
      return invalid("ClientToken is " + std::to_string(req.client_token.size()) + " characters; at most 64 are accepted");
    }
    auto it = s.tokens.find({ctx.access_key_id, req.client_token});
    if (it != s.tokens.end() && now - it->second.at < std::chrono::seconds(a::kClientTokenTtlSeconds)) {
      if (!(it->second.req == req)) {
        return invalid("ClientToken " + quoted(req.client_token) +
                       " was already used with different parameters; use a new token for a new group");
      }
      return CreateContainerGroupResponse{s.rng.uuid(), it->second.group_id};
    }
  }

  // ---- parameters ----
  if (!valid_name(req.container_group_name)) {
    return invalid("ContainerGroupName is " + quoted(req.container_group_name) +
                   "; expected 1-128 of [a-z0-9.-], starting and ending with a letter or digit");
  }
  std::vector<std::string> subnets = req.multi_subnet_ids;
  if (!req.subnet_id.empty() && !subnets.empty()) {
    return invalid("SubnetId and MultiSubnetId.N are both set; give one");
  }
  if (!req.subnet_id.empty()) subnets.push_back(req.subnet_id);
  if (subnets.empty()) return invalid("SubnetId is missing; give SubnetId or MultiSubnetId.N");
  if (subnets.size() > kMaxSubnets) {
    return invalid("MultiSubnetId.N has " + std::to_string(subnets.size()) + " subnets; at most 5 are accepted");
  }
  for (const auto& sn : subnets) {
    if (!s.cfg.subnets.count(sn)) return invalid("SubnetId " + quoted(sn) + " does not exist in " + s.cfg.region);
  }
  if (req.security_group_ids.empty()) return invalid("SecurityGroupId.N is missing; give 1 to 3 security groups");
  if (req.security_group_ids.size() > kMaxSecurityGroups) {
    return invalid("SecurityGroupId.N has " + std::to_string(req.security_group_ids.size()) +
                   " security groups; at most 3 are accepted");
  }
  for (const auto& sg : req.security_group_ids) {
    if (!s.cfg.security_groups.count(sg)) return invalid("SecurityGroupId " + quoted(sg) + " does not exist");
  }
  if (std::set<std::string>(req.security_group_ids.begin(), req.security_group_ids.end()).size() !=
      req.security_group_ids.size()) {
    return invalid("SecurityGroupId.N lists a security group twice");
  }
  if (!req.kci_type.empty() && req.kci_type != "RBKCI") {
    return invalid("KciType is " + quoted(req.kci_type) + "; accepted: RBKCI");
  }
  const std::string charge = req.charge_type.empty() ? "HourlyInstantSettlement" : req.charge_type;
  if (charge != "HourlyInstantSettlement" && charge != "Spot") {
    return invalid("ChargeType is " + quoted(req.charge_type) + "; accepted: HourlyInstantSettlement, Spot");
  }
  if (charge == "Spot" && req.spot_strategy != "SpotAsPriceGo") {
    return invalid("SpotStrategy is " + quoted(req.spot_strategy) + "; ChargeType Spot needs SpotAsPriceGo");
  }
  if (charge != "Spot" && !req.spot_strategy.empty()) {
    return invalid("SpotStrategy is set but ChargeType is " + charge + "; SpotStrategy needs ChargeType Spot");
  }
  const std::string policy = req.restart_policy.empty() ? "Always" : req.restart_policy;
  if (policy != "Always" && policy != "OnFailure" && policy != "Never") {
    return invalid("RestartPolicy is " + quoted(req.restart_policy) + "; accepted: Always, OnFailure, Never");
  }
  if (req.cpu && (*req.cpu <= 0 || *req.cpu > kMaxCpu || !three_decimals(*req.cpu))) {
    return invalid("Cpu is " + std::to_string(*req.cpu) + "; expected more than 0 and at most 256 cores, 3 decimals");
  }
  if (req.memory && (*req.memory <= 0 || *req.memory > kMaxMemoryGib)) {
    return invalid("Memory is " + std::to_string(*req.memory) + "; expected more than 0 and at most 512 GiB");
  }
  if (req.gpu < 0) return invalid("Gpu is " + std::to_string(req.gpu) + "; expected >= 0");
  if (req.retain_ip_hours < 0) return invalid("RetainIpHours is " + std::to_string(req.retain_ip_hours) + "; expected >= 0");
  std::set<std::string> volume_names;
  static const std::set<std::string> kVolumeTypes{"EmptyDirVolume", "ConfigFileVolume", "NFSVolume", "EBSVolume",
                                                  "HostPathVolume"};
  for (std::size_t i = 0; i < req.volumes.size(); ++i) {
    const auto& v = req.volumes[i];
    const std::string f = "Volume." + std::to_string(i + 1);
    if (!valid_label(v.name)) return invalid(f + ".Name is " + quoted(v.name) + "; expected a DNS label");
    if (!volume_names.insert(v.name).second) return invalid(f + ".Name " + quoted(v.name) + " is used by two volumes");
    if (!kVolumeTypes.count(v.type)) {
      return invalid(f + ".Type is " + quoted(v.type) +
                     "; accepted: EmptyDirVolume, ConfigFileVolume, NFSVolume, EBSVolume, HostPathVolume");
    }
    if (v.type == "NFSVolume" && (v.server.empty() || v.path.empty())) {
      return invalid(f + ".NFSVolume needs Server and Path");
    }
  }
  if (req.containers.empty()) return invalid("Container.N is missing; give 1 to 5 containers");
  if (req.containers.size() > kMaxContainers) {
    return invalid("Container.N has " + std::to_string(req.containers.size()) + " containers; at most 5 are accepted");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < req.containers.size(); ++i) {
    const std::string f = "Container." + std::to_string(i + 1);
    KCI_TRY_STATUS(validate_container(req.containers[i], f, volume_names));
    if (!names.insert(req.containers[i].name).second) return invalid(f + ".Name " + quoted(req.containers[i].name) + " is used twice");
  }
  for (std::size_t i = 0; i < req.init_containers.size(); ++i) {
    const std::string f = "InitContainer." + std::to_string(i + 1);
    KCI_TRY_STATUS(validate_container(req.init_containers[i], f, volume_names));
    if (!names.insert(req.init_containers[i].name).second) {
      return invalid(f + ".Name " + quoted(req.init_containers[i].name) + " is used twice");
    }
  }
  for (std::size_t i = 0; i < req.labels.size(); ++i) {
    if (req.labels[i].key.empty()) return invalid("Label." + std::to_string(i + 1) + ".Key is empty");
  }
  if (req.dns_config) {
    // Kubernetes allows 3 nameservers and 6 search domains (glibc's limits).
    if (req.dns_config->name_servers.size() > 3) return invalid("MachineDnsConfig.NameServer.N has more than 3 entries");
    if (req.dns_config->searches.size() > 6) return invalid("MachineDnsConfig.Search.N has more than 6 entries");
  }
  for (std::size_t i = 0; i < req.host_aliases.size(); ++i) {
    if (req.host_aliases[i].ip.empty() || req.host_aliases[i].hostnames.empty()) {
      return invalid("MachineHostAliase." + std::to_string(i + 1) + " needs Ip and at least one Hostname");
    }
  }

  // System disk.
  const std::string disk = req.system_disk && !req.system_disk->type.empty() ? req.system_disk->type
                                                                              : std::string(a::kDefaultSystemDiskType);
  const int disk_gb = req.system_disk && req.system_disk->size_gb ? req.system_disk->size_gb : a::kDefaultSystemDiskGb;
  const DiskType* dt = s.cfg.catalogue.disk_type(disk);
  if (!dt) {
    std::vector<std::string> known;
    for (const auto& d : s.cfg.catalogue.disk_types()) known.push_back(d.name);
    return invalid("AdvanceSettings.SystemDisk.Type is " + quoted(disk) + "; accepted: " + join(known));
  }
  if (disk_gb < dt->min_gb || disk_gb > dt->max_gb) {
    return invalid("AdvanceSettings.SystemDisk.Size is " + std::to_string(disk_gb) + " GB; " + disk + " accepts " +
                   std::to_string(dt->min_gb) + "-" + std::to_string(dt->max_gb) + " GB");
  }

  // Project.
  const std::string project = req.project_id.empty() ? "0" : req.project_id;
  if (!State::may_use(*user, project)) {
    return kci_error(a::kUnauthorized, "access key " + ctx.access_key_id + " is not a member of project " + project +
                                           "; its projects: " + join(user->projects));
  }

  // Size and candidate packages.
  const Catalogue& cat = s.cfg.catalogue;
  std::vector<const Package*> candidates;
  Size size;
  if (!req.instance_type.empty()) {
    const Package* p = cat.find_package(req.instance_type);
    if (!p) return invalid("InstanceType is " + quoted(req.instance_type) + "; it is not in the catalogue (DescribeKciPackages)");
    if ((req.cpu && std::llround(*req.cpu * kMilliPerCore) != p->size.cpu_milli) ||
        (req.memory && std::llround(*req.memory * kMibPerGib) != p->size.memory_mib)) {
      return invalid("Cpu/Memory do not match InstanceType " + p->name + " (" + to_string(p->size) + ")");
    }
    if (!cat.family_supports_disk(p->family, disk)) {
      return invalid("AdvanceSettings.SystemDisk.Type is " + disk + "; family " + p->family + " supports " +
                     join(cat.family(p->family)->system_disks));
    }
    if (req.gpu && req.gpu != p->gpu) {
      return invalid("Gpu is " + std::to_string(req.gpu) + "; InstanceType " + p->name + " has " + std::to_string(p->gpu));
    }
    candidates.push_back(p);
    size = p->size;
  } else {
    double cpu = 0, mem = 0;
    if (req.cpu && req.memory) {
      cpu = *req.cpu;
      mem = *req.memory;
    } else {
      for (const auto& c : req.containers) {
        cpu += c.cpu.value_or(0);
        mem += c.memory.value_or(0);
      }
    }
    if (cpu <= 0 || mem <= 0) return invalid("Cpu and Memory are missing; without InstanceType give both (or per container)");
    size = Size{std::llround(cpu * kMilliPerCore), std::llround(mem * kMibPerGib)};
    const Size top = cat.largest();
    if (size.cpu_milli > top.cpu_milli || size.memory_mib > top.memory_mib) {
      return invalid("Cpu/Memory " + to_string(size) + " is above the largest package (" + to_string(top) + ")");
    }
    std::vector<std::string> families = req.instance_families;
    if (families.empty()) {
      for (const auto& f : cat.families()) families.push_back(f.name);
    }
    for (const auto& fam : families) {
      if (!cat.family(fam)) return invalid("InstanceFamily " + quoted(fam) + " is not in the catalogue");
      const Package* p = cat.package_with_size(fam, size);
      if (p && cat.family_supports_disk(fam, disk) && p->gpu == req.gpu) candidates.push_back(p);
    }
    if (candidates.empty()) {
      std::string sizes;
      for (const auto& z : cat.standard_sizes()) sizes += (sizes.empty() ? "" : " ") + to_string(z);
      return invalid("Cpu/Memory " + to_string(size) + (req.gpu ? " with " + std::to_string(req.gpu) + " GPU" : "") +
                     " with system disk " + disk + " is not a package of " + join(families) + "; sizes: " + sizes);
    }
  }

  // Image cache (seed 003 使用镜像缓存: an id given, or the best match asked for).
  std::vector<std::string> images;
  for (const auto& c : req.containers) images.push_back(c.image);
  for (const auto& c : req.init_containers) images.push_back(c.image);
  State::Cache* cache = nullptr;
  if (!req.image_cache_id.empty()) {
    auto it = s.caches.find(req.image_cache_id);
    if (it == s.caches.end() || !State::may_use(*user, it->second.project)) {
      return kci_error(a::kImageCacheNotFound, "The specified image cache " + req.image_cache_id +
                                                   " does not exist (ImageCacheId); DescribeImageCaches lists the caches");
    }
    cache = &it->second;
    if (cache->status == std::string(image_cache_status::kCreating)) {
      return kci_error(a::kImageCacheNotComplete,
                       "The production for specified image cache " + cache->id + " is not yet complete (ImageCacheId; " +
                           "Ready at " + rfc3339(cache->ready_at.value_or(now)) + "); use it once it is Ready");
    }
    if (cache->status == std::string(image_cache_status::kExpired)) {
      return kci_error(a::kImageCacheEliminated, "Current imageCache is eliminated: image cache " + cache->id +
                                                     " (ImageCacheId) expired; create a new one or use another");
    }
  } else if (req.auto_match_image_cache) {
    auto found = s.matching(images, *user);
    if (!found.empty()) cache = &s.caches.at(found.front()->id);
  }

  // Quotas.
  const auto& q = s.cfg.quotas;
  if (s.used_groups + 1 > q.container_groups) {
    return kci_error(a::kQuotaExceeded, "container-group quota " + std::to_string(q.container_groups) +
                                            " is used up (" + std::to_string(s.used_groups) + " exist)");
  }
  if (s.used_cpu + size.cpu_milli > q.cpu * kMilliPerCore) {
    return kci_error(a::kQuotaExceeded, "CPU quota " + std::to_string(q.cpu) + " cores: " +
                                            std::to_string(s.used_cpu / kMilliPerCore) + " in use, " +
                                            to_string(size) + " asked");
  }
  if (s.used_mem + size.memory_mib > q.memory_gi * kMibPerGib) {
    return kci_error(a::kQuotaExceeded, "memory quota " + std::to_string(q.memory_gi) + " GiB: " +
                                            std::to_string(s.used_mem / kMibPerGib) + " GiB in use, " +
                                            to_string(size) + " asked");
  }
  for (const auto& sg : req.security_group_ids) {
    const auto used = s.sg_use.count(sg) ? s.sg_use.at(sg) : 0;
    if (used + 1 > s.cfg.security_groups.at(sg).max_instances) {
      return kci_error(a::kSecurityGroupQuotaFull, "security group " + sg + " holds " + std::to_string(used) +
                                                       " instances, its limit");
    }
  }

  // Placement: subnets in order, then packages in preference order.
  const Package* chosen = nullptr;
  std::string chosen_subnet;
  std::string no_ip_subnet, sold_out;
  for (const auto& sn : subnets) {
    const std::string& zone = s.cfg.subnets.at(sn).zone;
    const Package* in_stock = nullptr;
    for (const Package* p : candidates) {
      if (s.sold_out_window(zone, p->name, now) || s.left(zone, p->name) <= 0) {
        if (sold_out.empty()) sold_out = p->name + " in " + zone;
        continue;
      }
      in_stock = p;
      break;
    }
    if (!in_stock) continue;
    if (s.free_ips(sn) <= 0) {
      if (no_ip_subnet.empty()) no_ip_subnet = sn;
      continue;
    }
    chosen = in_stock;
    chosen_subnet = sn;
    break;
  }
  if (!chosen) {
    if (!no_ip_subnet.empty()) {
      return kci_error(a::kResourceInsufficient, "subnet " + no_ip_subnet + " has no free IP address");
    }
    std::vector<std::string> tried;
    for (const Package* p : candidates) tried.push_back(p->name);
    return kci_error(a::kNoStock, "no stock: " + sold_out + " is sold out (tried " + join(tried) + " in subnets " +
                                      join(subnets) + ")");
  }

  // Commit.
  State::Group g;
  g.seq = s.next_seq++;
  g.req = req;
  g.id = s.rng.uuid();
  g.project = project;
  g.subnet = chosen_subnet;
  g.zone = s.cfg.subnets.at(chosen_subnet).zone;
  g.vpc = s.cfg.subnets.at(chosen_subnet).vpc_id;
  g.ip = s.format_ip(chosen_subnet, s.take_ip(chosen_subnet));
  g.instance_type = chosen->name;
  g.charge_type = charge;
  g.restart_policy = policy;
  g.security_groups = req.security_group_ids;
  g.size = size;
  g.gpu = chosen->gpu;
  g.created = now;
  s.taken[g.zone][g.instance_type]++;
  s.used_cpu += size.cpu_milli;
  s.used_mem += size.memory_mib;
  s.used_groups++;
  for (const auto& sg : g.security_groups) s.sg_use[sg]++;

  if (cache) {
    g.image_cache = cache->id;
    std::set<std::string> want;
    for (const auto& i : images) want.insert(normal_image(i));
    g.cache_covers = std::includes(cache->normal.begin(), cache->normal.end(), want.begin(), want.end());
    cache->last_matched = now;
  }
  g.pull_at = now + s.cfg.latency.create;
  // A cache holding every image replaces the pull with attaching its snapshot; one
  // missing an image still pulls it.
  g.run_at = now + s.cfg.latency.create + (g.cache_covers ? s.cfg.latency.image_cache_start : s.cfg.latency.start);
  g.create_error = s.cfg.create_error_rate > 0 && s.rng.chance(s.cfg.create_error_rate);
  for (const auto& c : req.containers) {
    State::Container run;
    run.spec = c;
    run.status.name = c.name;
    run.status.image = c.image;
    for (const auto& sc : s.cfg.scripts) {
      if (c.image.compare(0, sc.image.size(), sc.image) == 0) {
        run.script = sc;
        g.create_error |= sc.create_error;
        break;
      }
    }
    g.containers.push_back(std::move(run));
  }
  if (charge == "Spot" && s.cfg.spot.reclaim_after) {
    g.spot_end_at = now + *s.cfg.spot.reclaim_after;
    const auto lead = std::chrono::seconds(a::kSpotAnnounceSeconds);
    g.spot_announce_at = *s.cfg.spot.reclaim_after > Duration(lead) ? *g.spot_end_at - lead : now;
  }
  s.event(g, now, "Normal", "Scheduled", "Assigned " + g.instance_type + " in " + g.zone + ", IP " + g.ip);
  if (cache) {
    s.event(g, now, "Normal", "SuccessfulHitImageCache", "Successfully hit image cache " + cache->id);
  } else if (req.auto_match_image_cache) {
    s.event(g, now, "Warning", "ImageCacheMissed", "Missed image cache");
  }
  const auto left = s.left(g.zone, g.instance_type);
  if (left <= a::kStockExhaustThreshold) {
    s.event(g, now, "Warning", std::string(a::kStockExhaust),
            "only " + std::to_string(left) + " " + g.instance_type + " left in " + g.zone);
  }
  if (!req.client_token.empty()) s.tokens[{ctx.access_key_id, req.client_token}] = State::Token{g.id, req, now};
  const std::string id = g.id;
  auto& stored = s.groups.emplace(id, std::move(g)).first->second;
  s.by_seq[stored.seq] = &stored;
  s.schedule(stored);
  return CreateContainerGroupResponse{s.rng.uuid(), id};
}

// ------------------------------------------------------------ describe / delete

namespace {

Result<std::vector<std::string>> visible_projects(const UserConfig& u, const std::vector<std::string>& asked,
                                                  const std::string& ak) {
  for (const auto& p : asked) {
    if (!u.owner && std::find(u.projects.begin(), u.projects.end(), p) == u.projects.end()) {
      return kci_error(a::kUnauthorized, "access key " + ak + " is not a member of project " + p);
    }
  }
  return asked;
}

}  // namespace

Result<DescribeContainerGroupResponse> FakeKciCloud::describe_container_group(const CallContext& ctx,
                                                                              const DescribeContainerGroupRequest& req) {
  auto& s = *s_;
  s.advance(s.clock.now());
  const UserConfig* user = s.user(ctx.access_key_id);
  if (!user) return kci_error(a::kInvalidAccessKeyId, "access key " + quoted(ctx.access_key_id) + " is not known");
  if (req.max_results && (*req.max_results < 1 || *req.max_results > kMaxResults)) {
    return invalid("MaxResults is " + std::to_string(*req.max_results) + "; expected 1 to 100");
  }
  if (req.marker < 0) return invalid("Marker is " + std::to_string(req.marker) + "; expected an offset >= 0");
  KCI_TRY(auto projects, visible_projects(*user, req.project_ids, ctx.access_key_id));
  static const std::set<std::string> kFilters{"subnet-id", "vpc-id", "availability-zone.name", "status"};
  for (std::size_t i = 0; i < req.filters.size(); ++i) {
    if (!kFilters.count(req.filters[i].name)) {
      return invalid("Filter." + std::to_string(i + 1) + ".Name is " + quoted(req.filters[i].name) +
                     "; accepted: subnet-id, vpc-id, availability-zone.name, status");
    }
  }
  const std::set<std::string> ids(req.container_group_ids.begin(), req.container_group_ids.end());
  // Asked by id: look each up (creation order kept) instead of scanning every group.
  std::vector<const State::Group*> candidates;
  if (!ids.empty()) {
    for (const auto& id : ids) {
      if (auto it = s.groups.find(id); it != s.groups.end()) candidates.push_back(&it->second);
    }
    std::sort(candidates.begin(), candidates.end(), [](auto* x, auto* y) { return x->seq < y->seq; });
  } else {
    for (const auto& [seq, group] : s.by_seq) candidates.push_back(group);
  }
  std::vector<const State::Group*> match;
  for (const State::Group* gp : candidates) {
    const auto& g = *gp;
    if (!projects.empty() && std::find(projects.begin(), projects.end(), g.project) == projects.end()) continue;
    if (!State::may_use(*user, g.project)) continue;
    bool ok = true;
    for (const auto& f : req.filters) {
      const std::string& v = f.name == "subnet-id" ? g.subnet
                             : f.name == "vpc-id"  ? g.vpc
                             : f.name == "status"  ? g.status
                                                   : g.zone;
      ok &= f.values.empty() || std::find(f.values.begin(), f.values.end(), v) != f.values.end();
    }
    if (ok) match.push_back(&g);
  }
  DescribeContainerGroupResponse r;
  r.request_id = s.rng.uuid();
  r.total_count = static_cast<std::int64_t>(match.size());
  const std::int64_t page = req.max_results.value_or(kMaxResults);
  const auto begin = std::min<std::int64_t>(req.marker, r.total_count);
  const auto end = std::min<std::int64_t>(begin + page, r.total_count);
  for (auto i = begin; i < end; ++i) r.container_groups.push_back(s.view(*match[static_cast<std::size_t>(i)]));
  r.marker = end < r.total_count ? end : 0;
  return r;
}

namespace {

template <class StateT, class GroupT>
Result<GroupT*> find_group(StateT& s, const CallContext& ctx, const std::string& id) {
  const UserConfig* user = s.user(ctx.access_key_id);
  if (!user) return kci_error(a::kInvalidAccessKeyId, "access key " + quoted(ctx.access_key_id) + " is not known");
  if (id.empty()) return kci_error(a::kMissingParameter, "ContainerGroupId is missing");
  auto it = s.groups.find(id);
  if (it == s.groups.end()) return kci_error(a::kNotFound, "container group " + quoted(id) + " does not exist");
  if (!StateT::may_use(*user, it->second.project)) {
    return kci_error(a::kUnauthorized, "access key " + ctx.access_key_id + " is not a member of project " +
                                           it->second.project + " of container group " + id);
  }
  return &it->second;
}

}  // namespace

Result<DeleteContainerGroupResponse> FakeKciCloud::delete_container_group(const CallContext& ctx,
                                                                          const DeleteContainerGroupRequest& req) {
  auto& s = *s_;
  const TimePoint now = s.clock.now();
  s.advance(now);
  KCI_TRY(State::Group* g, (find_group<State, State::Group>(s, ctx, req.container_group_id)));
  s.release_all(*g, now);
  s.by_seq.erase(g->seq);
  s.groups.erase(req.container_group_id);
  return DeleteContainerGroupResponse{s.rng.uuid()};
}

Result<DescribeContainerLogResponse> FakeKciCloud::describe_container_log(const CallContext& ctx,
                                                                          const DescribeContainerLogRequest& req) {
  auto& s = *s_;
  s.advance(s.clock.now());
  KCI_TRY(State::Group* g, (find_group<State, State::Group>(s, ctx, req.container_group_id)));
  if (req.tail && (*req.tail < 1 || *req.tail > kMaxTail)) {
    return invalid("Tail is " + std::to_string(*req.tail) + "; expected 1 to 2000");
  }
  std::vector<std::string> names;
  for (const auto& c : g->containers) {
    names.push_back(c.spec.name);
    if (c.spec.name != req.container_name) continue;
    const std::size_t tail = static_cast<std::size_t>(req.tail.value_or(kDefaultTail));
    const std::size_t from = c.log.size() > tail ? c.log.size() - tail : 0;
    std::string content;
    for (std::size_t i = from; i < c.log.size(); ++i) content += c.log[i] + "\n";
    return DescribeContainerLogResponse{s.rng.uuid(), content};
  }
  return invalid("ContainerName is " + quoted(req.container_name) + "; container group " + g->id + " has " + join(names));
}

Result<DescribeContainerGroupEventsResponse> FakeKciCloud::describe_container_group_events(
    const CallContext& ctx, const DescribeContainerGroupEventsRequest& req) {
  auto& s = *s_;
  s.advance(s.clock.now());
  KCI_TRY(State::Group* g, (find_group<State, State::Group>(s, ctx, req.container_group_id)));
  return DescribeContainerGroupEventsResponse{s.rng.uuid(), g->events};
}

Result<DescribeContainerGroupCountResponse> FakeKciCloud::describe_container_group_count(
    const CallContext& ctx, const DescribeContainerGroupCountRequest& req) {
  auto& s = *s_;
  s.advance(s.clock.now());
  const UserConfig* user = s.user(ctx.access_key_id);
  if (!user) return kci_error(a::kInvalidAccessKeyId, "access key " + quoted(ctx.access_key_id) + " is not known");
  KCI_TRY(auto projects, visible_projects(*user, req.project_ids, ctx.access_key_id));
  std::int64_t n = 0;
  for (const auto& [id, g] : s.groups) {
    if (!projects.empty() && std::find(projects.begin(), projects.end(), g.project) == projects.end()) continue;
    if (State::may_use(*user, g.project)) ++n;
  }
  return DescribeContainerGroupCountResponse{s.rng.uuid(), n};
}

Result<DescribeKciPackagesResponse> FakeKciCloud::describe_kci_packages(const CallContext& ctx,
                                                                        const DescribeKciPackagesRequest& req) {
  auto& s = *s_;
  if (!s.user(ctx.access_key_id)) {
    return kci_error(a::kInvalidAccessKeyId, "access key " + quoted(ctx.access_key_id) + " is not known");
  }
  if (!req.charge_type.empty() && req.charge_type != "HourlyInstantSettlement" && req.charge_type != "Spot") {
    return invalid("ChargeType is " + quoted(req.charge_type) + "; accepted: HourlyInstantSettlement, Spot");
  }
  if (!req.kci_type.empty() && req.kci_type != "RBKCI") return invalid("KciType is " + quoted(req.kci_type) + "; accepted: RBKCI");
  if (!req.availability_zone.empty() &&
      std::find(s.cfg.zones.begin(), s.cfg.zones.end(), req.availability_zone) == s.cfg.zones.end()) {
    return invalid("AvailabilityZone is " + quoted(req.availability_zone) + "; zones: " + join(s.cfg.zones));
  }
  DescribeKciPackagesResponse r;
  r.request_id = s.rng.uuid();
  for (const auto& z : s.cfg.catalogue.standard_sizes()) {
    const double cpu = static_cast<double>(z.cpu_milli) / kMilliPerCore;
    if (r.packages.empty() || r.packages.back().cpu != cpu) r.packages.push_back(PackageSizes{cpu, {}});
    r.packages.back().memories.push_back(static_cast<double>(z.memory_mib) / kMibPerGib);
  }
  for (const auto& f : s.cfg.catalogue.families()) {
    for (const auto& p : f.packages) {
      r.instance_types.push_back(InstanceTypeInfo{p.name, f.name, static_cast<double>(p.size.cpu_milli) / kMilliPerCore,
                                                  static_cast<double>(p.size.memory_mib) / kMibPerGib, p.gpu,
                                                  p.gpu_type, f.system_disks});
    }
  }
  return r;
}

Result<DescribeRegionsResponse> FakeKciCloud::describe_regions(const CallContext& ctx, const DescribeRegionsRequest&) {
  auto& s = *s_;
  if (!s.user(ctx.access_key_id)) {
    return kci_error(a::kInvalidAccessKeyId, "access key " + quoted(ctx.access_key_id) + " is not known");
  }
  return DescribeRegionsResponse{s.rng.uuid(), {Region{s.cfg.region, s.cfg.region, s.cfg.zones}}};
}

// ------------------------------------------------------------ image caches

Result<CreateImageCacheResponse> FakeKciCloud::create_image_cache(const CallContext& ctx, const CreateImageCacheRequest& req) {
  auto& s = *s_;
  const TimePoint now = s.clock.now();
  s.advance(now);
  KCI_TRY(const UserConfig* user, s.caller(ctx));
  if (!valid_name(req.image_cache_name)) {
    return invalid("ImageCacheName is " + quoted(req.image_cache_name) +
                   "; expected 1-128 of [a-z0-9.-], starting and ending with a letter or digit");
  }
  if (req.images.empty()) return invalid("Image.N is missing; give 1 to 20 images such as nginx:1.7.9");
  if (req.images.size() > static_cast<std::size_t>(a::kMaxImageCacheImages)) {
    return invalid("Image.N has " + std::to_string(req.images.size()) + " images; at most 20 are accepted");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < req.images.size(); ++i) {
    const std::string f = "Image." + std::to_string(i + 1);
    if (req.images[i].empty()) return invalid(f + " is empty; expected an image reference such as nginx:1.7.9");
    if (!seen.insert(normal_image(req.images[i])).second) return invalid(f + " " + quoted(req.images[i]) + " is listed twice");
  }
  if (req.image_cache_size_gb && (req.image_cache_size_gb < a::kMinImageCacheGb || req.image_cache_size_gb > a::kMaxImageCacheGb)) {
    return invalid("ImageCacheSize is " + std::to_string(req.image_cache_size_gb) + "; expected 20 to 2000 (GB)");
  }
  // 100,000 days (some 270 years) is "for ever" and keeps the expiry time in range.
  constexpr int kMaxRetentionDays = 100000;
  if (req.retention_days < 0 || req.retention_days > kMaxRetentionDays) {
    return invalid("RetentionDays is " + std::to_string(req.retention_days) +
                   "; expected 1 to 100000 days, or none to keep the cache until it is deleted");
  }
  const std::string project = req.project_id.empty() ? "0" : req.project_id;
  if (!State::may_use(*user, project)) {
    return kci_error(a::kUnauthorized, "access key " + ctx.access_key_id + " is not a member of project " + project +
                                           "; its projects: " + join(user->projects));
  }
  const auto& c = s.add_cache("", req.image_cache_name, req.images, project, req.image_cache_size_gb, req.retention_days,
                              now, s.cfg.latency.image_cache_create);
  return CreateImageCacheResponse{s.rng.uuid(), c.id};
}

Result<DescribeImageCachesResponse> FakeKciCloud::describe_image_caches(const CallContext& ctx,
                                                                        const DescribeImageCachesRequest& req) {
  auto& s = *s_;
  const TimePoint now = s.clock.now();
  s.advance(now);
  KCI_TRY(const UserConfig* user, s.caller(ctx));
  std::vector<const State::Cache*> found;
  if (!req.match_images.empty()) {
    found = s.matching(req.match_images, *user);
  } else {
    for (const auto& [id, c] : s.caches) {
      if (State::may_use(*user, c.project)) found.push_back(&c);
    }
    std::sort(found.begin(), found.end(), [](const auto* x, const auto* y) { return x->seq < y->seq; });
  }
  const std::set<std::string> ids(req.image_cache_ids.begin(), req.image_cache_ids.end());
  const std::string image = req.image.empty() ? "" : normal_image(req.image);
  DescribeImageCachesResponse r;
  r.request_id = s.rng.uuid();
  for (const State::Cache* c : found) {
    if (!ids.empty() && !ids.count(c->id)) continue;
    if (!req.image_cache_name.empty() && c->name != req.image_cache_name) continue;
    if (!image.empty() && !c->normal.count(image)) continue;
    r.image_caches.push_back(s.cache_view(*c, now));
  }
  return r;
}

Result<DeleteImageCacheResponse> FakeKciCloud::delete_image_cache(const CallContext& ctx, const DeleteImageCacheRequest& req) {
  auto& s = *s_;
  const TimePoint now = s.clock.now();
  s.advance(now);
  KCI_TRY(const UserConfig* user, s.caller(ctx));
  if (req.image_cache_id.empty()) return kci_error(a::kMissingParameter, "ImageCacheId is missing");
  auto it = s.caches.find(req.image_cache_id);
  if (it == s.caches.end() || !State::may_use(*user, it->second.project)) {
    return kci_error(a::kImageCacheNotFound, "The specified image cache " + quoted(req.image_cache_id) + " does not exist");
  }
  s.eliminate(it->first, now);
  s.caches.erase(it);
  return DeleteImageCacheResponse{s.rng.uuid()};
}

}  // namespace kci::fake_kci
