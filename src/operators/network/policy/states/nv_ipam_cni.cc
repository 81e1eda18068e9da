// state-nv-ipam-cni: NVIDIA's IPAM plugin, its controller (IPPool, CIDRPool) and node daemon.
#include "states/states.h"

#include "states/state_rules.h"

namespace network::states {
namespace {

kube::Status NvIpamContext(const RenderInputs& in, nlohmann::json* ctx) {
  const auto webhook = in.section.value("enableWebhook", nlohmann::json(false));
  if (!webhook.is_boolean()) return Invalid(in.field + ".enableWebhook", "must be true or false");
  if (webhook.get<bool>()) {
    return Invalid(in.field + ".enableWebhook",
                   "is not supported yet: the webhook needs cert-manager certificates, which this operator does not "
                   "manage; pool specs are still checked by the CRD schema");
  }
  // Two controller replicas, preferably on different nodes.
  nlohmann::json affinity = (*ctx)["deploymentAffinityJson"].is_string()
                                ? nlohmann::json::parse((*ctx)["deploymentAffinityJson"].get<std::string>())
                                : nlohmann::json::object();
  affinity["podAntiAffinity"] = {
      {"preferredDuringSchedulingIgnoredDuringExecution",
       {{{"weight", 100},
         {"podAffinityTerm",
          {{"labelSelector",
            {{"matchExpressions", {{{"key", "name"}, {"operator", "In"}, {"values", {"nv-ipam-controller"}}}}}}},
           {"topologyKey", "kubernetes.io/hostname"}}}}}}};
  (*ctx)["controllerAffinityJson"] = affinity.dump();
  return kube::Status::Ok();
}

}  // namespace

StateDefinition NvIpamCni() {
  StateDefinition s;
  s.name = "state-nv-ipam-cni";
  s.manifests = "network-operator/state-nv-ipam-cni";
  s.kinds = {"CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "DaemonSet"};
  s.customize = NvIpamContext;
  s.condition_type = "NVIPAMReady";
  s.section = "/nvIpam";
  s.containers = {"nv-ipam-controller", "nv-ipam-node"};
  s.default_resources = {{"nv-ipam-controller", {{"requests", {{"cpu", "100m"}, {"memory", "300Mi"}}}}},
                         {"nv-ipam-node", {{"requests", {{"cpu", "100m"}, {"memory", "50Mi"}}}, {"limits", {{"cpu", "300m"}, {"memory", "300Mi"}}}}}};
  return s;
}

}  // namespace network::states
