#include "core/kci/sigv4.h"

#include <gtest/gtest.h>

#include "core/kci/form.h"

namespace kci::kcicloud::sigv4 {
namespace {

// AWS's published example (kci-cloud.md "Signing").
Request aws_example() {
  Request r;
  r.method = "GET";
  r.path = "/";
  r.canonical_query = canonical_query({{"Action", "ListUsers"}, {"Version", "2010-05-08"}});
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Host", "iam.amazonaws.com"},
               {"X-Amz-Date", "20150830T123600Z"}};
  return r;
}
const Scope kScope{"20150830", "us-east-1", "iam"};
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSignedHeaders = "content-type;host;x-amz-date";

TEST(SigV4, PublishedVector) {
  const Request r = aws_example();
  EXPECT_EQ(all_signed_headers(r), kSignedHeaders);
  EXPECT_EQ(sha256_hex(canonical_request(r, kSignedHeaders)),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(hex(signing_key(kSecret, kScope)), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  EXPECT_EQ(signature(r, kSignedHeaders, "20150830T123600Z", kScope, kSecret),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, OneByteChangeChangesSignature) {
  const std::string good = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
  Request r = aws_example();
  r.canonical_query = canonical_query({{"Action", "ListUsers"}, {"Version", "2010-05-09"}});
  EXPECT_NE(signature(r, kSignedHeaders, "20150830T123600Z", kScope, kSecret), good);
  r = aws_example();
  r.body = "x";
  EXPECT_NE(signature(r, kSignedHeaders, "20150830T123600Z", kScope, kSecret), good);
  std::string secret(kSecret);
  secret[0] = 'W';
  EXPECT_NE(signature(aws_example(), kSignedHeaders, "20150830T123600Z", kScope, secret), good);
  EXPECT_FALSE(constant_time_equal(good, std::string(good).replace(10, 1, "0")));
  EXPECT_TRUE(constant_time_equal(good, good));
}

TEST(SigV4, AuthorizationRoundTrip) {
  Authorization a{"AKID", Scope{"20240101", "cn-beijing-6", "kci"}, "host;x-amz-date", std::string(64, 'a')};
  const std::string h = format_authorization(a);
  auto p = parse_authorization(h);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(*p, a);
}

TEST(SigV4, AuthorizationRefusals) {
  EXPECT_FALSE(parse_authorization("").ok());
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA1 Credential=a/20240101/r/kci/aws4_request").ok());
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=a/2024/r/kci/aws4_request, SignedHeaders=host, "
                                   "Signature=" + std::string(64, 'a')).ok());
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=a/20240101/r/kci/aws4_request, SignedHeaders=host")
                   .ok());
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=a/20240101/r/kci/aws4_request, SignedHeaders=host, "
                                   "Signature=xyz").ok());
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 Foo=bar").ok());
}

TEST(SigV4, AmzDate) {
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
  EXPECT_EQ(*parse_amz_date("20150830T123600Z"), 1440938160);
  EXPECT_FALSE(parse_amz_date("20151330T123600Z").ok());
  EXPECT_FALSE(parse_amz_date("2015-08-30T12:36").ok());
}

TEST(SigV4, SignThenVerify) {
  Request r;
  r.method = "POST";
  r.path = "/";
  r.body = "Action=DescribeRegions&Version=2020-07-02";
  r.headers = {{"Host", "kci.api.ksyun.com"}, {"Content-Type", "application/x-www-form-urlencoded"}};
  sign(r, "AK", "SK", "20240101T000000Z", "cn-beijing-6", "kci");
  std::string auth;
  for (const auto& [k, v] : r.headers) if (k == "Authorization") auth = v;
  auto a = parse_authorization(auth);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(signature(r, a->signed_headers, "20240101T000000Z", a->scope, "SK"), a->signature);
}

}  // namespace
}  // namespace kci::kcicloud::sigv4
