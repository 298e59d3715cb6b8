// The runner: a broken expectation fails readably with the time and the seed, and the same
// scenario under the same seed gives a byte-identical JSON report.
#include "scenarios/runner.h"

#include <gtest/gtest.h>

namespace kci::scenario {
namespace {

constexpr const char* kScenario = R"(
name: runner-probe
seed: 42
virtualNodes: [{name: vk-1}]
steps:
  - apply:
      objects:
        - apiVersion: v1
          kind: Pod
          metadata: {name: web, namespace: default, labels: {app: web}}
          spec: {nodeName: vk-1, containers: [{name: c, image: nginx}]}
  - wait: {until: {pods: {selector: app=web, phase: Running, count: 1}}, timeout: 1m}
  - expect:
      pods: {selector: app=web, count: 2, phase: Running}
      events: [{object: Pod/default/web, reason: NoStock}]
)";

ScenarioReport run(const char* yaml, std::uint64_t seed) {
  auto s = parse_scenario(yaml, "probe/runner-probe.yaml");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return run_scenario(*s, seed);
}

TEST(Runner, ABrokenExpectationFailsWithWhatWhereAndTheSeed) {
  const auto r = run(kScenario, 42);
  ASSERT_TRUE(r.setup_error.empty()) << r.setup_error;
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.steps.size(), 3u);
  EXPECT_TRUE(r.steps[0].ok);
  EXPECT_TRUE(r.steps[1].ok);
  ASSERT_FALSE(r.steps[2].ok);
  ASSERT_EQ(r.steps[2].failures.size(), 2u);
  EXPECT_NE(r.steps[2].failures[0].find("step 3 (expect): pods(namespace=default, selector=app=web): expected 2 pod(s) "
                                        "phase Running, found 1 of 1"),
            std::string::npos)
      << r.steps[2].failures[0];
  EXPECT_EQ(r.steps[2].failures[0].rfind("at ", 0), 0u);  // starts with the scenario time
  EXPECT_NE(r.steps[2].failures[1].find("expected NoStock, found ["), std::string::npos) << r.steps[2].failures[1];
  EXPECT_NE(r.steps[2].failures[1].find("Normal ProviderCreateSuccess"), std::string::npos) << r.steps[2].failures[1];
  const auto text = report_text({r});
  EXPECT_NE(text.find("replay: kci-vk sim probe/runner-probe.yaml --seed 42"), std::string::npos) << text;
  const auto junit = report_junit({r});
  EXPECT_NE(junit.find("<testsuite name=\"probe\" tests=\"1\" failures=\"1\">"), std::string::npos) << junit;
  EXPECT_NE(junit.find("<failure message="), std::string::npos);
}

TEST(Runner, SameSeedSameReportByteForByte) {
  const auto a = report_json({run(kScenario, 7)}).dump(2);
  const auto b = report_json({run(kScenario, 7)}).dump(2);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.find("wall"), std::string::npos);  // no wall-clock values in the report
}

TEST(Runner, SetupErrorsAreReportedNotThrown) {
  const auto r = run("name: runner-probe\nvirtualNodes: [{name: vk, env: {KCI_SECURITY_GROUP_IDS: 'a,b,c,d'}}]\n", 1);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.setup_error.find("KCI_SECURITY_GROUP_IDS"), std::string::npos) << r.setup_error;
  const auto missing = run_file("/nonexistent/x.yaml", std::nullopt);
  EXPECT_FALSE(missing.passed);
  EXPECT_NE(missing.setup_error.find("cannot read"), std::string::npos);
}

TEST(Runner, HtmlReportIsSelfContained) {
  const auto html = report_html({run(kScenario, 42)});
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("runner-probe"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no other URL: no network
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace kci::scenario
