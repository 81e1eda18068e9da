// DaemonHandler: turns the node daemon's protocol requests into IpamService
// calls and their results or errors into answers.
#ifndef IPAM_NODE_DAEMON_HANDLER_H_
#define IPAM_NODE_DAEMON_HANDLER_H_

#include <nlohmann/json.hpp>

#include "node/ipam_service.h"

namespace ipam {

nlohmann::json HandleDaemonRequest(IpamService& service, const nlohmann::json& request);

}  // namespace ipam

#endif  // IPAM_NODE_DAEMON_HANDLER_H_
