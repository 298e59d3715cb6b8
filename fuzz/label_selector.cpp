// Fuzz target: the label selector and field selector string forms. Whatever parses must
// print to a string that parses back to the same selector and prints the same again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/k8s/selector.h"

namespace {
[[noreturn]] void mismatch(const char* what, std::string_view a, std::string_view b) {
  std::fprintf(stderr, "%s: %.*s vs %.*s\n", what, static_cast<int>(a.size()), a.data(),
               static_cast<int>(b.size()), b.data());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using kci::k8s::FieldSelector;
  using kci::k8s::Selector;

  if (auto s = Selector::parse(text); s.ok()) {
    const std::string printed = s->to_string();
    auto again = Selector::parse(printed);
    if (!again.ok()) mismatch("printed selector does not parse", printed, again.error().message);
    if (!(*again == *s)) mismatch("selector changed", printed, again->to_string());
    if (again->to_string() != printed) mismatch("printing is not stable", printed, again->to_string());
    (void)s->matches({{"a", "b"}, {"x", "1"}});
    if (auto ls = s->to_label_selector(); ls.ok()) {
      auto back = Selector::from_label_selector(*ls);
      if (!back.ok()) mismatch("struct form does not convert back", printed, back.error().message);
    }
  } else if (s.error().message.empty()) {
    std::abort();  // every refusal must say why
  }

  if (auto f = FieldSelector::parse(text); f.ok()) {
    const std::string printed = f->to_string();
    auto again = FieldSelector::parse(printed);
    if (!again.ok()) mismatch("printed field selector does not parse", printed, again.error().message);
    if (!(*again == *f)) mismatch("field selector changed", printed, again->to_string());
  }
  return 0;
}
