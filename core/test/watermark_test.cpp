// Seed 000, 自定义IDC资源水位触发调度: the watermark decision and group_score.
#include "core/extender/watermark.h"

#include <gtest/gtest.h>

namespace kci::extender {
namespace {

WatermarkConfig seed_config() {
  // Seed 000's extender-conf: cpulimit "0.5", memlimit "0.7", weights 3 and 1.
  auto c = parse_config({{"cpulimit", "0.5"},
                         {"memlimit", "0.7"},
                         {"weight",
                          R"([ { "nodeName": "rbkci-virtual-kubelet", "weight": 3 }, )"
                          R"({ "nodeName": "cn-zhangjiakou.vnd-8vb0w6ot6evayqda0a3", "weight": 1 } ])"}});
  EXPECT_TRUE(c.ok()) << c.error().message;
  return *c;
}

TEST(WatermarkConfig, ParsesSeed000) {
  const auto c = seed_config();
  ASSERT_TRUE(c.cpu_limit.has_value());
  EXPECT_EQ(c.cpu_limit->to_string(), "500m");
  EXPECT_EQ(c.memory_limit->to_string(), "700m");
  ASSERT_EQ(c.weights.size(), 2u);
  EXPECT_EQ(c.weights[0], (NodeWeight{"rbkci-virtual-kubelet", 3}));
}

TEST(WatermarkConfig, MinusOneOrMissingIgnoresAMetric) {
  // "如果不关心它则设置为-1"
  auto c = parse_config({{"cpulimit", "-1"}, {"memlimit", " 0.7\n"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->cpu_limit.has_value());
  EXPECT_TRUE(c->memory_limit.has_value());
  auto none = parse_config({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->cpu_limit || none->memory_limit);
  EXPECT_TRUE(none->weights.empty());
}

TEST(WatermarkConfig, RefusalsNameKeyValueAndWhatIsAccepted) {
  auto bad_limit = parse_config({{"cpulimit", "half"}});
  ASSERT_FALSE(bad_limit.ok());
  EXPECT_EQ(bad_limit.error().message,
            "kube-system/extender-conf key cpulimit: \"half\" is not an allocation ratio "
            "(accepted: a number >= 0 such as 0.5, or -1 to ignore this metric)");
  EXPECT_FALSE(parse_config({{"memlimit", "-0.5"}}).ok());

  auto bad_json = parse_config({{"weight", "[{\"nodeName\": \"a\", \"weight\": 1},]"}});
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.error().message.find("key weight: \"[{"), std::string::npos);
  EXPECT_NE(bad_json.error().message.find("is not valid JSON"), std::string::npos);

  auto no_name = parse_config({{"weight", R"([{"weight": 1}])"}});
  ASSERT_FALSE(no_name.ok());
  EXPECT_NE(no_name.error().message.find("weight[0]"), std::string::npos);

  auto neg = parse_config({{"weight", R"([{"nodeName": "a", "weight": -2}])"}});
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.error().message.find("weight -2 is not an integer from 0 to"), std::string::npos);

  auto twice = parse_config({{"weight", R"([{"nodeName": "a", "weight": 1}, {"nodeName": "a", "weight": 2}])"}});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("listed twice"), std::string::npos);

  EXPECT_FALSE(parse_config({{"weight", R"({"nodeName": "a"})"}}).ok());
}

TEST(Watermark, EitherMetricAboveItsLimitIsEnough) {
  // "只要有一个指标超过阈值，即优先调度到vk上"
  const auto c = seed_config();
  WatermarkSnapshot s{.worker_cpu_requested_milli = 200, .worker_cpu_allocatable_milli = 500,
                      .worker_memory_requested = 1, .worker_memory_allocatable = 10};
  EXPECT_FALSE(decide(c, s).burst) << decide(c, s).explanation;
  s.worker_cpu_requested_milli = 251;
  EXPECT_TRUE(decide(c, s).burst);
  s.worker_cpu_requested_milli = 250;  // exactly at the limit is not above it
  EXPECT_FALSE(decide(c, s).burst);
  s.worker_memory_requested = 8;
  EXPECT_TRUE(decide(c, s).burst);
  EXPECT_NE(decide(c, s).explanation.find("memlimit 700m"), std::string::npos) << decide(c, s).explanation;
}

TEST(Watermark, NoWorkersMeansBurst) {
  EXPECT_TRUE(decide(seed_config(), WatermarkSnapshot{}).burst);
  auto ignore_both = parse_config({{"cpulimit", "-1"}, {"memlimit", "-1"}});
  EXPECT_FALSE(decide(*ignore_both, WatermarkSnapshot{}).burst);
}

TEST(GroupScore, BelowTheWatermarkRealNodesWin) {
  const std::vector<Candidate> nodes{{"10.0.0.179", false}, {"rbkci-virtual-kubelet", true}};
  WatermarkSnapshot s{.worker_cpu_requested_milli = 0, .worker_cpu_allocatable_milli = 500,
                      .worker_memory_requested = 0, .worker_memory_allocatable = 1 << 30};
  EXPECT_EQ(group_score(seed_config(), s, nodes),
            (std::vector<HostScore>{{"10.0.0.179", 10}, {"rbkci-virtual-kubelet", 0}}));
}

TEST(GroupScore, UnlistedVirtualNodesGetNothingWhenWeightsAreGiven) {
  const std::vector<Candidate> nodes{{"rbkci-virtual-kubelet", true}, {"vk-unlisted", true}};
  WatermarkSnapshot s;  // no workers: burst
  const auto scores = group_score(seed_config(), s, nodes);
  EXPECT_EQ(scores[0].score, 10);
  EXPECT_EQ(scores[1].score, 0);
  EXPECT_EQ(weight_of(seed_config(), "vk-unlisted"), 0);
  EXPECT_EQ(weight_of(WatermarkConfig{}, "anything"), 1);
}

// Seed 000's walk-through: workers 10.0.0.179 and 10.0.0.96, three masters (not counted),
// two virtual nodes with weights 3 and 1, cpulimit 0.5, 100m pods scaled from 1 to 7:
// "前3个Pod ... 调度到了自建集群的Worker节点上 ... 后4个Pod调度到了vk节点上，且根据权重设置，
// 有3个调度到权重为3的vk上，有1个调度到权重为1的vk上".
TEST(GroupScore, Seed000WalkThrough) {
  const auto config = seed_config();
  const std::vector<Candidate> nodes{{"10.0.0.179", false},
                                     {"10.0.0.96", false},
                                     {"rbkci-virtual-kubelet", true},
                                     {"cn-zhangjiakou.vnd-8vb0w6ot6evayqda0a3", true}};
  // Two workers with 250m allocatable each: the 4th pod sees 300m/500m = 0.6 > 0.5.
  WatermarkSnapshot s{.worker_cpu_requested_milli = 0, .worker_cpu_allocatable_milli = 500,
                      .worker_memory_requested = 0, .worker_memory_allocatable = 8LL << 30};
  std::map<std::string, int> placed;
  for (int pod = 0; pod < 7; ++pod) {
    const auto scores = group_score(config, s, nodes);
    // The scheduler takes a best-scoring node (ties: any; here the first).
    const auto best = std::max_element(scores.begin(), scores.end(),
                                       [](const auto& a, const auto& b) { return a.score < b.score; });
    ++placed[best->host];
    if (best->host.rfind("10.0.0.", 0) == 0) {
      s.worker_cpu_requested_milli += 100;
      s.worker_memory_requested += 100LL << 20;
    } else {
      ++s.pods_on_virtual_node[best->host];
    }
  }
  EXPECT_EQ(placed["10.0.0.179"] + placed["10.0.0.96"], 3);
  EXPECT_EQ(placed["rbkci-virtual-kubelet"], 3);
  EXPECT_EQ(placed["cn-zhangjiakou.vnd-8vb0w6ot6evayqda0a3"], 1);
}

}  // namespace
}  // namespace kci::extender
