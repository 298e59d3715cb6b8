// Where the API server is and who we are to it: a kubeconfig file (as kubectl reads it) or
// the in-cluster service account, resolved into one RestConfig for HttpKubeClient.
//
// Supported in a kubeconfig: current-context or a named context; the cluster's server,
// certificate-authority / certificate-authority-data, insecure-skip-tls-verify and
// tls-server-name; the user's client-certificate / client-key (and their -data forms), token
// and tokenFile (read once, when the config is loaded). Relative file paths are resolved
// against the kubeconfig's directory, as kubectl does. exec credential plugins and
// auth-provider entries are refused with an error naming the user entry. Only one file is
// read (no KUBECONFIG list merging).
// Errors name the file, the field and the value.
// Must not: run programs, read anything but the files the config names.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace kci::provider {

//! Everything HttpKubeClient needs to reach one API server.
struct RestConfig {
  //! "https://host:port" or "http://host:port", optionally with a path prefix.
  std::string server;
  //! PEM of the certificate authorities to trust; empty = the system's default roots.
  std::string ca_pem;
  //! Skip verification of the server's certificate (kubeconfig insecure-skip-tls-verify).
  bool insecure_skip_tls_verify = false;
  //! The name to verify the certificate against and send as SNI; empty = the server's host.
  std::string tls_server_name;
  //! PEM client certificate chain and key (both or neither).
  std::string client_cert_pem, client_key_pem;
  //! Bearer token; empty = none.
  std::string token;
  //! The context's default namespace ("default" when the context names none).
  std::string namespace_ = "default";
  //! Where this configuration came from ("kubeconfig /path, context ctx", "in-cluster").
  std::string origin;

  //! Client-side rate limit (client-go's defaults); qps <= 0 = unlimited.
  double qps = 5;
  double burst = 10;
  //! Per request: connect, TLS handshake, write and read of one non-watch call.
  Duration timeout = std::chrono::seconds(30);
};

//! Reads the kubeconfig at `path` and resolves `context` ("" = current-context).
Result<RestConfig> load_kubeconfig(const std::string& path, const std::string& context = {});

//! Parses kubeconfig text; `path` names it in errors and its directory resolves relative
//! file references.
Result<RestConfig> parse_kubeconfig(std::string_view text, const std::string& path,
                                    const std::string& context = {});

//! Reads environment variables; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

//! The in-cluster configuration: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT and the
//! service account's token, ca.crt and namespace under
//! `root`/var/run/secrets/kubernetes.io/serviceaccount. `root` "" = "/"; `env` unset = the
//! process environment.
Result<RestConfig> in_cluster_config(const std::string& root = {}, EnvLookup env = {});

//! The service account directory, relative to the root.
inline constexpr std::string_view kServiceAccountDir = "var/run/secrets/kubernetes.io/serviceaccount";

}  // namespace kci::provider
