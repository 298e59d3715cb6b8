#include "fake-apiserver/workload_validation.h"

#include <string>
#include <vector>

#include "fake-apiserver/object_fields.h"
#include "fake-apiserver/pod_validation.h"

namespace kci::apiserver {

namespace {

Status join(const std::vector<std::string>& errors) {
  if (errors.empty()) return ok_status();
  std::string all;
  for (const auto& e : errors) all += (all.empty() ? "" : ", ") + e;
  return invalid_argument(std::move(all));
}

//! `field` of `spec` is an integer >= 0 when present.
void non_negative(const Json& spec, const char* field, std::vector<std::string>& errors) {
  auto it = spec.find(field);
  if (it == spec.end() || it->is_null()) return;
  if (!it->is_number_integer())
    errors.push_back(std::string("spec.") + field + ": Invalid value: " + it->dump() +
                     ": must be an integer");
  else if (it->get<std::int64_t>() < 0)
    errors.push_back(std::string("spec.") + field + ": Invalid value: " + it->dump() +
                     ": must be greater than or equal to 0");
}

//! spec.selector is present, not empty, and matches spec.template.metadata.labels.
void selector_matches_template(const Json& workload, std::vector<std::string>& errors) {
  const Json* sel = json_at(workload, {"spec", "selector"});
  if (!sel || !sel->is_object() || sel->empty()) {
    errors.push_back("spec.selector: Required value");
    return;
  }
  const Json* tmpl = json_at(workload, {"spec", "template"});
  const k8s::Selector s = selector_of(workload);
  if (!tmpl || !s.matches(labels_of(*tmpl))) {
    const Json* labels = json_at(workload, {"spec", "template", "metadata", "labels"});
    errors.push_back("spec.template.metadata.labels: Invalid value: " +
                     (labels ? labels->dump() : std::string("null")) +
                     ": `selector` does not match template `labels`");
  }
}

}  // namespace

void default_job(Json& job) {
  Json& spec = job["spec"];
  if (!spec.is_object()) return;
  const std::string uid = uid_of(job), name = name_of(job);
  if (!spec.value("manualSelector", false)) {
    spec["selector"] = {{"matchLabels", {{kJobControllerUidLabel, uid}}}};
    Json& labels = spec["template"]["metadata"]["labels"];
    if (!labels.is_object()) labels = Json::object();
    labels[kJobControllerUidLabel] = uid;
    labels[kJobNameLabel] = name;
    labels[kLegacyJobControllerUidLabel] = uid;
    labels[kLegacyJobNameLabel] = name;
  }
  const bool no_parallelism = !spec.contains("parallelism") || spec["parallelism"].is_null();
  const bool no_completions = !spec.contains("completions") || spec["completions"].is_null();
  if (no_parallelism) spec["parallelism"] = 1;
  if (no_parallelism && no_completions) spec["completions"] = 1;
  if (!spec.contains("backoffLimit") || spec["backoffLimit"].is_null()) spec["backoffLimit"] = 6;
  if (!spec.contains("completionMode")) spec["completionMode"] = "NonIndexed";
  if (!spec.contains("suspend")) spec["suspend"] = false;
  Json& pod_spec = spec["template"]["spec"];
  if (pod_spec.is_object() && !pod_spec.contains("restartPolicy")) pod_spec["restartPolicy"] = "Always";
}

Status validate_job(const Json& job) {
  std::vector<std::string> errors;
  const Json spec = job.value("spec", Json::object());
  if (!spec.is_object()) return invalid_argument("spec: Required value");
  for (const char* f : {"parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"})
    non_negative(spec, f, errors);
  if (const Json* ads = json_at(job, {"spec", "activeDeadlineSeconds"});
      ads && ads->is_number_integer() && ads->get<std::int64_t>() == 0)
    errors.push_back("spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0");
  const std::string mode = spec.value("completionMode", "NonIndexed");
  if (mode != "NonIndexed")
    errors.push_back("spec.completionMode: Unsupported value: \"" + mode +
                     "\": supported values: \"NonIndexed\" (Indexed Jobs are not simulated)");
  const Json* policy = json_at(job, {"spec", "template", "spec", "restartPolicy"});
  const std::string rp = policy && policy->is_string() ? policy->get<std::string>() : "";
  if (rp != "OnFailure" && rp != "Never")
    errors.push_back("spec.template.spec.restartPolicy: " +
                     (rp.empty() ? std::string("Required value") : "Unsupported value: \"" + rp + "\"") +
                     ": supported values: \"OnFailure\", \"Never\"");
  selector_matches_template(job, errors);
  return join(errors);
}

void default_statefulset(Json& set) {
  Json& spec = set["spec"];
  if (!spec.is_object()) return;
  if (!spec.contains("replicas") || spec["replicas"].is_null()) spec["replicas"] = 1;
  if (!spec.contains("podManagementPolicy")) spec["podManagementPolicy"] = "OrderedReady";
  if (!spec.contains("updateStrategy"))
    spec["updateStrategy"] = {{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}};
  if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
}

void default_deployment(Json& deployment) {
  Json& spec = deployment["spec"];
  if (!spec.is_object()) return;
  if (!spec.contains("replicas") || spec["replicas"].is_null()) spec["replicas"] = 1;
  Json& strategy = spec["strategy"];
  if (!strategy.is_object()) strategy = Json::object();
  if (strategy.value("type", "").empty()) strategy["type"] = "RollingUpdate";
  if (strategy["type"] == "RollingUpdate") {
    Json& rolling = strategy["rollingUpdate"];
    if (!rolling.is_object()) rolling = Json::object();
    if (!rolling.contains("maxUnavailable") || rolling["maxUnavailable"].is_null()) rolling["maxUnavailable"] = "25%";
    if (!rolling.contains("maxSurge") || rolling["maxSurge"].is_null()) rolling["maxSurge"] = "25%";
  }
  if (!spec.contains("revisionHistoryLimit") || spec["revisionHistoryLimit"].is_null()) spec["revisionHistoryLimit"] = 10;
  if (!spec.contains("progressDeadlineSeconds") || spec["progressDeadlineSeconds"].is_null())
    spec["progressDeadlineSeconds"] = 600;
}

void default_replicaset(Json& set) {
  Json& spec = set["spec"];
  if (!spec.is_object()) return;
  if (!spec.contains("replicas") || spec["replicas"].is_null()) spec["replicas"] = 1;
}

void default_secret(Json& secret) {
  const auto it = secret.find("type");
  if (it == secret.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty()))
    secret["type"] = "Opaque";
}

