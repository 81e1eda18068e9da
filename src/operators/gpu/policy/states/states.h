// The definition of each ClusterPolicy state, one file per state (states/<state>.cc): its
// name and template directory, enable rule, image section, pools, and its own context and
// DaemonSet hooks. ClusterPolicyStates() lists them in upstream's order.
#ifndef OPERATORS_GPU_POLICY_STATES_STATES_H_
#define OPERATORS_GPU_POLICY_STATES_STATES_H_

#include "gpu_states.h"

namespace gpu::states {

GpuState PreRequisites();
GpuState OperatorMetrics();
GpuState Driver();
GpuState ContainerToolkit();
GpuState OperatorValidation();
GpuState DevicePlugin();
GpuState MpsControlDaemon();
GpuState Dcgm();
GpuState DcgmExporter();
GpuState GpuFeatureDiscovery();
GpuState MigManager();
GpuState NodeStatusExporter();
GpuState VgpuManager();
GpuState VgpuDeviceManager();
GpuState SandboxValidation();
GpuState VfioManager();
GpuState SandboxDevicePlugin();
GpuState KataDevicePlugin();
GpuState KataManager();
GpuState CcManager();

}  // namespace gpu::states

#endif  // OPERATORS_GPU_POLICY_STATES_STATES_H_
