#include "core/translate/annotations.h"

namespace kci::translate {

const AnnotationKey* find_annotation(std::string_view key) {
  for (const auto& row : kAnnotationKeys) {
    if (row.key == key) return &row;
  }
  return nullptr;
}

std::string_view dialect_name(Dialect d) {
  switch (d) {
    case Dialect::kKci: return "KCI";
    case Dialect::kKubernetes: return "Kubernetes";
    case Dialect::kEci: return "ECI";
    case Dialect::kCci: return "CCI";
  }
  return "?";
}

std::string_view handling_name(Handling h) {
  switch (h) {
    case Handling::kTranslated: return "translated";
    case Handling::kMapped: return "mapped";
    case Handling::kIgnored: return "ignored";
    case Handling::kRefused: return "refused";
  }
  return "?";
}

}  // namespace kci::translate
