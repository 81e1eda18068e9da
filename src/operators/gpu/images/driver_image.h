// Driver image tags and DaemonSet names per OS and kernel, as upstream
// composes them:
//   standard     <repo>/<image>:<version>-<os><osversion>
//   precompiled  <repo>/<image>:<branch>-<kernel>-<os><osversion>
// where rhel, rocky and ol use the major OS version only ("rhel9") and a
// digest is used as is (no OS suffix; not allowed with precompiled).
#ifndef OPERATORS_GPU_IMAGES_DRIVER_IMAGE_H_
#define OPERATORS_GPU_IMAGES_DRIVER_IMAGE_H_

#include <string>

#include "kube/status.h"

namespace gpu {

// "ubuntu22.04", "rhel9", "rhcos4.18", from the node's os-release ID and VERSION_ID.
std::string OsTag(const std::string& os_id, const std::string& version_id);

// The kernel as it appears in names: architecture suffixes stripped, "_" to ".", no trailing
// ".", lower case ("5.15.0-131-generic", "5.14.0-427.13.1.el9_4.x86_64" -> "5.14.0-427.13.1.el9.4").
std::string SanitizeKernel(const std::string& kernel);

// The driver image for one pool. `branch` is the major driver version for precompiled images
// ("535" of "535.230.02"); `kernel` is empty unless precompiled.
kube::Result<std::string> DriverImage(const std::string& repository, const std::string& image,
                                      const std::string& version, const std::string& os_tag, bool precompiled,
                                      const std::string& kernel);

// "nvidia-driver-daemonset-ubuntu22.04", or with precompiled drivers
// "nvidia-driver-daemonset-5.15.0-131-generic-ubuntu22.04".
std::string DriverDaemonSetName(const std::string& os_tag, const std::string& kernel);

}  // namespace gpu

#endif  // OPERATORS_GPU_IMAGES_DRIVER_IMAGE_H_
