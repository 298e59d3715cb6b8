#include "fake-apiserver/store.h"

#include <algorithm>
#include <charconv>

#include "fake-apiserver/registry.h"

namespace kci::apiserver {

std::string object_key(const std::string& ns, const std::string& name) {
  std::string k;
  k.reserve(ns.size() + name.size() + 1);
  k.append(ns).push_back('/');
  k.append(name);
  return k;
}

std::uint64_t resource_version_of(const Json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return 0;
  auto rv = m->find("resourceVersion");
  if (rv == m->end() || !rv->is_string()) return 0;
  const auto* s = rv->get_ptr<const std::string*>();
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) return 0;
  return v;
}

namespace {

const std::string* string_at(const Json& j, const char* a, const char* b) {
  auto i = j.find(a);
  if (i == j.end() || !i->is_object()) return nullptr;
  auto k = i->find(b);
  if (k == i->end() || !k->is_string()) return nullptr;
  return k->get_ptr<const std::string*>();
}

std::string node_of(const Object& o) {
  if (!o) return {};
  const std::string* n = string_at(*o, "spec", "nodeName");
  return n ? *n : std::string();
}

std::vector<std::string> owner_uids(const Object& o) {
  std::vector<std::string> out;
  if (!o) return out;
  auto m = o->find("metadata");
  if (m == o->end() || !m->is_object()) return out;
  auto refs = m->find("ownerReferences");
  if (refs == m->end() || !refs->is_array()) return out;
  for (const auto& r : *refs)
    if (r.is_object())
      if (auto u = r.find("uid"); u != r.end() && u->is_string()) out.push_back(*u);
  return out;
}

std::string uid_of(const Object& o) {
  if (!o) return {};
  const std::string* u = string_at(*o, "metadata", "uid");
  return u ? *u : std::string();
}

}  // namespace

struct Store::Watcher : std::enable_shared_from_this<Store::Watcher> {
  std::string resource;
  std::string ns_prefix;  //!< "ns/" or empty for all namespaces
  Selection selection;
  bool bookmarks = false;
  Executor* executor = nullptr;
  kube::WatchCallback on_event;
  kube::WatchErrorCallback on_error;
  std::deque<kube::WatchEvent> pending;
  bool scheduled = false;
  bool stopped = false;
  std::optional<std::string> node;  //!< the node index this watcher sits in
};

struct Store::Collection {
  kube::ResourceInfo info;
  std::string key;
  std::map<std::string, Object> objects;
  //! Pods only: spec.nodeName -> object keys ("" = unscheduled).
  std::unordered_map<std::string, std::set<std::string>> by_node;
  std::deque<HistoryEvent> history;
  //! The newest version evicted from history; a watch may resume from it or later.
  std::uint64_t floor = 0;
  std::vector<std::shared_ptr<Watcher>> general;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Watcher>>> node_watchers;
  Object bookmark_template;
};

namespace {

//! The handle a caller holds; stopping removes the watcher from its collection.
class Handle final : public kube::WatchHandle {
 public:
  Handle(std::shared_ptr<void> watcher, std::function<void()> stop)
      : watcher_(std::move(watcher)), stop_(std::move(stop)) {}
  ~Handle() override { stop(); }
  void stop() override {
    if (stop_) {
      auto s = std::move(stop_);
      stop_ = nullptr;
      s();
    }
  }

 private:
  std::shared_ptr<void> watcher_;
  std::function<void()> stop_;
};

}  // namespace

Store::Store(Executor& executor, StoreOptions options)
    : executor_(executor), options_(options), alive_(std::make_shared<bool>(true)) {}

Store::~Store() {
  *alive_ = false;
  if (bookmark_timer_) executor_.cancel(bookmark_timer_);
  for (auto& [_, c] : collections_) {
    for (auto& w : c->general) w->stopped = true;
    for (auto& [__, ws] : c->node_watchers)
      for (auto& w : ws) w->stopped = true;
  }
}

Store::Collection& Store::collection(const kube::ResourceInfo& info) {
  const std::string key = resource_key(info.group, info.resource);
  auto it = collections_.find(key);
  if (it != collections_.end()) return *it->second;
  auto c = std::make_unique<Collection>();
  c->info = info;
  c->key = key;
  auto& ref = *c;
  collections_.emplace(key, std::move(c));
  return ref;
}

