// Properties of sizing and translation (issue 5): the normalised size is a catalogue size,
// at least what was asked and the smallest such under the rules; normalising twice changes
// nothing; asking more never gives less; CCI's invariants; translation drops nothing.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "core/kci/catalogue.h"
#include "core/translate/sizing.h"
#include "core/translate/translate.h"

namespace kci::translate {
namespace {

const kcicloud::Catalogue& cat() { return kcicloud::default_catalogue(); }

// A demand within the catalogue: CPU up to 64 cores, memory up to 512 GiB, often zero.
rc::Gen<Size> gen_demand() {
  return rc::gen::apply(
      [](std::int64_t c, std::int64_t m, int zero) {
        return Size{zero == 1 ? 0 : c, zero == 2 ? 0 : m};
      },
      rc::gen::inRange<std::int64_t>(0, 64 * 1000 + 1), rc::gen::inRange<std::int64_t>(0, 512 * 1024 + 1),
      rc::gen::inRange(0, 5));
}

// The rules restated as a search over every standard size, independently of sizing.cpp.
Size oracle(Size a) {
  if (a.cpu_milli == 0 && a.memory_mib == 0) return kDefaultPodSize;
  const auto& s = cat().standard_sizes();
  std::vector<Size> fits;
  for (const auto& x : s) {
    if (x.cpu_milli >= a.cpu_milli && x.memory_mib >= a.memory_mib) fits.push_back(x);
  }
  if (a.memory_mib == 0) return *std::min_element(fits.begin(), fits.end());  // by CPU, then memory
  if (a.cpu_milli > 0) {
    std::int64_t spec_a = INT64_MAX;
    for (const auto& x : s) {
      if (x.cpu_milli >= a.cpu_milli) spec_a = std::min(spec_a, x.cpu_milli);
    }
    std::optional<Size> best;
    for (const auto& x : fits) {
      if (x.cpu_milli == spec_a && (!best || x.memory_mib < best->memory_mib)) best = x;
    }
    if (best) return *best;
  }
  return *std::min_element(fits.begin(), fits.end(), [](const Size& l, const Size& r) {
    return std::pair(l.memory_mib, l.cpu_milli) < std::pair(r.memory_mib, r.cpu_milli);
  });
}

RC_GTEST_PROP(SizingProp, NormalisedIsACatalogueSizeAtLeastAskedAndTheRulesChoice, ()) {
  const Size a = *gen_demand();
  auto n = normalise_size(a, cat());
  RC_ASSERT(n.ok());
  const auto& sizes = cat().standard_sizes();
  RC_ASSERT(std::find(sizes.begin(), sizes.end(), *n) != sizes.end());
  RC_ASSERT(n->cpu_milli >= a.cpu_milli);
  RC_ASSERT(n->memory_mib >= a.memory_mib);
  RC_ASSERT(*n == oracle(a));
}

RC_GTEST_PROP(SizingProp, NormalisingTwiceChangesNothing, ()) {
  auto n = normalise_size(*gen_demand(), cat());
  RC_ASSERT(n.ok());
  auto again = normalise_size(*n, cat());
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == *n);
}

RC_GTEST_PROP(SizingProp, AskingMoreNeverGivesLess, ()) {
  // Both amounts non-zero: the 2C4G default for an empty pod is the one exception (a
  // pod asking for 0.1 CPU gets 1C1G).
  const Size a = *gen_demand();
  RC_PRE(a.cpu_milli > 0 && a.memory_mib > 0);
  const Size more{a.cpu_milli + *rc::gen::inRange<std::int64_t>(0, 8000),
                  a.memory_mib + *rc::gen::inRange<std::int64_t>(0, 32 * 1024)};
  auto x = normalise_size(a, cat());
  auto y = normalise_size(more, cat());
  RC_PRE(y.ok());
  RC_ASSERT(x.ok());
  // "Less" = dominated: no more CPU and no more memory, and not the same size. Each
  // amount alone is not monotone under kci-cloud.md rule 4: 2 CPU with 17 GiB takes the
  // smallest memory above 16 GiB, 24 GiB, whose only CPU is 24 (24C24G), while 2 CPU with
  // 25 GiB gets 4C32G — more memory, fewer cores, never less of both.
  const bool dominated = y->cpu_milli <= x->cpu_milli && y->memory_mib <= x->memory_mib && *y != *x;
  RC_ASSERT(!dominated);
  RC_ASSERT(y->memory_mib >= more.memory_mib && y->cpu_milli >= more.cpu_milli);
}

RC_GTEST_PROP(CciProp, ContainerAndPodInvariants, ()) {
  const auto n = *rc::gen::inRange(1, 6);
  std::vector<Size> d;
  for (int i = 0; i < n; ++i) {
    const bool best_effort = *rc::gen::inRange(0, 4) == 0;
    d.push_back(best_effort ? Size{}
                            : Size{*rc::gen::inRange<std::int64_t>(0, 8000), *rc::gen::inRange<std::int64_t>(0, 32 * 1024)});
  }
  auto r = normalise_cci(d);
  if (!r.ok()) return;  // no CPU anywhere, or above 32C256G
  Size sum;
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto& c = r->containers[i];
    if (d[i].cpu_milli == 0 && d[i].memory_mib == 0) {
      RC_ASSERT(!c.has_value());
      continue;
    }
    if (!first) first = i;
    RC_ASSERT(c.has_value());
    RC_ASSERT(c->cpu_milli % kCciCpuStepMilli == 0);
    RC_ASSERT(c->memory_mib * 5 * 1000 >= 1024 * 1000);  // >= 0.2 GiB
    RC_ASSERT(c->cpu_milli >= d[i].cpu_milli && c->memory_mib >= d[i].memory_mib);
    if (i != *first) RC_ASSERT(c->cpu_milli - d[i].cpu_milli < kCciCpuStepMilli);
    sum.cpu_milli += c->cpu_milli;
    sum.memory_mib += c->memory_mib;
  }
  RC_ASSERT(sum == r->pod);
  RC_ASSERT(r->pod.memory_mib % 1024 == 0);
  // 2 <= GiB per core <= 8.
  RC_ASSERT(r->pod.memory_mib * 1000 >= 2 * 1024 * r->pod.cpu_milli);
  RC_ASSERT(r->pod.memory_mib * 1000 <= 8 * 1024 * r->pod.cpu_milli);
  RC_ASSERT(r->pod.cpu_milli <= kCciMaxCpuMilli && r->pod.memory_mib <= kCciMaxMemoryMib);
}

