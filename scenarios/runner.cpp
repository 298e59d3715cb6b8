#include "scenarios/runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "core/duration.h"
#include "core/k8s/yaml.h"
#include "core/kube/resources.h"
#include "provider/cleanup/cleanup.h"
#include "scenarios/expect.h"
#include "scenarios/world.h"

namespace kci::scenario {
namespace {

using k8s::Json;

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

//! Files become objects (multi-document YAML, in order), then the inline objects.
Result<ObjectSource> resolve(const ObjectSource& src, const std::string& base) {
  ObjectSource out;
  for (const auto& f : src.files) {
    const std::string p = !f.empty() && f[0] == '/' ? f : base + "/" + f;
    KCI_TRY(auto text, read_text(p));
    auto docs = k8s::yaml_documents(text);
    if (!docs.ok()) return invalid_argument(f + ": " + docs.error().message);
    for (auto& d : *docs) {
      if (d.value("kind", "") == "List" && d.contains("items")) {
        for (auto& item : d["items"]) out.objects.push_back(item);
      } else {
        out.objects.push_back(std::move(d));
      }
    }
  }
  for (const auto& o : src.objects) out.objects.push_back(o);
  return out;
}

//! A built-in kind, or a custom resource's kind as the cluster's CustomResourceDefinitions
//! name it ("ElasticWorkload", or "ElasticWorkload.autoscaling.ksyun.com" when two groups
//! define the same kind, unless only one of them holds an object of that name); the
//! storage version.
Result<kube::ResourceRef> ref_for_kind(kube::KubeClient& client, const std::string& kind, const std::string& ns,
                                       const std::string& name) {
  for (const auto& info : kube::builtin_resources())
    if (info.kind == kind) return kube::ResourceRef{info.group, info.version, info.resource, info.namespaced ? ns : "", name};
  const auto dot = kind.find('.');
  const std::string bare = kind.substr(0, dot), group = dot == std::string::npos ? "" : kind.substr(dot + 1);
  std::vector<kube::ResourceRef> found;
  if (auto crds = client.list(kube::custom_resource_definitions()); crds.ok()) {
    for (const auto& crd : crds->items) {
      const Json spec = crd->value("spec", Json::object());
      const Json names = spec.value("names", Json::object());
      if (names.value("kind", "") != bare || (!group.empty() && spec.value("group", "") != group)) continue;
      std::string version;
      for (const auto& v : spec.value("versions", Json::array()))
        if (v.value("served", false) && (version.empty() || v.value("storage", false))) version = v.value("name", "");
      const bool namespaced = spec.value("scope", "") == "Namespaced";
      found.push_back({spec.value("group", ""), version, names.value("plural", ""), namespaced ? ns : "", name});
    }
  }
  if (found.size() > 1 && !name.empty()) {
    // The same kind in two groups (seed 003's and KCI's ElasticWorkload): the one holding the object.
    std::vector<kube::ResourceRef> holding;
    for (const auto& r : found)
      if (client.get(r).ok()) holding.push_back(r);
    if (holding.size() == 1) return holding.front();
  }
  if (found.size() == 1) return found.front();
  if (found.size() > 1)
    return invalid_argument("kind \"" + kind + "\" is defined by more than one group; write it as Kind.group");
  return invalid_argument("kind \"" + kind + "\" is neither a built-in kind nor one a CustomResourceDefinition names");
}

class Run {
 public:
  Run(const Scenario& s, std::uint64_t seed, const RunOptions& o) : s_(s), seed_(seed), opts_(o) {
    report_.name = s.name;
    report_.path = s.path;
    report_.description = s.description;
    report_.seed = seed;
  }

