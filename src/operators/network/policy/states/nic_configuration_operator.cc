// state-nic-configuration-operator: the operator and daemon that set NIC firmware parameters.
#include "states/states.h"

#include <re2/re2.h>

#include "states/state_rules.h"

namespace network::states {
namespace {

kube::Status NicConfigurationContext(const RenderInputs& in, nlohmann::json* ctx) {
  const nlohmann::json& sec = in.section;
  const std::string level = sec.value("logLevel", "info");
  if (level != "info" && level != "debug") return Invalid(in.field + ".logLevel", "must be info or debug");
  nlohmann::json env = sec.value("env", nlohmann::json::array());
  env.insert(env.begin(), nlohmann::json{{"name", "LOG_LEVEL"}, {"value", level}});
  (*ctx)["envJson"] = env.dump();
  nlohmann::json daemon_env = nlohmann::json::array({{{"name", "NODE_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}},
                                                   {{"name", "NAMESPACE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}}},
                                                   {{"name", "LOG_LEVEL"}, {"value", level}}});
  // The user's env goes to the daemon too, where firmware settings such as FW_RESET_AFTER_CONFIG_UPDATE act.
  for (const auto& e : sec.value("env", nlohmann::json::array())) daemon_env.push_back(e);
  (*ctx)["daemonEnvJson"] = daemon_env.dump();
  (*ctx)["firmwareStorage"] = false;
  if (sec.contains("nicFirmwareStorage") && sec["nicFirmwareStorage"].is_object()) {
    const nlohmann::json& storage = sec["nicFirmwareStorage"];
    const std::string field = in.field + ".nicFirmwareStorage";
    const std::string pvc = storage.value("pvcName", "nic-fw-storage-pvc");
    static const RE2 kLabel("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    if (pvc.size() > 63 || !RE2::FullMatch(pvc, kLabel)) {
      return Invalid(field + ".pvcName", kube::Quoted(pvc) + " is not a valid PersistentVolumeClaim name (DNS label)");
    }
    const std::string size = storage.value("availableStorageSize", "1Gi");
    static const RE2 kSize("[0-9]+(Ei|Pi|Ti|Gi|Mi|Ki)");
    if (!RE2::FullMatch(size, kSize)) {
      return Invalid(field + ".availableStorageSize", kube::Quoted(size) + " must be a number with a unit Ki to Ei, like 1Gi");
    }
    (*ctx)["firmwareStorage"] = {{"create", storage.value("create", true)},
                                 {"pvcName", pvc},
                                 {"storageClassName", storage.value("storageClassName", "")},
                                 {"availableStorageSize", size}};
  }
  return kube::Status::Ok();
}

}  // namespace

StateDefinition NicConfigurationOperator() {
  StateDefinition s;
  s.name = "state-nic-configuration-operator";
  s.manifests = "network-operator/state-nic-configuration-operator";
  s.kinds = {"CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "PersistentVolumeClaim", "Deployment", "DaemonSet"};
  s.customize = NicConfigurationContext;
  s.condition_type = "NICConfigurationOperatorReady";
  s.section = "/nicConfigurationOperator";
  s.containers = {"nic-configuration-operator", "nic-configuration-daemon"};
  s.default_resources = {{"nic-configuration-operator", {{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}, {"limits", {{"cpu", "1"}, {"memory", "5Gi"}}}}},
                         {"nic-configuration-daemon", {{"requests", {{"cpu", "100m"}, {"memory", "512Mi"}}}, {"limits", {{"memory", "5Gi"}}}}}};
  s.image_specs = {"/operator", "/configurationDaemon"};
  return s;
}

}  // namespace network::states
