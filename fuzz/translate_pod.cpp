// Fuzz target: pod JSON -> decode -> translate_pod -> map_status. Outside input in its
// rawest form; any crash, hang or sanitizer report is a bug. The node has a custom sidecar
// and a few ConfigMaps/Secrets so the reference paths are reached.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/k8s/object.h"
#include "core/kci/catalogue.h"
#include "core/translate/status_mapping.h"
#include "core/translate/translate.h"

namespace {

struct World {
  kci::translate::NodeSettings node;
  kci::translate::MapLookup lookup;
  kci::translate::CustomSidecar sidecar;
  World() {
    auto n = kci::translate::parse_node_settings({{"--cluster-dns", "10.254.0.10"},
                                                  {"KCI_SUBNET_ID", "subnet-1"},
                                                  {"KCI_SECURITY_GROUP_IDS", "sg-1"},
                                                  {"KCI_INSTANCE_FAMILY", "S6,I3"}});
    if (n.ok()) node = *n;
    kci::k8s::ConfigMap cm;
    cm.metadata.name = "cm";
    cm.metadata.namespace_ = "default";
    cm.data = {{"k", "v"}, {"a.conf", "x=1"}};
    cm.binaryData = {{"bin", "AAEC"}};
    lookup.add(cm);
    kci::k8s::Secret s;
    s.metadata.name = "s";
    s.metadata.namespace_ = "default";
    s.data = {{"password", "aHVudGVyMg=="}, {"bad", "!!notbase64"},
              {".dockerconfigjson", kci::k8s::base64_encode(R"({"auths":{"r":{"auth":"dTpw"}}})")}};
    lookup.add(s);
    sidecar.host_paths.insert("/home/q/logs/collected");
    kci::k8s::Container c;
    c.name = "filebeat";
    c.image = "filebeat";
    sidecar.containers.push_back(c);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto j = kci::k8s::Json::parse(text, nullptr, false);
  if (j.is_discarded()) return 0;
  auto pod = kci::k8s::decode<kci::k8s::Pod>(j);
  if (!pod.ok()) return 0;
  for (const bool with_sidecar : {false, true}) {
    for (auto policy : {kci::translate::SizingPolicy::kKci, kci::translate::SizingPolicy::kCci}) {
      auto node = world.node;
      node.sizing_policy = policy;
      kci::translate::TranslateInput in;
      in.pod = &*pod;
      in.node = &node;
      in.lookup = &world.lookup;
      in.sidecar = with_sidecar ? &world.sidecar : nullptr;
      in.catalogue = &kci::kcicloud::default_catalogue();
      auto r = kci::translate::translate_pod(in);
      if (r.ok()) {
        // Never drop a container of the pod.
        if (r.value().request.containers.size() < pod->spec.containers.size()) __builtin_trap();
      }
    }
  }
  kci::kcicloud::ContainerGroup g;
  g.status = "Running";
  for (const auto& c : pod->spec.containers) {
    kci::kcicloud::ContainerStatus cs;
    cs.name = c.name;
    cs.current_state.state = c.name.size() % 2 ? "Running" : "Terminated";
    cs.current_state.start_time = c.image;
    g.containers.push_back(cs);
  }
  (void)kci::translate::map_status(*pod, g, {});
  return 0;
}
