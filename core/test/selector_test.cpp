// Label and field selectors, against the examples of the Kubernetes documentation
// ("Labels and Selectors") and the cases apimachinery's own selector tests pin.
#include "core/k8s/selector.h"

#include <gtest/gtest.h>

namespace kci::k8s {
namespace {

Selector must_parse(std::string_view text) {
  auto s = Selector::parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : Selector::nothing();
}

TEST(LabelSelector, DocumentedEqualityAndSetExamples) {
  // kubernetes.io/docs/concepts/overview/working-with-objects/labels/
  const StringMap prod_front{{"environment", "production"}, {"tier", "frontend"}};
  const StringMap qa_back{{"environment", "qa"}, {"tier", "backend"}, {"partition", "customerA"}};
  EXPECT_TRUE(must_parse("environment = production").matches(prod_front));
  EXPECT_FALSE(must_parse("environment = production").matches(qa_back));
  EXPECT_FALSE(must_parse("tier != frontend").matches(prod_front));
  EXPECT_TRUE(must_parse("tier != frontend").matches({}));  // absent counts as "not frontend"
  EXPECT_TRUE(must_parse("environment=production,tier!=frontend").matches(
      {{"environment", "production"}, {"tier", "backend"}}));
  EXPECT_TRUE(must_parse("environment in (production, qa)").matches(qa_back));
  EXPECT_FALSE(must_parse("tier notin (frontend, backend)").matches(qa_back));
  EXPECT_TRUE(must_parse("tier notin (frontend, backend)").matches({}));
  EXPECT_TRUE(must_parse("partition").matches(qa_back));
  EXPECT_FALSE(must_parse("!partition").matches(qa_back));
  EXPECT_TRUE(must_parse("!partition").matches(prod_front));
  EXPECT_TRUE(must_parse("partition in (customerA, customerB),environment!=qa").matches(
      {{"partition", "customerA"}, {"environment", "prod"}}));
}

TEST(LabelSelector, IssueExampleParsesAndPrintsSorted) {
  const Selector s = must_parse("a=b,c in (e,d),!f");
  ASSERT_EQ(s.requirements().size(), 3u);
  EXPECT_EQ(s.to_string(), "a=b,c in (d,e),!f");
  EXPECT_EQ(must_parse("z=1,!y,x notin (b,a,b)").to_string(), "x notin (a,b),!y,z=1");
  EXPECT_EQ(must_parse("x==a").to_string(), "x==a");  // == is kept as written
  EXPECT_EQ(must_parse("  x  >  7 ").to_string(), "x>7");
}

TEST(LabelSelector, AcceptsWhatApimachineryAccepts) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"   ", ""},
      {"x=a,y=b,z=c", "x=a,y=b,z=c"},
      {"x!=a,y=b", "x!=a,y=b"},
      {"x=,z= ", "x=,z="},           // the empty value
      {"x= ,z= ", "x=,z="},
      {"!x", "!x"},
      {"x>1", "x>1"},
      {"x>1,z<5", "x>1,z<5"},
      {"x in (a)", "x in (a)"},
      {"x in (a,b,c)", "x in (a,b,c)"},
      {"x in (), y notin (,a)", "x in (),y notin (,a)"},  // empty entries are the empty value
      {"x in (a,,b)", "x in (,a,b)"},
      {"x in (a,)", "x in (,a)"},
      {"in in (notin)", "in in (notin)"},                 // keywords are fine as key and value
      {"example.com/app=web", "example.com/app=web"},
      {"a.b-c_d=E.f-G_h", "a.b-c_d=E.f-G_h"},
  };
  for (const auto& [in, want] : cases) {
    auto s = Selector::parse(in);
    ASSERT_TRUE(s.ok()) << in << ": " << s.error().message;
    EXPECT_EQ(s->to_string(), want) << in;
  }
}

