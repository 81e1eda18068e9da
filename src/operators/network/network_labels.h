// Every label and annotation name the network operator reads or writes, as
// upstream's Network Operator spells them.
#ifndef OPERATORS_NETWORK_NETWORK_LABELS_H_
#define OPERATORS_NETWORK_NETWORK_LABELS_H_

#include "well_known_labels.h"

namespace network {

// On the objects states create.
inline constexpr const char* kStateLabel = "nvidia.network-operator.state";
// The hash of what was last applied, so an unchanged object is not written again.
inline constexpr const char* kRevisionAnnotation = "nvidia.network-operator.revision";

// On nodes.
inline constexpr const char* kNicLabel = "feature.node.kubernetes.io/pci-15b3.present";
inline constexpr const char* kOsIdLabel = operators::kNfdOsIdLabel;
inline constexpr const char* kOsVersionLabel = operators::kNfdOsVersionLabel;
inline constexpr const char* kKernelLabel = operators::kNfdKernelLabel;
inline constexpr const char* kArchLabel = operators::kArchLabel;
// Whether pods that need the NIC driver (or its configuration) must wait on this node.
inline constexpr const char* kMofedWaitLabel = "network.nvidia.com/operator.mofed.wait";
inline constexpr const char* kNicConfigurationWaitLabel = "network.nvidia.com/operator.nic-configuration.wait";

// On the OFED driver's pods (the upgrade engine's keys for it: upgrade::KeysForDriver("ofed")).
inline constexpr const char* kOfedDriverPodLabel = "nvidia.com/ofed-driver";

}  // namespace network

#endif  // OPERATORS_NETWORK_NETWORK_LABELS_H_