  ScenarioReport go() {
    const auto wall0 = std::chrono::steady_clock::now();
    auto world = opts_.make_world ? opts_.make_world(s_, seed_) : World::create(s_, seed_);
    if (!world.ok()) return setup_failed(world.error().message);
    world_ = std::move(*world);
    report_.setup_notes = world_->setup_notes();
    start_ = world_->executor().clock().now();
    auto cluster = resolve(s_.cluster, dir_of(s_.path));
    if (!cluster.ok()) return setup_failed("cluster: " + cluster.error().message);
    for (const auto& o : cluster->objects) {
      auto st = world_->apply_object(o);
      if (!st.ok()) return setup_failed("cluster: " + st.error().message);
    }
    auto st = world_->start();
    if (!st.ok()) return setup_failed(st.error().message);
    sample();
    for (std::size_t i = 0; i < s_.steps.size(); ++i) {
      StepReport r;
      r.index = i;
      r.kind = step_kind(s_.steps[i]);
      std::visit([&](const auto& step) { run_step(step, r); }, s_.steps[i]);
      // A wait re-checks its expectation many times; each skipped item is reported once.
      std::vector<std::string> once;
      for (auto& k : r.skipped)
        if (std::find(once.begin(), once.end(), k) == once.end()) once.push_back(std::move(k));
      r.skipped = std::move(once);
      if (now() > s_.timeout)
        r.failures.push_back("the scenario ran past its timeout of " + format_duration(s_.timeout));
      r.ok = r.failures.empty();
      r.at = now();
      for (auto& f : r.failures) f = "at " + format_duration(r.at) + ", step " + std::to_string(i + 1) + " (" + r.kind + "): " + f;
      report_.steps.push_back(std::move(r));
      sample();
    }
    report_.virtual_time = now();
    report_.passed = true;
    for (const auto& r : report_.steps) report_.passed = report_.passed && r.ok;
    report_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    return report_;
  }

 private:
  ScenarioReport setup_failed(const std::string& why) {
    report_.setup_error = why;
    report_.passed = false;
    return report_;
  }
  Duration now() const { return world_->executor().clock().now() - start_; }

  void advance(Duration d) {
    // In slices, sampling the timeline after each (the event order is the same as one run).
    while (d.count() > 0) {
      const Duration slice = std::min(d, opts_.timeline_every);
      world_->run_for(slice);
      d -= slice;
      sample();
    }
  }

  void sample() {
    TimelineSample t;
    t.at = now();
    auto pods = world_->client().list(kube::pods());
    if (!pods.ok()) return;
    for (const auto& o : pods->items) {
      const auto& spec = (*o)["spec"];
      const std::string node = spec.value("nodeName", "");
      const std::string phase = (*o).contains("status") ? (*o)["status"].value("phase", "Pending") : "Pending";
      ++t.pods[node.empty() ? "<unscheduled>" : node][phase];
    }
    if (!report_.timeline.empty() && report_.timeline.back().pods == t.pods) return;  // nothing changed
    report_.timeline.push_back(std::move(t));
  }

  CloudView cloud() {
    CloudView v{world_->cloud(), world_->owner(), {}, world_->executor().clock().now()};
    World* w = world_.get();
    // Both worlds reach a virtual node's kubelet API (a real cluster's through the API server).
    v.kubelet = [w](const std::string& node, const std::string& path) { return w->kubelet_get(node, path); };
    if (!world_->has_stand_ins()) return v;  // no received requests or bill
    v.received = [w](const std::string& id) { return w->received_request(id); };
    v.billed_seconds = [w] { return w->billed_seconds(); };
    return v;
  }

