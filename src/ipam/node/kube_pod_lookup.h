// KubePodLookup: a PodLookup over this node's pod informer, confirmed with a
// direct GET before a pod is called gone (the cache may lag a new pod).
#ifndef IPAM_NODE_KUBE_POD_LOOKUP_H_
#define IPAM_NODE_KUBE_POD_LOOKUP_H_

#include "kube/client.h"
#include "kube/informer.h"
#include "node/stale_cleaner.h"

namespace ipam {

class KubePodLookup : public PodLookup {
 public:
  KubePodLookup(kube::Client& client, kube::Informer& pods) : client_(client), pods_(pods) {}
  kube::Result<bool> Exists(const PodRef& pod) const override;

 private:
  kube::Client& client_;
  kube::Informer& pods_;
};

}  // namespace ipam

#endif  // IPAM_NODE_KUBE_POD_LOOKUP_H_
