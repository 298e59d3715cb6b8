// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io), with the columns and cells
// kube-apiserver prints (pkg/printers/internalversion) for the kinds we serve, the
// additionalPrinterColumns of custom resources, and NAME AGE for everything else.
//
// All columns are always produced (kube-apiserver prints "wide"; kubectl hides priority-1
// columns unless -o wide). Ages are measured against the `now` the caller passes (the
// injected clock), never the system clock.
// Must not: read clocks, talk to the store, know about HTTP.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/kube/resources.h"

namespace kci::apiserver {

using Json = nlohmann::json;

//! One column of a Table (metav1.TableColumnDefinition), plus, for custom resources, the
//! JSONPath its cells come from.
struct PrinterColumn {
  std::string name;         //!< "Name", "Ready", "Nominated Node"
  std::string type;         //!< "string", "integer", "number", "boolean", "date"
  std::string format;       //!< "name" for the name column, else usually empty
  std::string description;  //!< what the column shows
  int priority = 0;         //!< 0 = always shown; 1 = only with -o wide
  std::string json_path;    //!< custom resources: ".spec.replicas" (empty for built-ins)
};

//! What each row carries besides its cells (metav1.TableOptions.includeObject).
enum class IncludeObject { kNone, kMetadata, kObject };

//! Parses the includeObject query parameter ("None", "Metadata", "Object"; "" = Metadata).
bool parse_include_object(std::string_view text, IncludeObject* out);

//! How one resource is printed.
class TablePrinter {
 public:
  //! `custom_columns`: a CRD's additionalPrinterColumns for the served version (empty: the
  //! built-in printer of info.kind, or NAME AGE).
  TablePrinter(const kube::ResourceInfo& info, std::vector<PrinterColumn> custom_columns = {});

  //! The column definitions as JSON (metav1.TableColumnDefinition objects).
  Json column_definitions() const;
  //! One row (metav1.TableRow) for an object at `now`.
  Json row(const Json& object, TimePoint now, IncludeObject include) const;
  //! A whole Table: columns (unless `with_columns` is false, as in watch events after the
  //! first), one row per object, and the list metadata (resourceVersion, continue).
  Json table(const std::vector<const Json*>& objects, TimePoint now, IncludeObject include,
             const Json& list_metadata, bool with_columns = true) const;

  const std::vector<PrinterColumn>& columns() const { return columns_; }

 private:
  enum class Printer { kGeneric, kCustom, kPod, kNode, kDeployment, kReplicaSet, kStatefulSet,
                       kJob, kEvent, kLease, kNamespace, kConfigMap, kSecret, kService };
  Json cells(const Json& object, TimePoint now) const;

  Printer printer_ = Printer::kGeneric;
  std::vector<PrinterColumn> columns_;
};

//! apimachinery's duration.HumanDuration: "45s", "2m30s", "15m", "3h20m", "5d", "2y10d".
std::string human_duration(Duration d);
//! The age of an RFC 3339 timestamp at `now` ("<unknown>" when missing or unreadable).
std::string age_of(const Json* timestamp, TimePoint now);
//! metav1.FormatLabelSelector: "app=web,tier in (a,b)"; "<none>" for an empty selector.
std::string format_label_selector(const Json& selector);
//! Evaluates the JSONPath subset CRDs use in additionalPrinterColumns: ".a.b", ".a[0].b",
//! ".a[?(@.type==\"Ready\")].status". Null when a step is missing.
Json eval_printer_path(const Json& object, std::string_view path);

}  // namespace kci::apiserver
