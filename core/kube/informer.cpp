#include "core/kube/informer.h"

namespace kci::kube {
namespace {
std::string rv_of(const Json& o) {
  auto m = o.find("metadata");
  if (m == o.end() || !m->is_object()) return {};
  auto rv = m->find("resourceVersion");
  return rv != m->end() && rv->is_string() ? rv->get<std::string>() : std::string();
}
}  // namespace

std::string key_of(const Json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return {};
  std::string name = m->contains("name") && (*m)["name"].is_string() ? (*m)["name"].get<std::string>() : "";
  std::string ns = m->contains("namespace") && (*m)["namespace"].is_string() ? (*m)["namespace"].get<std::string>() : "";
  return ns.empty() ? name : ns + "/" + name;
}

Informer::Informer(KubeClient& client, Executor& executor, ResourceRef ref, ListOptions selectors,
                   Handlers handlers)
    : client_(client), executor_(executor), ref_(std::move(ref)), selectors_(std::move(selectors)),
      handlers_(std::move(handlers)) {}

Informer::~Informer() {
  *alive_ = false;
  if (watch_) watch_->stop();
}

void Informer::start() {
  if (running_) return;
  running_ = true;
  relist();
}

void Informer::stop() {
  running_ = false;
  if (watch_) {
    watch_->stop();
    watch_.reset();
  }
}

Object Informer::get(const std::string& key) const {
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<Object> Informer::list() const {
  std::vector<Object> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(v);
  return out;
}

void Informer::relist() {
  if (!running_) return;
  if (watch_) {
    watch_->stop();
    watch_.reset();
  }
  auto listed = client_.list(ref_, selectors_);
  auto alive = alive_;
  if (!listed.ok()) {
    executor_.post_after(kRelistDelay, [this, alive] {
      if (*alive) relist();
    });
    return;
  }
  ++lists_;
  // Replace the cache, telling handlers what changed since the last view.
  std::map<std::string, Object> fresh;
  for (const auto& obj : listed->items) fresh.emplace(key_of(*obj), obj);
  auto old = std::move(cache_);
  cache_ = fresh;
  for (const auto& [key, obj] : fresh) {
    auto it = old.find(key);
    if (it == old.end()) {
      if (handlers_.on_add) handlers_.on_add(obj);
    } else if (rv_of(*it->second) != rv_of(*obj)) {
      if (handlers_.on_update) handlers_.on_update(it->second, obj);
    }
  }
  for (const auto& [key, obj] : old)
    if (!fresh.count(key) && handlers_.on_delete) handlers_.on_delete(obj);
  synced_ = true;
  resource_version_ = listed->resourceVersion;

  WatchOptions wo;
  wo.labelSelector = selectors_.labelSelector;
  wo.fieldSelector = selectors_.fieldSelector;
  wo.resourceVersion = resource_version_;
  wo.allowWatchBookmarks = true;
  auto w = client_.watch(
      ref_, wo, executor_,
      [this, alive](const WatchEvent& ev) {
        if (*alive) on_event(ev);
      },
      [this, alive](const Error& e) {
        if (*alive) on_watch_error(e);
      });
  if (!w.ok()) {
    executor_.post_after(kRelistDelay, [this, alive] {
      if (*alive) relist();
    });
    return;
  }
  watch_ = std::move(*w);
}

void Informer::on_event(const WatchEvent& ev) {
  if (!running_ || !ev.object) return;
  const std::string rv = rv_of(*ev.object);
  if (!rv.empty()) resource_version_ = rv;
  if (ev.type == WatchEventType::kBookmark) return;
  if (ev.type == WatchEventType::kError) {
    on_watch_error(error_of_status(*ev.object));
    return;
  }
  const std::string key = key_of(*ev.object);
  auto it = cache_.find(key);
  switch (ev.type) {
    case WatchEventType::kAdded:
    case WatchEventType::kModified:
      if (it == cache_.end()) {
        cache_.emplace(key, ev.object);
        if (handlers_.on_add) handlers_.on_add(ev.object);
      } else {
        Object old = it->second;
        it->second = ev.object;
        if (handlers_.on_update) handlers_.on_update(old, ev.object);
      }
      break;
    case WatchEventType::kDeleted:
      if (it != cache_.end()) {
        Object old = it->second;
        cache_.erase(it);
        if (handlers_.on_delete) handlers_.on_delete(ev.object);
      }
      break;
    default:
      break;
  }
}

void Informer::on_watch_error(const Error&) {
  if (!running_) return;
  if (watch_) {
    watch_->stop();
    watch_.reset();
  }
  auto alive = alive_;
  executor_.post_after(kRelistDelay, [this, alive] {
    if (*alive) relist();
  });
}

}  // namespace kci::kube
