#include "core/duration.h"

#include <gtest/gtest.h>

namespace kci {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Duration, ParsesGoForms) {
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("30s"), seconds(30));
  EXPECT_EQ(*parse_duration("2m"), minutes(2));
  EXPECT_EQ(*parse_duration("1h"), hours(1));
  EXPECT_EQ(*parse_duration("1h30m"), minutes(90));
  EXPECT_EQ(*parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*parse_duration("0"), Duration(0));
  EXPECT_EQ(*parse_duration("10us"), Duration(10));
  EXPECT_EQ(*parse_duration("1ns"), Duration(1));  // rounded up to a microsecond
  EXPECT_EQ(*parse_duration("+5s"), seconds(5));
}

TEST(Duration, RefusesWithAReason) {
  for (const char* bad : {"", "5", "-1s", "1x", "s", "1.s5", "1h-5m", "abc", "999999999999h"}) {
    auto d = parse_duration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_NE(d.error().message.find("accepted: a number with a unit"), std::string::npos);
    }
  }
  EXPECT_NE(parse_duration("1x").error().message.find("unknown unit \"x\""), std::string::npos);
  EXPECT_NE(parse_duration("5").error().message.find("missing unit"), std::string::npos);
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(500)), "500ms");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(minutes(90)), "1h30m0s");
  EXPECT_EQ(format_duration(seconds(61)), "1m1s");
  for (const char* s : {"500ms", "1.5s", "1h30m0s", "2m0s", "45s"})
    EXPECT_EQ(format_duration(*parse_duration(s)), s);
}

}  // namespace
}  // namespace kci
