// Fuzz target: decoding Kubernetes objects from untrusted JSON. Bytes -> JSON (refused
// quietly when not JSON) -> Pod, Node, Deployment; whatever decodes must encode to JSON that
// decodes to an equal object, and encode the same again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/k8s/object.h"

namespace {

// Nesting deeper than any Kubernetes object is refused before parsing, so the recursive
// copy and print of the JSON library stay far from the stack's limit.
constexpr int kMaxDepth = 256;

bool too_deep(const std::uint8_t* data, std::size_t size) {
  int depth = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '[' || data[i] == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (data[i] == ']' || data[i] == '}') {
      --depth;
    }
  }
  return false;
}

template <class T>
void round_trip(const kci::k8s::Json& j, const char* kind) {
  auto v = kci::k8s::decode<T>(j);
  if (!v.ok()) {
    if (v.error().message.empty()) std::abort();  // every refusal must say why
    return;
  }
  const kci::k8s::Json once = kci::k8s::encode(*v);
  auto again = kci::k8s::decode<T>(once);
  if (!again.ok()) {
    std::fprintf(stderr, "%s: encoding does not decode: %s\n%s\n", kind,
                 again.error().message.c_str(), once.dump().c_str());
    std::abort();
  }
  if (!(*again == *v)) {
    std::fprintf(stderr, "%s: decode(encode(x)) != x\n%s\n", kind, once.dump().c_str());
    std::abort();
  }
  if (kci::k8s::encode(*again) != once) {
    std::fprintf(stderr, "%s: encoding is not stable\n%s\n", kind, once.dump().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (too_deep(data, size)) return 0;
  const auto j = kci::k8s::Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  round_trip<kci::k8s::Pod>(j, "Pod");
  round_trip<kci::k8s::Node>(j, "Node");
  round_trip<kci::k8s::Deployment>(j, "Deployment");
  return 0;
}
