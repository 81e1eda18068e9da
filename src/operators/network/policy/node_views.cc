#include "node_views.h"

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
    return NodeLabels{n.name(), n.Labels(), t.value("spec", nlohmann::json::object()).value("taints", nlohmann::json::array())};
  });
}

std::vector<DriverPod> NodeViews::DriverPods() {
  std::lock_guard lock(mu_);
  return Read(driver_pods_, &pod_memo_, [](const kube::Object& p) {
    nlohmann::json t = p.Tree();
    DriverPod pod{t.value("spec", nlohmann::json::object()).value("nodeName", ""), false};
    for (const auto& c : t.value("status", nlohmann::json::object()).value("containerStatuses", nlohmann::json::array())) {
      if (c.value("name", "") == "mofed-container") pod.ready = c.value("ready", false);
    }
    return pod;
  });
}

}  // namespace network
