// Fuzzes the extender's request decoding: any body must give a response or a clean
// InvalidArgument, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/extender/protocol.h"

namespace {
class AllVirtual : public kci::extender::NodeDirectory {
 public:
  std::optional<bool> is_virtual(const std::string& n) const override {
    if (n.empty()) return std::nullopt;
    return n.front() == 'v';
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kci::extender;
  auto body = parse_body(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!body.ok()) return 0;
  static const WatermarkConfig config = *parse_config({{"cpulimit", "0.5"}, {"memlimit", "-1"}});
  WatermarkSnapshot snapshot{.worker_cpu_requested_milli = 300, .worker_cpu_allocatable_milli = 500};
  AllVirtual dir;
  (void)filter(*body);
  auto scores = prioritize(*body, config, snapshot, dir);
  if (scores.ok()) {
    for (const auto& s : *scores)
      if (s["Score"].get<std::int64_t>() < 0 || s["Score"].get<std::int64_t>() > 10) __builtin_trap();
  }
  (void)preempt(*body);
  return 0;
}
