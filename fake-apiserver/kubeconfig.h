// The kubeconfig a user (and kubectl) needs to reach the fake API server: one cluster (the
// server's URL), one user (a bearer token) and one context joining them, made current.
//
// Must not: write files (the command line does), embed anything but what is given.
#pragma once

#include <string>

namespace kci::apiserver {

//! What goes into the kubeconfig.
struct KubeconfigSpec {
  std::string server;                //!< "http://127.0.0.1:6443"
  std::string token;                 //!< the bearer token the server expects
  std::string name = "kci-fake";     //!< the name of the cluster, the user and the context
  std::string namespace_ = "default";  //!< the context's namespace
  //! base64 PEM the client trusts for an https server (certificate-authority-data).
  std::string certificate_authority_data;
};

//! The kubeconfig YAML (apiVersion v1, kind Config) for `spec`.
std::string kubeconfig_yaml(const KubeconfigSpec& spec);

}  // namespace kci::apiserver
