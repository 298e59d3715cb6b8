// Sizing and instance matching: every worked example of kci-cloud.md, seed 000 and 002.
#include <gtest/gtest.h>

#include "core/kci/catalogue.h"
#include "core/k8s/object.h"
#include "core/translate/instance_match.h"
#include "core/translate/node_settings.h"
#include "core/translate/sizing.h"
#include "core/translate/values.h"

namespace kci::translate {
namespace {

const kcicloud::Catalogue& cat() { return kcicloud::default_catalogue(); }

Size gib(double cpu, double mem) {
  return Size{static_cast<std::int64_t>(cpu * 1000 + 0.5), static_cast<std::int64_t>(mem * 1024 + 0.5)};
}

Size norm(Size asked) {
  auto r = normalise_size(asked, cat());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Size{};
}

TEST(Sizing, NothingSetIsTwoCoresFourGib) {
  // kci-cloud.md rule 2: "Both sums 0 -> 2 CPU / 4 GiB".
  EXPECT_EQ(norm({0, 0}), Size::cores_gib(2, 4));
}

TEST(Sizing, FourCoresEightGibStays) { EXPECT_EQ(norm(gib(4, 8)), Size::cores_gib(4, 8)); }

TEST(Sizing, MemoryOnlySevenPointEightGibIsTwoCEightG) {
  // "CPU 0, memory 7.8 GiB -> 8 GiB -> 2C8G".
  EXPECT_EQ(norm(gib(0, 7.8)), Size::cores_gib(2, 8));
}

TEST(Sizing, HalfCoreHalfGibIsOneCOneG) { EXPECT_EQ(norm({500, 512}), Size::cores_gib(1, 1)); }

TEST(Sizing, ThreeCoresFortyGibIsTwentyFourCFortyEightG) {
  EXPECT_EQ(norm(gib(3, 40)), Size::cores_gib(24, 48));
}

TEST(Sizing, FourCoresTenGibIsFourCSixteenG) { EXPECT_EQ(norm(gib(4, 10)), Size::cores_gib(4, 16)); }

TEST(Sizing, OneCoreTenGibIsTwoCSixteenG) { EXPECT_EQ(norm(gib(1, 10)), Size::cores_gib(2, 16)); }

TEST(Sizing, CpuOnlyTakesTheSmallestPartner) {
  EXPECT_EQ(norm(gib(3, 0)), Size::cores_gib(4, 4));
  EXPECT_EQ(norm({100, 0}), Size::cores_gib(1, 1));
  EXPECT_EQ(norm(gib(40, 0)), Size::cores_gib(48, 96));
}

TEST(Sizing, MemoryBelowSpecAIsRaised) { EXPECT_EQ(norm(gib(8, 1)), Size::cores_gib(8, 8)); }

TEST(Sizing, AboveTheLargestIsRefused) {
  // "65 CPU or more than 512 GiB -> refused".
  auto r = normalise_size(gib(65, 1), cat());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("65C1G"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("64 CPU"), std::string::npos) << r.error().message;
  EXPECT_FALSE(normalise_size(gib(1, 513), cat()).ok());
  EXPECT_TRUE(normalise_size(gib(64, 512), cat()).ok());
}

k8s::Container container(const char* cpu_limit, const char* mem_limit, const char* cpu_req = nullptr,
                         const char* mem_req = nullptr) {
  k8s::Container c;
  c.name = "c";
  if (cpu_limit) c.resources.limits["cpu"] = *k8s::Quantity::parse(cpu_limit);
  if (mem_limit) c.resources.limits["memory"] = *k8s::Quantity::parse(mem_limit);
  if (cpu_req) c.resources.requests["cpu"] = *k8s::Quantity::parse(cpu_req);
  if (mem_req) c.resources.requests["memory"] = *k8s::Quantity::parse(mem_req);
  return c;
}

TEST(Sizing, DemandIsLimitsElseRequests) {
  auto a = container("2", nullptr, "1", "3Gi");
  auto b = container(nullptr, "1Gi", "500m", "2Gi");
  auto d = pod_demand({&a, &b}, {});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->cpu_milli, 2500);       // 2 (limit) + 0.5 (request)
  EXPECT_EQ(d->memory_mib, 4 * 1024);  // 3Gi (request) + 1Gi (limit)
}

TEST(Sizing, InitContainerCountsWhenLargerThanTheSum) {
  auto a = container("1", "1Gi");
  auto init = container("4", "512Mi");
  auto d = pod_demand({&a}, {&init});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, (Size{4000, 1024}));
}

TEST(Sizing, MemoryRoundsUpToWholeMib) {
  auto a = container(nullptr, "7.8Gi");
  auto d = pod_demand({&a}, {});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->memory_mib, 7988);  // 7987.2 MiB rounded up
  EXPECT_EQ(norm(*d), Size::cores_gib(2, 8));
}