const Store::Collection* Store::find_collection(const std::string& resource) const {
  auto it = collections_.find(resource);
  return it == collections_.end() ? nullptr : it->second.get();
}

Object Store::get(const std::string& resource, const std::string& ns,
                  const std::string& name) const {
  const Collection* c = find_collection(resource);
  if (!c) return nullptr;
  auto it = c->objects.find(object_key(ns, name));
  return it == c->objects.end() ? nullptr : it->second;
}

std::size_t Store::count(const std::string& resource) const {
  const Collection* c = find_collection(resource);
  return c ? c->objects.size() : 0;
}

std::vector<Object> Store::list(const std::string& resource, const std::string& ns,
                                const Selection& selection, std::size_t limit,
                                const std::string& after, std::string* next) const {
  std::vector<Object> out;
  if (next) next->clear();
  const Collection* c = find_collection(resource);
  if (!c) return out;
  const std::string prefix = ns.empty() ? std::string() : ns + "/";
  std::string last_key;
  // false = the limit is reached and another matching object exists.
  auto take = [&](const std::string& key, const Object& obj) -> bool {
    if (!prefix.empty() && key.compare(0, prefix.size(), prefix) != 0) return true;
    if (!after.empty() && key <= after) return true;
    if (!selection.everything() && !selection.matches(*obj)) return true;
    if (limit && out.size() == limit) return false;
    out.push_back(obj);
    last_key = key;
    return true;
  };
  bool cut = false;
  if (selection.node_name() && c->info.resource == "pods" && c->info.group.empty()) {
    auto n = c->by_node.find(*selection.node_name());
    if (n != c->by_node.end())
      for (const auto& key : n->second) {
        auto o = c->objects.find(key);
        if (o != c->objects.end() && !take(key, o->second)) { cut = true; break; }
      }
  } else {
    auto it = prefix.empty() ? c->objects.begin() : c->objects.lower_bound(prefix);
    if (!after.empty() && (it == c->objects.end() || it->first <= after))
      it = c->objects.upper_bound(after);
    for (; it != c->objects.end(); ++it) {
      if (!prefix.empty() && it->first.compare(0, prefix.size(), prefix) != 0) break;
      if (!take(it->first, it->second)) { cut = true; break; }
    }
  }
  if (next && cut) *next = last_key;
  return out;
}

void Store::index(const std::string& resource, const std::string& key, const Object& before,
                  const Object& after) {
  Collection& c = *collections_.at(resource);
  if (c.info.resource == "pods" && c.info.group.empty()) {
    const std::string nb = before ? node_of(before) : std::string();
    const std::string na = after ? node_of(after) : std::string();
    if (before && (!after || nb != na)) {
      auto it = c.by_node.find(nb);
      if (it != c.by_node.end()) {
        it->second.erase(key);
        if (it->second.empty()) c.by_node.erase(it);
      }
    }
    if (after && (!before || nb != na)) c.by_node[na].insert(key);
  }
  const auto slash = key.find('/');
  ObjectAddress addr{resource, key.substr(0, slash), key.substr(slash + 1)};
  const std::string ub = uid_of(before), ua = uid_of(after);
  if (!ub.empty() && ub != ua) uids_.erase(ub);
  if (!ua.empty()) uids_[ua] = addr;
  auto ob = owner_uids(before), oa = owner_uids(after);
  if (ob != oa) {
    for (const auto& u : ob) {
      auto it = owners_.find(u);
      if (it == owners_.end()) continue;
      it->second.erase(addr);
      if (it->second.empty()) owners_.erase(it);
    }
    for (const auto& u : oa) owners_[u].insert(addr);
  }
}

Object Store::put(const kube::ResourceInfo& info, const std::string& ns, const std::string& name,
                  Json object) {
  Collection& c = collection(info);
  object["metadata"]["resourceVersion"] = std::to_string(++rv_);
  Object snap = std::make_shared<const Json>(std::move(object));
  const std::string key = object_key(ns, name);
  Object before;
  auto [it, inserted] = c.objects.try_emplace(key, snap);
  if (!inserted) {
    before = std::move(it->second);
    it->second = snap;
  }
  index(c.key, key, before, snap);
  record(c, HistoryEvent{rv_, before ? WatchEventType::kModified : WatchEventType::kAdded, snap,
                         before});
  return snap;
}

