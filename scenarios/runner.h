// Replays a scenario in a World and reports what held and what did not.
//
// Steps run in order on the world's virtual clock; between steps everything runnable runs.
// `wait: {until: ...}` advances in slices of virtual time and re-checks after each, so a
// wait ends at the first slice where the expectation holds. A failed expectation records
// what was expected, what was found, the scenario time and the seed to replay it; the run
// goes on so one report shows every failure. Reports hold no wall-clock data, so the same
// scenario and seed give a byte-identical JSON report.
// Must not: sleep, or read any clock but the world's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/k8s/object.h"
#include "scenarios/scenario.h"
#include "scenarios/world.h"

namespace kci::scenario {

//! One step's outcome.
struct StepReport {
  std::size_t index = 0;                 //!< position in steps (0-based)
  std::string kind;                      //!< apply, scale, ...
  Duration at{0};                        //!< scenario time when it finished
  bool ok = true;
  std::vector<std::string> failures;     //!< what was expected and what was found
  std::vector<std::string> skipped;      //!< checks that could not run here
};

//! Pods by phase on one node at one moment (the report's timeline).
struct TimelineSample {
  Duration at{0};
  std::map<std::string, std::map<std::string, std::int64_t>> pods;  //!< node -> phase -> count
};

//! One scenario run.
struct ScenarioReport {
  std::string name, path, description;
  std::uint64_t seed = 1;
  bool passed = false;
  std::string setup_error;               //!< the run could not start (bad file, bad setting)
  std::vector<std::string> setup_notes;  //!< what of the scenario the world did not set up
  std::vector<StepReport> steps;
  Duration virtual_time{0};              //!< scenario time at the end
  std::vector<TimelineSample> timeline;
  double wall_seconds = 0;               //!< for the terminal only; never in JSON or JUnit
};

struct RunOptions {
  //! The slice a `wait: until` advances between checks.
  Duration poll = std::chrono::seconds(1);
  //! How often the timeline is sampled.
  Duration timeline_every = std::chrono::seconds(5);
  //! Builds the world a scenario runs in; unset: World::create (the stand-ins).
  std::function<Result<std::unique_ptr<World>>(const Scenario&, std::uint64_t seed)> make_world;
};

//! Reads a scenario file and runs it (seed: the file's unless `seed` is given).
ScenarioReport run_file(const std::string& path, std::optional<std::uint64_t> seed, const RunOptions& options = {});
//! Runs a parsed scenario.
ScenarioReport run_scenario(const Scenario& s, std::uint64_t seed, const RunOptions& options = {});

//! The report as JSON (deterministic: no wall-clock values).
k8s::Json report_json(const std::vector<ScenarioReport>& reports);
//! The reports as JUnit XML (one testsuite per folder, one testcase per scenario).
std::string report_junit(const std::vector<ScenarioReport>& reports);
//! A self-contained HTML page: the expectation table and, per scenario, an SVG timeline of
//! pods by phase per node over scenario time.
std::string report_html(const std::vector<ScenarioReport>& reports);
//! The terminal summary table.
std::string report_text(const std::vector<ScenarioReport>& reports);

}  // namespace kci::scenario