  void run_step(const ApplyStep& a, StepReport& r) {
    auto src = resolve(a.source, dir_of(s_.path));
    if (!src.ok()) {
      r.failures.push_back(src.error().message);
      return;
    }
    for (const auto& o : src->objects) {
      auto st = world_->apply_object(o);
      if (!st.ok()) r.failures.push_back(st.error().message);
    }
    world_->settle();
  }
  void run_step(const ScaleStep& sc, StepReport& r) {
    auto ref = ref_for_kind(world_->client(), sc.kind, sc.namespace_, sc.name);
    if (!ref.ok()) {
      r.failures.push_back(ref.error().message);
      return;
    }
    auto res = world_->client().scale(*ref, sc.replicas);
    if (!res.ok()) r.failures.push_back("scale " + sc.kind + " " + sc.namespace_ + "/" + sc.name + ": " + res.error().message);
    world_->settle();
  }
  void run_step(const DeleteStep& d, StepReport& r) {
    auto ref = ref_for_kind(world_->client(), d.kind, d.namespace_, d.name);
    if (!ref.ok()) {
      r.failures.push_back(ref.error().message);
      return;
    }
    kube::DeleteOptions o;
    o.gracePeriodSeconds = d.gracePeriodSeconds;
    auto res = world_->client().remove(*ref, o);
    if (!res.ok()) r.failures.push_back("delete " + d.kind + " " + d.namespace_ + "/" + d.name + ": " + res.error().message);
    world_->settle();
  }
  void run_step(const GenerateStep& g, StepReport& r) {
    Json base = g.template_;
    if (!base.contains("apiVersion")) base["apiVersion"] = "v1";
    if (!base.contains("kind")) base["kind"] = "Pod";
    const std::string stem = base.contains("metadata") && base["metadata"].contains("name")
                                 ? base["metadata"]["name"].get<std::string>()
                                 : std::string("pod");
    for (std::int64_t i = 1; i <= g.count; ++i) {
      Json p = base;
      char suffix[32];
      std::snprintf(suffix, sizeof suffix, "-%05lld", static_cast<long long>(i));
      p["metadata"]["name"] = stem + suffix;
      p["metadata"]["namespace"] = g.namespace_;
      auto res = world_->client().create(kube::pods(g.namespace_), std::move(p));
      if (!res.ok()) {
        r.failures.push_back("generate pod " + stem + suffix + ": " + res.error().message);
        return;
      }
    }
    world_->settle();
  }
  void run_step(const WaitStep& w, StepReport& r) {
    if (!w.until) {
      advance(w.duration);
      return;
    }
    const Duration deadline = now() + w.timeout;
    CheckResult last;
    for (;;) {
      last = check_expectation(*w.until, world_->client(), cloud(), &r.skipped);
      if (last.ok()) return;
      if (now() >= deadline) break;
      advance(std::min(opts_.poll, deadline - now()));
    }
    r.failures.push_back("waited " + format_duration(w.timeout) + " and it still does not hold:");
    for (const auto& f : last.failures) r.failures.push_back("  " + f);
  }
  //! True (and the step reported skipped) when the step needs stand-ins this world lacks.
  bool skip_without_stand_ins(StepReport& r) {
    if (world_->has_stand_ins()) return false;
    r.skipped.push_back(r.kind + ": needs the stand-ins (not run against a real cluster)");
    return true;
  }

