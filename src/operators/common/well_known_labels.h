// Label names both operators read or write that neither owns: Kubernetes'
// own and Node Feature Discovery's. Each operator's own names are in its
// labels header (gpu/gpu_labels.h, network/network_labels.h).
#ifndef OPERATORS_COMMON_WELL_KNOWN_LABELS_H_
#define OPERATORS_COMMON_WELL_KNOWN_LABELS_H_

namespace operators {

inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kPartOfLabel = "app.kubernetes.io/part-of";
// Set by the DaemonSet controller on each pod: the revision of the template it was made from.
inline constexpr const char* kControllerRevisionHashLabel = "controller-revision-hash";
inline constexpr const char* kArchLabel = "kubernetes.io/arch";

// Node Feature Discovery (or the node agent, which writes the same names).
inline constexpr const char* kNfdLabelPrefix = "feature.node.kubernetes.io/";
inline constexpr const char* kNfdOsIdLabel = "feature.node.kubernetes.io/system-os_release.ID";
inline constexpr const char* kNfdOsVersionLabel = "feature.node.kubernetes.io/system-os_release.VERSION_ID";
inline constexpr const char* kNfdOsMajorLabel = "feature.node.kubernetes.io/system-os_release.VERSION_ID.major";
inline constexpr const char* kNfdKernelLabel = "feature.node.kubernetes.io/kernel-version.full";

}  // namespace operators

#endif  // OPERATORS_COMMON_WELL_KNOWN_LABELS_H_
