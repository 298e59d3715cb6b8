// Quantity against the examples Kubernetes itself pins in apimachinery's
// pkg/api/resource/quantity_test.go (TestQuantityParse, TestQuantityString,
// TestQuantityParseEmit, TestQuantityRoundUp, TestAdd, TestSub, ...): the inputs and values
// come from there, the canonical strings follow CanonicalizeBytes.
#include "core/k8s/quantity.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kci::k8s {
namespace {

using Format = Quantity::Format;

Quantity must(std::string_view text) {
  auto r = Quantity::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Quantity{};
}

std::string nano_of(std::string_view text) { return int128_to_string(must(text).nano()); }

struct ParseCase {
  const char* input;
  const char* canonical;
  Format format;
};

// TestQuantityParse: every input Kubernetes accepts, its format, and the canonical text.
const std::vector<ParseCase>& parse_cases() {
  static const std::vector<ParseCase> kCases = {
      {"0", "0", Format::kDecimalSI},
      {"0n", "0", Format::kDecimalSI},
      {"0u", "0", Format::kDecimalSI},
      {"0m", "0", Format::kDecimalSI},
      {"0Ki", "0", Format::kBinarySI},
      {"0k", "0", Format::kDecimalSI},
      {"0Mi", "0", Format::kBinarySI},
      {"0M", "0", Format::kDecimalSI},
      {"0Gi", "0", Format::kBinarySI},
      {"0G", "0", Format::kDecimalSI},
      {"0Ti", "0", Format::kBinarySI},
      {"0T", "0", Format::kDecimalSI},
      // Quantity-less numbers are allowed.
      {"1", "1", Format::kDecimalSI},
      // Binary suffixes.
      {"1Ki", "1Ki", Format::kBinarySI},
      {"8Ki", "8Ki", Format::kBinarySI},
      {"7Mi", "7Mi", Format::kBinarySI},
      {"6Gi", "6Gi", Format::kBinarySI},
      {"5Ti", "5Ti", Format::kBinarySI},
      {"4Pi", "4Pi", Format::kBinarySI},
      {"3Ei", "3Ei", Format::kBinarySI},
      {"10Ti", "10Ti", Format::kBinarySI},
      {"100Ti", "100Ti", Format::kBinarySI},
      // Decimal suffixes.
      {"5n", "5n", Format::kDecimalSI},
      {"4u", "4u", Format::kDecimalSI},
      {"3m", "3m", Format::kDecimalSI},
      {"9", "9", Format::kDecimalSI},
      {"8k", "8k", Format::kDecimalSI},
      {"50k", "50k", Format::kDecimalSI},
      {"7M", "7M", Format::kDecimalSI},
      {"6G", "6G", Format::kDecimalSI},
      {"5T", "5T", Format::kDecimalSI},
      {"40T", "40T", Format::kDecimalSI},
      {"300T", "300T", Format::kDecimalSI},
      {"2P", "2P", Format::kDecimalSI},
      {"1E", "1E", Format::kDecimalSI},
      // Decimal exponents.
      {"1E-3", "1e-3", Format::kDecimalExponent},
      {"1e3", "1e3", Format::kDecimalExponent},
      {"1E6", "1e6", Format::kDecimalExponent},
      {"1e9", "1e9", Format::kDecimalExponent},
      {"1E12", "1e12", Format::kDecimalExponent},
      {"1e15", "1e15", Format::kDecimalExponent},
      {"1E18", "1e18", Format::kDecimalExponent},
      // Nonstandard but still parsable.
      {"1e14", "100e12", Format::kDecimalExponent},
      {"1e13", "10e12", Format::kDecimalExponent},
      {"100.035k", "100035", Format::kDecimalSI},
      // Things that look like floating point.
      {"0.001", "1m", Format::kDecimalSI},
      {"0.0005k", "500m", Format::kDecimalSI},
      {"0.005", "5m", Format::kDecimalSI},
      {"0.05", "50m", Format::kDecimalSI},
      {"0.5", "500m", Format::kDecimalSI},
      {"0.00050k", "500m", Format::kDecimalSI},
      {"0.00500", "5m", Format::kDecimalSI},
      {"0.05000", "50m", Format::kDecimalSI},
      {"0.50000", "500m", Format::kDecimalSI},
      {"0.5e0", "500e-3", Format::kDecimalExponent},
      {"0.5e-1", "50e-3", Format::kDecimalExponent},
      {"0.5e-2", "5e-3", Format::kDecimalExponent},
      {"10.035M", "10035k", Format::kDecimalSI},
      {"1.2e3", "1200", Format::kDecimalExponent},
      {"1.3E+6", "1300e3", Format::kDecimalExponent},
      {"1.40e9", "1400e6", Format::kDecimalExponent},
      {"1.53E12", "1530e9", Format::kDecimalExponent},
      {"1.6e15", "1600e12", Format::kDecimalExponent},
      {"1.7E18", "1700e15", Format::kDecimalExponent},
      {"9.01", "9010m", Format::kDecimalSI},
      {"8.1k", "8100", Format::kDecimalSI},
      {"7.123456M", "7123456", Format::kDecimalSI},
      {"6.987654321G", "6987654321", Format::kDecimalSI},
      {"5.444T", "5444G", Format::kDecimalSI},
      {"40.1T", "40100G", Format::kDecimalSI},
      {"300.2T", "300200G", Format::kDecimalSI},
      {"2.5P", "2500T", Format::kDecimalSI},
      {"1.01E", "1010P", Format::kDecimalSI},
      // Things that saturate or round (up, to a whole nano-unit).
      {"3.001n", "4n", Format::kDecimalSI},
      {"1.1E-9", "2e-9", Format::kDecimalExponent},
      {"0.0000000001", "1n", Format::kDecimalSI},
      {"0.0000000005", "1n", Format::kDecimalSI},
      {"0.00000000050", "1n", Format::kDecimalSI},
      {"0.5e-9", "1e-9", Format::kDecimalExponent},
      {"0.9n", "1n", Format::kDecimalSI},
      {"0.00000012345", "124n", Format::kDecimalSI},
      {"0.00000012354", "124n", Format::kDecimalSI},
      {"9Ei", "9223372036854775807", Format::kBinarySI},
      {"9223372036854775807Ki", "9223372036854775807", Format::kBinarySI},
      {"12E", "12E", Format::kDecimalSI},
      // Fractional binary amounts.
      {"100.035Ki", "102435840m", Format::kBinarySI},
      {"0.5Mi", "512Ki", Format::kBinarySI},
      {"0.05Gi", "53687091200m", Format::kBinarySI},
      {"0.025Ti", "27487790694400m", Format::kBinarySI},
      // Things written by trolls.
      {"0.000000000001Ki", "2n", Format::kDecimalSI},  // rounds up, changes format
      {".001", "1m", Format::kDecimalSI},
      {".0001k", "100m", Format::kDecimalSI},
      {"1.", "1", Format::kDecimalSI},
      {"1.G", "1G", Format::kDecimalSI},
  };
  return kCases;
}

TEST(QuantityParse, KubernetesTableCanonicalAndFormat) {
  for (const auto& c : parse_cases()) {
    auto q = Quantity::parse(c.input);
    ASSERT_TRUE(q.ok()) << c.input << ": " << q.error().message;
    EXPECT_EQ(q->to_string(), c.canonical) << c.input;
    EXPECT_EQ(q->format(), c.format) << c.input;
  }
}

TEST(QuantityParse, NegativeAndExplicitPlusOfEveryTableEntry) {
  for (const auto& c : parse_cases()) {
    const auto plain = must(c.input);
    const auto neg = must(std::string("-") + c.input);
    const auto plus = must(std::string("+") + c.input);
    EXPECT_TRUE(neg == -plain) << c.input;
    EXPECT_TRUE(plus == plain) << c.input;
    EXPECT_EQ(neg.format(), c.format) << c.input;
    EXPECT_EQ(plus.format(), c.format) << c.input;
    const std::string expect_neg = plain.is_zero() ? "0" : "-" + std::string(c.canonical);
    EXPECT_EQ(neg.to_string(), expect_neg) << c.input;  // never "-0"
  }
}

TEST(QuantityParse, CanonicalTextParsesBackToItself) {
  for (const auto& c : parse_cases()) {
    const auto q = must(c.input);
    const auto again = must(q.to_string());
    EXPECT_TRUE(again == q) << c.input;
    EXPECT_EQ(again.to_string(), q.to_string()) << c.input;
  }
}

TEST(QuantityParse, ExactValuesInNanoUnits) {
  EXPECT_EQ(nano_of("1Ki"), "1024000000000");
  EXPECT_EQ(nano_of("100.035Ki"), "102435840000000");
  EXPECT_EQ(nano_of("0.00000012345"), "124");
  EXPECT_EQ(nano_of("-0.00000012345"), "-124");  // rounded away from zero, like Kubernetes
  EXPECT_EQ(nano_of("1e-30"), "1");
  EXPECT_EQ(nano_of("0e99999"), "0");
  EXPECT_EQ(nano_of("100m"), "100000000");
  EXPECT_EQ(nano_of("1.5Gi"), "1610612736000000000");
}

struct StringCase {
  Quantity q;
  const char* expect;
  const char* alternate;  // another spelling with the same canonical form, or ""
};

Quantity nano_q(__int128 nano, Format f) { return *Quantity::from_nano(nano, f); }
constexpr __int128 kUnit = Quantity::kNanoPerUnit;

// TestQuantityString.
TEST(QuantityString, KubernetesTable) {
  const std::vector<StringCase> cases = {
      {Quantity::from_units(1024LL * 1024 * 1024, Format::kBinarySI), "1Gi", "1024Mi"},
      {Quantity::from_units(300LL * 1024 * 1024, Format::kBinarySI), "300Mi", "307200Ki"},
      {Quantity::from_units(6LL * 1024, Format::kBinarySI), "6Ki", ""},
      {Quantity::from_units(1001LL * 1024 * 1024 * 1024, Format::kBinarySI), "1001Gi", "1025024Mi"},
      {Quantity::from_units(1024LL * 1024 * 1024 * 1024, Format::kBinarySI), "1Ti", "1024Gi"},
      {Quantity::from_units(5, Format::kBinarySI), "5", "5000m"},
      {Quantity::from_milli(500, Format::kBinarySI), "500m", "0.5"},
      {Quantity::from_units(1'000'000'000), "1G", "1000M"},
      {Quantity::from_units(1'000'000'000), "1G", "0.001T"},
      {Quantity::from_milli(1), "1m", "1000u"},
      {Quantity::from_milli(80), "80m", ""},
      {Quantity::from_milli(1080), "1080m", "1.08"},
      {Quantity::from_milli(1080), "1080m", "1080000000n"},
      {Quantity::from_units(300'000'000), "300M", ""},
      {Quantity::from_units(1'000'000'000'000), "1T", ""},
      {Quantity::from_units(1'000'000'000'000'000'000), "1E", ""},
      {Quantity::from_units(1234567LL * 1'000'000), "1234567M", ""},
      {Quantity::from_milli(1234567, Format::kBinarySI), "1234567m", ""},
      {Quantity::from_units(3000), "3k", ""},
      {Quantity::from_units(1025, Format::kBinarySI), "1025", ""},
      {Quantity::from_units(0), "0", ""},
      {Quantity::from_units(0, Format::kBinarySI), "0", ""},
      {Quantity::from_units(1'000'000'000, Format::kDecimalExponent), "1e9", ".001e12"},
      {Quantity::from_milli(1, Format::kDecimalExponent), "1e-3", "0.001e0"},
      {nano_q(1, Format::kDecimalExponent), "1e-9", "1000e-12"},
      {Quantity::from_milli(80, Format::kDecimalExponent), "80e-3", ""},
      {Quantity::from_units(300'000'000, Format::kDecimalExponent), "300e6", ""},
      {Quantity::from_units(1'000'000'000'000, Format::kDecimalExponent), "1e12", ""},
      {Quantity::from_units(1000, Format::kDecimalExponent), "1e3", ""},
      {Quantity::from_units(3000, Format::kDecimalExponent), "3e3", ""},
      {Quantity::from_units(0, Format::kDecimalExponent), "0", "00"},
      {nano_q(1, Format::kDecimalSI), "1n", ""},
      {nano_q(80, Format::kDecimalSI), "80n", ""},
      {nano_q(1080, Format::kDecimalSI), "1080n", ""},
      {nano_q(1000, Format::kDecimalSI), "1u", ""},
      {nano_q(80'000, Format::kDecimalSI), "80u", ""},
      {nano_q(1'080'000, Format::kDecimalSI), "1080u", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.q.to_string(), c.expect);
    EXPECT_EQ(must(c.expect).to_string(), c.expect);
    if (*c.alternate != '\0') {
      EXPECT_EQ(must(c.alternate).to_string(), c.expect) << c.alternate;
    }
    if (!c.q.is_zero()) {
      EXPECT_EQ((-c.q).to_string(), std::string("-") + c.expect);
    }
  }
}

// TestQuantityParseEmit, and its negative half.
TEST(QuantityString, ParseEmit) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"1Ki", "1Ki"},          {"1Mi", "1Mi"},          {"1Gi", "1Gi"},
      {"1024Mi", "1Gi"},       {"1000M", "1G"},         {".001Ki", "1024m"},
      {".000001Ki", "1024u"},  {".000000001Ki", "1024n"}, {".000000000001Ki", "2n"},
  };
  for (const auto& [in, out] : cases) {
    EXPECT_EQ(must(in).to_string(), out) << in;
    EXPECT_EQ(must(std::string("-") + in).to_string(), std::string("-") + out) << in;
  }
}

TEST(QuantityString, BriefExamples) {
  EXPECT_EQ(must("0.5").to_string(), "500m");
  EXPECT_EQ(must("1.5Gi").to_string(), "1536Mi");
  EXPECT_EQ(must("1024Mi").to_string(), "1Gi");
  EXPECT_EQ(must("1000m").to_string(), "1");
  EXPECT_EQ(must("0").to_string(), "0");
  EXPECT_EQ(must("100m").to_string(), "100m");
  EXPECT_EQ(must("4").to_string(), "4");
  EXPECT_EQ(must("1536").to_string(), "1536");
}

TEST(QuantityString, BinaryFallsBackToDecimalBelow1024OrWhenFractional) {
  EXPECT_EQ(Quantity::from_bytes(1000).to_string(), "1k");
  EXPECT_EQ(Quantity::from_bytes(1023).to_string(), "1023");
  EXPECT_EQ(Quantity::from_bytes(1024).to_string(), "1Ki");
  EXPECT_EQ(Quantity::from_bytes(-1024).to_string(), "-1Ki");
  EXPECT_EQ(Quantity::from_bytes(1536).to_string(), "1536");
  EXPECT_EQ(Quantity::from_bytes(3LL << 20).to_string(), "3Mi");
  // TestMilliNewSet: binary SI with a fraction prints as decimal SI.
  EXPECT_EQ(Quantity::from_milli(1024, Format::kBinarySI).to_string(), "1024m");
  EXPECT_EQ(Quantity::from_milli(1024 * 1024, Format::kBinarySI).to_string(), "1048576m");
  // TestNewSet.
  EXPECT_EQ(Quantity::from_units(1000).to_string(), "1k");
  EXPECT_EQ(Quantity::from_units(1234000).to_string(), "1234k");
  EXPECT_EQ(Quantity::from_units(1000000, Format::kDecimalExponent).to_string(), "1e6");
  EXPECT_EQ(Quantity::from_milli(1000000, Format::kDecimalExponent).to_string(), "1e3");
  EXPECT_EQ(Quantity::from_milli(1234000).to_string(), "1234");
}

TEST(QuantityParse, KubernetesInvalidInputsAreRefused) {
  for (const char* bad : {"", "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i",
                          "-3.01e-", " 1", "1 ", "\t1", "1\n", "12Q", "1K", "1KiB", "1e", "1e+",
                          "1ee3", "1e3.5", "1Mi3", "1k-", "i", "e", "--1", "+-1", "1e1e1",
                          "Non-Numeric", "1,5", "0x10", "1_000"}) {
    auto r = Quantity::parse(bad);
    EXPECT_FALSE(r.ok()) << '"' << bad << "\" parsed as " << (r.ok() ? r->to_string() : "");
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(QuantityParse, ErrorMessagesSayWhatWasWrongAndWhatIsAccepted) {
  EXPECT_EQ(Quantity::parse("12Q").error().message,
            "quantity \"12Q\": unknown suffix \"Q\" (accepted: n u m k M G T P E Ki Mi Gi Ti Pi "
            "Ei or an exponent such as e3)");
  EXPECT_EQ(Quantity::parse("").error().message,
            "quantity \"\": empty (accepted: an optional sign, digits with an optional fraction "
            "and a suffix, such as 100m, 1.5Gi or 2e3)");
  EXPECT_NE(Quantity::parse("1 ").error().message.find("whitespace"), std::string::npos);
  EXPECT_EQ(Quantity::parse("1e30").error().message,
            "quantity \"1e30\": out of range (accepted: magnitudes up to "
            "170141183460469231731687303715884105727n, about 1.7e29)");
  EXPECT_NE(Quantity::parse("1e99999999999999999999").error().message.find("exponent"),
            std::string::npos);
  // Bytes that are not printable are escaped, and long inputs are cut.
  EXPECT_EQ(Quantity::parse(std::string_view("1\x01", 2)).error().message.substr(0, 16),
            "quantity \"1\\x01\"");
  EXPECT_LT(Quantity::parse(std::string(10000, 'x')).error().message.size(), 300u);
}

TEST(QuantityParse, ShapesWithoutDigitsAreZeroAsInKubernetes) {
  // parseQuantityString accepts these (TestParseQuantityString pins "." and "-.").
  for (const char* zero : {".", "-.", "+.", "-", "+", "k", "Mi", "E", "m", "e3", "-0", "00",
                           "0.0", "-0.0e5", "000Ki"}) {
    auto r = Quantity::parse(zero);
    ASSERT_TRUE(r.ok()) << zero << ": " << r.error().message;
    EXPECT_TRUE(r->is_zero()) << zero;
    EXPECT_EQ(r->to_string(), "0") << zero;
  }
  EXPECT_EQ(must("Mi").format(), Format::kBinarySI);
  EXPECT_EQ(must("e3").format(), Format::kDecimalExponent);
}

TEST(QuantityParse, ExponentSpellings) {
  EXPECT_EQ(must("1e+3").to_string(), "1e3");
  EXPECT_EQ(must("1E003").to_string(), "1e3");
  EXPECT_EQ(must("5e-12").to_string(), "1e-9");  // sub-nano rounds up
  EXPECT_EQ(must("1E").to_string(), "1E");       // a lone E is exa, not an exponent
  EXPECT_EQ(must("1e0").to_string(), "1");
  EXPECT_EQ(must("1e-2147483648").to_string(), "1e-9");
  EXPECT_FALSE(Quantity::parse("1e2147483647").ok());
  // Kubernetes reads the exponent as int64 and keeps int32(parsed), so wider exponents
  // wrap; we mirror that rather than disagree with the API server.
  EXPECT_EQ(must("1e4294967296").to_string(), "1");
  EXPECT_EQ(must("1e4294967299").to_string(), "1e3");
  EXPECT_EQ(must("1e9223372036854775807").to_string(), "100e-3");
  EXPECT_FALSE(Quantity::parse("1e9223372036854775808").ok());  // beyond int64: refused
}

TEST(QuantityParse, LargeValues) {
  const auto q512 = must("512Gi");
  EXPECT_EQ(q512.value(), 549755813888LL);
  EXPECT_EQ(q512.to_string(), "512Gi");
  EXPECT_TRUE(Quantity::from_bytes(512LL << 30) == q512);
  EXPECT_EQ(Quantity::from_bytes(512LL << 30).to_string(), "512Gi");

  // 8Ei is 2^63 bytes; Kubernetes caps binary SI at MaxInt64 on parse (kubernetes#140674).
  const auto q8 = must("8Ei");
  EXPECT_EQ(q8.value(), INT64_MAX);
  EXPECT_EQ(q8.to_string(), "9223372036854775807");
  EXPECT_EQ(must("-8Ei").value(), -INT64_MAX);
  EXPECT_EQ(must("7Ei").to_string(), "7Ei");
  EXPECT_EQ(must("99999999999999999999999999999999999999999999999999Ki").value(), INT64_MAX);
  // Arithmetic is not capped: 4Ei + 4Ei prints as 8Ei.
  EXPECT_EQ((must("4Ei") + must("4Ei")).to_string(), "8Ei");

  // Decimal amounts go up to the 128-bit range (2^127-1 nano-units, about 1.7e29 units).
  EXPECT_EQ(must("100E").to_string(), "100E");
  // TestQuantityString: decimal SI has no suffix past E, so it falls back to an exponent.
  EXPECT_EQ(must("1000E").to_string(), "1e21");
  EXPECT_EQ(must("5000E").to_string(), "5e21");
  EXPECT_EQ(must("1000000E").to_string(), "1e24");
  EXPECT_EQ(must("1e21").to_string(), "1e21");
  EXPECT_EQ(must("1e29").to_string(), "100e27");
  EXPECT_EQ(must("170141183460469231731687303715884105727n").to_string(),
            "170141183460469231731687303715884105727n");
  EXPECT_EQ(must("-170141183460469231731687303715.884105727").to_string(),
            "-170141183460469231731687303715884105727n");
  EXPECT_FALSE(Quantity::parse("170141183460469231731687303715884105728n").ok());
  EXPECT_FALSE(Quantity::parse("170141183460469231731687303716").ok());
  EXPECT_FALSE(Quantity::parse("-170141183460469231731687303716").ok());
  EXPECT_FALSE(Quantity::parse("1e30").ok());
  EXPECT_FALSE(Quantity::parse("200000000000E").ok());
  // Past Ei (only reachable by arithmetic) the count goes on in Ei.
  const auto ei512 = *Quantity::from_nano(Quantity::kNanoPerUnit << 69, Format::kBinarySI);
  EXPECT_EQ(ei512.to_string(), "512Ei");
  EXPECT_EQ((ei512 + ei512).to_string(), "1024Ei");
  // Many digits that still fit once scaled.
  EXPECT_EQ(must("0.000000000000000000000000000000000000000000000000000000001").to_string(), "1n");
  EXPECT_EQ(must("12345678901234567890.123456789").to_string(), "12345678901234567890123456789n");
  EXPECT_EQ(must("1.000000000000000000000000000000000000000000000000000000001").to_string(),
            "1000000001n");
}

TEST(QuantityParse, NegativeValues) {
  EXPECT_EQ(must("-100m").to_string(), "-100m");
  EXPECT_EQ(must("-1.5Gi").to_string(), "-1536Mi");
  EXPECT_EQ(must("-1536").to_string(), "-1536");
  EXPECT_EQ(must("-1e3").to_string(), "-1e3");
  EXPECT_TRUE(must("-1").is_negative());
  EXPECT_FALSE(must("-0").is_negative());
  EXPECT_TRUE(must("-1") < must("0"));
  EXPECT_TRUE(must("-1Gi") < must("-1Mi"));
}

// TestQuantityRoundUp / Value / MilliValue: rounded away from zero.
TEST(QuantityRounding, ValueAndMilliValueRoundAwayFromZero) {
  EXPECT_EQ(must("9.01").value(), 10);
  EXPECT_EQ(must("-9.01").value(), -10);
  EXPECT_EQ(must("9.01").milli_value(), 9010);
  EXPECT_EQ(must("100m").value(), 1);
  EXPECT_EQ(must("-100m").value(), -1);
  EXPECT_EQ(must("1500u").milli_value(), 2);
  EXPECT_EQ(must("-1500u").milli_value(), -2);
  EXPECT_EQ(must("1n").value(), 1);
  EXPECT_EQ(must("1n").milli_value(), 1);
  EXPECT_EQ(must("1").milli_value(), 1000);
  EXPECT_EQ(must("0").value(), 0);
  EXPECT_EQ(must("2").value(), 2);
  EXPECT_EQ(must("1.5").value(), 2);
  EXPECT_EQ(must("1Gi").value(), 1073741824LL);
  EXPECT_EQ(must("1Gi").milli_value(), 1073741824000LL);
  EXPECT_EQ(must("250m").milli_value(), 250);
  // TestScaledValue: one nano, micro and milli each round up to one milli-unit.
  EXPECT_EQ(must("1u").milli_value(), 1);
  EXPECT_EQ(must("1m").value(), 1);
  // Where Kubernetes would overflow, we saturate.
  EXPECT_EQ(must("8Ei").milli_value(), INT64_MAX);
  EXPECT_EQ(must("-100E").value(), INT64_MIN);
  EXPECT_EQ(must("100E").value(), INT64_MAX);
}

TEST(QuantityArithmetic, AddAndSubKeepLeftFormatUnlessLeftIsZero) {
  // TestAdd / TestSub.
  EXPECT_TRUE(Quantity::from_units(10) + Quantity::from_units(10) == Quantity::from_units(20));
  const auto a = Quantity::from_units(10) + Quantity::from_units(1, Format::kBinarySI);
  EXPECT_EQ(a.format(), Format::kDecimalSI);
  EXPECT_EQ(a.value(), 11);
  const auto b = Quantity::from_units(10, Format::kBinarySI) - Quantity::from_units(1);
  EXPECT_EQ(b.format(), Format::kBinarySI);
  EXPECT_EQ(b.value(), 9);
  EXPECT_EQ((Quantity{} - Quantity::from_units(50)).value(), -50);
  // TestQuantityAddZeroPreservesSuffix / TestQuantitySubZeroPreservesSuffix.
  for (const char* text : {"100m", "1Gi"}) {
    const auto v = must(text);
    EXPECT_EQ((v + must("0")).to_string(), text);
    EXPECT_EQ((must("0") + v).to_string(), text);
    EXPECT_EQ((v - must("0")).to_string(), text);
    EXPECT_EQ((must("0") - v).to_string(), (-v).to_string());
  }
  EXPECT_EQ((must("1Gi") - must("1Mi")).to_string(), "1023Mi");
  EXPECT_EQ((must("1") - must("100m")).to_string(), "900m");
  EXPECT_EQ((must("1Gi") + must("0.5")).to_string(), "1073741824500m");
  auto acc = Quantity{};
  for (int i = 0; i < 10; ++i) acc += must("100m");
  EXPECT_EQ(acc.to_string(), "1");
  acc -= must("1");
  EXPECT_TRUE(acc.is_zero());
}

TEST(QuantityArithmetic, SaturatesAtTheRange) {
  const auto max = *Quantity::from_nano(Quantity::kMaxNano);
  const auto one = *Quantity::from_nano(1);
  EXPECT_TRUE(max + one == max);
  EXPECT_TRUE(-max - one == -max);
  EXPECT_TRUE(max + max == max);
  EXPECT_TRUE(-max - max == -max);
  EXPECT_TRUE(max - max == Quantity{});
  EXPECT_FALSE(Quantity::from_nano(-Quantity::kMaxNano - 1).ok());
}

TEST(QuantityCompare, ByValueAcrossFormats) {
  // TestQuantityCmp.
  EXPECT_TRUE(must("0") == must("0"));
  EXPECT_TRUE(must("100m") > must("50m"));
  EXPECT_TRUE(must("50m") < must("100m"));
  EXPECT_TRUE(must("10000T") > must("100Gi"));
  EXPECT_TRUE(must("1Gi") == must("1073741824"));
  EXPECT_TRUE(must("1k") == must("1e3"));
  EXPECT_TRUE(must("1000m") == must("1"));
  EXPECT_TRUE(must("1Ki") > must("1k"));
  EXPECT_TRUE(must("0.1n") == must("1n"));
  EXPECT_TRUE(must("1Mi") < must("1.5Mi"));
  EXPECT_TRUE((must("1") <=> must("1000000000n")) == std::strong_ordering::equal);
}

TEST(QuantityConstruct, FromHelpers) {
  EXPECT_EQ(Quantity::from_units(4).to_string(), "4");
  EXPECT_EQ(Quantity::from_milli(500).to_string(), "500m");
  EXPECT_EQ(Quantity::from_milli(1000).to_string(), "1");
  EXPECT_EQ(Quantity::from_bytes(1LL << 30).to_string(), "1Gi");
  EXPECT_EQ(Quantity::from_bytes(1LL << 30).format(), Format::kBinarySI);
  EXPECT_EQ(Quantity::from_units(INT64_MIN).value(), INT64_MIN);
  EXPECT_EQ(Quantity::from_units(INT64_MAX).to_string(), "9223372036854775807");
  EXPECT_DOUBLE_EQ(must("1.5").as_double(), 1.5);
  EXPECT_EQ(int128_to_string(-Quantity::kMaxNano), "-170141183460469231731687303715884105727");
}

}  // namespace
}  // namespace kci::k8s
