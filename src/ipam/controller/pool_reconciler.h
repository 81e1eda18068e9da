// PoolReconciler: keeps the per-node allocations in the status of each IPPool
// (blocks) or CIDRPool (prefixes) of one namespace in step with the pool's
// spec and the cluster's nodes.
//
// Allocation is the pure function Allocate; this class reads the caches,
// writes status only when it changed (zero writes at rest), and explains:
// a `Ready` condition (False with InvalidSpec, NoFreeRanges or
// NoFreePrefixes), a Warning naming the nodes left without addresses, and
// an Event naming the nodes an edit moved. An invalid spec keeps the
// allocations in place (upstream clears them, which strands running pods'
// nodes without a block).
#ifndef IPAM_CONTROLLER_POOL_RECONCILER_H_
#define IPAM_CONTROLLER_POOL_RECONCILER_H_

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/status_writer.h"
#include "pool/pool_spec.h"

namespace ipam {

class PoolReconciler : public kube::Reconciler {
 public:
  PoolReconciler(kube::Client& client, kube::EventRecorder& recorder, PoolType type, kube::Informer& pools,
                 kube::Informer& nodes);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

  static constexpr const char* kFieldManager = "ipam-controller";

 private:
  // Writes {allocations, conditions} when they differ from the pool's status.
  kube::Result<bool> WriteStatus(const kube::Object& pool, const nlohmann::json& current, nlohmann::json allocations,
                                 const std::string& ready, const std::string& reason, const std::string& message);

  kube::EventRecorder& recorder_;
  kube::StatusWriter status_;
  const PoolType type_;
  kube::Informer& pools_;
  kube::Informer& nodes_;
};

}  // namespace ipam

#endif  // IPAM_CONTROLLER_POOL_RECONCILER_H_