TEST(LabelSelector, RefusesWhatApimachineryRefuses) {
  const char* bad[] = {
      "x=a||y=b", "x==a==b", "!x=a", "x<a", "x>1.5", "x>", "x in (a", "x in (a,b", "x in a",
      "x=(a", "x notin", "x!", "a!", "x=a,", ",x=a", "x=a,,y=b", "(", "x in (a b)", "=a",
      "x y", "-x=a", "x-=a", "Example.com/a=b", "a/b/c=d", "/a=b", "a=-b",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=b",  // 64 characters
      "x=\xff", "x in (a,\x01)",
      "x<-3",  // the bound is also a label value, so it cannot be negative
  };
  for (const char* text : bad) {
    auto s = Selector::parse(text);
    EXPECT_FALSE(s.ok()) << "accepted: " << text << " as " << (s.ok() ? s->to_string() : "");
  }
}

TEST(LabelSelector, ErrorsNamePositionTokenAndWhatIsAccepted) {
  auto s = Selector::parse("x in (a");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find("at position 7"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("found the end of the string, expected ',' or ')'"),
            std::string::npos)
      << s.error().message;

  auto op = Selector::parse("x ~ y");
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.error().message.find("found '~'"), std::string::npos) << op.error().message;
  EXPECT_NE(op.error().message.find("'in', 'notin'"), std::string::npos) << op.error().message;

  auto key = Selector::parse("app=web,Bad_Key_=x");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("at position 8"), std::string::npos) << key.error().message;
  EXPECT_NE(key.error().message.find("\"Bad_Key_\""), std::string::npos) << key.error().message;

  auto gt = Selector::parse("x>abc");
  ASSERT_FALSE(gt.ok());
  EXPECT_NE(gt.error().message.find("\"abc\" is not an integer"), std::string::npos)
      << gt.error().message;
}

TEST(LabelSelector, MatchesEveryOperator) {
  const StringMap l{{"x", "5"}, {"y", "a"}};
  EXPECT_TRUE(must_parse("x=5").matches(l));
  EXPECT_TRUE(must_parse("x==5").matches(l));
  EXPECT_FALSE(must_parse("x!=5").matches(l));
  EXPECT_TRUE(must_parse("x in (4,5)").matches(l));
  EXPECT_FALSE(must_parse("x notin (4,5)").matches(l));
  EXPECT_TRUE(must_parse("x").matches(l));
  EXPECT_FALSE(must_parse("!x").matches(l));
  EXPECT_TRUE(must_parse("x>4").matches(l));
  EXPECT_FALSE(must_parse("x>5").matches(l));
  EXPECT_TRUE(must_parse("x<6").matches(l));
  EXPECT_FALSE(must_parse("y>1").matches(l));  // a label that is not an integer never compares
  EXPECT_FALSE(must_parse("z<1").matches(l));  // nor does an absent one
  EXPECT_TRUE(must_parse("z=").matches({{"z", ""}}));
  EXPECT_FALSE(must_parse("z=").matches({}));
  EXPECT_TRUE(Selector::everything().matches({}));
  EXPECT_FALSE(Selector::nothing().matches({}));
  EXPECT_EQ(Selector::nothing().to_string(), "");
}

TEST(LabelSelector, FromStructFollowsLabelSelectorAsSelector) {
  // Absent selects nothing, empty selects everything.
  auto absent = Selector::from_label_selector(std::optional<LabelSelector>());
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->is_nothing());
  auto empty = Selector::from_label_selector(std::optional<LabelSelector>(LabelSelector{}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_TRUE(empty->matches({{"any", "thing"}}));

  LabelSelector ls;
  ls.matchLabels = {{"app", "nginx"}};
  ls.matchExpressions = {{"tier", "In", {"web", "cache"}, {}}, {"canary", "DoesNotExist", {}, {}}};
  auto s = Selector::from_label_selector(ls);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->to_string(), "app=nginx,!canary,tier in (cache,web)");
  EXPECT_TRUE(s->matches({{"app", "nginx"}, {"tier", "web"}}));
  EXPECT_FALSE(s->matches({{"app", "nginx"}, {"tier", "web"}, {"canary", "1"}}));

  auto back = s->to_label_selector();
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->matchLabels, ls.matchLabels);
  ASSERT_EQ(back->matchExpressions.size(), 2u);
  EXPECT_EQ(back->matchExpressions[0].key, "canary");
  EXPECT_EQ(back->matchExpressions[1].values, (std::vector<std::string>{"cache", "web"}));
}