  void run_step(const FaultStep& f, StepReport& r) {
    if (skip_without_stand_ins(r)) return;
    auto st = world_->fault(f);
    if (!st.ok()) r.failures.push_back(st.error().message);
  }
  void run_step(const RestartStep& rs, StepReport& r) {
    if (skip_without_stand_ins(r)) return;
    auto st = world_->restart_virtual_node(rs.virtualNode);
    if (!st.ok()) r.failures.push_back(st.error().message);
    world_->settle();
  }
  void run_step(const StopStep& st, StepReport& r) {
    if (skip_without_stand_ins(r)) return;
    auto res = world_->stop_virtual_node(st.virtualNode);
    if (!res.ok()) r.failures.push_back(res.error().message);
    world_->settle();
  }
  void run_step(const StartStep& st, StepReport& r) {
    if (skip_without_stand_ins(r)) return;
    auto res = world_->start_virtual_node(st.virtualNode);
    if (!res.ok()) r.failures.push_back(res.error().message);
    world_->settle();
  }
  void run_step(const CleanupStep& c, StepReport& r) {
    if (skip_without_stand_ins(r)) return;
    cleanup::CleanupOptions o{c.clusterId, c.node, c.dryRun};
    auto report = cleanup::run_cleanup(*world_->cloud(), world_->owner(), o);
    if (!report.ok()) {
      r.failures.push_back("cleanup: " + report.error().message);
      return;
    }
    for (const auto& f : report->failed)
      r.failures.push_back("cleanup: could not delete " + f.target.container_group_id + ": " + f.reason + ": " +
                           f.message);
    const auto done = static_cast<std::int64_t>(c.dryRun ? report->selected.size() : report->deleted.size());
    if (c.deleted && done != *c.deleted)
      r.failures.push_back("cleanup: expected " + std::to_string(*c.deleted) + " group(s) " +
                           (c.dryRun ? "listed" : "deleted") + ", found " + std::to_string(done));
    world_->settle();
  }
  void run_step(const ExpectStep& e, StepReport& r) {
    auto res = check_expectation(e.expect, world_->client(), cloud(), &r.skipped);
    for (auto& f : res.failures) r.failures.push_back(std::move(f));
  }

