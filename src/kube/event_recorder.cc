#include "kube/event_recorder.h"

#include <ctime>
#include <random>

#include <nlohmann/json.hpp>

#include "kube/log.h"
#include "kube/time_format.h"

namespace kube {
namespace {

std::string ObjectKeyOf(const ObjectReference& r) {
  return r.uid.empty() ? r.kind + "/" + r.namespace_ + "/" + r.name : r.uid;
}

}  // namespace

ObjectReference ObjectReference::To(const Object& object, const std::string& api_version, const std::string& kind) {
  return {api_version, kind, object.namespace_(), object.name(), object.meta().uid};
}

EventRecorder::EventRecorder(Client& client, std::string component, std::string default_namespace)
    : client_(client), component_(std::move(component)), default_namespace_(std::move(default_namespace)) {
  worker_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

EventRecorder::~EventRecorder() {
  Flush();
  worker_.request_stop();
}

void EventRecorder::Record(const ObjectReference& regarding, const std::string& type, const std::string& reason,
                           const std::string& message) {
  std::lock_guard lock(mu_);
  if (queue_.size() >= 1000) return;  // as client-go: never block the caller; drop under pressure
  queue_.push_back({regarding, type, reason, message});
  cv_.notify_all();
}

void EventRecorder::Flush() {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(10), [this] { return queue_.empty() && !sending_; });
}

void EventRecorder::Loop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    if (!cv_.wait(lock, stop, [this] { return !queue_.empty(); })) break;
    Pending e = std::move(queue_.front());
    queue_.pop_front();
    sending_ = true;
    lock.unlock();
    Send(e);
    lock.lock();
    sending_ = false;
    cv_.notify_all();
  }
}

void EventRecorder::Send(const Pending& e) {
  const std::string obj_key = ObjectKeyOf(e.regarding);
  auto d = correlator_.Observe(obj_key, e.type, e.reason, e.message, EventCorrelator::Clock::now());
  const std::string ns = e.regarding.namespace_.empty() ? default_namespace_ : e.regarding.namespace_;
  const std::string now = RfcTimeNow();
  if (d.action == EventCorrelator::Decision::Action::kDrop) return;
  if (d.action == EventCorrelator::Decision::Action::kIncrement) {
    nlohmann::json patch = {{"count", d.count}, {"lastTimestamp", now}};
    auto r = client_.Patch(resources::Events(), ns, d.event_name, PatchType::kMerge, patch.dump());
    if (r.ok()) return;
    if (!IsNotFound(r.status())) {
      log::Warn("could not update event", {{"error", r.status().ToString()}});
      return;
    }
    // The Event expired on the server (1 h TTL): create it afresh.
  }
  thread_local std::minstd_rand rng(std::random_device{}());
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%llx",
                static_cast<unsigned long long>(std::chrono::system_clock::now().time_since_epoch().count()) ^ rng());
  const std::string name = e.regarding.name + "." + suffix;
  nlohmann::json involved = {{"apiVersion", e.regarding.api_version}, {"kind", e.regarding.kind},
                             {"name", e.regarding.name}};
  if (!e.regarding.namespace_.empty()) involved["namespace"] = e.regarding.namespace_;
  if (!e.regarding.uid.empty()) involved["uid"] = e.regarding.uid;
  nlohmann::json ev = {{"apiVersion", "v1"},
                       {"kind", "Event"},
                       {"metadata", {{"name", name}, {"namespace", ns}}},
                       {"involvedObject", involved},
                       {"type", e.type},
                       {"reason", e.reason},
                       {"message", e.message},
                       {"count", 1},
                       {"firstTimestamp", now},
                       {"lastTimestamp", now},
                       {"source", {{"component", component_}}},
                       {"reportingComponent", component_}};
  auto r = client_.Create(resources::Events(), ev);
  if (!r.ok()) {
    log::Warn("could not record event", {{"reason", e.reason}, {"error", r.status().ToString()}});
    return;
  }
  correlator_.Created(obj_key, e.type, e.reason, e.message, name);
}

}  // namespace kube
