#include "states/state_rules.h"

#include "render_helpers.h"
#include "runtime_access.h"

namespace gpu::states {

using nlohmann::json;

bool Always(const json&) { return true; }

kube::Status DriverManagerContext(const RenderInputs& in, const char* section, json* c) {
  json manager = Section(in.spec, section).value("driverManager", json::object());
  std::string field = std::string("spec.") + section + ".driverManager";
  if (!manager.is_object() || (!manager.contains("image") && !manager.contains("repository"))) {
    manager = Section(in.spec, "driver").value("manager", json::object());
    field = "spec.driver.manager";
  }
  auto image = OperandImage(in, manager, field, "DRIVER_MANAGER_IMAGE");
  if (!image.ok()) return image.status();
  (*c)["driverManagerImage"] = *image;
  (*c)["driverManagerPullPolicy"] = Str(manager, "imagePullPolicy", "IfNotPresent");
  return kube::Status::Ok();
}

std::function<bool(const json&)> EnabledByDefault(const char* section) {
  return [section](const json& s) { return Enabled(s, section, true); };
}

bool DriverOfPolicy(const json& spec) {
  return Enabled(spec, "driver", true) && !SpecBool(spec, "/driver/useNvidiaDriverCRD", false);
}

bool Sandbox(const json& spec, const char* section, bool fallback) {
  return SandboxEnabled(spec) && Enabled(spec, section, fallback);
}

bool Mode(const json& spec, const char* mode) { return SpecString(spec, "/sandboxWorkloads/mode", "kubevirt") == mode; }

std::string ToolkitInstallDir(const json& spec) { return SpecString(spec, "/toolkit/installDir", "/usr/local/nvidia"); }

void PluginConfig(const json& spec, const char* process, json* ctx) {
  const std::string name = SpecString(spec, "/devicePlugin/config/name");
  (*ctx)["hasConfig"] = !name.empty();
  (*ctx)["configName"] = name;
  (*ctx)["configDefault"] = SpecString(spec, "/devicePlugin/config/default");
  (*ctx)["signalProcess"] = process;
  (*ctx)["mpsRoot"] = SpecString(spec, "/devicePlugin/mps/root", "/run/nvidia/mps");
}

void GpuUserDaemonSet(const RenderInputs& in, json& ds) { ManagementDeviceAccess(in, "", ds); }

}  // namespace gpu::states
