#include "provider/profile/profile_webhook.h"

#include "core/k8s/codec.h"

namespace kci::profile {

namespace {
//! Component name on events.
constexpr const char* kComponent = "kci-profile";
//! Owner levels followed to find the workload: Deployment -> ReplicaSet -> Pod and
//! CronJob -> Job -> Pod are two deep.
constexpr int kMaxOwnerDepth = 2;

std::string selector_key(SelectorOrigin origin, const Json& obj) {
  const Json meta = obj.value("metadata", Json::object());
  const std::string ns = meta.value("namespace", "");
  return std::string(origin_name(origin)) + " " + (ns.empty() ? "" : ns + "/") + meta.value("name", "");
}
}  // namespace

kube::ResourceRef kci_selectors() {
  return {std::string(kSelectorGroup), std::string(kSelectorVersion), std::string(kSelectorPlural), "", ""};
}
kube::ResourceRef eci_selectors() { return {std::string(kEciSelectorGroup), "v1", "selectors", "", ""}; }

ProfileWebhook::ProfileWebhook(kube::KubeClient& kube, Executor& executor, ProfileWebhookOptions options,
                               std::function<void(const std::string&)> log)
    : kube_(kube), executor_(executor), options_(std::move(options)), log_(std::move(log)) {}

ProfileWebhook::~ProfileWebhook() { stop(); }

void ProfileWebhook::start() {
  auto selector_handlers = [this](SelectorOrigin origin) {
    kube::Informer::Handlers h;
    h.on_add = [this, origin](const kube::Object& o) { on_selector(origin, o, false); };
    h.on_update = [this, origin](const kube::Object&, const kube::Object& o) { on_selector(origin, o, false); };
    h.on_delete = [this, origin](const kube::Object& o) { on_selector(origin, o, true); };
    return h;
  };
  kci_informer_ = std::make_unique<kube::Informer>(kube_, executor_, kci_selectors(), kube::ListOptions{},
                                                   selector_handlers(SelectorOrigin::kKci));
  if (options_.watch_eci_selectors)
    eci_informer_ = std::make_unique<kube::Informer>(kube_, executor_, eci_selectors(), kube::ListOptions{},
                                                     selector_handlers(SelectorOrigin::kEci));
  kube::Informer::Handlers nh;
  nh.on_add = [this](const kube::Object& o) { on_namespace(o, false); };
  nh.on_update = [this](const kube::Object&, const kube::Object& o) { on_namespace(o, false); };
  nh.on_delete = [this](const kube::Object& o) { on_namespace(o, true); };
  ns_informer_ = std::make_unique<kube::Informer>(kube_, executor_, kube::namespaces(), kube::ListOptions{}, nh);
  kube::Informer::Handlers ch;
  ch.on_add = [this](const kube::Object& o) { on_config(o, false); };
  ch.on_update = [this](const kube::Object&, const kube::Object& o) { on_config(o, false); };
  ch.on_delete = [this](const kube::Object& o) { on_config(o, true); };
  kube::ListOptions only_profile;
  only_profile.fieldSelector = "metadata.name=" + std::string(kProfileConfigMapName);
  config_informer_ = std::make_unique<kube::Informer>(
      kube_, executor_, kube::configmaps(std::string(kProfileConfigMapNamespace)), only_profile, ch);
  for (auto* i : {kci_informer_.get(), eci_informer_.get(), ns_informer_.get(), config_informer_.get()})
    if (i) i->start();
}

void ProfileWebhook::stop() {
  for (auto* i : {kci_informer_.get(), eci_informer_.get(), ns_informer_.get(), config_informer_.get()})
    if (i) i->stop();
}

bool ProfileWebhook::synced() const {
  return kci_informer_ && kci_informer_->synced() && ns_informer_->synced() && config_informer_->synced();
}

std::vector<std::string> ProfileWebhook::problems() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : selector_problems_) out.push_back(k + ": " + v);
  for (const auto& p : profiles_.config().problems) out.push_back(p);
  return out;
}

void ProfileWebhook::warn(const Json& object, const std::string& reason, const std::string& message) {
  if (log_) log_(reason + ": " + message);
  const Json meta = object.value("metadata", Json::object());
  const std::string ns = meta.value("namespace", "");
  const std::string event_ns = ns.empty() ? "default" : ns;
  const std::string now = k8s::Time{executor_.clock().now(), false}.to_string();
  Json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"generateName", meta.value("name", "object") + "."}, {"namespace", event_ns}}},
             {"involvedObject",
              {{"apiVersion", object.value("apiVersion", "")},
               {"kind", object.value("kind", "")},
               {"name", meta.value("name", "")},
               {"uid", meta.value("uid", "")}}},
             {"reason", reason},
             {"message", message},
             {"type", "Warning"},
             {"count", 1},
             {"firstTimestamp", now},
             {"lastTimestamp", now},
             {"source", {{"component", kComponent}}},
             {"reportingComponent", kComponent}};
  if (!ns.empty()) ev["involvedObject"]["namespace"] = ns;
  (void)kube_.create(kube::events(event_ns), std::move(ev));
}

