// NodeLabelReconciler: the single writer of a node's GPU labels
// (`nvidia.com/gpu.present`, `nvidia.com/gpu.deploy.*`, the default
// `nvidia.com/mig.config`), from its NFD labels and the effective
// ClusterPolicy, or upstream's defaults when only NVIDIADrivers exist. One
// node per reconcile; a node already right costs nothing.
#ifndef OPERATORS_GPU_LABELS_NODE_LABEL_RECONCILER_H_
#define OPERATORS_GPU_LABELS_NODE_LABEL_RECONCILER_H_

#include "kube/client.h"
#include "kube/controller.h"
#include "kube/informer.h"

namespace gpu {

class NodeLabelReconciler : public kube::Reconciler {
 public:
  NodeLabelReconciler(kube::Client& client, kube::Informer& policies, kube::Informer& drivers, kube::Informer& nodes)
      : client_(client), policies_(policies), drivers_(drivers), nodes_(nodes) {}

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileRequest& request, std::stop_token stop) override;

 private:
  kube::Client& client_;
  kube::Informer& policies_;
  kube::Informer& drivers_;  // NVIDIADrivers
  kube::Informer& nodes_;
};

}  // namespace gpu

#endif  // OPERATORS_GPU_LABELS_NODE_LABEL_RECONCILER_H_
