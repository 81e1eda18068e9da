#include "upgrade/gpu_upgrade_targets.h"

#include <nlohmann/json.hpp>

#include "cluster_policy_reconciler.h"
#include "cluster_policy_spec.h"
#include "gpu_labels.h"

namespace gpu {
namespace {

using nlohmann::json;

}  // namespace

upgrade::DriverFleet GpuDriverFleet(const std::string& operand_namespace, const std::string& node_selector) {
  return {upgrade::KeysForDriver("gpu"), upgrade::GpuDriverFlow(), operand_namespace, kDriverComponentSelector,
          kValidatorSelector, node_selector, kDriverUpgradeEnabledAnnotation};
}

std::vector<upgrade::UpgradeTarget> GpuUpgradeTargets(const kube::Informer& policies, const kube::Informer& drivers,
                                                      const std::string& operand_namespace) {
  std::vector<upgrade::UpgradeTarget> out;
  const kube::ObjectPtr policy = EffectivePolicy(policies);
  const json spec = policy && policy->CheckNesting().ok() ? policy->Tree().value("spec", json::object()) : json::object();
  const bool driver = policy && Enabled(spec, "driver", true) && !SandboxEnabled(spec);
  if (driver && SpecBool(spec, "/driver/useNvidiaDriverCRD", false)) {
    for (const auto& d : drivers.store().List()) {
      if (d->meta().deleting || !d->CheckNesting().ok()) continue;
      const json dspec = d->Tree().value("spec", json::object());
      out.push_back(upgrade::MakeUpgradeTarget(
          "NVIDIADriver/" + d->name(), GpuDriverFleet(operand_namespace, std::string(kDriverOwnerLabel) + "=" + d->name()),
          upgrade::ParseUpgradePolicyIn(dspec, "/upgradePolicy", upgrade::NvidiaDriverDefaults(), "spec.upgradePolicy")));
    }
    return out;
  }
  upgrade::UpgradeTarget t = upgrade::MakeUpgradeTarget(
      policy ? "ClusterPolicy/" + policy->name() : "ClusterPolicy", GpuDriverFleet(operand_namespace, ""),
      upgrade::ParseUpgradePolicyIn(spec, "/driver/upgradePolicy", upgrade::GpuDriverDefaults(),
                                    "spec.driver.upgradePolicy"));
  if (!driver) {
    t.policy_error = kube::Status::Ok();
    t.policy.auto_upgrade = false;  // nothing to upgrade: the labels go
  }
  out.push_back(std::move(t));
  return out;
}

}  // namespace gpu
