// Fuzzes the protobuf request-body decoder (fake-apiserver/protobuf_body.h): bytes, with the
// "k8s\0" magic put in front when missing so that the envelope and the schema are reached ->
// decode_protobuf_body, with and without the endpoint's default kind. Must never crash,
// hang, throw or read past the input; whatever decodes must be a JSON object with apiVersion
// and kind that prints (valid UTF-8 throughout) and parses back to itself; every error is a
// 400 or a 415 with a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fake-apiserver/protobuf_body.h"

namespace {

void check(const kci::Result<nlohmann::json>& r) {
  if (!r.ok()) {
    const auto code = r.error().code;
    if (code != kci::ErrorCode::kInvalidArgument && code != kci::ErrorCode::kUnsupported) std::abort();
    if (r.error().message.empty()) std::abort();
    return;
  }
  const nlohmann::json& j = *r;
  if (!j.is_object() || !j.contains("apiVersion") || !j.at("apiVersion").is_string() || !j.contains("kind") ||
      !j.at("kind").is_string())
    std::abort();
  const std::string text = j.dump();  // throws (and so aborts) on text that is not UTF-8
  if (nlohmann::json::parse(text) != j) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  if (!kci::apiserver::is_protobuf_body(body)) body.insert(0, kci::apiserver::kProtobufMagic);
  check(kci::apiserver::decode_protobuf_body(body));
  check(kci::apiserver::decode_protobuf_body(body, "v1", "Pod"));
  // The wire reader alone over the object bytes: stops cleanly or with an error.
  kci::apiserver::protobuf::WireReader reader(std::string_view(body).substr(4));
  kci::apiserver::protobuf::WireField field;
  std::size_t fields = 0;
  while (reader.next(field)) ++fields;
  if (fields > body.size()) std::abort();
  return 0;
}
