// CniInstall: what the node daemon puts on the host for the nv-ipam CNI
// plugin before it serves, as upstream's node daemon does: a copy of the
// plugin in the host's CNI bin directory and the plugin's defaults file
// (nv-ipam.conf: the daemon's socket, call timeout and the plugin's log) in
// its configuration directory. Both are replaced atomically (written beside,
// then renamed), so a runtime that starts the plugin meanwhile sees the old
// file or the new one, never half of one. Stateless; safe from any thread.
#ifndef IPAM_NODE_CNI_INSTALL_H_
#define IPAM_NODE_CNI_INSTALL_H_

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cni/plugin_config.h"
#include "kube/status.h"

namespace ipam {

struct CniInstallOptions {
  std::string plugin_source = "/nv-ipam";        // the plugin inside the daemon's image
  std::string bin_dir = "/opt/cni/bin";          // the host's CNI bin directory
  std::string conf_dir = kDefaultConfDir;
  bool skip_binary = false;
  bool skip_config = false;
  std::string daemon_socket = kDefaultDaemonSocket;
  int daemon_call_timeout_seconds = kDefaultDaemonCallTimeoutSeconds;
  std::string log_file = kDefaultLogFile;
  std::string log_level = kDefaultLogLevel;
};

// The defaults file's content.
[[nodiscard]] nlohmann::json CniDefaults(const CniInstallOptions& options);

// Copies the plugin and writes the defaults file, unless skipped. An error names the path and the flag that set it.
[[nodiscard]] kube::Status InstallCni(const CniInstallOptions& options);

}  // namespace ipam

#endif  // IPAM_NODE_CNI_INSTALL_H_
