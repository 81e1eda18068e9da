// The definition of each NicClusterPolicy state, one file per state (states/<state>.cc): its
// name, templates and kinds, spec section, condition, containers and their default resources,
// and its own context hook. NicClusterPolicyStates() lists them in upstream's order.
#ifndef OPERATORS_NETWORK_POLICY_STATES_STATES_H_
#define OPERATORS_NETWORK_POLICY_STATES_STATES_H_

#include "state.h"

namespace network::states {

StateDefinition MultusCni();
StateDefinition ContainerNetworkingPlugins();
StateDefinition IpoibCni();
StateDefinition WhereaboutsCni();
StateDefinition OfedDriver();
StateDefinition SriovDevicePlugin();
StateDefinition RdmaSharedDevicePlugin();
StateDefinition IbKubernetes();
StateDefinition NvIpamCni();
StateDefinition NicFeatureDiscovery();
StateDefinition DocaTelemetryService();
StateDefinition NicConfigurationOperator();
StateDefinition SpectrumXOperator();

}  // namespace network::states

#endif  // OPERATORS_NETWORK_POLICY_STATES_STATES_H_
