#include "scenarios/cmd_cleanup.h"


#include "provider/kci_http_client.h"
#include "provider/system_clock.h"

namespace kci::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: kci-vk cleanup --cluster-id ID [--node NAME] [--dry-run] [--kci-endpoint URL]\n"
    "  --cluster-id    the cluster whose container groups to delete: groups labelled cluster-id=ID\n"
    "                  (the KCI_CLUSTER_ID of its virtual nodes); required\n"
    "  --node          only the groups of this virtual node (label node-name)\n"
    "  --dry-run       print what would be deleted, delete nothing\n"
    "  --kci-endpoint  the KCI OpenAPI, http://HOST:PORT or https://HOST[:PORT] (default\n"
    "                  https://kci.api.ksyun.com, or kci.internal.api.ksyun.com with KCI_REQUEST_INTERNAL)\n"
    "environment: KCI_ACCESS_KEY, KCI_SECRET_KEY (the key pair), KCI_REGION (the signature's region),\n"
    "  KCI_REQUEST_INTERNAL (present: the internal endpoint)\n"
    "exit status: 0 every group deleted; 1 some could not be deleted, or listing failed; 2 bad usage\n";

}  // namespace

Result<CleanupFlags> parse_cleanup_flags(int argc, char** argv, bool& help) {
  CleanupFlags f;
  help = false;
  bool have_cluster = false;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return invalid_argument(a + " needs a value");
      return std::string(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      help = true;
      return f;
    } else if (a == "--cluster-id") {
      KCI_TRY(f.options.cluster_id, value());
      if (f.options.cluster_id.empty())
        return invalid_argument("--cluster-id is empty; expected the cluster id its virtual nodes label "
                                "container groups with (KCI_CLUSTER_ID)");
      have_cluster = true;
    } else if (a == "--node") {
      KCI_TRY(f.options.node, value());
      if (f.options.node.empty()) return invalid_argument("--node is empty; expected a virtual node's name");
    } else if (a == "--dry-run") {
      f.options.dry_run = true;
    } else if (a == "--kci-endpoint") {
      KCI_TRY(f.kci_endpoint, value());
      provider::KciHttpClientOptions probe;
      KCI_TRY_STATUS(provider::parse_kci_endpoint(f.kci_endpoint, probe));
    } else {
      return invalid_argument("unknown flag \"" + a + "\"; accepted: --cluster-id, --node, --dry-run, "
                              "--kci-endpoint, --help");
    }
  }
  if (!have_cluster)
    return invalid_argument("--cluster-id is required: the id of the cluster whose container groups to "
                            "delete; cleanup never runs over every cluster");
  return f;
}

int run_cleanup_against(kcicloud::KciApi& kci, const kcicloud::CallContext& ctx,
                        const cleanup::CleanupOptions& options, std::ostream& out, std::ostream& err) {
  auto report = cleanup::run_cleanup(kci, ctx, options);
  if (!report.ok()) {
    err << "kci-vk cleanup: " << report.error().message << "\n";
    return report.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  out << cleanup::format_report(*report, options);
  return report->ok() ? 0 : 1;
}

int run_cleanup(int argc, char** argv, std::ostream& out, std::ostream& err,
                const std::function<const char*(const char*)>& env) {
  bool help = false;
  auto flags = parse_cleanup_flags(argc - 2, argv + 2, help);
  if (help) {
    out << kUsage;
    return 0;
  }
  if (!flags.ok()) {
    err << "kci-vk cleanup: " << flags.error().message << "\n" << kUsage;
    return 2;
  }
  auto var = [&](const char* name) {
    const char* v = env ? env(name) : nullptr;
    return std::string(v ? v : "");
  };
  auto endpoint = provider::kci_endpoint_options(flags->kci_endpoint, env && env("KCI_REQUEST_INTERNAL"));
  if (!endpoint.ok()) {
    err << "kci-vk cleanup: " << endpoint.error().message << "\n";
    return 2;
  }
  provider::KciHttpClientOptions o = std::move(*endpoint);
  o.access_key = var("KCI_ACCESS_KEY");
  o.secret_key = var("KCI_SECRET_KEY");
  o.region = var("KCI_REGION");
  for (const auto& [name, value] : {std::pair<const char*, const std::string&>{"KCI_ACCESS_KEY", o.access_key},
                                    {"KCI_SECRET_KEY", o.secret_key},
                                    {"KCI_REGION", o.region}})
    if (value.empty()) {
      err << "kci-vk cleanup: " << name << " is not set; cleanup signs its KCI calls with KCI_ACCESS_KEY, "
          << "KCI_SECRET_KEY and KCI_REGION (as the virtual kubelet does)\n";
      return 2;
    }
  provider::SystemClock clock;
  provider::KciHttpClient kci(o, clock);
  return run_cleanup_against(kci, {o.access_key, o.region}, flags->options, out, err);
}

}  // namespace kci::cli
