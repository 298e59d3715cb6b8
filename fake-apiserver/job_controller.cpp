#include "fake-apiserver/job_controller.h"

#include <algorithm>

#include "core/k8s/object.h"
#include "fake-apiserver/controller_events.h"
#include "fake-apiserver/replicaset_controller.h"

namespace kci::apiserver {

namespace {

// A status write that lost a race is redone this much later.
constexpr auto kRetry = std::chrono::seconds(1);
constexpr const char* kComponent = "job-controller";

std::string key(const Json& o) { return kube::key_of(o); }

std::string phase_of(const Json& pod) {
  const Json* p = json_at(pod, {"status", "phase"});
  return p && p->is_string() ? p->get<std::string>() : "";
}

std::int64_t int_field(const Json& spec, const char* field, std::int64_t fallback) {
  auto it = spec.find(field);
  return it != spec.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

bool condition_true(const Json& job, const std::string& type) {
  const Json* conds = json_at(job, {"status", "conditions"});
  if (!conds || !conds->is_array()) return false;
  for (const auto& c : *conds)
    if (c.value("type", "") == type && c.value("status", "") == "True") return true;
  return false;
}

std::int64_t container_restarts(const Json& pod) {
  std::int64_t n = 0;
  for (const char* list : {"containerStatuses", "initContainerStatuses"}) {
    const Json* cs = json_at(pod, {"status", list});
    if (cs && cs->is_array())
      for (const auto& c : *cs) n += c.value("restartCount", std::int64_t{0});
  }
  return n;
}

Json condition(const std::string& type, const std::string& reason, const std::string& message,
               const std::string& now) {
  return {{"type", type},         {"status", "True"},   {"reason", reason},
          {"message", message},   {"lastProbeTime", now}, {"lastTransitionTime", now}};
}

}  // namespace

Duration job_backoff(std::int64_t failures, const JobControllerOptions& options) {
  if (failures <= 0) return Duration{0};
  Duration d = options.backoff_base;
  for (std::int64_t i = 1; i < failures && d < options.backoff_max; ++i) d *= 2;
  return std::min(d, options.backoff_max);
}

JobController::JobController(kube::KubeClient& client, Executor& executor, JobControllerOptions options)
    : client_(client),
      executor_(executor),
      options_(options),
      queue_(executor, [this](const std::string& k) { sync(k); }) {}

JobController::~JobController() { stop(); }

Status JobController::start() {
  kube::Informer::Handlers jh;
  jh.on_add = [this](const kube::Object& o) { queue_.add(key(*o)); };
  jh.on_update = [this](const kube::Object&, const kube::Object& o) { queue_.add(key(*o)); };
  jh.on_delete = [this](const kube::Object& o) { queue_.add(key(*o)); };
  kube::Informer::Handlers ph;
  ph.on_add = [this](const kube::Object& o) { on_pod(o, true); };
  ph.on_update = [this](const kube::Object&, const kube::Object& o) { on_pod(o, false); };
  ph.on_delete = [this](const kube::Object& o) { on_pod(o, false); };
  pods_ = std::make_unique<kube::Informer>(client_, executor_, kube::pods(), kube::ListOptions{}, ph);
  jobs_ = std::make_unique<kube::Informer>(client_, executor_, kube::jobs(), kube::ListOptions{}, jh);
  pods_->start();
  jobs_->start();
  return ok_status();
}

void JobController::stop() {
  queue_.shut_down();
  if (jobs_) jobs_->stop();
  if (pods_) pods_->stop();
}

std::string JobController::owner_key(const Json& pod) const {
  const Json* ref = controller_ref(pod);
  if (!ref || ref->value("kind", "") != "Job") return {};
  const std::string k = namespace_of(pod) + "/" + ref->value("name", "");
  kube::Object job = jobs_ ? jobs_->get(k) : nullptr;
  if (!job || uid_of(*job) != ref->value("uid", "")) return {};
  return k;
}

void JobController::on_pod(const kube::Object& pod, bool added) {
  const std::string k = owner_key(*pod);
  if (k.empty()) return;
  if (added) {
    auto it = state_.find(k);
    if (it != state_.end() && it->second.pending_adds > 0) --it->second.pending_adds;
  }
  queue_.add(k);
}

void JobController::record_event(const Json& job, const std::string& type, const std::string& reason,
                                  const std::string& message) {
  Json involved = job;
  involved["apiVersion"] = "batch/v1";
  involved["kind"] = "Job";
  record_controller_event(client_, executor_, involved, kComponent, type, reason, message);
}

void JobController::delete_pods(const Json& job, const std::vector<kube::Object>& victims) {
  for (const auto& v : victims) {
    kube::DeleteOptions d;
    d.preconditionUid = uid_of(*v);
    if (!client_.remove(kube::pods(namespace_of(*v), name_of(*v)), d).ok()) continue;
    ++deleted_;
    record_event(job, "Normal", "SuccessfulDelete", "Deleted pod: " + name_of(*v));
  }
}

void JobController::sync(const std::string& k) {
  kube::Object obj = jobs_ ? jobs_->get(k) : nullptr;
  if (!obj) {
    state_.erase(k);
    return;
  }
  const Json& job = *obj;
  if (being_deleted(job)) return;
  const bool finished = condition_true(job, "Complete") || condition_true(job, "Failed");
  const std::string uid = uid_of(job), ns = namespace_of(job);
  const Json spec = job.value("spec", Json::object());
  const bool on_failure =
      spec.value("template", Json::object()).value("spec", Json::object()).value("restartPolicy", "") ==
      "OnFailure";

  std::vector<kube::Object> active;
  std::int64_t succeeded_pods = 0, failed_pods = 0, terminating = 0, ready = 0, restarts = 0;
  for (const auto& pod : pods_->list()) {
    if (namespace_of(*pod) != ns) continue;
    const Json* ref = controller_ref(*pod);
    if (!ref || ref->value("uid", "") != uid) continue;
    const std::string phase = phase_of(*pod);
    if (phase == "Succeeded") {
      ++succeeded_pods;
    } else if (phase == "Failed") {
      ++failed_pods;
    } else if (being_deleted(*pod)) {
      ++terminating;
    } else {
      active.push_back(pod);
      if (pod_ready(*pod)) ++ready;
      if (on_failure) restarts += container_restarts(*pod);
    }
  }
  if (finished) {
    // A finished Job keeps no running pods (a deletion that failed before is retried).
    if (!active.empty()) delete_pods(job, active);
    return;
  }

  const TimePoint now = executor_.clock().now();
  const std::string now_s = now_text(executor_);
  const Json status = job.value("status", Json::object());
  const std::int64_t succeeded = std::max(status.value("succeeded", std::int64_t{0}), succeeded_pods);
  const std::int64_t failed = std::max(status.value("failed", std::int64_t{0}), failed_pods);
  State& st = state_[k];
  if (failed > st.failures_seen) {
    st.failures_seen = failed;
    st.last_failure = now;
  }
  const bool suspended = spec.value("suspend", false);
  const std::int64_t parallelism = int_field(spec, "parallelism", 1);
  const bool has_completions = spec.contains("completions") && spec["completions"].is_number_integer();
  const std::int64_t completions = int_field(spec, "completions", 1);
  const std::int64_t backoff_limit = int_field(spec, "backoffLimit", 6);
  const Json* ads = json_at(job, {"spec", "activeDeadlineSeconds"});
  std::optional<TimePoint> start_time = time_of(json_at(job, {"status", "startTime"}));
  if (!start_time && !suspended) start_time = now;

  Json next = status;
  next["succeeded"] = succeeded;
  next["failed"] = failed;
  next["terminating"] = terminating;
  next["uncountedTerminatedPods"] = Json::object();
  if (start_time && !status.contains("startTime")) next["startTime"] = now_s;

  std::string fail_reason, fail_message;
  if (failed + restarts > backoff_limit) {
    fail_reason = "BackoffLimitExceeded";
    fail_message = "Job has reached the specified backoff limit";
  } else if (ads && ads->is_number_integer() && start_time && !suspended &&
             now - *start_time >= std::chrono::seconds(ads->get<std::int64_t>())) {
    fail_reason = "DeadlineExceeded";
    fail_message = "Job was active longer than specified deadline";
  }
  const bool complete = has_completions ? succeeded >= completions : succeeded > 0 && active.empty();

  if (!fail_reason.empty() || complete) {
    delete_pods(job, active);
    next["active"] = 0;
    next["ready"] = 0;
    next["terminating"] = terminating + static_cast<std::int64_t>(active.size());
    Json conds = status.value("conditions", Json::array());
    if (!fail_reason.empty()) {
      conds.push_back(condition("FailureTarget", fail_reason, fail_message, now_s));
      conds.push_back(condition("Failed", fail_reason, fail_message, now_s));
    } else {
      conds.push_back(condition("SuccessCriteriaMet", "CompletionsReached",
                                "Reached expected number of succeeded pods", now_s));
      conds.push_back(condition("Complete", "CompletionsReached",
                                "Reached expected number of succeeded pods", now_s));
      next["completionTime"] = now_s;
    }
    next["conditions"] = std::move(conds);
    Json updated = job;
    updated["status"] = std::move(next);
    auto r = client_.update_status(kube::jobs(ns, name_of(job)), std::move(updated));
    if (!r.ok()) {
      if (r.error().code == ErrorCode::kConflict) queue_.add_after(k, kRetry);
      return;
    }
    if (!fail_reason.empty()) record_event(job, "Warning", fail_reason, fail_message);
    else record_event(job, "Normal", "Completed", "Job completed");
    return;
  }

  // How many pods should run now.
  std::int64_t want = parallelism;
  if (has_completions) want = std::min(parallelism, std::max<std::int64_t>(completions - succeeded, 0));
  else if (succeeded > 0) want = static_cast<std::int64_t>(active.size());
  if (suspended) want = 0;
  std::int64_t running = static_cast<std::int64_t>(active.size());
  if (running > want) {
    std::vector<kube::Object> victims = active;
    rank_for_deletion(victims, now);
    victims.resize(static_cast<std::size_t>(std::min(running - want, options_.burst)));
    delete_pods(job, victims);
    running -= static_cast<std::int64_t>(victims.size());
  } else if (running < want) {
    const bool expected = st.pending_adds <= 0 || now - st.adds_at > options_.expectations_timeout;
    const TimePoint ready_at = st.last_failure + job_backoff(failed, options_);
    if (expected && failed > 0 && now < ready_at) {
      queue_.add_after(k, ready_at - now);
    } else if (expected) {
      const std::int64_t n = std::min(want - running, options_.burst);
      st.pending_adds = n;
      st.adds_at = now;
      const Json tmpl = spec.value("template", Json::object());
      const Json tmeta = tmpl.value("metadata", Json::object());
      for (std::int64_t i = 0; i < n; ++i) {
        Json meta = {{"generateName", name_of(job) + "-"},
                     {"namespace", ns},
                     {"ownerReferences", Json::array({controller_ref_to(job, "batch/v1", "Job")})}};
        if (tmeta.contains("labels")) meta["labels"] = tmeta["labels"];
        if (tmeta.contains("annotations")) meta["annotations"] = tmeta["annotations"];
        if (tmeta.contains("finalizers")) meta["finalizers"] = tmeta["finalizers"];
        Json pod = {{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", std::move(meta)},
                    {"spec", tmpl.value("spec", Json::object())}};
        auto created = client_.create(kube::pods(ns), std::move(pod));
        if (!created.ok()) {
          st.pending_adds = std::max<std::int64_t>(st.pending_adds - (n - i), 0);
          record_event(job, "Warning", "FailedCreate", "Error creating: " + created.error().message);
          queue_.add_after(k, kRetry);
          break;
        }
        ++created_;
        ++running;
        record_event(job, "Normal", "SuccessfulCreate", "Created pod: " + name_of(**created));
      }
    }
  }
  next["active"] = running;
  next["ready"] = ready;
  if (next != status) {
    Json updated = job;
    updated["status"] = std::move(next);
    auto r = client_.update_status(kube::jobs(ns, name_of(job)), std::move(updated));
    if (!r.ok() && r.error().code == ErrorCode::kConflict) queue_.add_after(k, kRetry);
  }
  if (ads && ads->is_number_integer() && start_time && !suspended) {
    const TimePoint deadline = *start_time + std::chrono::seconds(ads->get<std::int64_t>());
    if (deadline > now) queue_.add_after(k, deadline - now);
  }
}

}  // namespace kci::apiserver