RC_GTEST_PROP(TranslateProp, NeverDropsAContainerEnvVarPortOrMount, ()) {
  auto n = parse_node_settings({{"KCI_SUBNET_ID", "s"}, {"KCI_SECURITY_GROUP_IDS", "g"}});
  RC_ASSERT(n.ok());
  k8s::Pod pod;
  pod.metadata.name = "p";
  const auto count = *rc::gen::inRange(1, 6);
  const auto volumes = *rc::gen::inRange(0, 4);
  for (int v = 0; v < volumes; ++v) {
    k8s::Volume vol;
    vol.name = "v" + std::to_string(v);
    vol.emptyDir = k8s::EmptyDirVolumeSource{};
    pod.spec.volumes.push_back(vol);
  }
  for (int i = 0; i < count; ++i) {
    k8s::Container c;
    c.name = "c" + std::to_string(i);
    c.image = "img";
    const auto envs = *rc::gen::inRange(0, 6);
    for (int e = 0; e < envs; ++e) {
      k8s::EnvVar ev;
      ev.name = "E" + std::to_string(e);
      ev.value = *rc::gen::arbitrary<std::string>();
      c.env.push_back(ev);
    }
    const auto ports = *rc::gen::inRange(0, 4);
    for (int p = 0; p < ports; ++p) {
      k8s::ContainerPort cp;
      cp.containerPort = *rc::gen::inRange(1, 65536);
      c.ports.push_back(cp);
    }
    for (int v = 0; v < volumes; ++v) {
      if (*rc::gen::arbitrary<bool>()) c.volumeMounts.push_back(k8s::VolumeMount{"v" + std::to_string(v), "/m" + std::to_string(v), "", "", false, {}});
    }
    pod.spec.containers.push_back(c);
  }
  TranslateInput in;
  in.pod = &pod;
  in.node = &*n;
  in.catalogue = &cat();
  auto r = translate_pod(in);
  RC_ASSERT(r.ok());
  const auto& req = r.value().request;
  RC_ASSERT(req.containers.size() == pod.spec.containers.size());
  RC_ASSERT(req.volumes.size() == pod.spec.volumes.size());
  for (std::size_t i = 0; i < req.containers.size(); ++i) {
    const auto& in_c = pod.spec.containers[i];
    const auto& out_c = req.containers[i];
    RC_ASSERT(out_c.name == in_c.name);
    RC_ASSERT(out_c.env.size() == in_c.env.size());
    for (std::size_t e = 0; e < in_c.env.size(); ++e) {
      RC_ASSERT(out_c.env[e].key == in_c.env[e].name);
      RC_ASSERT(out_c.env[e].value == in_c.env[e].value);
    }
    RC_ASSERT(out_c.ports.size() == in_c.ports.size());
    RC_ASSERT(out_c.volume_mounts.size() == in_c.volumeMounts.size());
  }
}

}  // namespace
}  // namespace kci::translate