void ProfileWebhook::on_selector(SelectorOrigin origin, const kube::Object& obj, bool deleted) {
  const Json meta = obj->value("metadata", Json::object());
  const std::string key = selector_key(origin, *obj);
  profiles_.remove(origin, meta.value("namespace", ""), meta.value("name", ""));
  selector_problems_.erase(key);
  if (deleted) return;
  auto parsed = parse_selector_object(*obj);
  if (!parsed.ok()) {
    // Dropped, reported, and never in the way of a pod.
    selector_problems_[key] = parsed.error().message;
    warn(*obj, "InvalidSelector", parsed.error().message + "; this Selector is ignored until it is fixed");
    return;
  }
  profiles_.put(std::move(*parsed));
}

void ProfileWebhook::on_namespace(const kube::Object& obj, bool deleted) {
  const Json meta = obj->value("metadata", Json::object());
  const std::string name = meta.value("name", "");
  if (deleted) {
    namespace_labels_.erase(name);
    return;
  }
  StringMap labels;
  const Json raw = meta.value("labels", Json::object());
  for (const auto& [k, v] : raw.items())
    if (v.is_string()) labels[k] = v.get<std::string>();
  namespace_labels_[name] = std::move(labels);
}

void ProfileWebhook::on_config(const kube::Object& obj, bool deleted) {
  if (deleted) {
    profiles_.set_config({});
    if (log_) log_("ConfigMap kci-profile deleted: no ConfigMap selectors");
    return;
  }
  auto cm = k8s::decode<k8s::ConfigMap>(*obj);
  if (!cm.ok()) {
    warn(*obj, "InvalidProfile", "ConfigMap kci-profile: " + cm.error().message + "; the previous profile stays");
    return;
  }
  ProfileConfig cfg = parse_profile_configmap(*cm);
  for (const auto& p : cfg.problems) warn(*obj, "InvalidProfile", p + "; this entry is ignored");
  if (log_)
    log_("ConfigMap kci-profile loaded: " + std::to_string(cfg.selectors.size()) + " selector(s), " +
         std::to_string(cfg.node_defaults.size()) + " node default(s)");
  profiles_.set_config(std::move(cfg));
}

PodContext ProfileWebhook::context_for(const k8s::Pod& pod, const std::string& ns) {
  PodContext ctx;
  ctx.namespace_ = ns;
  if (auto it = namespace_labels_.find(ns); it != namespace_labels_.end()) ctx.namespace_labels = it->second;
  if (!options_.resolve_workload_labels || pod.metadata.labels.count(std::string(kBurstToCciLabel))) return ctx;
  std::vector<k8s::OwnerReference> owners = pod.metadata.ownerReferences;
  for (int depth = 0; depth < kMaxOwnerDepth; ++depth) {
    const k8s::OwnerReference* controller = nullptr;
    for (const auto& o : owners)
      if (o.controller.value_or(false)) controller = &o;
    if (!controller || controller->kind == "DaemonSet") break;
    auto ref = kube::builtin_ref(controller->apiVersion, controller->kind, ns, controller->name);
    if (!ref.ok()) break;
    auto obj = kube_.get(*ref);
    if (!obj.ok()) break;
    const Json meta = (*obj)->value("metadata", Json::object());
    // The higher owner (the workload the user wrote) overrides what a lower one says.
    const Json labels = meta.value("labels", Json::object());
    for (const auto& [k, v] : labels.items())
      if (v.is_string()) ctx.workload_labels[k] = v.get<std::string>();
    auto decoded = k8s::decode<k8s::ObjectMeta>(meta);
    if (!decoded.ok()) break;
    owners = decoded->ownerReferences;
  }
  return ctx;
}

Result<Json> ProfileWebhook::review(const Json& admission_review) {
  KCI_TRY(AdmissionRequest request, decode_admission_review(admission_review));
  ++reviews_;
  PodContext ctx;
  if (is_pod_create(request) && request.object.is_object()) {
    std::string ns = request.namespace_;
    if (ns.empty()) ns = request.object.value("metadata", Json::object()).value("namespace", "");
    auto pod = k8s::decode<k8s::Pod>(request.object);
    if (pod.ok()) {
      ctx = context_for(*pod, ns);
    } else {
      ctx.namespace_ = ns;
    }
  }
  AdmissionResponse response = admit(request, ctx, profiles_, options_.engine);
  if (!response.patch.empty()) ++patched_;
  return encode_admission_review(response, request.api_version);
}

WebhookReply ProfileWebhook::handle(std::string_view body) {
  Json j;
  if (body.size() <= kMaxAdmissionReviewBytes) j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (body.size() > kMaxAdmissionReviewBytes || j.is_discarded()) {
    // The error path only: parse again for the precise message (size, byte offset).
    auto request = parse_admission_review(body);
    const Error e = request.ok() ? invalid_argument("AdmissionReview: unreadable body") : request.error();
    return {400, kube::status_of(e).dump()};
  }
  auto answer = review(j);
  if (!answer.ok()) return {400, kube::status_of(answer.error()).dump()};
  return {200, answer->dump()};
}

}  // namespace kci::profile
