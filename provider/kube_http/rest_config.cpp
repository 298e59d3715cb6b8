#include "provider/kube_http/rest_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/k8s/object.h"
#include "core/k8s/yaml.h"

namespace kci::provider {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

Result<std::string> read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument(what + ": cannot read file \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

//! `name` entries of a kubeconfig list ("clusters", "users", "contexts").
struct Named {
  const Json* body = nullptr;  //!< the "cluster" / "user" / "context" object
  std::string where;           //!< "clusters[name=prod].cluster"
};

class Kubeconfig {
 public:
  Kubeconfig(const Json& doc, std::string path) : doc_(doc), path_(std::move(path)) {
    dir_ = fs::path(path_).parent_path().string();
  }

  Error bad(const std::string& field, const std::string& why) const {
    return invalid_argument("kubeconfig " + path_ + ": " + field + ": " + why);
  }

  Result<Named> find(const std::string& list, const std::string& inner, const std::string& name,
                     const std::string& referrer) const {
    auto it = doc_.find(list);
    if (it != doc_.end() && !it->is_null() && !it->is_array())
      return bad(list, "is not a list");
    if (it != doc_.end() && it->is_array()) {
      for (const auto& e : *it) {
        if (!e.is_object()) continue;
        auto n = e.find("name");
        if (n == e.end() || !n->is_string() || n->get<std::string>() != name) continue;
        auto b = e.find(inner);
        const std::string where = list + "[name=" + name + "]." + inner;
        if (b == e.end() || !b->is_object()) return bad(where, "missing or not a mapping");
        return Named{&*b, where};
      }
    }
    return bad(referrer, "\"" + name + "\" names no entry in " + list);
  }

  Result<std::string> str(const Json& obj, const std::string& where, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::string();
    if (it->is_string()) return it->get<std::string>();
    return bad(where + "." + key, "expected a string, got " + it->dump());
  }

  //! The PEM from `key`-data (base64) or the file `key` names.
  Result<std::string> pem(const Json& obj, const std::string& where, const std::string& key) const {
    KCI_TRY(std::string data, str(obj, where, (key + "-data").c_str()));
    KCI_TRY(std::string file, str(obj, where, key.c_str()));
    if (!data.empty()) {
      auto decoded = k8s::base64_decode(data);
      if (!decoded)
        return bad(where + "." + key + "-data", "is not valid base64 (\"" + data.substr(0, 24) +
                                                     (data.size() > 24 ? "...\")" : "\")"));
      return *decoded;
    }
    if (!file.empty()) {
      auto r = read_file(resolve(file), "kubeconfig " + path_ + ": " + where + "." + key);
      if (!r.ok()) return r.take_error();
      return *r;
    }
    return std::string();
  }

  std::string resolve(const std::string& file) const {
    if (file.empty() || fs::path(file).is_absolute() || dir_.empty()) return file;
    return (fs::path(dir_) / file).string();
  }

  const Json& doc_;
  std::string path_, dir_;
};

}  // namespace

Result<RestConfig> parse_kubeconfig(std::string_view text, const std::string& path,
                                    const std::string& context_name) {
  auto parsed = k8s::yaml_document(text);
  if (!parsed.ok()) return invalid_argument("kubeconfig " + path + ": not YAML: " + parsed.error().message);
  const Json& doc = *parsed;
  if (!doc.is_object()) return invalid_argument("kubeconfig " + path + ": expected a mapping (kind: Config)");
  Kubeconfig kc(doc, path);
  if (auto k = doc.find("kind"); k != doc.end() && !k->is_null() && *k != "Config")
    return kc.bad("kind", "is " + k->dump() + "; expected \"Config\"");

  std::string ctx = context_name;
  if (ctx.empty()) {
    KCI_TRY(ctx, kc.str(doc, "", "current-context"));
    if (ctx.empty()) return kc.bad("current-context", "is empty and no context was named");
  }
  const std::string referrer = context_name.empty() ? "current-context" : "context";
  KCI_TRY(Named context, kc.find("contexts", "context", ctx, referrer));
  KCI_TRY(std::string cluster_name, kc.str(*context.body, context.where, "cluster"));
  KCI_TRY(std::string user_name, kc.str(*context.body, context.where, "user"));
  if (cluster_name.empty()) return kc.bad(context.where + ".cluster", "is missing");

  RestConfig cfg;
  cfg.origin = "kubeconfig " + path + ", context " + ctx;
  KCI_TRY(std::string ns, kc.str(*context.body, context.where, "namespace"));
  if (!ns.empty()) cfg.namespace_ = ns;

  KCI_TRY(Named cluster, kc.find("clusters", "cluster", cluster_name, context.where + ".cluster"));
  KCI_TRY(cfg.server, kc.str(*cluster.body, cluster.where, "server"));
  if (cfg.server.empty()) return kc.bad(cluster.where + ".server", "is missing");
  if (cfg.server.rfind("https://", 0) != 0 && cfg.server.rfind("http://", 0) != 0)
    return kc.bad(cluster.where + ".server", "\"" + cfg.server + "\" is not an http:// or https:// URL");
  KCI_TRY(cfg.ca_pem, kc.pem(*cluster.body, cluster.where, "certificate-authority"));
  KCI_TRY(cfg.tls_server_name, kc.str(*cluster.body, cluster.where, "tls-server-name"));
  if (auto it = cluster.body->find("insecure-skip-tls-verify"); it != cluster.body->end() && !it->is_null()) {
    if (!it->is_boolean())
      return kc.bad(cluster.where + ".insecure-skip-tls-verify", "expected true or false, got " + it->dump());
    cfg.insecure_skip_tls_verify = it->get<bool>();
  }
  if (auto it = cluster.body->find("proxy-url"); it != cluster.body->end() && it->is_string() && !it->get<std::string>().empty())
    return kc.bad(cluster.where + ".proxy-url", "\"" + it->get<std::string>() + "\": proxies are not supported");

  if (!user_name.empty()) {
    KCI_TRY(Named user, kc.find("users", "user", user_name, context.where + ".user"));
    if (auto it = user.body->find("exec"); it != user.body->end() && !it->is_null()) {
      std::string cmd;
      if (it->is_object())
        if (auto c = it->find("command"); c != it->end() && c->is_string()) cmd = c->get<std::string>();
      return kc.bad(user.where + ".exec",
                    "exec credential plugins are not supported (user \"" + user_name + "\" runs \"" + cmd +
                        "\"); use a token, tokenFile or client certificate");
    }
    if (auto it = user.body->find("auth-provider"); it != user.body->end() && !it->is_null())
      return kc.bad(user.where + ".auth-provider",
                    "auth-provider plugins are not supported (user \"" + user_name + "\")");
    if (auto it = user.body->find("username"); it != user.body->end() && it->is_string() && !it->get<std::string>().empty())
      return kc.bad(user.where + ".username", "basic authentication is not supported (user \"" + user_name + "\")");
    KCI_TRY(cfg.client_cert_pem, kc.pem(*user.body, user.where, "client-certificate"));
    KCI_TRY(cfg.client_key_pem, kc.pem(*user.body, user.where, "client-key"));
    if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty())
      return kc.bad(user.where, std::string("has a client ") + (cfg.client_cert_pem.empty() ? "key" : "certificate") +
                                    " without the matching client " + (cfg.client_cert_pem.empty() ? "certificate" : "key"));
    KCI_TRY(cfg.token, kc.str(*user.body, user.where, "token"));
    KCI_TRY(std::string token_file, kc.str(*user.body, user.where, "tokenFile"));
    if (cfg.token.empty() && !token_file.empty()) {
      auto t = read_file(kc.resolve(token_file), "kubeconfig " + path + ": " + user.where + ".tokenFile");
      if (!t.ok()) return t.take_error();
      cfg.token = *t;
      while (!cfg.token.empty() && (cfg.token.back() == '\n' || cfg.token.back() == '\r' || cfg.token.back() == ' '))
        cfg.token.pop_back();
      if (cfg.token.empty()) return kc.bad(user.where + ".tokenFile", "\"" + token_file + "\" is empty");
    }
  }
  if (cfg.server.rfind("http://", 0) == 0 && (!cfg.client_cert_pem.empty()))
    return kc.bad(cluster.where + ".server", "\"" + cfg.server + "\" is plain HTTP but the user has a client certificate");
  return cfg;
}

