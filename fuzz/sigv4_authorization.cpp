// Fuzzes the parser of the SigV4 Authorization header (outside input on the fake's HTTP
// face) and the X-Amz-Date parser. Must never crash or throw; a parsed header must
// format back to something that parses to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/kci/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kci::kcicloud::sigv4;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_amz_date(text);
  auto a = parse_authorization(text);
  if (!a.ok()) return 0;
  auto b = parse_authorization(format_authorization(*a));
  if (!b.ok() || !(*b == *a)) std::abort();
  return 0;
}