  const Scenario& s_;
  std::uint64_t seed_;
  RunOptions opts_;
  ScenarioReport report_;
  std::unique_ptr<World> world_;
  TimePoint start_{};
};

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters other than tab and newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string group_of(const ScenarioReport& r) {
  const auto slash = r.path.find_last_of('/');
  if (slash == std::string::npos) return "scenarios";
  const auto prev = r.path.find_last_of('/', slash - 1);
  return r.path.substr(prev == std::string::npos ? 0 : prev + 1, slash - (prev == std::string::npos ? 0 : prev + 1));
}

std::vector<std::string> all_failures(const ScenarioReport& r) {
  std::vector<std::string> out;
  if (!r.setup_error.empty()) out.push_back("setup: " + r.setup_error);
  for (const auto& s : r.steps)
    for (const auto& f : s.failures) out.push_back(f);
  return out;
}

}  // namespace

ScenarioReport run_scenario(const Scenario& s, std::uint64_t seed, const RunOptions& options) {
  return Run(s, seed, options).go();
}

ScenarioReport run_file(const std::string& path, std::optional<std::uint64_t> seed, const RunOptions& options) {
  auto text = read_text(path);
  if (!text.ok()) {
    ScenarioReport r;
    r.path = path;
    r.setup_error = text.error().message;
    return r;
  }
  auto s = parse_scenario(*text, path);
  if (!s.ok()) {
    ScenarioReport r;
    r.path = path;
    r.setup_error = s.error().message;
    return r;
  }
  return run_scenario(*s, seed.value_or(s->seed), options);
}

Json report_json(const std::vector<ScenarioReport>& reports) {
  Json out = {{"scenarios", Json::array()}};
  int passed = 0;
  for (const auto& r : reports) {
    passed += r.passed;
    Json steps = Json::array();
    for (const auto& s : r.steps) {
      Json j = {{"index", s.index + 1}, {"kind", s.kind}, {"at", format_duration(s.at)}, {"ok", s.ok}};
      if (!s.failures.empty()) j["failures"] = s.failures;
      if (!s.skipped.empty()) j["skipped"] = s.skipped;
      steps.push_back(std::move(j));
    }
    Json timeline = Json::array();
    for (const auto& t : r.timeline) timeline.push_back({{"at", format_duration(t.at)}, {"pods", t.pods}});
    Json j = {{"name", r.name}, {"path", r.path}, {"seed", r.seed}, {"passed", r.passed},
              {"virtualTime", format_duration(r.virtual_time)}, {"steps", steps}, {"timeline", timeline}};
    if (!r.setup_error.empty()) j["setupError"] = r.setup_error;
    if (!r.setup_notes.empty()) j["setupNotes"] = r.setup_notes;
    out["scenarios"].push_back(std::move(j));
  }
  out["summary"] = {{"scenarios", reports.size()}, {"passed", passed}, {"failed", static_cast<int>(reports.size()) - passed}};
  return out;
}

std::string report_junit(const std::vector<ScenarioReport>& reports) {
  std::map<std::string, std::vector<const ScenarioReport*>> suites;
  for (const auto& r : reports) suites[group_of(r)].push_back(&r);
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kci-vk scenarios\">\n";
  for (const auto& [suite, rs] : suites) {
    int failures = 0;
    for (const auto* r : rs) failures += !r->passed;
    x << "  <testsuite name=\"" << xml_escape(suite) << "\" tests=\"" << rs.size() << "\" failures=\"" << failures << "\">\n";
    for (const auto* r : rs) {
      x << "    <testcase classname=\"" << xml_escape(suite) << "\" name=\"" << xml_escape(r->name.empty() ? r->path : r->name)
        << "\">\n";
      if (!r->passed) {
        std::string body;
        for (const auto& f : all_failures(*r)) body += f + "\n";
        body += "replay: kci-vk sim " + r->path + " --seed " + std::to_string(r->seed) + "\n";
        x << "      <failure message=\"" << xml_escape(all_failures(*r).empty() ? "failed" : all_failures(*r).front())
          << "\">" << xml_escape(body) << "</failure>\n";
      }
      x << "    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  return x.str();
}

std::string report_text(const std::vector<ScenarioReport>& reports) {
  std::ostringstream o;
  std::size_t width = 8;
  for (const auto& r : reports) width = std::max(width, (r.name.empty() ? r.path : r.name).size());
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %-6s  %6s  %12s  %8s\n", static_cast<int>(width), "SCENARIO", "RESULT", "SEED",
                "SCENARIO-TIME", "WALL");
  o << line;
  int passed = 0;
  for (const auto& r : reports) {
    passed += r.passed;
    std::snprintf(line, sizeof line, "%-*s  %-6s  %6llu  %12s  %7.2fs\n", static_cast<int>(width),
                  (r.name.empty() ? r.path : r.name).c_str(), r.passed ? "PASS" : "FAIL",
                  static_cast<unsigned long long>(r.seed), format_duration(r.virtual_time).c_str(), r.wall_seconds);
    o << line;
  }
  for (const auto& r : reports) {
    if (r.passed) continue;
    o << "\nFAIL " << (r.name.empty() ? r.path : r.name) << " (replay: kci-vk sim " << r.path << " --seed " << r.seed << ")\n";
    for (const auto& f : all_failures(r)) o << "  " << f << "\n";
  }
  for (const auto& r : reports) {
    // What was not set up or checked (a real cluster has no stand-ins): never silent.
    std::vector<std::string> skipped = r.setup_notes;
    for (const auto& s : r.steps)
      for (const auto& k : s.skipped) skipped.push_back("step " + std::to_string(s.index + 1) + " (" + s.kind + "): " + k);
    if (skipped.empty()) continue;
    o << "\nSKIPPED in " << (r.name.empty() ? r.path : r.name) << ":\n";
    for (const auto& k : skipped) o << "  " << k << "\n";
  }
  o << "\n" << passed << " passed, " << (reports.size() - passed) << " failed\n";
  return o.str();
}

std::string report_html(const std::vector<ScenarioReport>& reports) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kci-vk scenarios</title>\n"
       "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
       "padding:4px 8px;text-align:left}.pass{color:#080}.fail{color:#b00}pre{white-space:pre-wrap}</style></head><body>\n"
       "<h1>kci-vk scenarios</h1>\n<table><tr><th>scenario</th><th>result</th><th>seed</th><th>scenario time</th>"
       "<th>expectations</th></tr>\n";
  for (const auto& r : reports) {
    std::size_t total = 0, ok = 0;
    for (const auto& s : r.steps) {
      total += 1;
      ok += s.ok;
    }
    h << "<tr><td><a href=\"#" << xml_escape(r.name) << "\">" << xml_escape(r.name.empty() ? r.path : r.name) << "</a></td><td class=\""
      << (r.passed ? "pass\">PASS" : "fail\">FAIL") << "</td><td>" << r.seed << "</td><td>" << format_duration(r.virtual_time)
      << "</td><td>" << ok << "/" << total << " steps</td></tr>\n";
  }
  h << "</table>\n";
  static const std::map<std::string, std::string> kColours = {
      {"Pending", "#e6a700"}, {"Running", "#2a9d3a"}, {"Succeeded", "#3a6fd8"}, {"Failed", "#c62828"}, {"Unknown", "#777"}};
  for (const auto& r : reports) {
    h << "<h2 id=\"" << xml_escape(r.name) << "\">" << xml_escape(r.name) << "</h2>\n";
    if (!r.description.empty()) h << "<p>" << xml_escape(r.description) << "</p>\n";
    const auto failures = all_failures(r);
    if (!failures.empty()) {
      h << "<pre class=\"fail\">";
      for (const auto& f : failures) h << xml_escape(f) << "\n";
      h << "</pre>\n";
    }
    // One small chart per node: stacked pod counts by phase over scenario time.
    std::map<std::string, std::int64_t> peak;
    for (const auto& t : r.timeline)
      for (const auto& [node, phases] : t.pods) {
        std::int64_t n = 0;
        for (const auto& [p, c] : phases) n += c;
        peak[node] = std::max(peak[node], n);
      }
    const double end = std::max(1.0, std::chrono::duration<double>(r.virtual_time).count());
    for (const auto& [node, top] : peak) {
      constexpr int kW = 600, kH = 120;  // chart size in pixels
      h << "<h3>" << xml_escape(node) << "</h3>\n<svg width=\"" << kW + 60 << "\" height=\"" << kH + 30
        << "\" xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"40\" y=\"0\" width=\"" << kW << "\" height=\"" << kH
        << "\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n";
      for (std::size_t i = 0; i < r.timeline.size(); ++i) {
        const auto& t = r.timeline[i];
        const double x0 = 40 + kW * std::chrono::duration<double>(t.at).count() / end;
        const double x1 = 40 + kW * (i + 1 < r.timeline.size() ? std::chrono::duration<double>(r.timeline[i + 1].at).count() : end) / end;
        double y = kH;
        auto it = t.pods.find(node);
        if (it == t.pods.end()) continue;
        for (const auto& [phase, count] : it->second) {
          const double hgt = top > 0 ? kH * static_cast<double>(count) / static_cast<double>(top) : 0;
          y -= hgt;
          auto colour = kColours.count(phase) ? kColours.at(phase) : std::string("#999");
          char rect[256];
          std::snprintf(rect, sizeof rect,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %lld</title></rect>\n",
                        x0, y, std::max(0.5, x1 - x0), hgt, colour.c_str(), phase.c_str(), static_cast<long long>(count));
          h << rect;
        }
      }
      h << "<text x=\"0\" y=\"12\" font-size=\"10\">" << top << "</text><text x=\"0\" y=\"" << kH
        << "\" font-size=\"10\">0</text><text x=\"40\" y=\"" << kH + 15 << "\" font-size=\"10\">0s</text><text x=\""
        << 40 + kW - 30 << "\" y=\"" << kH + 15 << "\" font-size=\"10\">" << format_duration(r.virtual_time) << "</text></svg>\n";
    }
  }
  h << "<p>";
  for (const auto& [phase, colour] : kColours) h << "<span style=\"color:" << colour << "\">&#9632; " << phase << "</span> ";
  h << "</p></body></html>\n";
  return h.str();
}

}  // namespace kci::scenario
