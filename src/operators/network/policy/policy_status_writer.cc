#include "policy_status_writer.h"

#include "kube/log.h"
#include "nic_cluster_policy_reconciler.h"

namespace network {

kube::Status WritePolicyStatus(kube::Client& client, kube::EventRecorder& recorder, const kube::Resource& resource,
                               const kube::Object& policy, const nlohmann::json& current,
                               const nlohmann::json& desired) {
  if (current == desired) return kube::Status::Ok();
  nlohmann::json body = {{"apiVersion", resource.ApiVersion()},
                         {"kind", resource.kind},
                         {"metadata", {{"name", policy.name()}}},
                         {"status", desired}};
  auto applied = client.Apply(resource, body, {NicClusterPolicyReconciler::kFieldManager, true, "status"});
  if (!applied.ok()) return applied.status().WithContext("writing " + resource.kind + " status");
  const std::string before = current.is_object() ? current.value("state", "") : "";
  const std::string after = desired.value("state", "");
  if (before == after) return kube::Status::Ok();
  auto ref = kube::ObjectReference::To(policy, resource.ApiVersion(), resource.kind);
  std::string message = "state " + after;
  if (desired.contains("reason")) message += ": " + desired.value("reason", "");
  for (const auto& s : desired.value("appliedStates", nlohmann::json::array())) {
    if (s.value("state", "") == "error" || s.value("state", "") == "notReady") {
      message += "; " + s.value("name", "") + ": " + s.value("state", "") +
                 (s.contains("message") ? " (" + s.value("message", "") + ")" : "");
    }
  }
  if (after == "error") recorder.Warning(ref, "StateError", message);
  else recorder.Normal(ref, after == "ready" ? "Ready" : "StateChanged", message);
  kube::log::Info(resource.kind + " state changed", {{"name", policy.name()}, {"from", before}, {"to", after}});
  return kube::Status::Ok();
}

}  // namespace network
