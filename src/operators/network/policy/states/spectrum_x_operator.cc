// state-spectrum-x-operator: the Spectrum-X flow controller, which starts the X-plane itself.
#include "states/states.h"

#include "image_spec.h"

namespace network::states {
namespace {

// The flow controller starts the X-plane itself; it is told the image through its environment.
kube::Status SpectrumXContext(const RenderInputs& in, nlohmann::json* ctx) {
  nlohmann::json env = nlohmann::json::array();
  if (in.section.contains("xPlane") && in.section["xPlane"].is_object()) {
    const std::string field = in.field + ".xPlane";
    auto xplane = ResolveImage(in.section["xPlane"], in.spec.value("global", nlohmann::json::object()), field);
    if (!xplane.ok()) return xplane.status();
    std::string secrets;
    for (const auto& s : xplane->pull_secrets) secrets += (secrets.empty() ? "" : ",") + s;
    env.push_back({{"name", "XPLANE_REPOSITORY"}, {"value", xplane->repository}});
    env.push_back({{"name", "XPLANE_IMAGE"}, {"value", xplane->image}});
    env.push_back({{"name", "XPLANE_VERSION"}, {"value", xplane->version}});
    env.push_back({{"name", "IMAGE_PULL_SECRETS"}, {"value", secrets}});
  }
  env.push_back({{"name", "POD_NAMESPACE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}}});
  env.push_back({{"name", "NODE_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}});
  (*ctx)["envJson"] = env.dump();
  return kube::Status::Ok();
}

}  // namespace

StateDefinition SpectrumXOperator() {
  StateDefinition s;
  s.name = "state-spectrum-x-operator";
  s.manifests = "network-operator/state-spectrum-x-operator";
  s.kinds = {"CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"};
  s.customize = SpectrumXContext;
  s.condition_type = "SpectrumXOperatorReady";
  s.section = "/spectrumXOperator";
  s.containers = {"spectrum-x-flowcontroller"};
  return s;
}

}  // namespace network::states