TEST(Sizing, NegativeQuantityRefused) {
  k8s::Container a;
  a.resources.limits["cpu"] = k8s::Quantity::from_milli(-1000);
  EXPECT_FALSE(pod_demand({&a}, {}).ok());
}

// ---- CCI (seed 002) ----

TEST(CciSizing, RoundsEachContainerAndThePod) {
  // 0.1 CPU, 100Mi -> container 0.25 CPU, 0.2 GiB (rule 1); pod memory 1 GiB (rule 2);
  // 1 GiB / 0.25 CPU = 4, within 2..8.
  auto r = normalise_cci({Size{100, 100}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->pod, (Size{250, 1024}));
  EXPECT_EQ(*r->containers[0], (Size{250, 1024}));  // the increment lands on it (rule 5)
}

TEST(CciSizing, RatioBelowTwoRaisesMemory) {
  // 2 CPU, 1 GiB: ratio 0.5 < 2 -> memory 4 GiB.
  auto r = normalise_cci({Size{2000, 1024}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pod, (Size{2000, 4096}));
}

TEST(CciSizing, RatioAboveEightRaisesCpu) {
  // 0.25 CPU, 4 GiB: ratio 16 > 8 -> CPU 0.5.
  auto r = normalise_cci({Size{250, 4096}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pod, (Size{500, 4096}));
}

TEST(CciSizing, IncrementsGoToTheFirstNonBestEffortContainer) {
  auto r = normalise_cci({Size{0, 0}, Size{1000, 512}, Size{1000, 512}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->containers[0].has_value());          // BestEffort: untouched
  EXPECT_EQ(*r->containers[2], (Size{1000, 512}));     // not the first: untouched
  EXPECT_EQ(r->pod, (Size{2000, 4096}));
  EXPECT_EQ(*r->containers[1], (Size{1000, 512 + 3072}));
}

TEST(CciSizing, Above32CoresOr256GibRefused) {
  EXPECT_FALSE(normalise_cci({Size{33000, 66 * 1024}}).ok());
  EXPECT_FALSE(normalise_cci({Size{16000, 257 * 1024}}).ok());
  EXPECT_TRUE(normalise_cci({Size{32000, 256 * 1024}}).ok());
}

TEST(CciSizing, NoCpuAnywhereRefused) {
  auto r = normalise_cci({Size{0, 1024}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("CPU"), std::string::npos);
}

// ---- instance matching (seed 000) ----

TEST(InstanceMatch, FourCEightGWithS6I3IsS6_4B) {
  // Seed 000: "容器实例匹配到了S6机型下实例规格为4C8G的S6.4B套餐".
  auto r = match_instance_type(Size::cores_gib(4, 8), "", {"S6", "I3"}, "SSD3.0", cat());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->instance_type, "S6.4B");
}

TEST(InstanceMatch, LocalSsdFallsThroughToI3_4B) {
  // Seed 000: "由于S6机型不支持Local_SSD类型的系统盘,而I3机型支持...匹配到I3机型".
  auto r = match_instance_type(Size::cores_gib(4, 8), "", {"S6", "I3"}, "Local_SSD", cat());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->instance_type, "I3.4B");
}

TEST(InstanceMatch, ExplicitTypeWins) {
  auto r = match_instance_type(Size::cores_gib(4, 8), "N3.2B", {"S6", "I3"}, "SSD3.0", cat());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->instance_type, "N3.2B");
  EXPECT_EQ(r->size, Size::cores_gib(2, 4));
}

TEST(InstanceMatch, UnknownExplicitTypeRefused) {
  auto r = match_instance_type(Size::cores_gib(4, 8), "ecs.c6.xlarge", {}, "SSD3.0", cat());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("ecs.c6.xlarge"), std::string::npos);
  EXPECT_NE(r.error().message.find("S6.4B"), std::string::npos);
}

TEST(InstanceMatch, NoFamilyHasItRefused) {
  // I3 has no 1C1G (CPU 2-32) and S6 has no Local_SSD.
  auto r = match_instance_type(Size::cores_gib(1, 1), "", {"S6", "I3"}, "Local_SSD", cat());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("I3 has no 1C1G"), std::string::npos) << r.error().message;
}

TEST(InstanceMatch, NoFamiliesLetsTheCloudChoose) {
  auto r = match_instance_type(Size::cores_gib(4, 8), "", {}, "SSD3.0", cat());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->instance_type.empty());
}

TEST(InstanceMatch, UnknownFamilyRefused) {
  auto r = match_instance_type(Size::cores_gib(4, 8), "", {"Z9"}, "SSD3.0", cat());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Z9"), std::string::npos);
}

// ---- values ----

