// The charts' CRD hook (upstream's upgradeCRDs and cleanupCRD): reads the
// CustomResourceDefinitions shipped in an image's CRD directory, applies them
// with server-side apply and waits until the API server serves each, or
// removes them. Every file is read and checked before the cluster is touched,
// so a bad file changes nothing. Not thread-safe; one call at a time.
#ifndef OPERATORS_COMMON_CRD_UPGRADE_H_
#define OPERATORS_COMMON_CRD_UPGRADE_H_

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/client.h"
#include "kube/status.h"

namespace operators {

// Every CustomResourceDefinition in the *.yaml and *.yml files of `dir`, files in name order. A
// document of another kind, one without a name, or a directory holding none is an error naming the file.
[[nodiscard]] kube::Result<std::vector<nlohmann::json>> ReadCrdDirectory(const std::string& dir);

struct CrdApplyOptions {
  std::string field_manager;
  std::chrono::seconds established_timeout{120};
};

// Applies each CRD (forcing ownership of its fields, as `kubectl apply --server-side --force-conflicts`
// would), then waits until every one is Established. On timeout the error lists those still not served.
[[nodiscard]] kube::Status ApplyCrds(kube::Client& client, const std::vector<nlohmann::json>& crds,
                                     const CrdApplyOptions& options, std::stop_token stop);

// Deletes each CRD (and with it every object of its kind); one already gone is not an error.
[[nodiscard]] kube::Status DeleteCrds(kube::Client& client, const std::vector<nlohmann::json>& crds);

}  // namespace operators

#endif  // OPERATORS_COMMON_CRD_UPGRADE_H_