Object Store::remove(const kube::ResourceInfo& info, const std::string& ns,
                     const std::string& name) {
  Collection& c = collection(info);
  const std::string key = object_key(ns, name);
  auto it = c.objects.find(key);
  if (it == c.objects.end()) return nullptr;
  Object before = std::move(it->second);
  c.objects.erase(it);
  Json last = *before;
  last["metadata"]["resourceVersion"] = std::to_string(++rv_);
  Object snap = std::make_shared<const Json>(std::move(last));
  index(c.key, key, before, nullptr);
  record(c, HistoryEvent{rv_, WatchEventType::kDeleted, snap, before});
  return snap;
}

void Store::drop_resource(const kube::ResourceInfo& info) {
  Collection& c = collection(info);
  std::vector<std::string> keys;
  for (const auto& [k, _] : c.objects) keys.push_back(k);
  for (const auto& k : keys) {
    const auto slash = k.find('/');
    remove(info, k.substr(0, slash), k.substr(slash + 1));
  }
}

void Store::dispatch(Watcher& w, const HistoryEvent& ev) {
  if (w.stopped) return;
  if (!w.ns_prefix.empty()) {
    const std::string* ns = string_at(*ev.object, "metadata", "namespace");
    if (!ns || ns->size() + 1 != w.ns_prefix.size() ||
        w.ns_prefix.compare(0, ns->size(), *ns) != 0)
      return;
  }
  const bool now = w.selection.everything() || w.selection.matches(*ev.object);
  switch (ev.type) {
    case WatchEventType::kAdded:
      if (now) deliver(w, WatchEventType::kAdded, ev.object);
      break;
    case WatchEventType::kModified: {
      // A change that moves the object into or out of the selection is seen as ADDED or
      // DELETED by this watcher, as kube-apiserver's watch cache filters.
      const bool was =
          w.selection.everything() || (ev.previous && w.selection.matches(*ev.previous));
      if (now && was) deliver(w, WatchEventType::kModified, ev.object);
      else if (now) deliver(w, WatchEventType::kAdded, ev.object);
      else if (was) deliver(w, WatchEventType::kDeleted, ev.object);
      break;
    }
    case WatchEventType::kDeleted:
      if (now) deliver(w, WatchEventType::kDeleted, ev.object);
      break;
    default: break;
  }
}

void Store::record(Collection& c, HistoryEvent ev) {
  for (const auto& w : c.general) dispatch(*w, ev);
  if (!c.node_watchers.empty()) {
    const std::string na = node_of(ev.object), nb = node_of(ev.previous);
    if (auto it = c.node_watchers.find(na); it != c.node_watchers.end())
      for (const auto& w : it->second) dispatch(*w, ev);
    if (nb != na)
      if (auto it = c.node_watchers.find(nb); it != c.node_watchers.end())
        for (const auto& w : it->second) dispatch(*w, ev);
  }
  c.history.push_back(std::move(ev));
  while (c.history.size() > options_.history_per_resource) {
    c.floor = c.history.front().rv;
    c.history.pop_front();
  }
}

void Store::deliver(Watcher& w, WatchEventType type, const Object& obj) {
  w.pending.push_back(kube::WatchEvent{type, obj});
  if (w.scheduled) return;
  w.scheduled = true;
  // The drain task holds the watcher, not the store: a stopped watcher drops its queue.
  std::shared_ptr<Watcher> keep = w.shared_from_this();
  w.executor->post([keep] {
    keep->scheduled = false;
    std::deque<kube::WatchEvent> batch;
    batch.swap(keep->pending);
    for (const auto& e : batch) {
      if (keep->stopped) return;
      keep->on_event(e);
    }
  });
}