TEST(LabelSelector, FromStructRefusesBadRequirementsNamingTheField) {
  auto with = [](LabelSelectorRequirement r) {
    LabelSelector ls;
    ls.matchExpressions = {{"ok", "Exists", {}, {}}, std::move(r)};
    return Selector::from_label_selector(ls);
  };
  auto unknown = with({"a", "in", {"b"}, {}});  // operators are case-sensitive
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("matchExpressions[1].operator: \"in\" is not a valid"),
            std::string::npos)
      << unknown.error().message;
  EXPECT_FALSE(with({"a", "In", {}, {}}).ok());
  EXPECT_FALSE(with({"a", "NotIn", {}, {}}).ok());
  EXPECT_FALSE(with({"a", "Exists", {"x"}, {}}).ok());
  EXPECT_FALSE(with({"a", "DoesNotExist", {"x"}, {}}).ok());
  EXPECT_FALSE(with({"a", "Gt", {"1"}, {}}).ok());  // Gt/Lt exist only in node selectors
  EXPECT_FALSE(with({"bad key", "Exists", {}, {}}).ok());
  LabelSelector bad_value;
  bad_value.matchLabels = {{"app", "-nginx"}};
  auto v = Selector::from_label_selector(bad_value);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("matchLabels.app"), std::string::npos) << v.error().message;
}

TEST(LabelSelector, ToStructRefusesOperatorsWithoutAStructForm) {
  EXPECT_FALSE(must_parse("a!=b").to_label_selector().ok());
  EXPECT_FALSE(must_parse("a>1").to_label_selector().ok());
  EXPECT_FALSE(Selector::nothing().to_label_selector().ok());
  auto twice = must_parse("a=b,a=c").to_label_selector();  // both equalities are kept
  ASSERT_TRUE(twice.ok());
  auto again = Selector::from_label_selector(*twice);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->matches({{"a", "b"}}));
}

