// InventoryReconciler: keeps one ConfigMap in step with the cluster's nodes.
//
// The ConfigMap holds, per node, whether it is Ready and its labels, plus a
// summary. It is written by server-side apply only when its content would
// change, so a cluster at rest costs no API writes. An Event on the
// ConfigMap tells each change.
#ifndef EXAMPLES_NODE_INVENTORY_INVENTORY_RECONCILER_H_
#define EXAMPLES_NODE_INVENTORY_INVENTORY_RECONCILER_H_

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"

namespace inventory {

// The ConfigMap's data for these nodes (pure; unit-tested).
std::map<std::string, std::string> RenderInventory(const std::vector<kube::ObjectPtr>& nodes);

class InventoryReconciler : public kube::Reconciler {
 public:
  InventoryReconciler(kube::Client& client, kube::EventRecorder& recorder, kube::Informer& nodes,
                      kube::Informer& config_maps, std::string ns, std::string name);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request,
                                                std::stop_token stop) override;

  uint64_t reconciles() const { return reconciles_.load(); }
  uint64_t writes() const { return writes_.load(); }

  static constexpr const char* kFieldManager = "node-inventory";

 private:
  kube::Client& client_;
  kube::EventRecorder& recorder_;
  kube::Informer& nodes_;
  kube::Informer& config_maps_;
  const std::string namespace_;
  const std::string name_;
  std::atomic<uint64_t> reconciles_{0};
  std::atomic<uint64_t> writes_{0};
};

}  // namespace inventory

#endif  // EXAMPLES_NODE_INVENTORY_INVENTORY_RECONCILER_H_
