#include "kube/informer.h"

#include <random>
#include <thread>

#include "kube/log.h"
#include "kube/sleep.h"

namespace kube {
Informer::Informer(Client& client, Resource resource, InformerOptions options)
    : client_(client), resource_(std::move(resource)), options_(std::move(options)) {}

void Informer::AddHandlers(EventHandlers handlers) {
  std::lock_guard lock(mu_);
  if (synced_ && handlers.on_add) {
    for (const auto& obj : store_.List()) handlers.on_add(obj);
  }
  handlers_.push_back(std::move(handlers));
}

Status Informer::LastError() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void Informer::SetError(Status status) {
  std::lock_guard lock(mu_);
  last_error_ = std::move(status);
}

void Informer::Dispatch(const Store::Delta& delta) {
  std::lock_guard lock(mu_);
  for (const auto& h : handlers_) {
    if (h.on_add) for (const auto& o : delta.added) h.on_add(o);
    if (h.on_update) for (const auto& [o, n] : delta.updated) h.on_update(o, n);
    if (h.on_delete) for (const auto& o : delta.deleted) h.on_delete(o);
  }
}

void Informer::Resync() {
  Store::Delta delta;
  for (auto& obj : store_.List()) delta.updated.emplace_back(obj, obj);
  Dispatch(delta);
}

Status Informer::ListAndReplace() {
  ListOptions opts;
  opts.label_selector = options_.label_selector;
  opts.field_selector = options_.field_selector;
  opts.limit = options_.page_size;
  auto page = client_.ListAll(resource_, options_.namespace_, opts, options_.mask.get());
  if (!page.ok()) return page.status();
  std::vector<ObjectPtr> objects;
  objects.reserve(page->items.size());
  for (auto& item : page->items) objects.push_back(std::make_shared<const Object>(std::move(item)));
  auto delta = store_.Replace(std::move(objects));
  resource_version_ = page->resource_version;
  relists_++;
  Dispatch(delta);
  synced_ = true;
  return Status::Ok();
}

Status Informer::WatchOnce(std::stop_token stop) {
  thread_local std::minstd_rand rng(std::random_device{}());
  WatchOptions opts;
  opts.label_selector = options_.label_selector;
  opts.field_selector = options_.field_selector;
  opts.resource_version = resource_version_;
  opts.timeout_seconds = 300 + static_cast<int>(rng() % 300);  // spread reconnects over 5-10 min
  Status event_error;
  watches_++;
  Status s = client_.Watch(
      resource_, options_.namespace_, opts, stop,
      [&](WatchEvent&& ev) {
        switch (ev.type) {
          case WatchEventType::kError:
            event_error = ev.error;
            return false;
          case WatchEventType::kBookmark:
            resource_version_ = ev.object.resource_version();
            return true;
          case WatchEventType::kAdded:
          case WatchEventType::kModified: {
            auto obj = std::make_shared<const Object>(std::move(ev.object));
            resource_version_ = obj->resource_version();
            ObjectPtr previous = store_.Upsert(obj);
            Store::Delta delta;
            if (!previous) delta.added.push_back(obj);
            else if (previous->resource_version() != obj->resource_version()) delta.updated.emplace_back(previous, obj);
            Dispatch(delta);
            return true;
          }
          case WatchEventType::kDeleted: {
            resource_version_ = ev.object.resource_version();
            ObjectPtr previous = store_.Remove(ev.object.Key());
            if (previous) {
              Store::Delta delta;
              delta.deleted.push_back(previous);
              Dispatch(delta);
            }
            return true;
          }
        }
        return true;
      },
      options_.mask.get());
  return event_error.ok() ? s : event_error;
}

void Informer::Run(std::stop_token stop) {
  using std::chrono::milliseconds;
  const milliseconds kMinBackoff(800), kMaxBackoff(30000);
  milliseconds backoff = kMinBackoff;
  bool need_list = true;
  std::jthread resyncer;
  if (options_.resync.count() > 0) {
    resyncer = std::jthread([this, stop] {
      while (!stop.stop_requested()) {
        SleepFor(stop, options_.resync);
        if (!stop.stop_requested() && synced_) Resync();
      }
    });
  }
  while (!stop.stop_requested()) {
    if (need_list) {
      Status s = ListAndReplace();
      if (!s.ok()) {
        SetError(s);
        log::Warn("list failed", {{"resource", resource_.plural}, {"error", s.ToString()}});
        SleepFor(stop, backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      SetError(Status::Ok());
      need_list = false;
    }
    const auto started = std::chrono::steady_clock::now();
    Status s = WatchOnce(stop);
    if (stop.stop_requested()) break;
    if (s.ok()) {  // the server ended the watch normally: resume at once
      if (std::chrono::steady_clock::now() - started > std::chrono::minutes(2)) backoff = kMinBackoff;
      continue;
    }
    if (IsGone(s)) {
      log::Info("watch expired; relisting", {{"resource", resource_.plural}, {"error", s.message()}});
      need_list = true;
      continue;
    }
    SetError(s);
    log::Warn("watch failed; retrying", {{"resource", resource_.plural}, {"error", s.ToString()},
                                         {"backoff_ms", std::to_string(backoff.count())}});
    SleepFor(stop, backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace kube
