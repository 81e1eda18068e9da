#include "config_map_check.h"

namespace gpu {

kube::Status CheckConfigMaps(kube::Client& client, const std::string& ns,
                             const std::vector<ConfigMapReference>& refs) {
  for (const auto& ref : refs) {
    auto cm = client.Get(kube::resources::ConfigMaps(), ns, ref.name);
    if (kube::IsNotFound(cm.status())) {
      return kube::Status(kube::Code::kInvalidArgument,
                          ref.field + ": ConfigMap " + ns + "/" + ref.name + " does not exist");
    }
    if (!cm.ok()) return cm.status().WithContext("reading " + ref.field);
  }
  return kube::Status::Ok();
}

}  // namespace gpu
