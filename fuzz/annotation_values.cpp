// Fuzz target: annotation values (bandwidths, sizes, lists, booleans, specs). The first
// byte picks the annotation key from the table; the rest is its value. Both the value
// parsers and read_annotations must refuse junk with a message, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/translate/annotations.h"
#include "core/translate/dialects.h"
#include "core/translate/values.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& table = kci::translate::kAnnotationKeys;
  const auto& row = table[data[0] % table.size()];
  const std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)kci::translate::parse_bandwidth(value);
  (void)kci::translate::parse_thousandths(value, 512);
  (void)kci::translate::parse_cpu_mem_spec(value);
  (void)kci::translate::parse_bool(value);
  for (const auto& item : kci::translate::split_list(value)) {
    if (item.empty() || item.front() == ' ' || item.back() == ' ') __builtin_trap();
  }
  kci::k8s::StringMap a{{std::string(row.key), value}};
  if (data[0] & 0x80) {
    // Pair the key with the sizing partners so the both-or-neither rule runs too.
    a[std::string(kci::translate::kKciInstanceCpu)] = value;
  }
  auto r = kci::translate::read_annotations(a);
  if (!r.ok() && r.refusal().message.empty()) __builtin_trap();
  return 0;
}
