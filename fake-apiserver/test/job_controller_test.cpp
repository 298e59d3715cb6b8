#include "fake-apiserver/job_controller.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fake-apiserver/table.h"
#include "fake-apiserver/test/controller_fixture.h"
#include "fake-apiserver/workload_validation.h"

namespace kci::apiserver::testing {
namespace {

using kube::jobs;

Json job_json(const std::string& name, Json spec_extra = Json::object(),
              const std::string& restart_policy = "Never") {
  Json spec = {{"template",
                {{"metadata", {{"labels", {{"app", name}}}}},
                 {"spec",
                  {{"restartPolicy", restart_policy},
                   {"containers", {{{"name", "c"}, {"image", "busybox:1.36"}}}}}}}}};
  for (const auto& [k, v] : spec_extra.items()) spec[k] = v;
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", spec}};
}

struct JobCluster : ControllerCluster {
  JobCluster() : jc(client, ex) { EXPECT_TRUE(jc.start().ok()); }
  //! The pods of job `name` that are neither finished nor being deleted.
  std::vector<std::string> active(const std::string& name) {
    std::vector<std::string> out;
    for (const auto& p : pods("job-name=" + name)) {
      const std::string phase = p->at("status").value("phase", "");
      if (phase == "Succeeded" || phase == "Failed" || p->at("metadata").contains("deletionTimestamp"))
        continue;
      out.push_back(p->at("metadata").value("name", ""));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  void finish_pod(const std::string& pod, const std::string& phase, int exit_code) {
    Json p = get(kube::pods("default", pod));
    p["status"]["phase"] = phase;
    p["status"]["containerStatuses"] = {
        {{"name", "c"},
         {"restartCount", 0},
         {"state", {{"terminated", {{"exitCode", exit_code}, {"reason", exit_code ? "Error" : "Completed"}}}}}}};
    ASSERT_TRUE(client.update_status(kube::pods("default", pod), p).ok());
    ex.run_until_idle();
  }
  Json job(const std::string& name) { return get(jobs("default", name)); }
  std::string condition(const std::string& name, const std::string& type) {
    for (const auto& c : job(name)["status"].value("conditions", Json::array()))
      if (c.value("type", "") == type) return c.value("status", "") + "/" + c.value("reason", "");
    return "";
  }
  bool has_event(const std::string& reason) {
    auto l = client.list(kube::events("default"));
    if (!l.ok()) return false;
    for (const auto& e : l->items)
      if (e->value("reason", "") == reason && e->at("involvedObject").value("kind", "") == "Job") return true;
    return false;
  }
  JobController jc;
};

TEST(JobValidation, DefaultsTheSelectorLabelsAndCounts) {
  JobCluster c;
  auto created = c.client.create(jobs("default"), job_json("pi"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  const Json& j = **created;
  const std::string uid = j["metadata"]["uid"];
  EXPECT_EQ(j["spec"]["selector"]["matchLabels"][kJobControllerUidLabel], uid);
  EXPECT_EQ(j["spec"]["template"]["metadata"]["labels"][kJobNameLabel], "pi");
  EXPECT_EQ(j["spec"]["template"]["metadata"]["labels"]["job-name"], "pi");
  EXPECT_EQ(j["spec"]["template"]["metadata"]["labels"]["controller-uid"], uid);
  EXPECT_EQ(j["spec"]["parallelism"], 1);
  EXPECT_EQ(j["spec"]["completions"], 1);
  EXPECT_EQ(j["spec"]["backoffLimit"], 6);
  // Parallelism given alone leaves completions unset (the work-queue form).
  auto wq = c.client.create(jobs("default"), job_json("wq", {{"parallelism", 3}}));
  ASSERT_TRUE(wq.ok());
  EXPECT_FALSE((*wq)->at("spec").contains("completions"));
}

TEST(JobValidation, RefusesPodsThatRestartAlwaysAndNegativeCounts) {
  JobCluster c;
  auto r = c.client.create(jobs("default"), job_json("bad", {{"backoffLimit", -1}}, "Always"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("spec.template.spec.restartPolicy: Unsupported value: \"Always\": "
                                   "supported values: \"OnFailure\", \"Never\""),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("spec.backoffLimit: Invalid value: -1"), std::string::npos);
  Json manual = job_json("manual", {{"manualSelector", true}, {"selector", {{"matchLabels", {{"app", "other"}}}}}});
  auto m = c.client.create(jobs("default"), manual);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("`selector` does not match template `labels`"), std::string::npos);
  Json indexed = job_json("ix", {{"completionMode", "Indexed"}});
  EXPECT_FALSE(c.client.create(jobs("default"), indexed).ok());
}

TEST(JobController, RunsParallelismPodsUntilCompletionsSucceeded) {
  JobCluster c;
  ASSERT_TRUE(c.client.create(jobs("default"), job_json("pi", {{"completions", 3}, {"parallelism", 2}})).ok());
  c.ex.run_until_idle();
  auto running = c.active("pi");
  ASSERT_EQ(running.size(), 2u);
  const Json pod = c.get(kube::pods("default", running[0]));
  EXPECT_EQ(running[0].rfind("pi-", 0), 0u);
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "Job");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Never");
  EXPECT_EQ(c.job("pi")["status"]["active"], 2);
  EXPECT_TRUE(c.job("pi")["status"].contains("startTime"));
  c.finish_pod(running[0], "Succeeded", 0);
  // One more is needed: 2 of 3 left, at most 2 at a time.
  EXPECT_EQ(c.active("pi").size(), 2u);
  EXPECT_EQ(c.job("pi")["status"]["succeeded"], 1);
  c.ex.run_for(std::chrono::seconds(42));
  for (const auto& p : c.active("pi")) c.finish_pod(p, "Succeeded", 0);
  const Json st = c.job("pi")["status"];
  EXPECT_EQ(st["succeeded"], 3);
  EXPECT_EQ(st["active"], 0);
  EXPECT_EQ(c.condition("pi", "Complete"), "True/CompletionsReached");
  EXPECT_EQ(c.condition("pi", "SuccessCriteriaMet"), "True/CompletionsReached");
  EXPECT_TRUE(st.contains("completionTime"));
  EXPECT_TRUE(c.has_event("Completed"));
  EXPECT_EQ(c.jc.pods_created(), 3u);
  // The Table kubectl prints: NAME STATUS COMPLETIONS DURATION AGE ...
  const kube::ResourceInfo* info = c.server.registry().find_kind("batch/v1", "Job");
  ASSERT_NE(info, nullptr);
  TablePrinter printer(*info);
  const Json row = printer.row(c.job("pi"), c.ex.clock().now() + std::chrono::minutes(5), IncludeObject::kNone);
  EXPECT_EQ(row["cells"][0], "pi");
  EXPECT_EQ(row["cells"][1], "Complete");
  EXPECT_EQ(row["cells"][2], "3/3");
  EXPECT_EQ(row["cells"][3], "42s");
  EXPECT_EQ(printer.columns()[2].name, "Completions");
}

TEST(JobController, WithoutCompletionsTheFirstSuccessStopsNewPods) {
  JobCluster c;
  ASSERT_TRUE(c.client.create(jobs("default"), job_json("wq", {{"parallelism", 2}})).ok());
  c.ex.run_until_idle();
  auto running = c.active("wq");
  ASSERT_EQ(running.size(), 2u);
  c.finish_pod(running[0], "Succeeded", 0);
  EXPECT_EQ(c.active("wq").size(), 1u);
  EXPECT_EQ(c.condition("wq", "Complete"), "");
  c.finish_pod(running[1], "Succeeded", 0);
  EXPECT_EQ(c.condition("wq", "Complete"), "True/CompletionsReached");
  EXPECT_EQ(c.jc.pods_created(), 2u);
  const kube::ResourceInfo* info = c.server.registry().find_kind("batch/v1", "Job");
  TablePrinter printer(*info);
  EXPECT_EQ(printer.row(c.job("wq"), c.ex.clock().now(), IncludeObject::kNone)["cells"][2], "2/1 of 2");
}

TEST(JobController, FailedPodsAreRetriedAfterBackOffUntilTheLimit) {
  JobCluster c;
  ASSERT_TRUE(c.client.create(jobs("default"), job_json("flaky", {{"backoffLimit", 2}})).ok());
  c.ex.run_until_idle();
  for (int failure = 1; failure <= 2; ++failure) {
    auto running = c.active("flaky");
    ASSERT_EQ(running.size(), 1u) << "failure " << failure;
    c.finish_pod(running[0], "Failed", 1);
    EXPECT_EQ(c.job("flaky")["status"]["failed"], failure);
    // Back-off: 10 s after the first failure, 20 s after the second.
    const auto backoff = std::chrono::seconds(10 << (failure - 1));
    c.ex.run_for(backoff - std::chrono::seconds(1));
    EXPECT_TRUE(c.active("flaky").empty()) << "failure " << failure;
    c.ex.run_for(std::chrono::seconds(1));
    EXPECT_EQ(c.active("flaky").size(), 1u) << "failure " << failure;
  }
  c.finish_pod(c.active("flaky")[0], "Failed", 1);
  EXPECT_EQ(c.job("flaky")["status"]["failed"], 3);
  EXPECT_EQ(c.condition("flaky", "Failed"), "True/BackoffLimitExceeded");
  EXPECT_TRUE(c.has_event("BackoffLimitExceeded"));
  c.ex.run_for(std::chrono::minutes(10));
  EXPECT_TRUE(c.active("flaky").empty());
  EXPECT_EQ(c.jc.pods_created(), 3u);
  const kube::ResourceInfo* info = c.server.registry().find_kind("batch/v1", "Job");
  TablePrinter printer(*info);
  EXPECT_EQ(printer.row(c.job("flaky"), c.ex.clock().now(), IncludeObject::kNone)["cells"][1], "Failed");
}

TEST(JobController, OnFailureRestartsCountAgainstTheBackoffLimit) {
  JobCluster c;
  ASSERT_TRUE(c.client.create(jobs("default"), job_json("retry", {{"backoffLimit", 2}}, "OnFailure")).ok());
  c.ex.run_until_idle();
  auto running = c.active("retry");
  ASSERT_EQ(running.size(), 1u);
  Json p = c.get(kube::pods("default", running[0]));
  p["status"]["phase"] = "Running";
  p["status"]["containerStatuses"] = {{{"name", "c"}, {"restartCount", 2}, {"state", {{"running", Json::object()}}}}};
  ASSERT_TRUE(c.client.update_status(kube::pods("default", running[0]), p).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.condition("retry", "Failed"), "");
  p = c.get(kube::pods("default", running[0]));
  p["status"]["containerStatuses"][0]["restartCount"] = 3;
  ASSERT_TRUE(c.client.update_status(kube::pods("default", running[0]), p).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.condition("retry", "Failed"), "True/BackoffLimitExceeded");
  // The running pod is deleted (unbound: at once).
  EXPECT_TRUE(c.active("retry").empty());
  EXPECT_EQ(c.jc.pods_deleted(), 1u);
}

TEST(JobController, ActiveDeadlineFailsTheJobAndDeletesItsPods) {
  JobCluster c;
  ASSERT_TRUE(c.client.create(jobs("default"), job_json("slow", {{"activeDeadlineSeconds", 30}, {"parallelism", 2}, {"completions", 4}})).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.active("slow").size(), 2u);
  c.ex.run_for(std::chrono::seconds(29));
  EXPECT_EQ(c.condition("slow", "Failed"), "");
  c.ex.run_for(std::chrono::seconds(2));
  EXPECT_EQ(c.condition("slow", "Failed"), "True/DeadlineExceeded");
  EXPECT_TRUE(c.active("slow").empty());
  EXPECT_TRUE(c.has_event("DeadlineExceeded"));
}

TEST(JobController, SuspendDeletesRunningPodsAndResumeCreatesThem) {
  JobCluster c;
  ASSERT_TRUE(c.client.create(jobs("default"), job_json("s", {{"parallelism", 2}, {"completions", 2}})).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.active("s").size(), 2u);
  ASSERT_TRUE(c.client.patch(jobs("default", "s"), kube::PatchType::kMerge, {{"spec", {{"suspend", true}}}}).ok());
  c.ex.run_until_idle();
  EXPECT_TRUE(c.active("s").empty());
  ASSERT_TRUE(c.client.patch(jobs("default", "s"), kube::PatchType::kMerge, {{"spec", {{"suspend", false}}}}).ok());
  c.ex.run_until_idle();
  EXPECT_EQ(c.active("s").size(), 2u);
}

TEST(JobController, DeletingTheJobCollectsItsPods) {
  JobCluster c;
  ASSERT_TRUE(c.client.create(jobs("default"), job_json("gone", {{"parallelism", 3}, {"completions", 3}})).ok());
  c.ex.run_until_idle();
  ASSERT_EQ(c.pods("job-name=gone").size(), 3u);
  ASSERT_TRUE(c.client.remove(jobs("default", "gone")).ok());
  c.ex.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(c.pods("job-name=gone").empty());
}

TEST(JobController, BackoffDoublesUpToSixMinutes) {
  JobControllerOptions o;
  EXPECT_EQ(job_backoff(0, o), Duration{0});
  EXPECT_EQ(job_backoff(1, o), std::chrono::seconds(10));
  EXPECT_EQ(job_backoff(3, o), std::chrono::seconds(40));
  EXPECT_EQ(job_backoff(6, o), std::chrono::seconds(320));
  EXPECT_EQ(job_backoff(7, o), std::chrono::minutes(6));
  EXPECT_EQ(job_backoff(60, o), std::chrono::minutes(6));
}

}  // namespace
}  // namespace kci::apiserver::testing
