// Every label and annotation name the GPU operator reads or writes, as
// upstream's GPU Operator spells them (or ours, where marked).
#ifndef OPERATORS_GPU_GPU_LABELS_H_
#define OPERATORS_GPU_GPU_LABELS_H_

#include "well_known_labels.h"

namespace gpu {

// On the objects states create.
inline constexpr const char* kStateLabel = "nvidia.com/gpu-operator.state";
inline constexpr const char* kRevisionAnnotation = "nvidia.com/last-applied-hash";
// Pod annotation prefix asking the NRI plugin for a CDI device for the named container.
inline constexpr const char* kNriContainerAnnotationPrefix = "nvidia.cdi.k8s.io/container.";

// On nodes.
inline constexpr const char* kGpuPresentLabel = "nvidia.com/gpu.present";
inline constexpr const char* kDeployLabelPrefix = "nvidia.com/gpu.deploy.";
inline constexpr const char* kDeployOperandsLabel = "nvidia.com/gpu.deploy.operands";
inline constexpr const char* kWorkloadConfigLabel = "nvidia.com/gpu.workload.config";
inline constexpr const char* kGpuProductLabel = "nvidia.com/gpu.product";
inline constexpr const char* kMigCapableLabel = "nvidia.com/mig.capable";
inline constexpr const char* kMigConfigLabel = "nvidia.com/mig.config";
inline constexpr const char* kVgpuHostDriverLabel = "nvidia.com/vgpu.host-driver-version";
inline constexpr const char* kDriverOwnerLabel = "nvidia.com/gpu-operator.driver.owner";
// "true" where the driver upgrade engine is in charge: the driver pod's manager leaves eviction and
// drain to it. (The engine's own keys: upgrade::KeysForDriver("gpu").)
inline constexpr const char* kDriverUpgradeEnabledAnnotation = "nvidia.com/gpu-driver-upgrade-enabled";
// NVIDIA's PCI vendor: any device, 3D controllers, VGA controllers.
inline constexpr const char* kNvidiaPciLabels[] = {"feature.node.kubernetes.io/pci-10de.present",
                                                   "feature.node.kubernetes.io/pci-0302_10de.present",
                                                   "feature.node.kubernetes.io/pci-0300_10de.present"};

// What the driver pools select on.
inline constexpr const char* kOsIdLabel = operators::kNfdOsIdLabel;
inline constexpr const char* kOsVersionLabel = operators::kNfdOsVersionLabel;
inline constexpr const char* kOsMajorLabel = operators::kNfdOsMajorLabel;
inline constexpr const char* kKernelLabel = operators::kNfdKernelLabel;

// On pods: the driver's (whichever policy runs it) and the validator's.
inline constexpr const char* kDriverComponentSelector = "app.kubernetes.io/component=nvidia-driver";
inline constexpr const char* kValidatorSelector = "app=nvidia-operator-validator";

// Ours: on a driver pod being handed over from upstream's DaemonSet, "same-image" or "other-image".
inline constexpr const char* kDriverHandoverLabel = "nvidia.com/driver-handover";

}  // namespace gpu

#endif  // OPERATORS_GPU_GPU_LABELS_H_
