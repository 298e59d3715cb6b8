// `kci-vk cleanup`: the uninstall and lost-cluster path of seed 002 ("卸载插件会自动删除CCI侧
// 的所有资源，以确保不会有资源残留造成额外计费"). Lists every container group the caller can see,
// keeps those whose `cluster-id` label is the cluster's (and, with a node, whose `node-name`
// label is that node's) — the labels the virtual kubelet puts on every group it creates —
// and deletes them one by one, reporting each group it could not delete and why.
// A group of another cluster, or without the label, is never touched.
//
// Talks to KCI only through KciApi (the HTTP client in real use, the fake cloud in tests).
// Must not: read the environment or the clock, sleep, or print (the command does).
#pragma once

#include <string>
#include <vector>

#include "core/kci/api.h"
#include "core/result.h"

namespace kci::cleanup {

//! The labels the virtual kubelet gives every container group (kci-cloud.md, Label.N).
inline constexpr const char* kClusterLabel = "cluster-id";
inline constexpr const char* kNodeLabel = "node-name";

struct CleanupOptions {
  std::string cluster_id;  //!< required, non-empty
  std::string node;        //!< only this virtual node's groups; empty = every node
  bool dry_run = false;    //!< list only
};

//! One group selected for deletion.
struct Target {
  std::string container_group_id, container_group_name, status, ns, pod, node;
};

//! One group that could not be deleted.
struct Failure {
  Target target;
  std::string reason;   //!< the KCI code (Throttling, InternalError, ...) or the ErrorCode's name
  std::string message;
};

struct CleanupReport {
  std::vector<Target> selected;  //!< every group of the cluster (and node), in listing order
  std::vector<Target> deleted;   //!< deleted (or already gone); empty on a dry run
  std::vector<Failure> failed;   //!< not deleted
  bool ok() const { return failed.empty(); }
};

//! Refuses an empty cluster id (and ids or nodes with characters a label cannot hold).
Status validate(const CleanupOptions& options);

//! True when `group` belongs to the cluster (and node) of `options`: exact label matches.
bool selected(const kcicloud::ContainerGroup& group, const CleanupOptions& options);

//! Lists every group (all pages), deletes the selected ones unless dry_run. An error when
//! the options are invalid or the listing fails (nothing is deleted then); delete failures
//! are in the report. A group already gone (ContainerGroupNotFound) counts as deleted.
Result<CleanupReport> run_cleanup(kcicloud::KciApi& kci, const kcicloud::CallContext& ctx,
                                  const CleanupOptions& options);

//! The report as the command prints it (one line per group, then a summary line).
std::string format_report(const CleanupReport& report, const CleanupOptions& options);

}  // namespace kci::cleanup
