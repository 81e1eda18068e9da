// state-vfio-manager: binds GPUs to vfio-pci for passthrough, after its driver manager empties the node.
#include "states/states.h"

#include "render_helpers.h"
#include "states/state_rules.h"

namespace gpu::states {
namespace {

using nlohmann::json;

kube::Status VfioManagerContext(const RenderInputs& in, json* c) {
  // The driver manager that empties the node first: spec.vfioManager.driverManager's image,
  // else the driver's (spec.driver.manager), else DRIVER_MANAGER_IMAGE.
  json manager = Section(in.spec, "vfioManager").value("driverManager", json::object());
  std::string field = "spec.vfioManager.driverManager";
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

}  // namespace

GpuState VfioManager() {
  GpuState s;
  s.name = "state-vfio-manager";
  s.manifests = "gpu-operator/state-vfio-manager";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"};
  s.section = "vfioManager";
  s.image_env = "VFIO_MANAGER_IMAGE";
  s.enabled = [](const json& spec) { return Sandbox(spec, "vfioManager", false); };
  s.customize = VfioManagerContext;
  return s;
}

}  // namespace gpu::states
