// Scaffolding shared by the fake cloud's tests: a cloud on a virtual clock, built from a
// configuration, and a valid CreateContainerGroup request to start from.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fake-kci/cloud_config.h"
#include "fake-kci/fake_cloud.h"

namespace kci::fake_kci::testing {

//! A group the default cloud accepts, one container per image (c0, c1, ...), or nginx:1.25
//! named nginx when no image is given.
inline kcicloud::CreateContainerGroupRequest group_request(const std::string& name,
                                                           const std::vector<std::string>& images = {}) {
  kcicloud::CreateContainerGroupRequest r;
  r.container_group_name = name;
  r.subnet_id = "subnet-cn-beijing-6a";
  r.security_group_ids = {"sg-default"};
  r.instance_type = "S6.4B";
  if (images.empty()) r.containers.push_back(kcicloud::ContainerSpec{.name = "nginx", .image = "nginx:1.25"});
  for (std::size_t i = 0; i < images.size(); ++i)
    r.containers.push_back(kcicloud::ContainerSpec{.name = "c" + std::to_string(i), .image = images[i]});
  return r;
}

//! A test with a fresh cloud (seed 7) of the default configuration, or of `make(yaml)`'s.
struct CloudTest : ::testing::Test {
  VirtualClock clock;
  kcicloud::CallContext owner{"AKowner", ""};
  std::unique_ptr<FakeKciCloud> cloud;
  void make(const std::string& yaml = "") {
    auto c = parse_cloud_config(yaml);
    ASSERT_TRUE(c.ok()) << c.error().message;
    cloud = std::make_unique<FakeKciCloud>(std::move(*c), clock, 7);
  }
  void SetUp() override { make(); }
};

}  // namespace kci::fake_kci::testing
