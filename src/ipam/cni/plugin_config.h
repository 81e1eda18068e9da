// PluginConfig: the nv-ipam CNI plugin's settings for one call, from the
// network config on stdin (upstream keys: poolName, poolType, forcePoolName,
// daemonSocket, daemonCallTimeoutSeconds, confDir, logFile, logLevel), the
// defaults file in confDir (nv-ipam.conf), runtime `args`/`runtimeConfig`
// (ips, poolNames, poolType, allocateDefaultGateway, allocateIPWithIndex)
// and CNI_ARGS (K8S_POD_*, IP).
#ifndef IPAM_CNI_PLUGIN_CONFIG_H_
#define IPAM_CNI_PLUGIN_CONFIG_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"
#include "rpc/ipam_protocol.h"

namespace ipam {

// The defaults, shared with the node daemon that writes the defaults file.
inline constexpr const char* kDefaultConfDir = "/etc/cni/net.d/nv-ipam.d";
inline constexpr const char* kDefaultDaemonSocket = "unix:///var/lib/cni/nv-ipam/daemon.sock";
inline constexpr const char* kDefaultLogFile = "/var/log/nv-ipam-cni.log";
inline constexpr const char* kDefaultLogLevel = "info";
inline constexpr int kDefaultDaemonCallTimeoutSeconds = 5;

struct PluginConfig {
  std::string cni_version;
  std::string network_name;
  std::vector<PoolRef> pools;
  std::string daemon_socket;  // a path, without unix://
  std::chrono::seconds daemon_timeout{kDefaultDaemonCallTimeoutSeconds};
  std::string log_file;
  std::string log_level;
  PodRef pod;
  std::vector<IPAddress> static_ips;
  bool allocate_default_gateway = false;
  std::optional<uint64_t> ip_index;
};

// InvalidArgument naming the key on a bad config.
kube::Result<PluginConfig> LoadPluginConfig(const nlohmann::json& network_config, const std::string& cni_args);

}  // namespace ipam

#endif  // IPAM_CNI_PLUGIN_CONFIG_H_
