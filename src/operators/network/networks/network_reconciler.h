// NetworkReconciler: keeps the NetworkAttachmentDefinition of one
// secondary-network kind (MacvlanNetwork, HostDeviceNetwork or IPoIBNetwork)
// in step with each resource of that kind, and reports in its status.
//
// The NAD is one state: rendered from its manifest template and applied
// through the shared apply path (owned by the network resource, so deleting
// the resource deletes it; applied only when its content changed; deleted
// from a namespace the resource moved away from). Invalid specs give status `error` with the field named, an Event,
// and no NAD write. Status is written only when it changes.
#ifndef OPERATORS_NETWORK_NETWORKS_NETWORK_RECONCILER_H_
#define OPERATORS_NETWORK_NETWORKS_NETWORK_RECONCILER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/status_writer.h"
#include "network_kind.h"
#include "owned_objects.h"

namespace network {

class NetworkReconciler : public kube::Reconciler {
 public:
  NetworkReconciler(kube::Client& client, kube::EventRecorder& recorder, NetworkKind kind, kube::Informer& networks,
                    kube::Informer& attachments);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

  static constexpr const char* kFieldManager = "network-operator";

 private:
  // Writes status {state, reason, link} when it differs; Events on a change of state.
  kube::Status UpdateStatus(const kube::Object& network, const std::string& state, const std::string& reason,
                            const std::string& link);
  // An Event for each of this network's NADs in a namespace other than `keep_namespace` (which the
  // apply path then deletes).
  void ReportMovedAttachments(const kube::Object& network, const std::string& keep_namespace);

  kube::Client& client_;
  kube::EventRecorder& recorder_;
  kube::StatusWriter status_;
  const NetworkKind kind_;
  kube::Informer& networks_;
  kube::Informer& attachments_;
  operators::ManagedKinds kinds_;  // the NADs
  operators::OwnedObjects objects_;
};

}  // namespace network

#endif  // OPERATORS_NETWORK_NETWORKS_NETWORK_RECONCILER_H_