void default_service(Json& service) {
  Json& spec = service["spec"];
  if (!spec.is_object()) return;
  auto empty = [&](const Json& o, const char* k) {
    const auto it = o.find(k);
    return it == o.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty());
  };
  if (empty(spec, "type")) spec["type"] = "ClusterIP";
  if (empty(spec, "sessionAffinity")) spec["sessionAffinity"] = "None";
  if (auto ports = spec.find("ports"); ports != spec.end() && ports->is_array()) {
    for (auto& p : *ports) {
      if (!p.is_object()) continue;
      if (empty(p, "protocol")) p["protocol"] = "TCP";
      const auto t = p.find("targetPort");
      if ((t == p.end() || t->is_null() || *t == 0 || *t == "") && p.contains("port")) p["targetPort"] = p["port"];
    }
  }
  const Json type = spec["type"];
  if (type != "ExternalName" && empty(spec, "internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";
  if ((type == "NodePort" || type == "LoadBalancer") && empty(spec, "externalTrafficPolicy"))
    spec["externalTrafficPolicy"] = "Cluster";
}

Status validate_statefulset(const Json& set) {
  std::vector<std::string> errors;
  const Json spec = set.value("spec", Json::object());
  if (!spec.is_object()) return invalid_argument("spec: Required value");
  non_negative(spec, "replicas", errors);
  non_negative(spec, "minReadySeconds", errors);
  const std::string policy = spec.value("podManagementPolicy", "OrderedReady");
  if (policy != "OrderedReady" && policy != "Parallel")
    errors.push_back("spec.podManagementPolicy: Unsupported value: \"" + policy +
                     "\": supported values: \"OrderedReady\", \"Parallel\"");
  if (auto it = spec.find("serviceName"); it != spec.end() && it->is_string() &&
                                          !it->get<std::string>().empty() &&
                                          !is_dns1123_label(it->get<std::string>()))
    errors.push_back("spec.serviceName: Invalid value: \"" + it->get<std::string>() +
                     "\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                     "characters or '-', and must start and end with an alphanumeric character");
  selector_matches_template(set, errors);
  return join(errors);
}

}  // namespace kci::apiserver
