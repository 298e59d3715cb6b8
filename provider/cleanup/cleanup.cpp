#include "provider/cleanup/cleanup.h"

#include <set>

namespace kci::cleanup {

namespace {

std::string label_of(const kcicloud::ContainerGroup& g, const std::string& key) {
  for (const auto& l : g.labels)
    if (l.key == key) return l.value;
  return {};
}

bool has_label(const kcicloud::ContainerGroup& g, const std::string& key) {
  for (const auto& l : g.labels)
    if (l.key == key) return true;
  return false;
}

Target target_of(const kcicloud::ContainerGroup& g) {
  return {g.container_group_id, g.container_group_name, g.status,
          label_of(g, "namespace"), label_of(g, "pod-name"), label_of(g, kNodeLabel)};
}

bool printable(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

std::string describe(const Target& t) {
  std::string s = t.container_group_id + "  " + t.container_group_name + "  " + t.status;
  s += "  pod " + (t.ns.empty() && t.pod.empty() ? std::string("<none>") : t.ns + "/" + t.pod);
  s += "  node " + (t.node.empty() ? std::string("<none>") : t.node);
  return s;
}

}  // namespace

Status validate(const CleanupOptions& o) {
  if (o.cluster_id.empty())
    return invalid_argument("--cluster-id is required: the id of the cluster whose container groups "
                            "to delete (the KCI_CLUSTER_ID of its virtual nodes); cleanup never runs "
                            "over every cluster");
  if (!printable(o.cluster_id))
    return invalid_argument("--cluster-id has control characters; expected the cluster id as its "
                            "virtual nodes label groups");
  if (!printable(o.node))
    return invalid_argument("--node has control characters; expected a node name");
  return ok_status();
}

bool selected(const kcicloud::ContainerGroup& g, const CleanupOptions& o) {
  if (o.cluster_id.empty() || !has_label(g, kClusterLabel)) return false;
  if (label_of(g, kClusterLabel) != o.cluster_id) return false;
  if (!o.node.empty() && label_of(g, kNodeLabel) != o.node) return false;
  return true;
}

Result<CleanupReport> run_cleanup(kcicloud::KciApi& kci, const kcicloud::CallContext& ctx,
                                  const CleanupOptions& o) {
  KCI_TRY_STATUS(validate(o));
  CleanupReport report;
  std::set<std::string> seen;
  kcicloud::DescribeContainerGroupRequest req;
  req.max_results = 100;
  for (int page = 0;; ++page) {
    auto r = kci.describe_container_group(ctx, req);
    if (!r.ok()) {
      Error e = r.error();
      e.message = "listing container groups (page " + std::to_string(page + 1) + "): " +
                  (e.reason.empty() ? std::string() : e.reason + ": ") + e.message +
                  "; nothing was deleted";
      return e;
    }
    for (const auto& g : r->container_groups)
      if (selected(g, o) && seen.insert(g.container_group_id).second) report.selected.push_back(target_of(g));
    if (r->marker == 0 || r->container_groups.empty() || r->marker == req.marker) break;
    req.marker = r->marker;
  }
  if (o.dry_run) return report;
  for (const auto& t : report.selected) {
    kcicloud::DeleteContainerGroupRequest d;
    d.container_group_id = t.container_group_id;
    auto r = kci.delete_container_group(ctx, d);
    if (r.ok() || r.error().reason == "ContainerGroupNotFound") {
      report.deleted.push_back(t);
      continue;
    }
    report.failed.push_back({t, r.error().reason.empty() ? std::string(error_code_name(r.error().code))
                                                         : r.error().reason,
                             r.error().message});
  }
  return report;
}

std::string format_report(const CleanupReport& report, const CleanupOptions& o) {
  const std::string scope = "cluster " + o.cluster_id + (o.node.empty() ? "" : " node " + o.node);
  std::string out;
  if (o.dry_run) {
    for (const auto& t : report.selected) out += "would delete " + describe(t) + "\n";
    out += "dry run: " + std::to_string(report.selected.size()) + " container group(s) of " + scope +
           " would be deleted\n";
    return out;
  }
  for (const auto& t : report.deleted) out += "deleted " + describe(t) + "\n";
  for (const auto& f : report.failed)
    out += "could not delete " + describe(f.target) + ": " + f.reason + ": " + f.message + "\n";
  out += "deleted " + std::to_string(report.deleted.size()) + " of " +
         std::to_string(report.selected.size()) + " container group(s) of " + scope;
  if (!report.failed.empty())
    out += "; " + std::to_string(report.failed.size()) + " could not be deleted (run again to retry)";
  return out + "\n";
}

}  // namespace kci::cleanup
