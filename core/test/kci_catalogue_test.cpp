#include "core/kci/catalogue.h"

#include <gtest/gtest.h>

namespace kci::kcicloud {
namespace {

TEST(Catalogue, DefaultHasTheDocumentedFamiliesInOrder) {
  const auto& c = default_catalogue();
  ASSERT_EQ(c.families().size(), 4u);
  EXPECT_EQ(c.families()[0].name, "S6");
  EXPECT_EQ(c.families()[1].name, "N3");
  EXPECT_EQ(c.families()[2].name, "I3");
  EXPECT_EQ(c.families()[3].name, "X7");
}

TEST(Catalogue, S6HasEveryStandardSize) {
  const auto& c = default_catalogue();
  // 3 + 4*6 + 3 + 3 rows of the standard table.
  EXPECT_EQ(c.standard_sizes().size(), 33u);
  EXPECT_EQ(c.packages_of("S6").size(), 33u);
  for (const auto& s : c.standard_sizes()) EXPECT_TRUE(c.family_supports_size("S6", s)) << to_string(s);
}

TEST(Catalogue, PackageNamesFollowRatioLetters) {
  const auto& c = default_catalogue();
  const Package* p = c.find_package("S6.4B");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->size, Size::cores_gib(4, 8));
  EXPECT_EQ(p->family, "S6");
  EXPECT_EQ(c.find_package("S6.64D")->size, Size::cores_gib(64, 512));
  EXPECT_EQ(c.find_package("N3.1A")->size, Size::cores_gib(1, 1));
  EXPECT_EQ(c.find_package("I3.1B"), nullptr);   // I3 starts at 2 CPU
  EXPECT_EQ(c.find_package("N3.2D"), nullptr);   // N3 has no D
  EXPECT_EQ(c.find_package("X7.2B"), nullptr);   // X7 starts at 4 CPU
  EXPECT_EQ(c.find_package("S6.48A"), nullptr);  // 48C48G is not standard
  EXPECT_EQ(*package_name("S6", Size::cores_gib(4, 8)), "S6.4B");
  EXPECT_FALSE(package_name("S6", Size::cores_gib(4, 12)).has_value());
}

TEST(Catalogue, DisksAndFirstPackage) {
  const auto& c = default_catalogue();
  EXPECT_TRUE(c.family_supports_disk("I3", "Local_SSD"));
  EXPECT_FALSE(c.family_supports_disk("S6", "Local_SSD"));
  EXPECT_EQ(c.first_package(Size::cores_gib(4, 8), "SSD3.0")->name, "S6.4B");
  EXPECT_EQ(c.first_package(Size::cores_gib(4, 8), "Local_SSD")->name, "I3.4B");
  EXPECT_EQ(c.first_package(Size::cores_gib(4, 8), "Floppy"), nullptr);
  ASSERT_NE(c.disk_type("ESSD_SYSTEM_PL2"), nullptr);
  EXPECT_EQ(c.disk_type("ESSD_SYSTEM_PL2")->min_gb, 461);
  EXPECT_EQ(c.largest(), Size::cores_gib(64, 512));
}

TEST(Catalogue, SizeToString) {
  EXPECT_EQ(to_string(Size::cores_gib(4, 8)), "4C8G");
  EXPECT_EQ(to_string(Size{500, 1536}), "0.5C1.5G");
}

TEST(Catalogue, ParsesYaml) {
  auto c = parse_catalogue_yaml(R"(
diskTypes: {SSD3.0: {minGb: 20, maxGb: 500}}
families:
  - name: G1
    systemDisks: [SSD3.0]
    packages: [{name: G1.8C.T4, cpu: 8, memoryGi: 32, gpu: 1, gpuType: T4}]
  - name: S6
    cpus: [2, 4]
    letters: [B]
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->find_package("G1.8C.T4")->gpu, 1);
  EXPECT_EQ(c->find_package("S6.4B")->size, Size::cores_gib(4, 8));
  EXPECT_EQ(c->standard_sizes().size(), 3u);
}

TEST(Catalogue, RefusesBadYaml) {
  EXPECT_FALSE(parse_catalogue_yaml("families: 3").ok());
  EXPECT_FALSE(parse_catalogue_yaml("[").ok());
  EXPECT_FALSE(parse_catalogue_yaml("families: [{name: S6, systemDisks: [Floppy], cpus: [2]}]").ok());
  EXPECT_FALSE(parse_catalogue_yaml("families: [{name: S6, cpus: [2], letters: [Z]}]").ok());
  EXPECT_FALSE(parse_catalogue_yaml("families: [{name: S6, packages: [{cpu: -1, memoryGi: 2}]}]").ok());
  auto dup = parse_catalogue_yaml("families: [{name: S6, cpus: [2]}, {name: S6, cpus: [4]}]");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("listed twice"), std::string::npos);
}

}  // namespace
}  // namespace kci::kcicloud
