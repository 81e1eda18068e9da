// nv-ipam: the CNI IPAM plugin. Reads the CNI environment and the network
// config, asks the node daemon for addresses (ADD), releases them (DEL) or
// confirms them (CHECK), and prints the result or a CNI error on stdout.
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "cni/cni_result.h"
#include "kube/json_limits.h"
#include "cni/plugin_config.h"
#include "rpc/unix_socket.h"
#include "version/version.h"

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Appends one line to the plugin's log file, when it can be opened.
void LogLine(const ipam::PluginConfig& config, const std::string& level, const std::string& message) {
  if (config.log_file.empty() || (level == "debug" && config.log_level != "debug")) return;
  std::ofstream out(config.log_file, std::ios::app);
  if (!out) return;
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  out << nlohmann::json({{"ts", stamp}, {"level", level}, {"msg", message}, {"pid", ::getpid()}}).dump() << "\n";
}

int Fail(const std::string& version, int code, const std::string& msg, const std::string& details = "") {
  std::cout << ipam::CniError(version, code, msg, details).dump() << std::endl;
  return 1;
}

int Run() {
  const std::string command = Env("CNI_COMMAND");
  const std::string input(std::istreambuf_iterator<char>(std::cin), {});
  auto parsed = kube::ParseJson(input);
  const nlohmann::json conf = parsed.ok() ? *parsed : nlohmann::json();
  const nlohmann::json& version_value = conf.is_object() && conf.contains("cniVersion") ? conf["cniVersion"] : conf;
  const std::string version = version_value.is_string() ? version_value.get<std::string>() : "";
  if (command == "VERSION") return std::cout << ipam::CniVersionInfo(version).dump() << std::endl, 0;
  if (!parsed.ok()) return Fail("", 6, "cannot decode the network configuration", "it " + parsed.status().message());
  if (!conf.is_object()) return Fail("", 6, "cannot decode the network configuration", "it is not a JSON object");
  if (!version_value.is_string()) {
    return Fail("", 1, "cniVersion must be a string such as \"1.0.0\"", "nv-ipam supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
  }
  if (!ipam::SupportedCniVersion(version)) {
    return Fail("", 1, "unsupported CNI version " + kube::Quoted(version), "nv-ipam supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
  }
  if (command != "ADD" && command != "DEL" && command != "CHECK") {
    return Fail(version, 4, "CNI_COMMAND must be ADD, DEL, CHECK or VERSION, not " + kube::Quoted(command));
  }
  const std::string container_id = Env("CNI_CONTAINERID"), if_name = Env("CNI_IFNAME");
  if (container_id.empty() || if_name.empty()) return Fail(version, 4, "CNI_CONTAINERID and CNI_IFNAME are required");
  auto config = ipam::LoadPluginConfig(conf, Env("CNI_ARGS"));
  if (!config.ok()) return Fail(version, 7, "invalid nv-ipam configuration", config.status().message());

  nlohmann::json request;
  if (command == "ADD") {
    ipam::AllocateRequest r;
    r.pools = config->pools;
    r.container_id = container_id;
    r.if_name = if_name;
    r.pod = config->pod;
    r.static_ips = config->static_ips;
    r.allocate_default_gateway = config->allocate_default_gateway;
    r.ip_index = config->ip_index;
    request = ipam::ToJson(r);
  } else {
    if (command == "CHECK" && !ipam::CniVersionHasCheck(version)) {
      return Fail(version, 1, "CHECK needs CNI version 0.4.0 or newer, the config says " + version);
    }
    request = ipam::ToJson(ipam::ReservationRequest{config->pools, container_id, if_name});
    request["method"] = command == "DEL" ? ipam::kDeallocate : ipam::kIsAllocated;
  }
  LogLine(*config, "debug", command + " " + request.dump());
  auto response = ipam::CallUnixSocket(config->daemon_socket, request, config->daemon_timeout);
  kube::Status status = response.ok() ? ipam::ErrorFromJson(*response) : response.status();
  if (!status.ok()) {
    LogLine(*config, "error", command + " " + container_id + "/" + if_name + ": " + status.message());
    int code = ipam::CniErrorCode(status);
    if (command == "CHECK" && code == 102) code = 104;
    return Fail(version, code, status.message());
  }
  if (command == "ADD") {
    auto addresses = ipam::AddressesFromJson(*response);
    if (!addresses.ok()) return Fail(version, 999, "malformed answer from the node daemon", addresses.status().message());
    const auto result = ipam::CniResult(version, *addresses);
    LogLine(*config, "info", "ADD " + container_id + "/" + if_name + ": " + result.dump());
    std::cout << result.dump() << std::endl;
  } else {
    LogLine(*config, "info", command + " " + container_id + "/" + if_name + ": ok");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A runtime passes no arguments; a person asking which build is installed does.
  if (argc == 2 && std::string(argv[1]) == "--version") return std::cout << version::VersionLine("nv-ipam") << std::endl, 0;
  try {
    return Run();
  } catch (const std::exception&) {
    // Every input is checked before use; reaching this is a bug, not a message for the runtime's user.
    return Fail("", 999, "nv-ipam failed unexpectedly", "please report it with the network configuration");
  }
}