Result<std::unique_ptr<kube::WatchHandle>> Store::watch(
    const kube::ResourceInfo& info, const std::string& ns, Selection selection,
    std::optional<std::uint64_t> from, bool bookmarks, bool initial_end_bookmark,
    Executor& executor, kube::WatchCallback on_event, kube::WatchErrorCallback on_error) {
  Collection& c = collection(info);
  if (from && *from < c.floor)
    return kube::expired("too old resource version: " + std::to_string(*from) + " (" +
                         std::to_string(c.floor + 1) + ")");
  auto w = std::make_shared<Watcher>();
  w->resource = c.key;
  w->ns_prefix = ns.empty() ? std::string() : ns + "/";
  w->selection = std::move(selection);
  w->bookmarks = bookmarks;
  w->executor = &executor;
  w->on_event = std::move(on_event);
  w->on_error = std::move(on_error);
  if (w->selection.node_name() && c.info.resource == "pods" && c.info.group.empty()) {
    w->node = *w->selection.node_name();
    c.node_watchers[*w->node].push_back(w);
  } else {
    c.general.push_back(w);
  }
  if (!from) {
    for (const auto& obj : list(c.key, ns, w->selection))
      deliver(*w, WatchEventType::kAdded, obj);
    if (initial_end_bookmark) {
      Json b = {{"kind", c.info.kind},
                {"apiVersion", c.info.api_version()},
                {"metadata",
                 {{"resourceVersion", std::to_string(rv_)},
                  {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}};
      deliver(*w, WatchEventType::kBookmark, std::make_shared<const Json>(std::move(b)));
    }
  } else {
    // Replay through the same filter the live path uses, into this watcher alone.
    auto it = std::upper_bound(c.history.begin(), c.history.end(), *from,
                               [](std::uint64_t v, const HistoryEvent& e) { return v < e.rv; });
    for (; it != c.history.end(); ++it) dispatch(*w, *it);
  }
  if (bookmarks) arm_bookmarks();
  std::weak_ptr<bool> alive = alive_;
  Store* self = this;
  const std::string key = c.key;
  auto stop = [w, alive, self, key] {
    w->stopped = true;
    w->pending.clear();
    auto a = alive.lock();
    if (!a || !*a) return;
    auto it = self->collections_.find(key);
    if (it == self->collections_.end()) return;
    auto erase = [&](std::vector<std::shared_ptr<Watcher>>& ws) {
      ws.erase(std::remove(ws.begin(), ws.end(), w), ws.end());
    };
    if (w->node) {
      auto& ws = it->second->node_watchers[*w->node];
      erase(ws);
      if (ws.empty()) it->second->node_watchers.erase(*w->node);
    } else {
      erase(it->second->general);
    }
  };
  return std::unique_ptr<kube::WatchHandle>(std::make_unique<Handle>(w, std::move(stop)));
}

std::size_t Store::watcher_count() const {
  std::size_t n = 0;
  for (const auto& [_, c] : collections_) {
    n += c->general.size();
    for (const auto& [__, ws] : c->node_watchers) n += ws.size();
  }
  return n;
}

std::uint64_t Store::history_floor(const std::string& resource) const {
  const Collection* c = find_collection(resource);
  return c ? c->floor : 0;
}

void Store::arm_bookmarks() {
  if (bookmark_timer_ || options_.bookmark_interval.count() <= 0) return;
  std::weak_ptr<bool> alive = alive_;
  bookmark_timer_ = executor_.post_after(options_.bookmark_interval, [this, alive] {
    auto a = alive.lock();
    if (!a || !*a) return;
    bookmark_timer_ = 0;
    send_bookmarks();
  });
}

void Store::send_bookmarks() {
  bool any = false;
  for (auto& [_, c] : collections_) {
    Object b;
    auto send = [&](const std::shared_ptr<Watcher>& w) {
      if (!w->bookmarks || w->stopped) return;
      any = true;
      if (!b)
        b = std::make_shared<const Json>(
            Json{{"kind", c->info.kind},
                 {"apiVersion", c->info.api_version()},
                 {"metadata", {{"resourceVersion", std::to_string(rv_)}}}});
      deliver(*w, WatchEventType::kBookmark, b);
    };
    for (const auto& w : c->general) send(w);
    for (const auto& [__, ws] : c->node_watchers)
      for (const auto& w : ws) send(w);
  }
  if (any) arm_bookmarks();
}

std::vector<Store::ObjectAddress> Store::dependents_of(const std::string& uid) const {
  auto it = owners_.find(uid);
  if (it == owners_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::optional<Store::ObjectAddress> Store::find_uid(const std::string& uid) const {
  auto it = uids_.find(uid);
  if (it == uids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace kci::apiserver
