#include "cni/cni_result.h"

#include <algorithm>
#include <array>

namespace ipam {
namespace {

constexpr std::array<const char*, 5> kVersions = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

}  // namespace

bool SupportedCniVersion(const std::string& version) {
  return std::find(kVersions.begin(), kVersions.end(), version) != kVersions.end();
}

bool CniVersionHasCheck(const std::string& version) { return version != "0.3.0" && version != "0.3.1"; }

nlohmann::json CniVersionInfo(const std::string& cni_version) {
  return {{"cniVersion", cni_version.empty() ? "1.0.0" : cni_version},
          {"supportedVersions", nlohmann::json(std::vector<std::string>(kVersions.begin(), kVersions.end()))}};
}

nlohmann::json CniResult(const std::string& cni_version, const std::vector<AllocatedAddress>& addresses) {
  const bool legacy = cni_version.rfind("0.", 0) == 0;
  nlohmann::json ips = nlohmann::json::array(), routes = nlohmann::json::array();
  for (const auto& a : addresses) {
    nlohmann::json ip = {{"address", IPPrefix{a.ip, a.prefix_length}.ToString()}};
    if (legacy) ip["version"] = a.ip.v6 ? "6" : "4";
    if (a.gateway) ip["gateway"] = a.gateway->ToString();
    ips.push_back(std::move(ip));
    // The gateway is spelled out: plugins' CHECK compares routes as configured, gateway included.
    for (const auto& r : a.routes) {
      nlohmann::json route = {{"dst", r.ToString()}};
      if (a.gateway) route["gw"] = a.gateway->ToString();
      routes.push_back(std::move(route));
    }
  }
  nlohmann::json result = {{"cniVersion", cni_version}, {"ips", ips}, {"dns", nlohmann::json::object()}};
  if (!routes.empty()) result["routes"] = routes;
  return result;
}

int CniErrorCode(const kube::Status& status) {
  switch (status.code()) {
    case kube::Code::kResourceExhausted: return 101;
    case kube::Code::kNotFound: return 102;
    case kube::Code::kAlreadyExists: return 103;
    case kube::Code::kUnavailable:
    case kube::Code::kTimeout: return 11;
    case kube::Code::kInvalidArgument: return 7;
    default: return 999;
  }
}

nlohmann::json CniError(const std::string& cni_version, int code, const std::string& msg, const std::string& details) {
  nlohmann::json e = {{"cniVersion", cni_version.empty() ? "1.0.0" : cni_version}, {"code", code}, {"msg", msg}};
  if (!details.empty()) e["details"] = details;
  return e;
}

}  // namespace ipam
