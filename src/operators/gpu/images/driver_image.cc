#include "images/driver_image.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace gpu {

std::string OsTag(const std::string& os_id, const std::string& version_id) {
  std::string version = version_id;
  if (os_id == "rhel" || os_id == "rocky" || os_id == "ol") version = version.substr(0, version.find('.'));
  return os_id + version;
}

std::string SanitizeKernel(const std::string& kernel) {
  std::string k = kernel;
  // Longest suffixes first, so ".x86_64_64k" is not left as "_64k".
  for (const char* arch : std::array{"x86_64_64k", "aarch64_64k", "x86_64", "aarch64"}) {
    const std::string suffix(arch);
    if (k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
      k.erase(k.size() - suffix.size());
      break;
    }
  }
  std::replace(k.begin(), k.end(), '_', '.');
  while (!k.empty() && k.back() == '.') k.pop_back();
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  return k;
}

kube::Result<std::string> DriverImage(const std::string& repository, const std::string& image,
                                      const std::string& version, const std::string& os_tag, bool precompiled,
                                      const std::string& kernel) {
  const bool digest = version.find("sha256:") != std::string::npos || image.find("sha256:") != std::string::npos;
  if (digest && precompiled) {
    return kube::Status(kube::Code::kInvalidArgument,
                        "spec.driver.version: a digest cannot be used with usePrecompiled (the tag names the kernel)");
  }
  const std::string base = repository.empty() ? image : repository + "/" + image;
  if (digest) return version.empty() ? base : base + "@" + version;
  if (version.empty()) return kube::Status(kube::Code::kInvalidArgument, "spec.driver.version: required");
  if (os_tag.empty()) return kube::Status(kube::Code::kInvalidArgument, "the node's OS is unknown (no os-release labels)");
  if (!precompiled) return base + ":" + version + "-" + os_tag;
  if (kernel.empty()) {
    return kube::Status(kube::Code::kInvalidArgument, "the node's kernel is unknown (no kernel-version.full label)");
  }
  const std::string branch = version.substr(0, version.find('.'));
  return base + ":" + branch + "-" + kernel + "-" + os_tag;
}

std::string DriverDaemonSetName(const std::string& os_tag, const std::string& kernel) {
  return "nvidia-driver-daemonset-" + (kernel.empty() ? "" : SanitizeKernel(kernel) + "-") + os_tag;
}

}  // namespace gpu
