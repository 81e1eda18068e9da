#include "gpu_states.h"

#include <algorithm>

#include "states/states.h"

namespace gpu {

const std::vector<GpuState>& ClusterPolicyStates() {
  static const std::vector<GpuState> list = {
        states::PreRequisites(),
        states::OperatorMetrics(),
        states::Driver(),
        states::ContainerToolkit(),
        states::OperatorValidation(),
        states::DevicePlugin(),
        states::MpsControlDaemon(),
        states::Dcgm(),
        states::DcgmExporter(),
        states::GpuFeatureDiscovery(),
        states::MigManager(),
        states::NodeStatusExporter(),
        states::VgpuManager(),
        states::VgpuDeviceManager(),
        states::SandboxValidation(),
        states::VfioManager(),
        states::SandboxDevicePlugin(),
        states::KataDevicePlugin(),
        states::KataManager(),
        states::CcManager(),
  };
  return list;
}

const GpuState& ClusterPolicyState(const std::string& name) {
  const auto& list = ClusterPolicyStates();
  return *std::find_if(list.begin(), list.end(), [&](const GpuState& s) { return s.name == name; });
}

}  // namespace gpu
