// Fuzzes the KCI form-parameter parser and everything a server does with the result:
// parse_form -> FormReader (0/1-based lists) -> decoding every action -> serve() against
// the fake cloud. Must never crash, hang or throw; an encoded parse must round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/clock.h"
#include "core/kci/form.h"
#include "core/kci/wire.h"
#include "fake-kci/fake_cloud.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kci::kcicloud;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto params = parse_form(text);
  if (!params.ok()) return 0;
  // Encoding what was parsed and parsing it again gives the same pairs.
  auto again = parse_form(encode_form(*params));
  if (!again.ok() || *again != *params) std::abort();
  (void)canonical_query(*params);
  if (auto reader = FormReader::make(*params); reader.ok()) {
    (void)reader->list("Container");
    (void)reader->values("SecurityGroupId");
  }
  static kci::VirtualClock clock;
  kci::fake_kci::FakeKciCloud cloud(kci::fake_kci::CloudConfig::defaults(), clock);
  const WireReply r = serve(cloud, CallContext{"AKowner", ""}, *params, "fuzz");
  if (r.http_status < 200 || r.http_status > 599) std::abort();
  return 0;
}
