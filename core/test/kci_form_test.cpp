#include "core/kci/form.h"

#include <gtest/gtest.h>

namespace kci::kcicloud {
namespace {

TEST(Form, PercentEncodeRfc3986) {
  EXPECT_EQ(percent_encode("a b+c/~-_."), "a%20b%2Bc%2F~-_.");
  EXPECT_EQ(percent_encode("\xe4\xb8\xad"), "%E4%B8%AD");
  EXPECT_EQ(*percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(*percent_decode("a+c", false), "a+c");
  EXPECT_FALSE(percent_decode("abc%2", true).ok());
  EXPECT_FALSE(percent_decode("abc%", true).ok());
  EXPECT_FALSE(percent_decode("%zz", true).ok());
}

TEST(Form, ParseAndEncodeRoundTrip) {
  FormParams p{{"Action", "CreateContainerGroup"}, {"Container.1.Name", "a b"}, {"Label.1.Value", "x=y&z"}};
  auto back = parse_form(encode_form(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);
  EXPECT_EQ(parse_form("a&&b=1")->size(), 2u);
  EXPECT_FALSE(parse_form("=1").ok());
}

TEST(Form, CanonicalQuerySorts) {
  EXPECT_EQ(canonical_query({{"b", "2"}, {"a", "x y"}, {"a", "1"}}), "a=1&a=x%20y&b=2");
}

TEST(Form, ListsAcceptZeroAndOneBasedOrderedByNumber) {
  auto r = FormReader::make({{"Container.10.Name", "j"}, {"Container.2.Name", "b"}, {"Container.0.Name", "z"},
                             {"SecurityGroupId.1", "sg-1"}, {"SecurityGroupId.0", "sg-0"}});
  ASSERT_TRUE(r.ok());
  auto l = r->list("Container");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(*l, (std::vector<std::string>{"Container.0", "Container.2", "Container.10"}));
  auto v = r->values("SecurityGroupId");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (std::vector<std::string>{"sg-0", "sg-1"}));
}

TEST(Form, ListRefusals) {
  EXPECT_FALSE(FormReader::make({{"A", "1"}, {"A", "2"}}).ok());
  auto r = FormReader::make({{"Container.x.Name", "j"}});
  EXPECT_FALSE(r->list("Container").ok());
  auto twice = FormReader::make({{"Container.1.Name", "a"}, {"Container.01.Name", "b"}});
  EXPECT_FALSE(twice->list("Container").ok());
}

TEST(Form, UnreadNamesAreReported) {
  auto r = FormReader::make({{"Action", "X"}, {"Bogus", "1"}});
  (void)r->get("Action");
  EXPECT_EQ(r->unread(), std::vector<std::string>{"Bogus"});
}

TEST(Form, FlattenIsOneBased) {
  FormParams p;
  flatten_list(p, "SecurityGroupId", {"a", "b"});
  EXPECT_EQ(p, (FormParams{{"SecurityGroupId.1", "a"}, {"SecurityGroupId.2", "b"}}));
}

}  // namespace
}  // namespace kci::kcicloud
