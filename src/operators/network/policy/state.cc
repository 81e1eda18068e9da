#include "state.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>

#include "fnv_hash.h"
#include "image_spec.h"
#include "states/state_rules.h"
#include "states/states.h"
#include "wrong_typed_field.h"

namespace network {
namespace {

using states::Invalid;

// Base64 of the SHA-256 of `text`, as upstream's config-hash annotation.
std::string ConfigHash(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out(4 * ((len + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(len));
  return out;
}

}  // namespace

const std::vector<StateDefinition>& NicClusterPolicyStates() {
  static const std::vector<StateDefinition> list = {
      states::MultusCni(),
      states::ContainerNetworkingPlugins(),
      states::IpoibCni(),
      states::WhereaboutsCni(),
      states::OfedDriver(),
      states::SriovDevicePlugin(),
      states::RdmaSharedDevicePlugin(),
      states::IbKubernetes(),
      states::NvIpamCni(),
      states::NicFeatureDiscovery(),
      states::DocaTelemetryService(),
      states::NicConfigurationOperator(),
      states::SpectrumXOperator(),
  };
  return list;
}

const std::vector<StateDefinition>& NicNodePolicyStates() {
  // Upstream's order for node policies: the driver, then the RDMA and SR-IOV device plugins.
  static const std::vector<StateDefinition> list = [] {
    std::vector<StateDefinition> out;
    for (const char* name : {"state-OFED", "state-RDMA-device-plugin", "state-SRIOV-device-plugin"}) {
      for (const auto& s : NicClusterPolicyStates()) {
        if (s.name == name) out.push_back(s);
      }
    }
    return out;
  }();
  return list;
}

kube::Result<nlohmann::json> CommonContext(const StateDefinition& state, const RenderInputs& in) {
  // Each image spec: its reference, its pull secrets (all of them go to every pod of the
  // state) and its containerResources.
  nlohmann::json images = nlohmann::json::object();
  nlohmann::json pull_secrets = nlohmann::json::array();
  std::vector<std::pair<std::string, const nlohmann::json*>> resource_lists;  // field, list
  std::string first_image;
  for (const auto& pointer : state.image_specs) {
    std::string field = in.field + pointer;
    std::replace(field.begin() + static_cast<std::ptrdiff_t>(in.field.size()), field.end(), '/', '.');
    const nlohmann::json::json_pointer at(pointer);
    if (!in.section.contains(at) || !in.section.at(at).is_object()) return Invalid(field, "is required");
    const nlohmann::json& spec = in.section.at(at);
    auto image = ResolveImage(spec, in.spec.value("global", nlohmann::json::object()), field);
    if (!image.ok()) return image.status();
    images[pointer.empty() ? "main" : pointer.substr(1)] = image->reference;
    if (first_image.empty()) first_image = image->reference;
    for (const auto& s : image->pull_secrets) {
      const nlohmann::json entry = {{"name", s}};
      if (std::find(pull_secrets.begin(), pull_secrets.end(), entry) == pull_secrets.end()) pull_secrets.push_back(entry);
    }
    if (spec.contains("containerResources")) resource_lists.emplace_back(field, &spec["containerResources"]);
  }

  // User tolerations, then the one every operand gets so GPU nodes are covered.
  nlohmann::json tolerations = in.spec.value("tolerations", nlohmann::json::array());
  if (!tolerations.is_array()) return Invalid("spec.tolerations", "must be a list");
  tolerations.push_back({{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
  nlohmann::json affinity = nlohmann::json::object();
  if (in.spec.contains("nodeAffinity")) affinity["nodeAffinity"] = in.spec["nodeAffinity"];

  // Deployments: the GPU and control-plane taints, then the user's; a preference for control-plane
  // nodes, with the user's node affinity.
  nlohmann::json user_tolerations = in.spec.value("deploymentTolerations", nlohmann::json::array());
  if (!user_tolerations.is_array()) return Invalid("spec.deploymentTolerations", "must be a list");
  nlohmann::json deployment_tolerations = nlohmann::json::array();
  nlohmann::json prefer = nlohmann::json::array();
  deployment_tolerations.push_back({{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
  for (const char* key : {"node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane"}) {
    deployment_tolerations.push_back({{"key", key}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
    prefer.push_back({{"weight", 1},
                      {"preference", {{"matchExpressions", {{{"key", key}, {"operator", "In"}, {"values", {""}}}}}}}});
  }
  for (const auto& t : user_tolerations) deployment_tolerations.push_back(t);
  // Some upstream Deployments (ib-kubernetes, the NIC configuration operator) list the
  // control-plane taints first; the same tolerations, in their order, keep their pods as they are.
  nlohmann::json control_plane_first = nlohmann::json::array();
  for (const char* key : {"node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane", "nvidia.com/gpu"}) {
    control_plane_first.push_back({{"key", key}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
  }
  for (const auto& t : user_tolerations) control_plane_first.push_back(t);
  nlohmann::json node_affinity = in.spec.value("deploymentNodeAffinity", nlohmann::json::object());
  if (!node_affinity.is_object()) return Invalid("spec.deploymentNodeAffinity", "must be an object");
  for (const auto& p : node_affinity.value("preferredDuringSchedulingIgnoredDuringExecution", nlohmann::json::array())) {
    prefer.push_back(p);
  }
  node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] = prefer;
  nlohmann::json deployment_affinity = {{"nodeAffinity", node_affinity}};

  nlohmann::json resources = nlohmann::json::object();
  for (const auto& c : state.containers) resources[c] = state.default_resources.value(c, nlohmann::json::object()).dump();
  for (const auto& [field, list_ptr] : resource_lists) {
    const auto& list = *list_ptr;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string name = list[i].value("name", "");
      if (!resources.contains(name)) {
        std::string known;
        for (const auto& c : state.containers) known += (known.empty() ? "" : ", ") + c;
        return Invalid(field + ".containerResources[" + std::to_string(i) + "].name",
                       "\"" + name + "\" is not a container of this component (" + known + ")");
      }
      nlohmann::json r = nlohmann::json::object();
      if (list[i].contains("limits")) r["limits"] = list[i]["limits"];
      if (list[i].contains("requests")) r["requests"] = list[i]["requests"];
      resources[name] = r.dump();
    }
  }
  // A string config is dropped verbatim into a ConfigMap; object configs are the state's own.
  const auto config_it = in.section.find("config");
  const std::string config = config_it != in.section.end() && config_it->is_string() ? config_it->get<std::string>() : "";
  nlohmann::json ctx = {{"namespace", in.namespace_},
                        {"image", first_image},
                        {"images", images},
                        {"imagePullSecretsJson", pull_secrets.dump()},
                        {"tolerationsJson", tolerations.dump()},
                        {"affinityJson", affinity.dump()},
                        {"deploymentTolerationsJson", deployment_tolerations.dump()},
                        {"deploymentAffinityJson", deployment_affinity.dump()},
                        {"controlPlaneFirstTolerationsJson", control_plane_first.dump()},
                        {"resourcesJson", resources},
                        {"cniBinDir", in.cni_bin_dir},
                        {"cniNetworkDir", in.cni_network_dir},
                        {"configJsonString", nlohmann::json(config).dump()},
                        {"configHash", ConfigHash(config)}};
  // A NicNodePolicy's objects: ConfigMaps and selectors carry its name, DaemonSet names its hash.
  ctx["nameSuffix"] = in.node_policy.empty() ? "" : "-" + in.node_policy;
  ctx["nameHash"] = in.node_policy.empty() ? "" : "-" + operators::Fnv32SafeEncoded(in.node_policy);
  ctx["dsOwner"] = in.node_policy.empty() ? "NicClusterPolicy" : "nnp-" + in.node_policy;
  ctx["hasAffinity"] = !affinity.empty();
  nlohmann::json selector = nlohmann::json::array();
  for (const auto& [key, value] : in.node_selector) selector.push_back({{"key", key}, {"value", value}});
  ctx["nodeSelector"] = selector;
  if (state.customize) KUBE_RETURN_IF_ERROR(state.customize(in, &ctx));
  return ctx;
}

namespace {
kube::Result<RenderedState> RenderStateUnchecked(const StateDefinition& state, const RenderInputs& in) {
  auto context = CommonContext(state, in);
  if (!context.ok()) return context.status();
  auto objects = operators::RenderStateTemplates(state, *context);
  if (!objects.ok()) return objects.status();
  return RenderedState{std::move(objects).value(), context->value("pending", ""), context->value("note", "")};
}
}  // namespace

kube::Result<RenderedState> RenderState(const StateDefinition& state, const RenderInputs& in) {
  // The CRD schema keeps field types right; should a value still have the wrong type, the
  // state fails with the field named instead of the reconcile failing as a whole.
  try {
    return RenderStateUnchecked(state, in);
  } catch (const nlohmann::json::exception& e) {
    // Found by rendering the section without each member in turn; ConfigMaps are read once.
    std::map<std::string, kube::Result<nlohmann::json>> config_maps;
    auto read_once = [&](const std::string& ns, const std::string& name) -> kube::Result<nlohmann::json> {
      auto it = config_maps.find(ns + "/" + name);
      if (it == config_maps.end()) it = config_maps.emplace(ns + "/" + name, in.read_config_map(ns, name)).first;
      return it->second;
    };
    auto render = [&](const nlohmann::json& section) {
      RenderInputs probe{in.spec, section, in.field, in.namespace_, in.nodes, in.node_policy, in.node_selector,
                         in.ofed_init_image, in.read_config_map ? ConfigMapReader(read_once) : nullptr,
                         in.driver_tags, in.live_driver_image, in.cni_bin_dir, in.cni_network_dir};
      try {
        return RenderStateUnchecked(state, probe).ok() ? operators::RenderOutcome::kSucceeds
                                                       : operators::RenderOutcome::kFails;
      } catch (const nlohmann::json::exception&) {
        return operators::RenderOutcome::kThrows;
      }
    };
    if (const std::optional<std::string> field = operators::FindWrongTypedField(in.section, render)) {
      const std::string at = field->front() == '[' ? in.field + *field : in.field + "." + *field;
      return Invalid(at, std::string("has the wrong type (") + e.what() + ")");
    }
    return Invalid(in.field, std::string("a field has the wrong type (") + e.what() + ")");
  }
}

}  // namespace network
