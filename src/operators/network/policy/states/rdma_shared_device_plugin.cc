// state-RDMA-device-plugin: the RDMA shared device plugin advertising RDMA devices as resources.
#include "states/states.h"

#include "states/state_rules.h"

namespace network::states {
namespace {

// The RDMA shared device plugin's config: the fields its schema requires, checked.
kube::Status RdmaContext(const RenderInputs& in, nlohmann::json* ctx) {
  auto config = ParseResourceConfig(in, "configList");
  if (!config.ok()) return config.status();
  for (size_t i = 0; i < (*config)["configList"].size(); ++i) {
    const auto& entry = (*config)["configList"][i];
    const std::string at = in.field + ".config.configList[" + std::to_string(i) + "]";
    if (entry.contains("rdmaHcaMax") && (!entry["rdmaHcaMax"].is_number_integer() || entry["rdmaHcaMax"].get<int64_t>() < 0)) {
      return Invalid(at + ".rdmaHcaMax", "must be a non-negative integer");
    }
    if (entry.contains("selectors") && !entry["selectors"].is_object()) return Invalid(at + ".selectors", "must be an object");
  }
  (*ctx)["useCdi"] = in.section.value("useCdi", false);
  return kube::Status::Ok();
}

}  // namespace

StateDefinition RdmaSharedDevicePlugin() {
  StateDefinition s;
  s.name = "state-RDMA-device-plugin";
  s.manifests = "network-operator/state-rdma-shared-device-plugin";
  s.kinds = {"ConfigMap", "DaemonSet"};
  s.customize = RdmaContext;
  s.condition_type = "RDMASharedDevicePluginReady";
  s.section = "/rdmaSharedDevicePlugin";
  s.containers = {"rdma-shared-dp"};
  return s;
}

}  // namespace network::states
