// state-multus-cni: Multus, the meta CNI plugin that attaches secondary networks to pods.
#include "states/states.h"

#include "kube/json_limits.h"
#include "states/state_rules.h"

namespace network::states {
namespace {

kube::Status MultusContext(const RenderInputs& in, nlohmann::json* ctx) {
  const std::string text = in.section.value("config", "");
  const bool has = text.find_first_not_of(" \t\r\n") != std::string::npos;
  if (has) {
    if (auto parsed = kube::ParseJson(text); !parsed.ok()) return Invalid(in.field + ".config", parsed.status().message());
  }
  (*ctx)["hasConfig"] = has;
  // Without a config, multus generates one from the primary CNI's file.
  (*ctx)["multusConfFile"] = has ? "/tmp/multus-conf/00-multus.conf" : "auto";
  return kube::Status::Ok();
}

}  // namespace

StateDefinition MultusCni() {
  StateDefinition s;
  s.name = "state-multus-cni";
  s.manifests = "network-operator/state-multus-cni";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet"};
  s.customize = MultusContext;
  s.condition_type = "MultusCNIReady";
  s.section = "/secondaryNetwork/multus";
  s.containers = {"kube-multus"};
  s.default_resources = {{"kube-multus", SmallDaemonResources()}};
  return s;
}

}  // namespace network::states
