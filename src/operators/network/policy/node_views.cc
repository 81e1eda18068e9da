#include "node_views.h"

#include "container_runtime.h"

namespace network {

template <typename T, typename Convert>
std::vector<T> NodeViews::Read(kube::Informer& informer, std::unordered_map<std::string, Versioned<T>>* memo,
                               Convert convert) {
  std::unordered_map<std::string, Versioned<T>> fresh;
  std::vector<T> out;
  for (const auto& obj : informer.store().List()) {
    const std::string key = obj->Key();
    auto it = memo->find(key);
    if (it != memo->end() && it->second.resource_version == obj->resource_version()) {
      out.push_back(it->second.value);
      fresh.emplace(key, std::move(it->second));
    } else {
      T value = convert(*obj);
      out.push_back(value);
      fresh.emplace(key, Versioned<T>{obj->resource_version(), std::move(value)});
    }
  }
  *memo = std::move(fresh);  // objects gone from the cache are forgotten
  return out;
}

std::vector<NodeLabels> NodeViews::Nodes() {
  std::lock_guard lock(mu_);
  return Read(nodes_, &node_memo_, [](const kube::Object& n) {
    nlohmann::json t = n.Tree();
    NodeLabels out{n.name(), n.Labels(), t.value("spec", nlohmann::json::object()).value("taints", nlohmann::json::array()),
                   common::ContainerRuntimeName(t), {}};
    const nlohmann::json annotations = t["metadata"].value("annotations", nlohmann::json::object());
    for (const auto& [key, value] : annotations.items()) {
      if (value.is_string()) out.annotations[key] = value.get<std::string>();
    }
    return out;
  });
}

std::vector<DriverPod> NodeViews::DriverPods() {
  std::lock_guard lock(mu_);
  std::vector<DriverPod> pods = Read(driver_pods_, &pod_memo_, [](const kube::Object& p) {
    nlohmann::json t = p.Tree();
    DriverPod pod{t.value("spec", nlohmann::json::object()).value("nodeName", ""), false};
    for (const auto& c : t.value("status", nlohmann::json::object()).value("containerStatuses", nlohmann::json::array())) {
      if (c.value("name", "") == "mofed-container") pod.ready = c.value("ready", false);
    }
    const auto* owner = p.meta().ControllerOwner();
    pod.daemonset = owner ? p.namespace_() + "/" + owner->name : "";
    const auto labels = p.Labels();
    auto generation = labels.find("pod-template-generation");
    pod.template_generation = generation == labels.end() ? "" : generation->second;
    return pod;
  });
  // Current: the pod's template generation is its DaemonSet's (a pod whose DaemonSet is not
  // known, or without the label, counts as current). Each DaemonSet is read once per call.
  if (daemonsets_ != nullptr) {
    std::unordered_map<std::string, std::string> generations;  // DaemonSet key -> template generation
    for (auto& pod : pods) {
      if (pod.daemonset.empty() || pod.template_generation.empty()) continue;
      auto [it, fresh] = generations.try_emplace(pod.daemonset);
      if (fresh) {
        if (kube::ObjectPtr ds = daemonsets_->store().Get(pod.daemonset)) {
          it->second = ds->Tree()["metadata"]
                           .value("annotations", nlohmann::json::object())
                           .value("deprecated.daemonset.template.generation", "");
        }
      }
      pod.current = it->second.empty() || it->second == pod.template_generation;
    }
  }
  return pods;
}

}  // namespace network
