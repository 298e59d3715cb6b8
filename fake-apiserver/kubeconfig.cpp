#include "fake-apiserver/kubeconfig.h"

#include <nlohmann/json.hpp>

namespace kci::apiserver {

std::string kubeconfig_yaml(const KubeconfigSpec& spec) {
  // Every scalar is written as a JSON string, which YAML reads as the same string whatever
  // characters it holds.
  auto q = [](const std::string& s) { return nlohmann::json(s).dump(); };
  std::string y;
  y += "apiVersion: v1\n";
  y += "kind: Config\n";
  y += "clusters:\n";
  y += "- name: " + q(spec.name) + "\n";
  y += "  cluster:\n";
  y += "    server: " + q(spec.server) + "\n";
  if (!spec.certificate_authority_data.empty())
    y += "    certificate-authority-data: " + q(spec.certificate_authority_data) + "\n";
  y += "users:\n";
  y += "- name: " + q(spec.name) + "\n";
  y += "  user:\n";
  y += "    token: " + q(spec.token) + "\n";
  y += "contexts:\n";
  y += "- name: " + q(spec.name) + "\n";
  y += "  context:\n";
  y += "    cluster: " + q(spec.name) + "\n";
  y += "    user: " + q(spec.name) + "\n";
  y += "    namespace: " + q(spec.namespace_) + "\n";
  y += "current-context: " + q(spec.name) + "\n";
  y += "preferences: {}\n";
  return y;
}

}  // namespace kci::apiserver
