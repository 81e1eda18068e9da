#include "nvidiadriver/nvidia_driver_spec.h"

#include <set>

#include "fnv_hash.h"

namespace gpu {
namespace {

using nlohmann::json;

kube::Status Invalid(const std::string& field, const std::string& message) {
  return kube::Status(kube::Code::kInvalidArgument, field + ": " + message);
}

// The NVIDIADriver's name of a ConfigMap setting, and the ClusterPolicy's.
struct Renamed {
  const char* section;
  const char* from;
  const char* to;
};
constexpr Renamed kConfigNames[] = {
    {"repoConfig", "name", "configMapName"},
    {"certConfig", "name", "name"},
    {"kernelModuleConfig", "name", "name"},
};

// The scheduling settings the ClusterPolicy keeps in spec.daemonsets.
constexpr const char* kDaemonSetSettings[] = {"priorityClassName", "tolerations", "podSecurityContext", "labels",
                                             "annotations"};

// The fields of an image section and of the main container.
constexpr const char* kImageFields[] = {"repository", "image", "version", "imagePullPolicy", "imagePullSecrets",
                                        "env", "args", "resources"};

// An image given whole in `image` ("nvcr.io/nvidia/driver", the CRD's default) with a
// separate version: split into repository and image, as the renderer expects the three.
void SplitImage(json& section) {
  const std::string repository = SpecString(section, "/repository");
  const std::string image = SpecString(section, "/image");
  const std::string version = SpecString(section, "/version");
  const auto slash = image.rfind('/');
  if (!repository.empty() || version.empty() || slash == std::string::npos) return;
  section["repository"] = image.substr(0, slash);
  section["image"] = image.substr(slash + 1);
}

}  // namespace

std::string DriverType(const json& spec) { return SpecString(spec, "/driverType", "gpu"); }

kube::Status ValidateNvidiaDriver(const json& spec) {
  static const std::set<std::string> kTypes = {"gpu", "vgpu", "vgpu-host-manager"};
  static const std::set<std::string> kModuleTypes = {"auto", "open", "proprietary"};
  if (!kTypes.count(DriverType(spec))) {
    return Invalid("spec.driverType", "unknown value \"" + DriverType(spec) + "\" (one of gpu, vgpu, vgpu-host-manager)");
  }
  const std::string module_type = SpecString(spec, "/kernelModuleType", "auto");
  if (!kModuleTypes.count(module_type)) {
    return Invalid("spec.kernelModuleType", "unknown value \"" + module_type + "\" (one of auto, open, proprietary)");
  }
  // An image that names its own tag or digest beside a version would become "<image>:<tag>:<version>".
  const std::string image = SpecString(spec, "/image");
  const size_t last_slash = image.rfind('/');
  const bool tagged = image.find('@') != std::string::npos ||
                      image.find(':', last_slash == std::string::npos ? 0 : last_slash) != std::string::npos;
  if (tagged && !SpecString(spec, "/version").empty()) {
    return Invalid("spec.image", kube::Quoted(image) + " already names a tag or digest; spec.version (" +
                                     kube::Quoted(SpecString(spec, "/version")) + ") would be added to it: set one of them");
  }
  if (SpecBool(spec, "/usePrecompiled", false)) {
    if (Enabled(spec, "gds", false)) {
      return Invalid("spec.usePrecompiled", "precompiled drivers cannot be used with GDS (spec.gds.enabled)");
    }
    if (Enabled(spec, "gdrcopy", false)) {
      return Invalid("spec.usePrecompiled", "precompiled drivers cannot be used with GDRCopy (spec.gdrcopy.enabled)");
    }
    if (SpecString(spec, "/version").rfind("sha256:", 0) == 0 || SpecString(spec, "/image").find('@') != std::string::npos) {
      return Invalid("spec.version", "precompiled drivers are chosen by tag per kernel; a digest cannot be used");
    }
  }
  return kube::Status::Ok();
}

std::vector<ConfigMapReference> NvidiaDriverConfigMaps(const json& spec) {
  std::vector<ConfigMapReference> refs;
  for (const auto& r : kConfigNames) {
    const std::string name = SpecString(spec, std::string("/") + r.section + "/" + r.from);
    if (!name.empty()) refs.push_back({std::string("spec.") + r.section + "." + r.from, name});
  }
  return refs;
}

json DriverRenderSpec(const json& policy_spec, const json& driver_spec) {
  json spec = policy_spec.is_object() ? policy_spec : json::object();
  json driver = driver_spec;
  for (const char* key : {"nodeSelector", "nodeAffinity", "default", "upgradePolicy", "gds", "gdrcopy"}) driver.erase(key);
  for (const char* key : kDaemonSetSettings) driver.erase(key);
  for (const auto& r : kConfigNames) {
    const std::string name = SpecString(driver_spec, std::string("/") + r.section + "/" + r.from);
    driver.erase(r.section);
    if (!name.empty()) driver[r.section][r.to] = name;
  }
  SplitImage(driver);
  if (driver.contains("manager") && driver["manager"].is_object()) SplitImage(driver["manager"]);
  driver["enabled"] = true;
  if (DriverType(driver_spec) == "vgpu-host-manager") {
    json manager = json::object();
    for (const char* key : kImageFields) {
      if (driver.contains(key)) manager[key] = driver[key];
    }
    manager["enabled"] = true;
    spec["vgpuManager"] = std::move(manager);
  }
  spec["driver"] = std::move(driver);
  for (const char* key : {"gds", "gdrcopy"}) {
    spec[key] = driver_spec.contains(key) && driver_spec[key].is_object() ? driver_spec[key] : json::object();
  }
  json daemonsets = json::object();
  for (const char* key : kDaemonSetSettings) {
    if (driver_spec.contains(key) && !driver_spec[key].is_null()) daemonsets[key] = driver_spec[key];
  }
  spec["daemonsets"] = std::move(daemonsets);
  return spec;
}

std::string NvidiaDriverDaemonSetName(const std::string& driver_type, const std::string& os_tag, const std::string& uid,
                                      const std::string& kernel) {
  // As upstream: FNV-1a of the uid (and kernel), safe-encoded, so an upstream install's DaemonSets
  // are the ones this operator applies, and their pods stay.
  const std::string hash = operators::Fnv32SafeEncoded(uid + (kernel.empty() ? "" : "-" + kernel));
  std::string prefix = "nvidia-" + driver_type + "-driver-" + os_tag;
  const size_t room = 63 - hash.size() - 1;
  if (prefix.size() > room) prefix.resize(room);
  while (!prefix.empty() && (prefix.back() == '-' || prefix.back() == '.')) prefix.pop_back();
  return prefix + "-" + hash;
}

std::string NvidiaDriverResourceName(const std::string& driver_type, const std::string& name) {
  return driver_type == "vgpu-host-manager" ? "nvidia-vgpu-manager-" + name : "nvidia-" + driver_type + "-driver-" + name;
}

}  // namespace gpu
