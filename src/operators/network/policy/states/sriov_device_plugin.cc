// state-SRIOV-device-plugin: the SR-IOV network device plugin advertising VFs as resources.
#include "states/states.h"

#include "states/state_rules.h"

namespace network::states {
namespace {

// The SR-IOV network device plugin's config: the fields its schema requires, checked.
kube::Status SriovContext(const RenderInputs& in, nlohmann::json* ctx) {
  auto config = ParseResourceConfig(in, "resourceList");
  if (!config.ok()) return config.status();
  for (size_t i = 0; i < (*config)["resourceList"].size(); ++i) {
    const auto& entry = (*config)["resourceList"][i];
    const std::string at = in.field + ".config.resourceList[" + std::to_string(i) + "]";
    if (entry.contains("resourcePrefix") &&
        (!entry["resourcePrefix"].is_string() || !IsDnsSubdomain(entry["resourcePrefix"].get<std::string>()))) {
      return Invalid(at + ".resourcePrefix", "must be a domain name");
    }
    if (entry.contains("deviceType")) {
      const std::string type = entry["deviceType"].is_string() ? entry["deviceType"].get<std::string>() : "";
      if (type != "netDevice" && type != "accelerator" && type != "auxNetDevice") {
        return Invalid(at + ".deviceType", "must be netDevice, accelerator or auxNetDevice");
      }
    }
    if (entry.contains("selectors") && !entry["selectors"].is_object() && !entry["selectors"].is_array()) {
      return Invalid(at + ".selectors", "must be an object or a list of objects");
    }
  }
  (*ctx)["useCdi"] = in.section.value("useCdi", false);
  return kube::Status::Ok();
}

}  // namespace

StateDefinition SriovDevicePlugin() {
  StateDefinition s;
  s.name = "state-SRIOV-device-plugin";
  s.manifests = "network-operator/state-sriov-device-plugin";
  s.kinds = {"ServiceAccount", "ConfigMap", "DaemonSet"};
  s.customize = SriovContext;
  s.condition_type = "SRIOVDevicePluginReady";
  s.section = "/sriovDevicePlugin";
  s.containers = {"kube-sriovdp"};
  return s;
}

}  // namespace network::states
