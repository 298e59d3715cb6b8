#include "fake-apiserver/controller_events.h"

#include "fake-apiserver/object_fields.h"

namespace kci::apiserver {

void record_controller_event(kube::KubeClient& client, const Executor& executor, const Json& involved,
                             const std::string& component, const std::string& type,
                             const std::string& reason, const std::string& message) {
  const std::string ns = namespace_of(involved), name = name_of(involved);
  const std::string now = now_text(executor);
  Json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"generateName", name + "."}, {"namespace", ns}}},
             {"involvedObject",
              {{"apiVersion", involved.value("apiVersion", "")},
               {"kind", involved.value("kind", "")},
               {"namespace", ns},
               {"name", name},
               {"uid", uid_of(involved)}}},
             {"reason", reason},
             {"message", message},
             {"type", type},
             {"count", 1},
             {"firstTimestamp", now},
             {"lastTimestamp", now},
             {"source", {{"component", component}}},
             {"reportingComponent", component}};
  (void)client.create(kube::events(ns), std::move(ev));
}

}  // namespace kci::apiserver
