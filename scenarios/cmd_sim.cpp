#include "scenarios/cmd_sim.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "provider/kci_http_client.h"
#include "scenarios/real_world.h"
#include "scenarios/runner.h"

namespace kci::cli {
namespace {

constexpr const char* kSimUsage =
    "usage: kci-vk sim PATH... [--seed N] [--repeat N --random-seeds] [--junit FILE] [--json FILE] [--html FILE] [--quiet]\n"
    "                  [--real-cluster [--kubeconfig FILE] [--context NAME] [--kci-endpoint URL] [--kci-ca-file FILE]]\n"
    "  --real-cluster  run the steps and expectations against the cluster of the kubeconfig (default $KUBECONFIG,\n"
    "                  then ~/.kube/config) in real time; its virtual nodes must be running. Steps that need the\n"
    "                  stand-ins (faults, stop/start/restart, cleanup) and checks without a view (received requests,\n"
    "                  billing, kubelet API) are reported as skipped. Cloud expectations need KCI_ACCESS_KEY,\n"
    "                  KCI_SECRET_KEY and KCI_REGION; they go to --kci-endpoint or the real KCI endpoint\n"
    "                  (internal with KCI_REQUEST_INTERNAL), and only read (list and describe).\n";

//! The kubeconfig kubectl would use: $KUBECONFIG (its first file), else ~/.kube/config.
std::string default_kubeconfig() {
  if (const char* k = std::getenv("KUBECONFIG"); k && *k) {
    const std::string all = k;
    return all.substr(0, all.find(':'));
  }
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.kube/config";
}

//! The real-cluster world's settings from the flags and KCI_* variables.
Result<scenario::RealClusterOptions> real_cluster_options(const std::string& kubeconfig, const std::string& context,
                                                          const std::string& kci_endpoint, const std::string& kci_ca_file) {
  scenario::RealClusterOptions o;
  o.kubeconfig = kubeconfig.empty() ? default_kubeconfig() : kubeconfig;
  o.context = context;
  auto var = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  const std::string ak = var("KCI_ACCESS_KEY"), sk = var("KCI_SECRET_KEY"), region = var("KCI_REGION");
  if (ak.empty() && sk.empty()) {
    if (!kci_endpoint.empty())
      return invalid_argument("--kci-endpoint is given but KCI_ACCESS_KEY and KCI_SECRET_KEY are not set");
    return o;
  }
  if (ak.empty() || sk.empty() || region.empty())
    return invalid_argument("KCI_ACCESS_KEY, KCI_SECRET_KEY and KCI_REGION must be set together (missing: " +
                            std::string(ak.empty() ? "KCI_ACCESS_KEY" : sk.empty() ? "KCI_SECRET_KEY" : "KCI_REGION") +
                            ")");
  KCI_TRY(auto kci, provider::kci_endpoint_options(kci_endpoint, std::getenv("KCI_REQUEST_INTERNAL") != nullptr));
  kci.access_key = ak;
  kci.secret_key = sk;
  kci.region = region;
  kci.ca_file = kci_ca_file;
  o.kci = std::move(kci);
  return o;
}

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool write_file(const std::string& path, const std::string& text, std::ostream& err) {
  std::ofstream f(path, std::ios::binary);
  if (!f || !(f << text)) {
    err << "kci-vk sim: cannot write " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace

int run_sim(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> paths;
  std::optional<std::uint64_t> seed;
  std::uint64_t repeat = 1;
  bool random_seeds = false, quiet = false, real_cluster = false;
  std::string junit, json, html, kubeconfig, context, kci_endpoint, kci_ca_file;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        err << "kci-vk sim: " << flag << " needs a value\n" << kSimUsage;
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (a == "--seed" || a == "--repeat") {
      auto v = value(a.c_str());
      if (!v) return 2;
      auto n = parse_u64(*v);
      if (!n || (a == "--repeat" && *n == 0)) {
        err << "kci-vk sim: " << a << " \"" << *v << "\" is not a " << (a == "--seed" ? "number >= 0" : "count >= 1") << "\n";
        return 2;
      }
      if (a == "--seed") seed = n;
      else repeat = *n;
    } else if (a == "--junit" || a == "--json" || a == "--html") {
      auto v = value(a.c_str());
      if (!v) return 2;
      (a == "--junit" ? junit : a == "--json" ? json : html) = *v;
    } else if (a == "--kubeconfig" || a == "--context" || a == "--kci-endpoint" || a == "--kci-ca-file") {
      auto v = value(a.c_str());
      if (!v) return 2;
      (a == "--kubeconfig" ? kubeconfig : a == "--context" ? context : a == "--kci-endpoint" ? kci_endpoint : kci_ca_file) = *v;
    } else if (a == "--real-cluster") {
      real_cluster = true;
    } else if (a == "--random-seeds") {
      random_seeds = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--help" || a == "-h") {
      out << kSimUsage;
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      err << "kci-vk sim: unknown flag \"" << a << "\"\n" << kSimUsage;
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) {
    err << "kci-vk sim: no scenario given\n" << kSimUsage;
    return 2;
  }
  if (repeat > 1 && !random_seeds && !seed) {
    // Repeating one seed proves only determinism; say so rather than guess.
    err << "kci-vk sim: --repeat without --random-seeds replays the same seed; add --random-seeds\n";
    return 2;
  }
  scenario::RunOptions run_options;
  if (!real_cluster && !(kubeconfig + context + kci_endpoint + kci_ca_file).empty()) {
    err << "kci-vk sim: --kubeconfig, --context, --kci-endpoint and --kci-ca-file need --real-cluster\n";
    return 2;
  }
  if (real_cluster) {
    auto o = real_cluster_options(kubeconfig, context, kci_endpoint, kci_ca_file);
    if (!o.ok()) {
      err << "kci-vk sim: " << o.error().message << "\n";
      return 2;
    }
    run_options.make_world = [o = std::move(*o)](const scenario::Scenario& s, std::uint64_t) {
      return scenario::create_real_cluster_world(s, o);
    };
    run_options.timeline_every = std::chrono::seconds(10);  // a list of every pod of a real cluster
  }
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".yaml" &&
            e.path().string().find("/manifests/") == std::string::npos)  // objects, not scenarios
          found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      err << "kci-vk sim: " << p << ": no such file or folder\n";
      return 2;
    }
  }
  // Random seeds come from a seeded generator too, so a --random-seeds run can be repeated
  // with --seed (the first seed), and each failing seed is printed.
  std::mt19937_64 seeds(seed.value_or(std::random_device{}()));
  std::vector<scenario::ScenarioReport> reports;
  std::vector<std::string> failing_seeds;
  for (const auto& f : files) {
    for (std::uint64_t k = 0; k < repeat; ++k) {
      std::optional<std::uint64_t> s = seed;
      if (random_seeds) s = seeds() % 1'000'000'000ULL;
      auto r = scenario::run_file(f, s, run_options);
      if (!quiet && files.size() * repeat > 1)
        err << "[" << reports.size() + 1 << "/" << files.size() * repeat << "] " << (r.passed ? "pass " : "FAIL ")
            << (r.name.empty() ? f : r.name) << " (seed " << r.seed << ")\n";
      if (!r.passed) failing_seeds.push_back(f + " --seed " + std::to_string(r.seed));
      reports.push_back(std::move(r));
    }
  }
  out << scenario::report_text(reports);
  if (random_seeds && !failing_seeds.empty()) {
    out << "failing seeds:\n";
    for (const auto& s : failing_seeds) out << "  kci-vk sim " << s << "\n";
  }
  if (!junit.empty() && !write_file(junit, scenario::report_junit(reports), err)) return 2;
  if (!json.empty() && !write_file(json, scenario::report_json(reports).dump(2) + "\n", err)) return 2;
  if (!html.empty() && !write_file(html, scenario::report_html(reports), err)) return 2;
  for (const auto& r : reports)
    if (!r.passed) return 1;
  return 0;
}

}  // namespace kci::cli
