#include "scenarios/cmd_fake_kci.h"

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>

#include "fake-kci/chaos.h"
#include "fake-kci/cloud_config.h"
#include "fake-kci/fake_cloud.h"
#include "fake-kci/http_server.h"
#include "provider/system_clock.h"

namespace kci::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: kci-vk fake-kci [--listen HOST:PORT] [--config FILE] [--seed N]\n"
    "  --listen  address to serve on (default 127.0.0.1:8443; port 0 = any)\n"
    "  --config  YAML whose top level is a scenario's kci: key (default: the defaults)\n"
    "  --seed    random seed for ids, IPs and faults (default 1)\n";

}  // namespace

int run_fake_kci(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::string listen = "127.0.0.1:8443", config_path;
  std::uint64_t seed = 1;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& v) {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--listen" && value(v)) {
      listen = v;
    } else if (a == "--config" && value(v)) {
      config_path = v;
    } else if (a == "--seed" && value(v)) {
      seed = std::stoull(v);
    } else if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else {
      err << "kci-vk fake-kci: unknown or incomplete flag \"" << a << "\"\n" << kUsage;
      return 2;
    }
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    err << "kci-vk fake-kci: --listen is \"" << listen << "\"; expected HOST:PORT such as 127.0.0.1:8443\n";
    return 2;
  }
  const std::string host = listen.substr(0, colon);
  const int port = std::atoi(listen.c_str() + colon + 1);
  if (port < 0 || port > 65535) {
    err << "kci-vk fake-kci: port " << port << " is outside 0-65535\n";
    return 2;
  }
  provider::SystemClock clock;
  std::string yaml;
  std::string base_dir = ".";
  if (!config_path.empty()) {
    std::ifstream in(config_path);
    if (!in) {
      err << "kci-vk fake-kci: cannot read --config " << config_path << "\n";
      return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    yaml = ss.str();
    const auto slash = config_path.rfind('/');
    if (slash != std::string::npos) base_dir = config_path.substr(0, slash);
  }
  auto cfg = fake_kci::parse_cloud_config(yaml, base_dir, clock.now());
  if (!cfg.ok()) {
    err << "kci-vk fake-kci: " << config_path << ": " << cfg.error().message << "\n";
    return 1;
  }
  const fake_kci::FaultConfig faults = cfg->faults;
  fake_kci::FakeKciCloud cloud(std::move(*cfg), clock, seed);
  fake_kci::ChaosKciApi chaos(cloud, clock, faults, seed ^ 0x9e3779b97f4a7c15ULL);
  fake_kci::KciHttpServer server(chaos, clock, [&](const std::string& ak) { return cloud.secret_for(ak); }, seed);

  // Block the stop signals before the server thread starts, then wait for one of them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (auto st = server.start(host, static_cast<std::uint16_t>(port)); !st.ok()) {
    err << "kci-vk fake-kci: " << st.error().message << "\n";
    return 1;
  }
  out << "fake-kci: serving region " << cloud.config().region << " on " << host << ":" << server.port() << "\n"
      << std::flush;
  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  out << "fake-kci: stopped\n";
  return 0;
}

}  // namespace kci::cli
