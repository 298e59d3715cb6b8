// `kci-vk cleanup --cluster-id ID [--node NAME] [--dry-run] [--kci-endpoint URL]`:
// deletes every KCI container group labelled with the cluster (and node), as seed 002's
// uninstall Job does; prints each group deleted (or, with --dry-run, each it would delete)
// and each it could not delete with the KCI reason. Credentials and region come from
// KCI_ACCESS_KEY, KCI_SECRET_KEY and KCI_REGION, as for the virtual kubelet.
// Exit status: 0 all deleted, 1 some could not be deleted or listing failed, 2 bad usage.
// Must not: be linked into anything but the command line (and its tests).
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "core/kci/api.h"
#include "core/result.h"
#include "provider/cleanup/cleanup.h"

namespace kci::cli {

struct CleanupFlags {
  cleanup::CleanupOptions options;
  //! --kci-endpoint; empty = https://kci.api.ksyun.com (the internal endpoint with
  //! KCI_REQUEST_INTERNAL), as the virtual kubelet with --real-cluster.
  std::string kci_endpoint;
};

//! Parses the flags after "cleanup"; `help` is set for --help. Errors name the flag, the
//! value and what is accepted; a missing --cluster-id is an error.
Result<CleanupFlags> parse_cleanup_flags(int argc, char** argv, bool& help);

//! Runs the cleanup against `kci` and prints the report; returns the exit status.
int run_cleanup_against(kcicloud::KciApi& kci, const kcicloud::CallContext& ctx,
                        const cleanup::CleanupOptions& options, std::ostream& out, std::ostream& err);

//! The command: flags, then the environment (`env` looks a variable up; null = unset), then
//! the HTTP KCI client.
int run_cleanup(int argc, char** argv, std::ostream& out, std::ostream& err,
                const std::function<const char*(const char*)>& env);

}  // namespace kci::cli