TEST(Values, BandwidthUnits) {
  // Seed 001: "单位支持:G、M、k。如果未填写单位,则默认对应的单位为bit".
  EXPECT_EQ(*parse_bandwidth("100M"), 100'000'000);
  EXPECT_EQ(*parse_bandwidth("1G"), 1'000'000'000);
  EXPECT_EQ(*parse_bandwidth("10k"), 10'000);
  EXPECT_EQ(*parse_bandwidth("5000"), 5000);
  EXPECT_EQ(*parse_bandwidth("1.5M"), 1'500'000);
  EXPECT_FALSE(parse_bandwidth("").ok());
  EXPECT_FALSE(parse_bandwidth("10Mi").ok());
  EXPECT_FALSE(parse_bandwidth("-1M").ok());
  EXPECT_FALSE(parse_bandwidth("999").ok());   // below 1k
  EXPECT_FALSE(parse_bandwidth("2000000G").ok());  // above 1P
  EXPECT_FALSE(parse_bandwidth("M").ok());
  // A long value is cut for the message at a character boundary (byte 64 falls inside a
  // two-byte character here): the message goes into events, which are JSON.
  const auto cut = parse_bandwidth(std::string(63, '9') + "\u0580M");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().message.rfind("\"" + std::string(63, '9') + "...\" is not a bandwidth", 0), 0u)
      << cut.error().message;
}

TEST(Values, Thousandths) {
  EXPECT_EQ(*parse_thousandths("0.5", 10), 500);
  EXPECT_EQ(*parse_thousandths("7.8", 10), 7800);
  EXPECT_EQ(*parse_thousandths("1.0001", 10), 1001);
  EXPECT_FALSE(parse_thousandths("4Gi", 10).ok());
  EXPECT_FALSE(parse_thousandths("11", 10).ok());
  EXPECT_FALSE(parse_thousandths(".", 10).ok());
  EXPECT_FALSE(parse_thousandths("99999999999999999999999", 10).ok());
}

TEST(Values, ListsAndSpecs) {
  EXPECT_EQ(split_list(" a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_list("").empty());
  auto s = parse_cpu_mem_spec("2-4Gi");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cpu_milli, 2000);
  EXPECT_EQ(s->memory_mib, 4096);
  EXPECT_FALSE(parse_cpu_mem_spec("ecs.c6.xlarge").ok());
  EXPECT_FALSE(parse_cpu_mem_spec("2-4").ok());
}

// ---- node settings (seed 001 / 000) ----

TEST(NodeSettings, ParsesFlagsAndVariables) {
  auto n = parse_node_settings({{"--nodename", "rbkci-virtual-kubelet"},
                                {"--cluster-dns", "10.254.0.10"},
                                {"--kube-proxy-enable", ""},
                                {"--base-system-disk-size", "50"},
                                {"KCI_INSTANCE_FAMILY", "S6,I3"},
                                {"KCI_SECURITY_GROUP_IDS", "sg-1,sg-2"}});
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->node_name, "rbkci-virtual-kubelet");
  EXPECT_EQ(n->cluster_dns, std::vector<std::string>{"10.254.0.10"});
  EXPECT_TRUE(n->kube_proxy_default());
  EXPECT_EQ(n->base_system_disk_gb, 50);
  EXPECT_EQ(n->instance_families, (std::vector<std::string>{"S6", "I3"}));
  EXPECT_EQ(n->cluster_domain, "cluster.local");
}

TEST(NodeSettings, MoreThanThreeSecurityGroupsRefused) {
  auto n = parse_node_settings({{"KCI_SECURITY_GROUP_IDS", "a,b,c,d"}});
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("at most 3"), std::string::npos);
}

TEST(NodeSettings, UnknownAndBadSettingsNamed) {
  auto n = parse_node_settings({{"KCI_NOPE", "x"}});
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("KCI_NOPE"), std::string::npos);
  auto d = parse_node_settings({{"--base-system-disk-size", "10"}});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("20 to 500"), std::string::npos);
  EXPECT_FALSE(parse_node_settings({{"--sizing-policy", "eci"}}).ok());
  EXPECT_FALSE(parse_node_settings({{"KCI_KUBE_PROXY", "maybe"}}).ok());
}

}  // namespace
}  // namespace kci::translate

namespace kci::translate {
namespace {
TEST(Sizing, RuleFourTakesTheSmallestMemoryOverTheWholeTable) {
  // kci-cloud.md: "the memory is the smallest standard memory >= the asked one over the
  // whole table, and the CPU the smallest CPU that offers it": 2 CPU, 17 GiB -> 24 GiB,
  // offered only by 24 CPU.
  EXPECT_EQ(*normalise_size(Size{2000, 17 * 1024}, kcicloud::default_catalogue()), Size::cores_gib(24, 24));
}
}  // namespace
}  // namespace kci::translate
