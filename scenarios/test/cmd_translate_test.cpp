// `kci-vk translate`: JSON on success, the refusal and exit code 2 otherwise.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "scenarios/cli.h"

namespace kci::cli {
namespace {

int run_cli(std::vector<std::string> args, std::string& out, std::string& err) {
  std::vector<char*> argv;
  static std::string prog = "kci-vk";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream o, e;
  const int rc = run(static_cast<int>(argv.size()), argv.data(), o, e);
  out = o.str();
  err = e.str();
  return rc;
}

const std::string kPod = std::string(KCI_SOURCE_DIR) + "/examples/nginx-pod.yaml";
const std::string kNode = std::string(KCI_SOURCE_DIR) + "/examples/virtual-node.yaml";

TEST(CmdTranslate, ExamplePodBecomesS6_4B) {
  std::string out, err;
  ASSERT_EQ(run_cli({"translate", "-f", kPod, "--node", kNode}, out, err), 0) << err;
  EXPECT_NE(out.find("\"InstanceType\": \"S6.4B\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"ContainerGroupName\": \"default-nginx\""), std::string::npos);
}

TEST(CmdTranslate, SetOverridesTheNodeFile) {
  std::string out, err;
  ASSERT_EQ(run_cli({"translate", "-f", kPod, "--node", kNode, "--set", "KCI_INSTANCE_FAMILY=I3"}, out, err), 0) << err;
  EXPECT_NE(out.find("\"InstanceType\": \"I3.4B\""), std::string::npos) << out;
}

TEST(CmdTranslate, RefusalExitsTwo) {
  std::string out, err;
  EXPECT_EQ(run_cli({"translate", "-f", kPod, "--node", kNode, "--set", "KCI_INSTANCE_FAMILY=Z9"}, out, err), 2);
  EXPECT_NE(err.find("refused (NoMatchingInstanceType)"), std::string::npos) << err;
  EXPECT_EQ(run_cli({"translate"}, out, err), 2);
  EXPECT_EQ(run_cli({"translate", "-f", "/nonexistent.yaml"}, out, err), 2);
}

}  // namespace
}  // namespace kci::cli