Result<RestConfig> load_kubeconfig(const std::string& path, const std::string& context) {
  if (path.empty()) return invalid_argument("kubeconfig: no path given");
  KCI_TRY(std::string text, read_file(path, "kubeconfig"));
  return parse_kubeconfig(text, path, context);
}

Result<RestConfig> in_cluster_config(const std::string& root, EnvLookup env) {
  if (!env)
    env = [](const std::string& name) -> std::optional<std::string> {
      const char* v = std::getenv(name.c_str());
      if (!v) return std::nullopt;
      return std::string(v);
    };
  const auto host = env("KUBERNETES_SERVICE_HOST");
  const auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty())
    return invalid_argument(
        "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running in a pod?)");
  for (char c : *port)
    if (c < '0' || c > '9') return invalid_argument("in-cluster: KUBERNETES_SERVICE_PORT \"" + *port + "\" is not a port number");
  const fs::path dir = fs::path(root.empty() ? "/" : root) / kServiceAccountDir;
  RestConfig cfg;
  cfg.origin = "in-cluster (" + dir.string() + ")";
  const bool v6 = host->find(':') != std::string::npos;
  cfg.server = "https://" + (v6 ? "[" + *host + "]" : *host) + ":" + *port;
  KCI_TRY(cfg.token, read_file((dir / "token").string(), "in-cluster token"));
  while (!cfg.token.empty() && (cfg.token.back() == '\n' || cfg.token.back() == '\r')) cfg.token.pop_back();
  if (cfg.token.empty()) return invalid_argument("in-cluster token: file \"" + (dir / "token").string() + "\" is empty");
  KCI_TRY(cfg.ca_pem, read_file((dir / "ca.crt").string(), "in-cluster ca.crt"));
  if (cfg.ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return invalid_argument("in-cluster ca.crt: file \"" + (dir / "ca.crt").string() + "\" holds no PEM certificate");
  if (auto ns = read_file((dir / "namespace").string(), "in-cluster namespace"); ns.ok()) {
    std::string n = *ns;
    while (!n.empty() && (n.back() == '\n' || n.back() == '\r')) n.pop_back();
    if (!n.empty()) cfg.namespace_ = n;
  }
  return cfg;
}

}  // namespace kci::provider
