#include "node/kube_pod_lookup.h"

namespace ipam {

kube::Result<bool> KubePodLookup::Exists(const PodRef& pod) const {
  if (!pods_.HasSynced()) return kube::Status(kube::Code::kUnavailable, "pod cache not synced");
  if (kube::ObjectPtr cached = pods_.store().Get(kube::ObjectKey(pod.namespace_, pod.name))) {
    if (cached->meta().uid == pod.uid) return true;
  }
  auto live = client_.Get(kube::resources::Pods(), pod.namespace_, pod.name);
  if (!live.ok()) {
    if (kube::IsNotFound(live.status())) return false;
    return live.status();
  }
  return live->meta().uid == pod.uid;
}

}  // namespace ipam
