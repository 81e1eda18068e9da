#include "inventory_reconciler.h"

#include <nlohmann/json.hpp>

#include "kube/log.h"

namespace inventory {

std::map<std::string, std::string> RenderInventory(const std::vector<kube::ObjectPtr>& nodes) {
  std::map<std::string, std::string> data;
  int ready = 0;
  for (const auto& node : nodes) {
    nlohmann::json tree = node->Tree();
    bool is_ready = false;
    if (tree.contains("status") && tree["status"].contains("conditions")) {
      for (const auto& c : tree["status"]["conditions"]) {
        if (c.value("type", "") == "Ready") is_ready = c.value("status", "") == "True";
      }
    }
    if (is_ready) ++ready;
    nlohmann::json entry = {{"ready", is_ready}, {"labels", node->Labels()}};
    data["node." + node->name()] = entry.dump();
  }
  data["summary"] = std::to_string(nodes.size()) + " nodes, " + std::to_string(ready) + " ready";
  return data;
}

InventoryReconciler::InventoryReconciler(kube::Client& client, kube::EventRecorder& recorder, kube::Informer& nodes,
                                         kube::Informer& config_maps, std::string ns, std::string name)
    : client_(client),
      recorder_(recorder),
      nodes_(nodes),
      config_maps_(config_maps),
      namespace_(std::move(ns)),
      name_(std::move(name)) {}

kube::Result<kube::ReconcileResult> InventoryReconciler::Reconcile(const kube::ReconcileRequest&, std::stop_token) {
  reconciles_++;
  const auto desired = RenderInventory(nodes_.store().List());
  // Compare with what the cache holds: equal data means no request at all.
  std::map<std::string, std::string> current_data;
  if (kube::ObjectPtr current = config_maps_.store().Get(kube::ObjectKey(namespace_, name_))) {
    nlohmann::json tree = current->Tree();
    if (tree.contains("data") && tree["data"].is_object()) {
      current_data = tree["data"].get<std::map<std::string, std::string>>();
    }
    if (current_data == desired) return kube::ReconcileResult{};
  }
  std::string changed;
  for (const auto& [key, value] : desired) {
    auto it = current_data.find(key);
    if (it == current_data.end() || it->second != value) changed += (changed.empty() ? "" : ",") + key;
  }
  for (const auto& [key, value] : current_data) {
    if (!desired.count(key)) changed += (changed.empty() ? "-" : ",-") + key;
  }
  nlohmann::json cm = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata",
                        {{"name", name_},
                         {"namespace", namespace_},
                         {"labels", {{"app.kubernetes.io/managed-by", kFieldManager}}}}},
                       {"data", desired}};
  auto applied = client_.Apply(kube::resources::ConfigMaps(), cm, {kFieldManager, true, ""});
  if (!applied.ok()) return applied.status().WithContext("applying ConfigMap " + namespace_ + "/" + name_);
  writes_++;
  const std::string& summary = desired.at("summary");
  kube::log::Info("inventory updated",
                  {{"configmap", namespace_ + "/" + name_}, {"summary", summary}, {"changed", changed}});
  recorder_.Normal(kube::ObjectReference::To(*applied, "v1", "ConfigMap"), "InventoryUpdated", summary);
  return kube::ReconcileResult{};
}

}  // namespace inventory
