// Fuzz target for Quantity::parse: any bytes either parse or are refused with a message;
// whatever parses prints canonically, and the printed text parses back to the same amount
// and prints identically (up to the family change Kubernetes makes). Aborts on any mismatch.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/k8s/quantity.h"

namespace {
[[noreturn]] void fail(const char* what, std::string_view input, const std::string& printed) {
  std::fprintf(stderr, "quantity fuzz: %s (input %zu bytes, printed \"%s\")\n", what, input.size(),
               printed.c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using kci::k8s::Quantity;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = Quantity::parse(input);
  if (!parsed.ok()) {
    if (parsed.error().message.empty()) fail("refused without a message", input, "");
    return 0;
  }
  const std::string printed = parsed->to_string();
  const auto again = Quantity::parse(printed);
  if (!again.ok()) fail("printed text does not parse", input, printed);
  if (again->nano() != parsed->nano()) fail("printed text parses to another amount", input, printed);
  // The printed text prints back identically, except where Kubernetes itself changes
  // family (binary SI printed without a binary suffix, "2000", reads back as decimal SI
  // and prints "2k"); from the second print on, the text is stable.
  const std::string printed2 = again->to_string();
  if (again->format() == parsed->format() && printed2 != printed) {
    fail("printing is not canonical", input, printed);
  }
  const auto third = Quantity::parse(printed2);
  if (!third.ok() || third->nano() != parsed->nano() || third->to_string() != printed2) {
    fail("second print is not stable", input, printed2);
  }
  // Value and MilliValue agree with the amount's sign and never cross zero.
  if ((parsed->value() > 0) != (parsed->nano() > 0)) fail("value() has the wrong sign", input, printed);
  if ((parsed->milli_value() < 0) != (parsed->nano() < 0)) fail("milli_value() has the wrong sign", input, printed);
  // Negation is exact and prints with one leading '-'.
  const Quantity neg = -*parsed;
  if (!parsed->is_zero() && neg.to_string() != (parsed->is_negative() ? printed.substr(1) : "-" + printed)) {
    fail("negation does not print as the sign flipped", input, printed);
  }
  return 0;
}
