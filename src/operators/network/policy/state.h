// A state of a NicClusterPolicy: one component (Multus, the CNI plugins, the
// RDMA shared device plugin, ...) rendered from its manifest templates.
//
// A definition (operators::StateDefinition: name, templates, the kinds it
// creates, its context hook) says where the component's section is in the
// spec, which condition reports it and which containers it has; each state's
// is in states/<state>.cc. Everything else (applying, cleaning up, judging
// readiness, reporting) is the StateSyncer's, shared by all.
#ifndef OPERATORS_NETWORK_POLICY_STATE_H_
#define OPERATORS_NETWORK_POLICY_STATE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"
#include "ofed_pools.h"
#include "registry/tag_cache.h"
#include "state_definition.h"

namespace network {

// What the registry last said about an image repository's tags ("nvcr.io/nvidia/mellanox/doca-driver"),
// signing in with the named pull secrets; answers at once, kPending until the first listing is done.
using TagLookup = std::function<registry::TagCache::Answer(const std::string& repository,
                                                           const std::vector<std::string>& pull_secrets)>;

// What the operator's own environment decides for the states (upstream's chart sets the same).
struct OperandSettings {
  std::string namespace_ = "nvidia-network-operator";  // where namespaced operands go
  std::string ofed_init_image;  // OFED_INIT_CONTAINER_IMAGE: the driver pods' init container; none when empty
  // The host's CNI directories (the chart's operator.cniBinDirectory and cniNetworkDirectory).
  std::string cni_bin_dir = "/opt/cni/bin";
  std::string cni_network_dir = "/etc/cni/net.d";
  TagLookup driver_tags;        // whether precompiled OFED driver tags exist; none: the registry is not asked
  // The registry every operand image is pulled from instead of its own (IMAGE_REGISTRY, the chart's
  // global.imageRegistry); "" keeps each as the policy names it.
  std::string image_registry;
};

// A ConfigMap's data by namespace and name; NotFound when there is none.
using ConfigMapReader = std::function<kube::Result<nlohmann::json>(const std::string& ns, const std::string& name)>;

struct RenderInputs {
  const nlohmann::json& spec;     // the policy's spec
  const nlohmann::json& section;  // this state's section of it
  std::string field;              // the section's path, for messages: "spec.secondaryNetwork.multus"
  std::string namespace_;         // where namespaced operands go
  const std::vector<NodeLabels>* nodes = nullptr;  // the cluster's nodes (labels and taints)
  // For a NicNodePolicy: its name, which its objects' names carry, and its node selector,
  // which its DaemonSets add. Empty for the NicClusterPolicy.
  std::string node_policy;
  std::map<std::string, std::string> node_selector;
  std::string ofed_init_image;  // OperandSettings::ofed_init_image
  ConfigMapReader read_config_map;  // for states that mount a user's ConfigMap key by key
  // The OFED state's precompiled-tag question (OperandSettings::driver_tags). Without one,
  // forcePrecompiled alone decides.
  TagLookup driver_tags;
  // The image of the driver container of a live DaemonSet of this state, "" when there is none:
  // what a driver pool keeps while the registry's first answer is still out.
  std::function<std::string(const std::string& daemonset)> live_driver_image;
  std::string cni_bin_dir = "/opt/cni/bin";       // OperandSettings::cni_bin_dir
  std::string cni_network_dir = "/etc/cni/net.d";  // OperandSettings::cni_network_dir
};

struct StateDefinition : operators::StateDefinition<RenderInputs> {
  std::string condition_type;  // "MultusCNIReady"
  std::string section;         // JSON pointer into the spec: "/secondaryNetwork/multus"
  std::vector<std::string> containers;  // names containerResources may refer to
  // Resources of the containers that have defaults upstream, used when containerResources
  // does not name them: {"nv-ipam-node": {"requests": {...}, "limits": {...}}}.
  nlohmann::json default_resources = nlohmann::json::object();
  // Where the component's image specs are, as JSON pointers into its section: "" is the
  // section itself; a component with several images (the NIC configuration operator)
  // lists each. The first is the template's `image`; each is also `images.<name>`.
  std::vector<std::string> image_specs = {""};
  // Whether status.appliedStates lists the state when its section is unset. Upstream's own
  // states always are; a state upstream does not have is listed only when configured.
  bool listed_when_unset = true;
};

// The NicClusterPolicy states this operator implements, in upstream order.
const std::vector<StateDefinition>& NicClusterPolicyStates();

// The NicNodePolicy states (OFED, RDMA and SR-IOV device plugins): the same definitions.
const std::vector<StateDefinition>& NicNodePolicyStates();

// The context every template gets: namespace, image, pull secrets, tolerations and
// affinity for DaemonSets and for Deployments, per-container resources (as JSON
// flow text), CNI directories,
// and `config` with its hash when the section has one.
kube::Result<nlohmann::json> CommonContext(const StateDefinition& state, const RenderInputs& in);

struct RenderedState {
  std::vector<nlohmann::json> objects;
  std::string pending;  // non-empty: the state cannot be ready yet, and why
  std::string note;     // said in the report even when ready
};

// The state's objects for this section: its context rendered through its templates.
kube::Result<RenderedState> RenderState(const StateDefinition& state, const RenderInputs& in);

}  // namespace network

#endif  // OPERATORS_NETWORK_POLICY_STATE_H_
