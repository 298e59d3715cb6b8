#include "scenarios/cmd_extender.h"

#include <csignal>
#include <charconv>
#include <future>
#include <mutex>

#include "fake-apiserver/owner_loop.h"
#include "provider/extender/extender_server.h"
#include "provider/extender/extender_service.h"
#include "provider/kube_http/http_kube_client.h"
#include "scenarios/cli_flags.h"

namespace kci::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: kci-vk extender [--listen HOST:PORT] (--kubeconfig PATH [--context NAME] | --in-cluster | --real-cluster)\n"
    "                       [--qps N] [--burst N]\n"
    "  --listen      address to serve the extender's HTTP on (default 0.0.0.0:80; port 0 = any)\n"
    "  --kubeconfig  kubeconfig file of the cluster to watch (token, tokenFile or client\n"
    "                certificate; exec plugins are not supported)\n"
    "  --context     context of the kubeconfig to use (default: its current-context)\n"
    "  --in-cluster  use the pod's service account (KUBERNETES_SERVICE_HOST/PORT, token, ca.crt)\n"
    "  --real-cluster  the cluster the extender is deployed in: --in-cluster unless --kubeconfig\n"
    "                is given (the extender has no stand-in; the flag matches the other commands)\n"
    "  --qps         client-side limit of requests a second to the API server (default 20;\n"
    "                0 = unlimited)\n"
    "  --burst       requests allowed at once above --qps (default 40)\n"
    "serves POST /scheduler/predicates/always_true, /scheduler/priorities/group_score,\n"
    "/scheduler/preemption (kube-scheduler ExtenderArgs) and GET /healthz, until SIGINT or SIGTERM\n";

}  // namespace

Result<ExtenderFlags> parse_extender_flags(int argc, char** argv, bool& help) {
  ExtenderFlags f;
  help = false;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return invalid_argument(a + " needs a value");
      return std::string(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      help = true;
      return f;
    } else if (a == "--listen") {
      KCI_TRY(std::string v, value());
      KCI_TRY(auto hp, parse_host_port("--listen", v));
      f.host = hp.first;
      f.port = hp.second;
    } else if (a == "--kubeconfig") {
      KCI_TRY(f.kubeconfig, value());
      if (f.kubeconfig.empty()) return invalid_argument("--kubeconfig is empty; expected a file");
    } else if (a == "--context") {
      KCI_TRY(f.context, value());
    } else if (a == "--in-cluster") {
      f.in_cluster = true;
    } else if (a == "--real-cluster") {
      f.real_cluster = true;
    } else if (a == "--qps") {
      KCI_TRY(std::string v, value());
      KCI_TRY(f.qps, parse_non_negative("--qps", v));
    } else if (a == "--burst") {
      KCI_TRY(std::string v, value());
      KCI_TRY(f.burst, parse_non_negative("--burst", v));
      if (f.burst < 1) return invalid_argument("--burst is \"" + v + "\"; expected at least 1");
    } else {
      return invalid_argument("unknown flag \"" + a + "\"");
    }
  }
  KCI_TRY_STATUS(check_cluster_flags(f, /*default_in_cluster=*/f.real_cluster));
  return f;
}

struct ExtenderProcess::State {
  apiserver::RealTimeLoop loop;
  std::unique_ptr<provider::HttpKubeClient> client;
  std::unique_ptr<extender::ExtenderService> service;
  std::unique_ptr<extender::ExtenderServer> server;
  std::string description;
  bool stopped = false;

  //! Runs `f` on the loop and waits for its result.
  template <class F>
  auto on_loop(F&& f) {
    return apiserver::run_on(loop, std::forward<F>(f));
  }
};

ExtenderProcess::ExtenderProcess(std::unique_ptr<State> state) : state_(std::move(state)) {}
ExtenderProcess::~ExtenderProcess() { stop(); }

Result<std::unique_ptr<ExtenderProcess>> ExtenderProcess::start(const ExtenderFlags& flags,
                                                                std::function<void(const std::string&)> log) {
  auto state = std::make_unique<State>();
  KCI_TRY(state->client, connect_cluster(flags, state->loop, "kci-vk-extender", &state->description));
  state->service = std::make_unique<extender::ExtenderService>(*state->client, state->loop.sim(), std::move(log));
  state->loop.start();
  State* s = state.get();
  s->on_loop([s] { s->service->start(); });
  state->server = std::make_unique<extender::ExtenderServer>(
      [s](const std::string& path, const std::string& body) {
        return s->on_loop([s, &path, &body] { return s->service->handle(path, body); });
      },
      [s] { return s->on_loop([s] { return s->service->synced(); }); });
  if (auto st = state->server->start(flags.host, flags.port); !st.ok()) {
    ExtenderProcess failed(std::move(state));
    return st.take_error();
  }
  return std::unique_ptr<ExtenderProcess>(new ExtenderProcess(std::move(state)));
}

std::uint16_t ExtenderProcess::port() const { return state_->server ? state_->server->port() : 0; }
std::string ExtenderProcess::describe() const { return state_->description; }
bool ExtenderProcess::synced() {
  State* s = state_.get();
  return s->on_loop([s] { return s->service->synced(); });
}

std::map<std::string, std::int64_t> ExtenderProcess::pods_on_virtual_nodes() {
  State* s = state_.get();
  return s->on_loop([s] { return s->service->snapshot().pods_on_virtual_node; });
}

void ExtenderProcess::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  if (state_->server) state_->server->stop();
  // The informers' watches are stopped on the loop they deliver to.
  State* s = state_.get();
  s->on_loop([s] { s->service.reset(); });
  s->loop.stop();
}

int run_extender(int argc, char** argv, std::ostream& out, std::ostream& err) {
  bool help = false;
  auto flags = parse_extender_flags(argc - 2, argv + 2, help);
  if (help) {
    out << kUsage;
    return 0;
  }
  if (!flags.ok()) {
    err << "kci-vk extender: " << flags.error().message << "\n" << kUsage;
    return 2;
  }
  // Block the signals before any thread starts, so that only sigwait() sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::mutex out_mu;
  auto p = ExtenderProcess::start(*flags, [&](const std::string& line) {
    std::lock_guard lock(out_mu);
    out << "extender: " << line << "\n" << std::flush;
  });
  if (!p.ok()) {
    err << "kci-vk extender: " << p.error().message << "\n";
    return 1;
  }
  {
    std::lock_guard lock(out_mu);
    out << "extender: serving http://" << flags->host << ":" << (*p)->port()
        << "/scheduler/{predicates/always_true,priorities/group_score,preemption} and /healthz; API server "
        << (*p)->describe() << "\n"
        << std::flush;
  }
  int sig = 0;
  sigwait(&set, &sig);
  (*p)->stop();
  out << "extender: stopped (" << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ")\n";
  return 0;
}

}  // namespace kci::cli