TEST(LabelSelector, RequiredValueAndFromSet) {
  auto s = Selector::from_set({{"app", "web"}, {"tier", "db"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->to_string(), "app=web,tier=db");
  EXPECT_EQ(s->required_value("tier"), std::optional<std::string>("db"));
  EXPECT_EQ(must_parse("x in (a)").required_value("x"), std::optional<std::string>("a"));
  EXPECT_EQ(must_parse("x in (a,b)").required_value("x"), std::nullopt);
  EXPECT_FALSE(Selector::from_set({{"app", "has space"}}).ok());
}

TEST(LabelKeys, QualifiedNamesWithOptionalDnsPrefix) {
  EXPECT_TRUE(validate_label_key("app").ok());
  EXPECT_TRUE(validate_label_key("k8s.ksyun.com/kci-instance-type").ok());
  EXPECT_TRUE(validate_label_key("kubernetes.io/hostname").ok());
  EXPECT_TRUE(validate_label_key(std::string(63, 'a')).ok());
  EXPECT_FALSE(validate_label_key(std::string(64, 'a')).ok());
  EXPECT_TRUE(validate_label_key(std::string(253, 'a') + "/x").ok());
  EXPECT_FALSE(validate_label_key(std::string(254, 'a') + "/x").ok());
  EXPECT_FALSE(validate_label_key("").ok());
  EXPECT_FALSE(validate_label_key("a/").ok());
  EXPECT_FALSE(validate_label_key("a..b/c").ok());
  EXPECT_FALSE(validate_label_key("-a").ok());
  EXPECT_TRUE(validate_label_value("").ok());
  EXPECT_FALSE(validate_label_value("a/b").ok());
}

// ---- field selectors ---------------------------------------------------------------------

TEST(FieldSelector, ParsesMatchesAndPrints) {
  auto f = FieldSelector::parse("status.phase!=Running,spec.nodeName=vk-1");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->to_string(), "spec.nodeName=vk-1,status.phase!=Running");
  EXPECT_TRUE(f->matches({{"spec.nodeName", "vk-1"}, {"status.phase", "Pending"}}));
  EXPECT_FALSE(f->matches({{"spec.nodeName", "vk-1"}, {"status.phase", "Running"}}));
  EXPECT_FALSE(f->matches({}));
  EXPECT_EQ(f->required_value("spec.nodeName"), std::optional<std::string>("vk-1"));
  EXPECT_EQ(f->required_value("status.phase"), std::nullopt);

  auto unbound = FieldSelector::parse("spec.nodeName=");  // "not yet scheduled"
  ASSERT_TRUE(unbound.ok());
  EXPECT_TRUE(unbound->matches({{"spec.nodeName", ""}}));
  EXPECT_TRUE(unbound->matches({}));

  auto dbl = FieldSelector::parse("metadata.name==a");
  ASSERT_TRUE(dbl.ok());
  EXPECT_EQ(dbl->to_string(), "metadata.name=a");
  auto empty = FieldSelector::parse("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_TRUE(empty->matches({}));
}

TEST(FieldSelector, EscapesAndBadTerms) {
  auto f = FieldSelector::parse(R"(metadata.name=a\,b\=c\\d)");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->terms().at(0).value, R"(a,b=c\d)");
  EXPECT_EQ(f->to_string(), R"(metadata.name=a\,b\=c\\d)");
  for (const char* bad : {"a", "a=b,c", "a=b=c", R"(a=b\x)", R"(a=b\)", "a=b,,c"}) {
    auto r = FieldSelector::parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  auto msg = FieldSelector::parse("status.phase");
  ASSERT_FALSE(msg.ok());
  EXPECT_NE(msg.error().message.find("\"status.phase\" has no operator"), std::string::npos)
      << msg.error().message;
}

TEST(FieldSelector, EmptyTermsAreSkippedAsKubernetesDoes) {
  auto f = FieldSelector::parse("a=b,");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->to_string(), "a=b");
}

TEST(FieldSelector, SupportedFieldsPerKind) {
  Pod pod;
  pod.metadata.name = "p";
  pod.metadata.namespace_ = "default";
  pod.spec.nodeName = "vk";
  pod.status.phase = "Pending";
  const StringMap fields = selectable_fields(pod);
  EXPECT_EQ(fields.at("spec.nodeName"), "vk");
  EXPECT_EQ(fields.at("spec.hostNetwork"), "false");
  auto f = FieldSelector::parse("spec.nodeName=vk,status.phase=Pending,metadata.namespace=default");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->matches(fields));

  std::vector<std::string_view> supported;
  for (const auto& [k, v] : fields) supported.push_back(k);
  EXPECT_TRUE(f->check_fields(supported).ok());
  auto bad = FieldSelector::parse("spec.foo=x");
  ASSERT_TRUE(bad.ok());
  auto st = bad->check_fields(supported);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("field label not supported: \"spec.foo\""), std::string::npos)
      << st.error().message;

  Event e;
  e.involvedObject.name = "p";
  e.involvedObject.kind = "Pod";
  EXPECT_TRUE(FieldSelector::parse("involvedObject.name=p,involvedObject.kind=Pod")
                  ->matches(selectable_fields(e)));
  Node n;
  n.metadata.name = "vk";
  EXPECT_EQ(selectable_fields(n).at("spec.unschedulable"), "false");
  EXPECT_EQ(selectable_fields(n).count("metadata.namespace"), 0u);
}

}  // namespace
}  // namespace kci::k8s
