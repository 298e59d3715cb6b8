// Property: any interleaving of creates, updates and deletes, watched from any
// resourceVersion still in history, reconstructs exactly the store's final state.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "fake-apiserver/test/fixture.h"

namespace kci::apiserver::testing {
namespace {

using kube::configmaps;

struct Op {
  int kind = 0;  // 0 create, 1 update, 2 delete
  int name = 0;
  int value = 0;
};

RC_GTEST_PROP(WatchProp, ReplayFromAnyVersionInHistoryReconstructsTheStore,
              (const std::vector<std::tuple<int, int, int>>& raw)) {
  ApiServerOptions opts;
  opts.store.history_per_resource = 64;
  opts.default_namespaces = true;
  Cluster c(opts);
  std::vector<Op> ops;
  for (const auto& [k, n, v] : raw)
    ops.push_back(Op{((k % 3) + 3) % 3, ((n % 6) + 6) % 6, v});
  // Versions seen after each write: the places a watcher may start from.
  std::vector<std::uint64_t> versions{c.server.store().resource_version()};
  for (const auto& op : ops) {
    const std::string name = "cm" + std::to_string(op.name);
    Result<kube::Object> r = kube::not_found(configmaps("default", name));
    if (op.kind == 0) {
      r = c.client.create(configmaps("default"),
                          Json{{"metadata", {{"name", name}}},
                               {"data", {{"v", std::to_string(op.value)}}}});
    } else if (op.kind == 1) {
      r = c.client.patch(configmaps("default", name), kube::PatchType::kMerge,
                         Json{{"data", {{"v", std::to_string(op.value)}}}});
    } else {
      r = c.client.remove(configmaps("default", name));
    }
    (void)r;
    versions.push_back(c.server.store().resource_version());
  }
  const std::uint64_t floor = c.server.store().history_floor("/configmaps");
  const auto start = *rc::gen::elementOf(versions);
  kube::WatchOptions o;
  o.resourceVersion = std::to_string(start);
  // The state at `start`: what a list at that version would have returned.
  std::map<std::string, Json> state;
  if (start < floor) {
    auto w = c.client.watch(configmaps("default"), o, c.ex, [](const kube::WatchEvent&) {},
                            [](const Error&) {});
    RC_ASSERT(!w.ok());
    RC_ASSERT(w.error().code == ErrorCode::kGone);
    return;
  }
  // Rebuild the state at `start` by replaying every op again on a twin server.
  Cluster twin(opts);
  for (const auto& op : ops) {
    if (twin.server.store().resource_version() >= start) break;
    const std::string name = "cm" + std::to_string(op.name);
    if (op.kind == 0)
      (void)twin.client.create(configmaps("default"),
                               Json{{"metadata", {{"name", name}}},
                                    {"data", {{"v", std::to_string(op.value)}}}});
    else if (op.kind == 1)
      (void)twin.client.patch(configmaps("default", name), kube::PatchType::kMerge,
                              Json{{"data", {{"v", std::to_string(op.value)}}}});
    else
      (void)twin.client.remove(configmaps("default", name));
  }
  auto at_start = twin.client.list(configmaps("default"));
  RC_ASSERT(at_start.ok());
  for (const auto& item : at_start->items)
    state[item->at("metadata")["name"]] = *item;

  std::uint64_t last = start;
  bool ordered = true;
  auto w = c.client.watch(
      configmaps("default"), o, c.ex,
      [&](const kube::WatchEvent& e) {
        const std::uint64_t rv = resource_version_of(*e.object);
        ordered = ordered && rv > last;
        last = rv;
        const std::string name = e.object->at("metadata")["name"];
        if (e.type == kube::WatchEventType::kDeleted) state.erase(name);
        else state[name] = *e.object;
      },
      [](const Error&) {});
  RC_ASSERT(w.ok());
  c.ex.run_until_idle();
  RC_ASSERT(ordered);
  std::map<std::string, Json> final_state;
  auto now = c.client.list(configmaps("default"));
  RC_ASSERT(now.ok());
  for (const auto& item : now->items)
    final_state[item->at("metadata")["name"]] = *item;
  RC_ASSERT(state == final_state);
}

}  // namespace
}  // namespace kci::apiserver::testing
