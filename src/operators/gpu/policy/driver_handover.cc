#include "driver_handover.h"

#include <nlohmann/json.hpp>

#include "driver_readiness.h"
#include "kube/log.h"
#include "kube/metadata_patch.h"

namespace gpu {
namespace {

using nlohmann::json;

constexpr const char* kDriverContainer = "nvidia-driver-ctr";
constexpr const char* kSameImage = "same-image";
constexpr const char* kOtherImage = "other-image";

std::string DriverImage(const json& pod_spec) {
  for (const auto& c : pod_spec.value("containers", json::array())) {
    if (c.value("name", "") == kDriverContainer) return c.value("image", "");
  }
  return "";
}

std::string Pods(int n) { return std::to_string(n) + (n == 1 ? " driver pod" : " driver pods"); }

}  // namespace

const json* PoolDaemonSetFor(const std::vector<const json*>& daemonsets,
                             const std::map<std::string, std::string>& node_labels) {
  for (const json* ds : daemonsets) {
    const json selector = (*ds)["spec"]["template"]["spec"].value("nodeSelector", json::object());
    bool all = true;
    for (const auto& [key, value] : selector.items()) {
      auto it = node_labels.find(key);
      if (it == node_labels.end() || !value.is_string() || it->second != value.get<std::string>()) {
        all = false;
        break;
      }
    }
    if (all) return ds;
  }
  return nullptr;
}

kube::Result<DriverHandover::Released> DriverHandover::Release(const std::vector<const json*>& daemonsets,
                                                  const std::vector<NodeLabels>& nodes) {
  std::map<std::string, const NodeLabels*> by_name;
  for (const auto& n : nodes) by_name[n.name] = &n;
  std::string upstream_uid;
  int upstream_pods = 0, orphans = 0, elsewhere = 0;
  for (const auto& pod : pods_.store().List()) {
    if (pod->meta().deleting) continue;
    const kube::OwnerReference* owner = pod->meta().ControllerOwner();
    if (owner != nullptr) {
      if (owner->kind == "DaemonSet" && owner->name == kUpstreamDriverDaemonSet) {
        upstream_uid = owner->uid;
        ++upstream_pods;
      }
      continue;
    }
    // An orphan: upstream's DaemonSet is gone, its pods stay until a pool adopts them.
    const json tree = pod->Tree();
    const std::string node = tree["spec"].value("nodeName", "");
    auto it = by_name.find(node);
    const json* ds = it == by_name.end() ? nullptr : PoolDaemonSetFor(daemonsets, it->second->labels);
    if (ds == nullptr) {
      ++elsewhere;
      continue;
    }
    ++orphans;
    const json selector = ds->at("spec").at("selector").value("matchLabels", json::object());
    const auto labels = pod->Labels();
    bool selected = true;
    kube::MetadataChanges label_changes;
    for (const auto& [key, value] : selector.items()) {
      auto have = labels.find(key);
      if (have == labels.end() || have->second != value.get<std::string>()) {
        selected = false;
        label_changes[key] = value.get<std::string>();
      }
    }
    if (selected) continue;  // the pool's DaemonSet adopts it
    // The informer keeps no container images: the pod itself says what it runs.
    auto live = client_.Get(kube::resources::Pods(), namespace_, pod->name());
    if (kube::IsNotFound(live.status())) continue;
    if (!live.ok()) return live.status().WithContext("reading driver pod " + pod->name());
    const bool same = DriverImage(live->Tree()["spec"]) == DriverImage(ds->at("spec").at("template").at("spec"));
    label_changes[kDriverHandoverLabel] = same ? kSameImage : kOtherImage;
    auto patched = client_.Patch(kube::resources::Pods(), namespace_, pod->name(), kube::PatchType::kMerge,
                                 kube::MetadataPatch(*live, label_changes));
    if (!patched.ok() && !kube::IsNotFound(patched.status())) {
      return patched.status().WithContext("handing driver pod " + pod->name() + " to " +
                                          ds->at("metadata").value("name", ""));
    }
    kube::log::Info("driver pod handed to its pool's DaemonSet",
                    {{"pod", pod->name()}, {"node", node}, {"daemonset", ds->at("metadata").value("name", "")},
                     {"image", same ? "the pool's" : "another than the pool's"}});
  }
  if (!upstream_uid.empty()) {
    kube::DeleteOptions options;
    options.propagation_policy = "Orphan";
    options.precondition_uid = upstream_uid;
    kube::Status s = client_.Delete(kube::resources::DaemonSets(), namespace_, kUpstreamDriverDaemonSet, options);
    if (!s.ok() && !kube::IsNotFound(s)) return s.WithContext("releasing the pods of " + std::string(kUpstreamDriverDaemonSet));
    kube::log::Info("upstream's driver DaemonSet deleted, its pods kept for the pools",
                    {{"daemonset", kUpstreamDriverDaemonSet}, {"pods", std::to_string(upstream_pods)}});
    return Released{"handing " + Pods(upstream_pods) + " over from " + kUpstreamDriverDaemonSet, true};
  }
  if (orphans > 0) return Released{"handing " + Pods(orphans) + " over to their pools' DaemonSets", false};
  if (elsewhere > 0) return Released{Pods(elsewhere) + " without a DaemonSet run on nodes no driver pool covers", false};
  return Released{};
}

kube::Result<std::string> DriverHandover::Settle(const json& live) {
  const std::string uid = live["metadata"].value("uid", "");
  int waiting = 0;
  std::string newest;
  for (const auto& pod : pods_.store().ByIndex(kube::Store::kOwnerIndex, uid)) {
    const auto labels = pod->Labels();
    const auto marked = labels.find(kDriverHandoverLabel);
    if (marked == labels.end()) continue;
    const std::string& handover = marked->second;
    if (newest.empty()) newest = NewestRevisionHash(revisions_, uid);
    if (newest.empty()) {
      ++waiting;
      continue;
    }
    kube::MetadataChanges changes = {{kDriverHandoverLabel, std::nullopt}};
    // The pool's image: the pod is as current as one the DaemonSet made, until the driver changes.
    if (handover == kSameImage) changes[operators::kControllerRevisionHashLabel] = newest;
    auto patched = client_.Patch(kube::resources::Pods(), namespace_, pod->name(), kube::PatchType::kMerge,
                                 kube::MetadataPatch(*pod, changes));
    if (!patched.ok() && !kube::IsNotFound(patched.status())) {
      return patched.status().WithContext("settling driver pod " + pod->name());
    }
  }
  if (waiting > 0) return "handing " + Pods(waiting) + " over: the DaemonSet's revision is not known yet";
  return std::string();
}

}  // namespace gpu
