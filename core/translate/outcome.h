// The vocabulary of translation outcomes: the events a translation emits on the pod and
// the refusal that keeps a pod out of the cloud (the reason is the event reason the
// virtual kubelet records, the message says what was wrong, the value found and what
// would be accepted, the field names where in the pod it is).
// Must not: grow behaviour; it is shared by translate, dialects and status mapping.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace kci::translate {

//! An event to record on the pod (Kubernetes Event type, reason, message).
struct PodEvent {
  std::string type;     //!< "Normal" | "Warning"
  std::string reason;   //!< e.g. "OptionalSecretNotFound"
  std::string message;  //!< for people
  bool operator==(const PodEvent&) const = default;
};

//! Why a pod is not sent to KCI.
struct Refusal {
  std::string reason;   //!< event reason: UnsupportedFeature, InvalidAnnotation, MandatorySecretNotFound...
  std::string message;  //!< what was wrong, the value found, what is accepted
  std::string field;    //!< the pod field or annotation key at fault ("spec.hostNetwork")
  bool operator==(const Refusal&) const = default;
};

//! Refusal reasons (one table; callers and tests branch on them).
namespace reason {
inline constexpr const char* kUnsupportedFeature = "UnsupportedFeature";
inline constexpr const char* kInvalidAnnotation = "InvalidAnnotation";
inline constexpr const char* kInvalidSetting = "InvalidNodeSetting";
inline constexpr const char* kInvalidPod = "InvalidPod";
inline constexpr const char* kUnsupportedSize = "UnsupportedSize";
inline constexpr const char* kNoMatchingInstanceType = "NoMatchingInstanceType";
inline constexpr const char* kTooManyContainers = "TooManyContainers";
inline constexpr const char* kMissingNetwork = "MissingNetworkSetting";
inline constexpr const char* kMandatoryConfigMapNotFound = "MandatoryConfigMapNotFound";
inline constexpr const char* kMandatoryConfigMapKeyNotFound = "MandatoryConfigMapKeyNotFound";
inline constexpr const char* kMandatorySecretNotFound = "MandatorySecretNotFound";
inline constexpr const char* kMandatorySecretKeyNotFound = "MandatorySecretKeyNotFound";
}  // namespace reason

//! Either a T or a Refusal.
template <class T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Outcome(Refusal refusal) : v_(std::move(refusal)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const Refusal& refusal() const { return std::get<1>(v_); }
  Refusal&& take_refusal() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Refusal> v_;
};

//! A refusal from an Error: its message, the given reason and field.
inline Refusal refusal_from(const Error& e, std::string reason_, std::string field) {
  return Refusal{std::move(reason_), e.message, std::move(field)};
}

}  // namespace kci::translate
