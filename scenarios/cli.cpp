#include "scenarios/cli.h"

#include <cstdlib>
#include <string>
#include <string_view>

#include "scenarios/cmd_cleanup.h"
#include "scenarios/cmd_extender.h"
#include "scenarios/cmd_fake_apiserver.h"
#include "scenarios/cmd_fake_kci.h"
#include "scenarios/cmd_provider.h"
#include "scenarios/cmd_up.h"
#include "scenarios/cmd_sim.h"
#include "scenarios/cmd_translate.h"
#include "scenarios/cmd_webhook.h"

namespace kci::cli {
namespace {
constexpr std::string_view kUsage =
    "usage: kci-vk <command> [flags]\n"
    "\n"
    "commands:\n"
    "  sim        replay scenario files or folders and report (exit 0 iff every expectation held)\n"
    "  up         the embedded cluster for kubectl: API server, fake KCI, virtual nodes, extender, webhook\n"
    "  version    print the version\n"
    "  translate  print the KCI request a pod becomes (-f POD.yaml), or why it is refused\n"
    "  fake-kci   serve the fake KCI cloud alone (--listen HOST:PORT --config FILE)\n"
    "  fake-apiserver  serve the fake Kubernetes API alone (--listen HOST:PORT --kubeconfig-out PATH)\n"
    "  webhook    serve the admission webhook over HTTPS (--listen --tls-cert --tls-key)\n"
    "  extender   serve the scheduler extender over HTTP (--listen, --kubeconfig or --in-cluster)\n"
    "  provider   the KCI virtual kubelet (seed flags, KCI_* variables; --real-cluster or --kci-endpoint)\n"
    "  cleanup    delete every KCI container group of a cluster (--cluster-id ID [--node N] [--dry-run])\n"
    "  help       print this text\n";
}  // namespace

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  if (argc < 2) {
    err << kUsage;
    return 2;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    out << kUsage;
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    out << "kci-vk " << KCI_VERSION << "\n";
    return 0;
  }
  if (cmd == "translate") return run_translate(argc - 2, argv + 2, out, err);
  if (cmd == "fake-kci") return run_fake_kci(argc, argv, out, err);
  if (cmd == "webhook") return run_webhook(argc, argv, out, err);
  if (cmd == "extender") return run_extender(argc, argv, out, err);
  if (cmd == "provider") return run_provider(argc, argv, out, err);
  if (cmd == "cleanup") return run_cleanup(argc, argv, out, err, [](const char* n) { return std::getenv(n); });
  if (cmd == "sim") return run_sim(argc, argv, out, err);
  if (cmd == "up") return run_up(argc, argv, out, err);
  if (cmd == "fake-apiserver") return run_fake_apiserver(argc, argv, out, err);
  err << "kci-vk: unknown command \"" << cmd << "\"\n" << kUsage;
  return 2;
}

}  // namespace kci::cli
