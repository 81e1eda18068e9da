// The CNI wire format of the nv-ipam plugin's answers: results in the shape of
// the requested spec version (0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0), errors with
// their codes, and the VERSION answer.
//
// Error codes: the spec's own where one fits (1 incompatible version, 4
// invalid environment, 6 undecodable config, 7 invalid config, 11 try again
// later), and the plugin's:
//   101  no free addresses in this node's range
//   102  the pool does not exist or has no block for this node
//   103  the requested address is reserved by another container
//   104  CHECK found no reservation for the container
#ifndef IPAM_CNI_CNI_RESULT_H_
#define IPAM_CNI_CNI_RESULT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"
#include "rpc/ipam_protocol.h"

namespace ipam {

bool SupportedCniVersion(const std::string& version);
// CHECK exists from 0.4.0 on.
bool CniVersionHasCheck(const std::string& version);
nlohmann::json CniVersionInfo(const std::string& cni_version);
nlohmann::json CniResult(const std::string& cni_version, const std::vector<AllocatedAddress>& addresses);
// The CNI error code for a daemon or config error.
int CniErrorCode(const kube::Status& status);
nlohmann::json CniError(const std::string& cni_version, int code, const std::string& msg,
                        const std::string& details = "");

}  // namespace ipam

#endif  // IPAM_CNI_CNI_RESULT_H_
