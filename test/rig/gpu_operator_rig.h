// The GPU operator on the rig, as its suites run it: its API (the chart's
// CRDs) and operand namespace installed, then the operator process with no
// metrics or health ports. Callers wait for "starting workers".
#ifndef TEST_RIG_GPU_OPERATOR_RIG_H_
#define TEST_RIG_GPU_OPERATOR_RIG_H_

#include <memory>
#include <string>

#include "child_process.h"
#include "rig_environment.h"

namespace rig {

// The CRDs and the namespace (which may exist already).
inline kube::Status InstallGpuOperatorApi(const std::string& ns) {
  auto& env = RigEnvironment::Get();
  KUBE_RETURN_IF_ERROR(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/deploy/gpu-operator/chart/crds"));
  (void)env.NewClient()->Create(kube::resources::Namespaces(),
                                {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  return kube::Status::Ok();
}

// Adds `n` kwok nodes named `prefix`-0.. with the labels NFD gives a node with an NVIDIA GPU on
// `os` `version` (ID and VERSION_ID, its major) running `kernel`, and `extra` ("k=v,..."). Returns
// the rig command's exit code.
inline int AddGpuNodes(const std::string& prefix, int n, const std::string& os, const std::string& version,
                       const std::string& kernel, const std::string& extra = "") {
  const std::string nfd = "feature.node.kubernetes.io/";
  const std::string labels = nfd + "pci-10de.present=true," + nfd + "system-os_release.ID=" + os + "," + nfd +
                             "system-os_release.VERSION_ID=" + version + "," + nfd +
                             "system-os_release.VERSION_ID.major=" + version.substr(0, version.find('.')) + "," +
                             nfd + "kernel-version.full=" + kernel + (extra.empty() ? "" : "," + extra);
  return RigEnvironment::Get().RigCommand("nodes " + std::to_string(n) + " --prefix " + prefix + " --labels " + labels);
}

inline std::unique_ptr<ChildProcess> StartGpuOperator(const std::string& ns) {
  return std::make_unique<ChildProcess>(
      GPU_OPERATOR_BIN, std::vector<std::string>{"--kubeconfig", RigEnvironment::Get().kubeconfig(),
                                                 "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                                                 "--operand-namespace", ns});
}

}  // namespace rig

#endif  // TEST_RIG_GPU_OPERATOR_RIG_H_
